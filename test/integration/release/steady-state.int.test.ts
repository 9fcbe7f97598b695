// Steady state: 50 healthy Releases (50 rolling services seeded in moto, each Release naming the
// image its service already runs, so it is adopted as stable revision 1 without a write). Over two
// resync periods the controller (child process, --resync-period=10s) reads ECS only with batched
// DescribeServices — at most 10 services per call, about ceil(50/10) calls per period — and makes
// no AWS write of any kind; it does not rewrite the Releases' status either. Counted at the proxy.
import { setTimeout as delay } from 'node:timers/promises';
import { CustomObjectsApi } from '@kubernetes/client-node';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { ReleaseKind, type ReleaseStatus } from '../../../reconcilers/release/api.js';
import { adminKubeConfig, createTestNamespace, waitFor } from '../../env/fixtures.js';
import { seedMoreServices } from '../../fixtures/moto/seed.js';
import { metricSum, scrapeMetrics, type ControllerProcess } from '../deploy/support.js';
import { createRelease, motoClients } from './support.js';
import {
  CallLog,
  convergedRollingRule,
  installAllCrds,
  jsonBody,
  logTail,
  seedWorld,
  startReleaseController,
} from './robustness-support.js';

const RELEASES = 50;
const PERIOD_S = 10;
const PERIODS = 2;
/** The most names one DescribeServices call may carry (the API's limit). */
const BATCH = 10;
const log = new CallLog();
let controller: ControllerProcess | undefined;

beforeAll(async () => {
  await installAllCrds();
  await log.start();
});
afterAll(async () => {
  await log.stop();
});
afterEach(async () => {
  log.proxy.clearRules();
  await controller?.kill();
  controller = undefined;
});

interface Listed {
  readonly name: string;
  readonly resourceVersion: string;
  readonly status?: ReleaseStatus;
}

async function listReleases(namespace: string): Promise<Listed[]> {
  const { group, version, plural } = ReleaseKind;
  const out = (await adminKubeConfig()
    .makeApiClient(CustomObjectsApi)
    .listNamespacedCustomObject({ group, version, namespace, plural })) as {
    items: { metadata: { name: string; resourceVersion: string }; status?: ReleaseStatus }[];
  };
  return out.items.map((r) => ({
    name: r.metadata.name,
    resourceVersion: r.metadata.resourceVersion,
    ...(r.status === undefined ? {} : { status: r.status }),
  }));
}

describe('50 healthy Releases in steady state', () => {
  it('cost about ceil(50/10) batched DescribeServices per resync period and no write', async () => {
    const s = await seedWorld();
    const clients = motoClients();
    const refs = await seedMoreServices(clients, s, RELEASES).finally(() => {
      clients.destroy();
    });
    const ns = await createTestNamespace('steady');
    for (const ref of refs) {
      await createRelease(ns, ref.service, {
        target: { ...ref, container: s.containerName },
        image: s.ecr.images['2.1.0'] ?? '',
        strategy: { rolling: {} },
      });
    }
    log.clear();
    // The seeded services report a finished deployment, as ECS does for a healthy service.
    log.proxy.setRules([convergedRollingRule]);
    controller = startReleaseController(ns, log.proxy.endpoint, [
      `--resync-period=${PERIOD_S}s`,
      '--metrics-bind-address=127.0.0.1:0',
    ]);
    const metricsUrl = await controller.serverUrl('serving /metrics');
    const reconciles = async (): Promise<number> =>
      metricSum(await scrapeMetrics(metricsUrl), 'controller_runtime_reconcile_total', {
        controller: 'release',
      });
    const healthy = await waitFor(
      async () => {
        const all = await listReleases(ns);
        return all.length === RELEASES && all.every((r) => r.status?.phase === 'Healthy')
          ? all
          : undefined;
      },
      { timeoutMs: 90_000, intervalMs: 500, message: `${RELEASES} Releases Healthy` },
    ).catch((err: unknown) => {
      throw new Error(`${String(err)}\n${logTail(controller)}`);
    });
    expect(healthy.every((r) => r.status?.revision?.number === 1)).toBe(true);
    // Adoption writes nothing but each Release's claim on its service (one TagResource each).
    const adoption = log.writes().map((c) => c.operation);
    expect(adoption, 'adoption writes nothing but the claims').toEqual(
      Array<string>(RELEASES).fill('TagResource'),
    );

    // One period for the first reconciles' reads (task definitions) to pass, then count.
    await delay(PERIOD_S * 1000);
    const versions = new Map(healthy.map((r) => [r.name, r.resourceVersion]));
    log.clear();
    const reconcilesBefore = await reconciles();
    await delay(PERIODS * PERIOD_S * 1000);
    const calls = [...log.calls];
    const reconciled = (await reconciles()) - reconcilesBefore;
    const after = await listReleases(ns);

    expect(log.proxy.count({ reads: false }), 'AWS writes').toBe(0);
    expect(calls.filter((c) => c.operation !== 'DescribeServices').map((c) => c.operation)).toEqual(
      [],
    );
    const batches = calls.map((c) => (jsonBody(c).services as string[] | undefined) ?? []);
    for (const names of batches) expect(names.length).toBeLessThanOrEqual(BATCH);
    const perPeriod = Math.ceil(RELEASES / BATCH);
    expect(calls.length).toBeGreaterThanOrEqual((PERIODS - 1) * perPeriod);
    expect(calls.length).toBeLessThanOrEqual(PERIODS * perPeriod + PERIODS);
    // Every service was still observed (the cache serves the Releases, not a blind spot).
    const seen = new Set(batches.flat());
    expect(seen.size).toBe(RELEASES);
    // No status was rewritten: steady state changes nothing anywhere.
    expect(
      after.filter((r) => versions.get(r.name) !== r.resourceVersion).map((r) => r.name),
    ).toEqual([]);
    // Each Release was reconciled every period: the calls are few because they are shared.
    expect(reconciled).toBeGreaterThanOrEqual(RELEASES * (PERIODS - 1));
    console.log(
      `[steady-state] ${RELEASES} Releases, resync ${PERIOD_S} s, ${PERIODS} periods: ` +
        `${calls.length} DescribeServices calls naming ${batches.flat().length} services ` +
        `(sizes ${batches.map((b) => b.length).join(',')}) for ${reconciled} reconciles; 0 writes`,
    );
  }, 240_000);
});
