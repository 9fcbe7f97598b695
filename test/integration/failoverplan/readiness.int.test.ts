// FailoverPlan standby readiness on the real apiserver, moto (two regions, Route 53) and a local
// HTTP server: ready when everything holds; each way of not being ready has its own reason in
// status.standby, the StandbyReady condition and the Stalled condition.
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { DeleteServiceCommand } from '@aws-sdk/client-ecs';
import { createTestNamespace } from '../../env/fixtures.js';
import { motoClients } from '../../fixtures/moto/clients.js';
import {
  ChecksServer,
  condition,
  deployImages,
  installCrd,
  PRIMARY,
  planSpec,
  plans,
  replicated,
  seedTwoRegions,
  STANDBY,
  startProxiedController,
  waitForPlan,
  type ProxiedController,
} from './support.js';

let running: ProxiedController | undefined;
let checks: ChecksServer;

beforeAll(async () => {
  await installCrd();
  checks = await ChecksServer.start();
});

afterAll(async () => {
  await checks.stop();
});

afterEach(async () => {
  await running?.stop();
  running = undefined;
  checks.standbyStatus = 200;
});

describe('FailoverPlan standby readiness', () => {
  it('is ready when cluster, service, image, record and health checks all hold', async () => {
    const world = await seedTwoRegions();
    const ns = await createTestNamespace('fp-ready');
    running = await startProxiedController(ns);
    await plans.create(ns, 'dr', planSpec(world, checks));
    const status = await waitForPlan(ns, 'dr', (s) => s.standbyReady === true, 'standby ready');
    expect(status).toMatchObject({ phase: 'Ready', activeRegion: PRIMARY });
    expect(status.standby).toMatchObject({ region: STANDBY, reason: 'StandbyHealthy' });
    expect(condition(status, 'StandbyReady')).toMatchObject({
      status: 'True',
      reason: 'StandbyHealthy',
    });
    expect(condition(status, 'Ready')?.status).toBe('True');
  });

  it('reports each way of not being ready with its own reason', async () => {
    const world = await seedTwoRegions();
    const ns = await createTestNamespace('fp-notready');
    running = await startProxiedController(ns);
    await plans.create(ns, 'dr', planSpec(world, checks));
    await waitForPlan(ns, 'dr', (s) => s.standbyReady === true, 'standby ready first');

    // The gauge an alert fires on: plans whose standby is not ready, by reason.
    const gauge = async (reason: string): Promise<number> => {
      const metric = running?.controller.manager.metrics.registry.getSingleMetric(
        'latticedb_failoverplan_standby_not_ready',
      );
      const values = (await metric?.get())?.values ?? [];
      return values.find((v) => v.labels.reason === reason)?.value ?? 0;
    };
    const notReady = async (reason: string, text: string) => {
      const st = await waitForPlan(
        ns,
        'dr',
        (s) => s.standbyReady === false && s.standby?.reason === reason,
        `not ready: ${reason}`,
      );
      expect(st.phase).toBe('Degraded');
      expect(st.standby?.message).toContain(text);
      expect(condition(st, 'StandbyReady')).toMatchObject({ status: 'False', reason });
      expect(condition(st, 'Stalled')).toMatchObject({ status: 'True', reason });
      expect(await gauge(reason)).toBe(1);
      return st;
    };
    const readyAgain = () => waitForPlan(ns, 'dr', (s) => s.standbyReady === true, 'ready again');

    // A failing health check.
    checks.standbyStatus = 503;
    await notReady('HealthCheckFailed', 'standby-health');
    checks.standbyStatus = 200;
    await readyAgain();
    expect(await gauge('HealthCheckFailed')).toBe(0);

    // A different image in the standby.
    await deployImages(world.standby, (image) => image.replace(/:2\.1\.0$/, ':2.2.0'));
    await notReady('ImageMismatch', '2.2.0');
    await deployImages(world.standby, replicated(world));
    await readyAgain();

    // A missing record.
    await plans.mergePatch(ns, 'dr', { spec: { dns: { recordName: 'other.latticedb.test' } } });
    await notReady('RecordNotFound', 'record not found');
    await plans.mergePatch(ns, 'dr', { spec: { dns: { recordName: 'prod.latticedb.test' } } });
    await readyAgain();

    // A stopped (deleted) standby service.
    const clients = motoClients();
    try {
      await clients.ecs(STANDBY).send(
        new DeleteServiceCommand({
          cluster: world.standby.cluster,
          service: world.standby.rolling.ref.service,
          force: true,
        }),
      );
    } finally {
      clients.destroy();
    }
    const gone = await notReady('ServiceNotFound', world.standby.rolling.ref.service);
    expect(gone.standby?.message).toContain(world.standby.cluster);
  });
});
