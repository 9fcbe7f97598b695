// Steady state: 100 ScalePolicies, each on its own service already at its desired count (100
// services seeded in moto). Over two periods of a 10 s resync, the controller (in-process, its
// AWS traffic through the fault proxy) reads ECS only with batched DescribeServices — at most 10
// services per call, about ceil(100/10) calls per period — and makes no AWS write; the policies'
// status is not rewritten either. Counted at the proxy.
import { CustomObjectsApi } from '@kubernetes/client-node';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { ScalePolicyKind } from '../../../reconcilers/scalepolicy/api.js';
import { adminKubeConfig, createTestNamespace, waitFor } from '../../env/fixtures.js';
import { motoClients } from '../../fixtures/moto/clients.js';
import { seedMoreServices } from '../../fixtures/moto/seed.js';
import {
  installCrd,
  policies,
  seedWorld,
  sleep,
  startProxiedController,
  type ProxiedController,
} from './support.js';

const POLICIES = 100;
const PERIOD_MS = 10_000;
const PERIODS = 2;
const BATCH = 10;

let running: ProxiedController | undefined;

beforeAll(async () => {
  await installCrd();
});

afterEach(async () => {
  await running?.stop();
  running = undefined;
});

async function listPolicies(namespace: string) {
  const { group, version, plural } = ScalePolicyKind;
  const out = (await adminKubeConfig()
    .makeApiClient(CustomObjectsApi)
    .listNamespacedCustomObject({ group, version, namespace, plural })) as {
    items: { metadata: { name: string; resourceVersion: string }; status?: { phase?: string } }[];
  };
  return out.items;
}

describe(`${POLICIES} ScalePolicies in steady state`, () => {
  it('cost about ceil(100/10) batched DescribeServices per resync period and no write', async () => {
    const s = await seedWorld(1);
    const clients = motoClients();
    const refs = await seedMoreServices(clients, s, POLICIES, 'sp').finally(() => {
      clients.destroy();
    });
    const ns = await createTestNamespace('sp-steady');
    for (const ref of refs)
      await policies.create(ns, ref.service, { target: ref, desiredCount: 1 });
    running = await startProxiedController(ns, { resyncMs: PERIOD_MS });
    // moto starts services with no running task; a healthy fleet runs what it asks for.
    running.proxy.setRules([
      {
        service: 'ecs',
        operation: 'DescribeServices',
        fault: 'rewrite',
        transformJson: (body: unknown) => {
          const out = body as { services?: Record<string, unknown>[] };
          for (const svc of out.services ?? []) {
            svc.runningCount = svc.desiredCount;
            svc.pendingCount = 0;
          }
          return out;
        },
      },
    ]);
    const stable = await waitFor(
      async () => {
        const all = await listPolicies(ns);
        return all.length === POLICIES && all.every((p) => p.status?.phase === 'Stable')
          ? all
          : undefined;
      },
      { timeoutMs: 120_000, intervalMs: 500, message: `${POLICIES} ScalePolicies Stable` },
    );
    expect(running.proxy.count({ reads: false }), 'no write to reach Stable').toBe(0);

    // One period for the first reconciles to pass, then count.
    await sleep(PERIOD_MS);
    const versions = new Map(stable.map((p) => [p.metadata.name, p.metadata.resourceVersion]));
    const from = running.calls.length;
    const reconcilesBefore = await running.controller.reconciles();
    await sleep(PERIODS * PERIOD_MS);
    const calls = running.calls.slice(from);
    const reconciled = (await running.controller.reconciles()) - reconcilesBefore;

    expect(running.proxy.count({ reads: false }), 'AWS writes').toBe(0);
    expect(calls.filter((c) => c.operation !== 'DescribeServices').map((c) => c.operation)).toEqual(
      [],
    );
    const batches = calls.map(
      (c) => (JSON.parse(c.body) as { services?: string[] }).services ?? [],
    );
    for (const names of batches) expect(names.length).toBeLessThanOrEqual(BATCH);
    const perPeriod = Math.ceil(POLICIES / BATCH);
    expect(calls.length).toBeLessThanOrEqual(PERIODS * perPeriod + PERIODS);
    expect(new Set(batches.flat()).size, 'every service still observed').toBeGreaterThanOrEqual(
      POLICIES,
    );
    const after = await listPolicies(ns);
    expect(
      after
        .filter((p) => versions.get(p.metadata.name) !== p.metadata.resourceVersion)
        .map((p) => p.metadata.name),
      'status not rewritten',
    ).toEqual([]);
    expect(reconciled).toBeGreaterThanOrEqual(POLICIES * (PERIODS - 1));
    console.log(
      `[steady-state] ${POLICIES} ScalePolicies, resync ${PERIOD_MS / 1000} s, ${PERIODS} periods: ` +
        `${calls.length} DescribeServices calls naming ${batches.flat().length} services ` +
        `(sizes ${batches.map((b) => b.length).join(',')}) for ${reconciled} reconciles; 0 writes`,
    );
  }, 300_000);
});
