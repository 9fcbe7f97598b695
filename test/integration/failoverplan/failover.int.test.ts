// FailoverPlan failover and failback on the real apiserver, moto (two regions, Route 53) and a
// local HTTP server; the controller's AWS calls through the fault proxy (counted; the standby's
// running count held back where moto would report it at once).
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createTestNamespace, kubectl } from '../../env/fixtures.js';
import {
  ChecksServer,
  condition,
  HeldRunning,
  installCrd,
  motoService,
  PRIMARY,
  PRIMARY_VALUE,
  planSpec,
  plans,
  recordValues,
  scaleWrites,
  seedTwoRegions,
  STANDBY,
  STANDBY_VALUE,
  startProxiedController,
  waitForPlan,
  writes,
  type ProxiedController,
  RECORD,
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
  checks.validateStatus = 200;
});

describe('FailoverPlan failover and failback', () => {
  it('fails over (scale, wait for tasks, DNS, validation, RTO) and back (primary up before DNS), one write each', async () => {
    const world = await seedTwoRegions();
    const ns = await createTestNamespace('fp-failover');
    running = await startProxiedController(ns);
    const held = new HeldRunning(world.standby.rolling.ref.service);
    running.proxy.setRules([held.rule]);
    await plans.create(ns, 'dr', planSpec(world, checks));
    await waitForPlan(ns, 'dr', (s) => s.standbyReady === true, 'standby ready');

    // Failover: the standby goes to the primary's running count (4); its tasks lag.
    held.running = 1;
    await plans.mergePatch(ns, 'dr', { spec: { activeRegion: STANDBY } });
    const waiting = await waitForPlan(
      ns,
      'dr',
      (s) => condition(s, 'Reconciling')?.reason === 'WaitingForTasks',
      'waiting for the standby tasks',
    );
    expect(waiting.phase).toBe('FailingOver');
    expect(waiting.lastFailover?.steps?.at(-1)).toMatchObject({
      name: 'ScaleTarget',
      desiredCount: 4,
      outcome: 'Running',
    });
    expect((await motoService(world.standby)).desiredCount).toBe(4);
    expect(await recordValues(world.zoneId)).toEqual([PRIMARY_VALUE]);

    held.running = undefined;
    const over = await waitForPlan(ns, 'dr', (s) => s.phase === 'FailedOver', 'FailedOver');
    expect(over.activeRegion).toBe(STANDBY);
    expect(over.lastFailover).toMatchObject({ from: PRIMARY, to: STANDBY, direction: 'Failover' });
    expect(over.lastFailover?.rtoSeconds).toBeGreaterThanOrEqual(0);
    expect(over.lastFailover?.completedAt).toBeDefined();
    expect(over.lastFailover?.steps?.map((s) => [s.name, s.outcome])).toEqual([
      ['VerifyTarget', 'Succeeded'],
      ['ScaleTarget', 'Succeeded'],
      ['SwitchDns', 'Succeeded'],
      ['Validate', 'Succeeded'],
    ]);
    expect(over.lastFailover?.steps?.[2]?.changeId).toBeTruthy();
    expect(condition(over, 'Ready')?.status).toBe('True');
    expect(await recordValues(world.zoneId)).toEqual([STANDBY_VALUE]);
    expect(scaleWrites(running.calls, world.standby)).toEqual([4]);
    expect(writes(running.calls, 'ChangeResourceRecordSets')).toHaveLength(1);
    const failovers = async (direction: string): Promise<number | undefined> => {
      const metric = running?.controller.manager.metrics.registry.getSingleMetric(
        'latticedb_failoverplan_failovers_total',
      );
      return (await metric?.get())?.values.find((v) => v.labels.direction === direction)?.value;
    };
    expect(await failovers('Failover')).toBe(1);
    // What an operator sees: ACTIVE us-west-2 and the measured RTO.
    const table = await kubectl(['get', 'failoverplans', '-n', ns, '--no-headers']);
    const [, active, , phase, rto] = table.stdout.trim().split(/\s+/);
    expect({ active, phase, rto }).toEqual({
      active: STANDBY,
      phase: 'FailedOver',
      rto: String(over.lastFailover?.rtoSeconds),
    });

    // Failback: the old primary lost its tasks in the outage; it is brought up before DNS moves.
    const { UpdateServiceCommand } = await import('@aws-sdk/client-ecs');
    const { motoClients } = await import('../../fixtures/moto/clients.js');
    const clients = motoClients();
    try {
      await clients.ecs(PRIMARY).send(
        new UpdateServiceCommand({
          cluster: world.primary.cluster,
          service: world.primary.rolling.ref.service,
          desiredCount: 0,
        }),
      );
    } finally {
      clients.destroy();
    }
    await plans.mergePatch(ns, 'dr', { spec: { activeRegion: PRIMARY } });
    const back = await waitForPlan(
      ns,
      'dr',
      (s) => s.lastFailover?.direction === 'Failback' && s.lastFailover.completedAt !== undefined,
      'failed back',
    );
    expect(back).toMatchObject({ phase: 'Ready', activeRegion: PRIMARY });
    expect(await recordValues(world.zoneId)).toEqual([PRIMARY_VALUE]);
    expect((await motoService(world.primary)).desiredCount).toBe(4);
    expect(scaleWrites(running.calls, world.primary)).toEqual([4]);
    const order = running.calls.map((c) => c.operation);
    const primaryScale = running.calls.findIndex(
      (c) => c.operation === 'UpdateService' && c.body.includes(world.primary.rolling.ref.service),
    );
    expect(primaryScale).toBeGreaterThan(-1);
    expect(order.lastIndexOf('ChangeResourceRecordSets')).toBeGreaterThan(primaryScale);
    expect(writes(running.calls, 'ChangeResourceRecordSets')).toHaveLength(2);
    expect(await failovers('Failback')).toBe(1);
    expect(await failovers('Failover')).toBe(1);
  });

  it('refuses a failover to a standby that is not ready, and proceeds forced, saying so', async () => {
    const world = await seedTwoRegions();
    const ns = await createTestNamespace('fp-refuse');
    running = await startProxiedController(ns);
    await plans.create(
      ns,
      'dr',
      planSpec(world, checks, { secondary: { ...world.standby.rolling.ref, desiredCount: 2 } }),
    );
    await waitForPlan(ns, 'dr', (s) => s.standbyReady === true, 'standby ready');
    checks.standbyStatus = 503;
    await waitForPlan(ns, 'dr', (s) => s.standbyReady === false, 'standby not ready');

    await plans.mergePatch(ns, 'dr', { spec: { activeRegion: STANDBY } });
    const refused = await waitForPlan(
      ns,
      'dr',
      (s) => condition(s, 'Stalled')?.reason === 'TargetNotReady',
      'refused',
    );
    expect(condition(refused, 'Stalled')?.message).toContain('standby-health');
    expect(refused.lastFailover?.steps?.at(-1)).toMatchObject({
      name: 'VerifyTarget',
      outcome: 'Failed',
    });
    expect(await recordValues(world.zoneId)).toEqual([PRIMARY_VALUE]);
    expect(scaleWrites(running.calls, world.standby)).toEqual([]);
    expect(writes(running.calls, 'ChangeResourceRecordSets')).toHaveLength(0);

    await plans.mergePatch(ns, 'dr', { spec: { force: true } });
    const forced = await waitForPlan(
      ns,
      'dr',
      (s) => s.phase === 'FailedOver',
      'forced FailedOver',
    );
    expect(forced.lastFailover?.forced).toBe(true);
    expect(forced.lastFailover?.steps?.[0]?.message).toContain('forced');
    expect(forced.message).toContain('forced');
    expect(scaleWrites(running.calls, world.standby)).toEqual([2]);
    expect(await recordValues(world.zoneId)).toEqual([STANDBY_VALUE]);
  });

  it('fails over on the failover annotation, and spec.activeRegion (GitOps) wins once it changes', async () => {
    const world = await seedTwoRegions();
    const ns = await createTestNamespace('fp-annotate');
    running = await startProxiedController(ns);
    await plans.create(ns, 'dr', planSpec(world, checks));
    await waitForPlan(ns, 'dr', (s) => s.standbyReady === true, 'standby ready');
    await plans.mergePatch(ns, 'dr', {
      metadata: { annotations: { 'delivery.latticedb.com/failover': STANDBY } },
    });
    const over = await waitForPlan(ns, 'dr', (s) => s.phase === 'FailedOver', 'FailedOver');
    expect(over.lastFailover?.trigger).toContain('delivery.latticedb.com/failover=us-west-2');
    expect(over.requested).toMatchObject({ region: STANDBY, specActiveRegion: PRIMARY });
    expect(await recordValues(world.zoneId)).toEqual([STANDBY_VALUE]);
    // Git says us-west-2 too, then back to us-east-1: the spec change fails back.
    await plans.mergePatch(ns, 'dr', { spec: { activeRegion: STANDBY } });
    await waitForPlan(
      ns,
      'dr',
      (s) => s.requested?.absorbed === true,
      'the request absorbed by Git',
    );
    await plans.mergePatch(ns, 'dr', { spec: { activeRegion: PRIMARY } });
    const back = await waitForPlan(
      ns,
      'dr',
      (s) => s.lastFailover?.direction === 'Failback' && s.lastFailover.completedAt !== undefined,
      'failed back',
    );
    expect(back.activeRegion).toBe(PRIMARY);
    expect(writes(running.calls, 'ChangeResourceRecordSets')).toHaveLength(2);
  });

  it('refuses bad input the CRD accepts with InvalidSpec naming the field, and touches nothing', async () => {
    const world = await seedTwoRegions();
    const ns = await createTestNamespace('fp-invalid');
    running = await startProxiedController(ns);
    const spec = planSpec(world, checks, { activeRegion: STANDBY });
    // A CNAME to itself: the name would resolve in neither region.
    await plans.create(ns, 'dr', { ...spec, dns: { ...spec.dns, secondaryValue: RECORD } });
    const invalid = await waitForPlan(
      ns,
      'dr',
      (s) => condition(s, 'Stalled')?.reason === 'InvalidSpec',
      'InvalidSpec',
    );
    expect(condition(invalid, 'Stalled')?.message).toContain('spec.dns.secondaryValue');
    expect(invalid.lastFailover).toBeUndefined();
    expect(writes(running.calls, 'UpdateService')).toHaveLength(0);
    expect(writes(running.calls, 'ChangeResourceRecordSets')).toHaveLength(0);
  });
});
