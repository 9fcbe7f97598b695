// FailoverPlan × ScalePolicy on the real apiserver and moto (two regions), each kind in its own
// in-process controller behind its own fault proxy: a ScalePolicy scale-down of the primary
// service waits while a failover of it is in flight (FailoverPlanHold names the plan) and resumes
// after; a ScalePolicy keeping the standby warm at 1 task does not undo the failover's scale-up
// while the plan serves from the standby, and scales it back once the plan has failed back.
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { setupScalePolicyWith } from '../../../reconcilers/scalepolicy/setup.js';
import { createTestNamespace } from '../../env/fixtures.js';
import {
  startProxiedInProcessController,
  type ProxiedController,
} from '../../fixtures/in-process-controller.js';
import {
  condition as policyCondition,
  installCrd as installScalePolicyCrds,
  policies,
  waitForPolicy,
} from '../scalepolicy/support.js';
import {
  ChecksServer,
  HeldRunning,
  installCrd,
  motoService,
  planSpec,
  plans,
  PRIMARY,
  seedTwoRegions,
  STANDBY,
  startProxiedController,
  waitForPlan,
} from './support.js';

let checks: ChecksServer;
const running: ProxiedController[] = [];

beforeAll(async () => {
  await installCrd();
  await installScalePolicyCrds();
  checks = await ChecksServer.start();
});

afterAll(async () => {
  await checks.stop();
});

afterEach(async () => {
  for (const r of running.splice(0)) await r.stop();
});

const startScalePolicyController = (ns: string) =>
  startProxiedInProcessController(
    ns,
    setupScalePolicyWith({ afterActionMs: 100, pollMs: 300, resyncMs: 1_000 }),
  );

/** desiredCount values the ScalePolicy controller wrote on `service`, in order. */
const scaleWrites = (calls: ProxiedController['calls'], service: string): number[] =>
  calls
    .filter((c) => c.operation === 'UpdateService')
    .map((c) => JSON.parse(c.body) as { service: string; desiredCount?: number })
    .filter((b) => b.service === service && b.desiredCount !== undefined)
    .map((b) => b.desiredCount ?? -1);

describe('FailoverPlan and ScalePolicy', () => {
  it('holds a scale-down of a service failing over, and resumes it after', async () => {
    const world = await seedTwoRegions();
    const ns = await createTestNamespace('fp-sp-hold');
    const held = new HeldRunning(world.standby.rolling.ref.service);
    const fp = await startProxiedController(ns);
    running.push(fp);
    fp.proxy.setRules([held.rule]);
    const sp = await startScalePolicyController(ns);
    running.push(sp);

    // The failover waits for the standby's tasks: in flight.
    held.running = 1;
    await plans.create(ns, 'dr', planSpec(world, checks, { activeRegion: STANDBY }));
    await waitForPlan(ns, 'dr', (s) => s.phase === 'FailingOver', 'failing over');

    const primary = world.primary.rolling.ref;
    await policies.create(ns, 'primary', {
      target: primary,
      desiredCount: 2,
      scaleDown: { step: 1, interval: '1s', healthCheck: false },
    });
    const waiting = await waitForPolicy(
      ns,
      'primary',
      (s) => policyCondition(s, 'FailoverPlanHold')?.status === 'True',
      'the scale-down held',
    );
    expect(policyCondition(waiting, 'FailoverPlanHold')).toMatchObject({
      reason: 'HeldByFailoverPlan',
    });
    expect(policyCondition(waiting, 'FailoverPlanHold')?.message).toContain('FailoverPlan dr');
    expect(policyCondition(waiting, 'Reconciling')?.reason).toBe('HeldByFailoverPlan');
    // Reconciled again and again while held: no scale-down.
    const before = await sp.controller.reconciles();
    await waitForPolicy(
      ns,
      'primary',
      () => sp.calls.filter((c) => c.operation === 'DescribeServices').length > 5,
      'more reconciles',
    );
    expect(await sp.controller.reconciles()).toBeGreaterThan(before);
    expect(scaleWrites(sp.calls, primary.service)).toEqual([]);
    expect((await motoService(world.primary)).desiredCount).toBe(4);

    // The failover completes: the scale-down resumes, step by step, to 2.
    held.running = undefined;
    await waitForPlan(ns, 'dr', (s) => s.phase === 'FailedOver', 'FailedOver');
    const done = await waitForPolicy(
      ns,
      'primary',
      (s) => s.phase === 'Stable' && s.desired === 2,
      'scaled down to 2',
    );
    expect(policyCondition(done, 'FailoverPlanHold')?.status).not.toBe('True');
    expect(scaleWrites(sp.calls, primary.service)).toEqual([3, 2]);
  });

  it('does not undo a failover: a ScalePolicy on the standby waits while the plan serves from it', async () => {
    const world = await seedTwoRegions();
    const ns = await createTestNamespace('fp-sp-standby');
    const fp = await startProxiedController(ns);
    running.push(fp);
    const sp = await startScalePolicyController(ns);
    running.push(sp);
    const standby = world.standby.rolling.ref;
    // The standby kept warm at one task.
    await policies.create(ns, 'warm-standby', {
      target: standby,
      desiredCount: 1,
      scaleDown: { step: 1, interval: '1s', healthCheck: false },
    });
    await waitForPolicy(ns, 'warm-standby', (s) => s.phase === 'Stable', 'Stable at 1');
    await plans.create(ns, 'dr', planSpec(world, checks, { activeRegion: PRIMARY }));
    await waitForPlan(ns, 'dr', (s) => s.standbyReady === true, 'standby ready');

    await plans.mergePatch(ns, 'dr', { spec: { activeRegion: STANDBY } });
    await waitForPlan(ns, 'dr', (s) => s.phase === 'FailedOver', 'FailedOver');
    expect((await motoService(world.standby)).desiredCount).toBe(4);
    // Held during the failover too ("in flight"); once it is done, held as the serving standby.
    const deferring = await waitForPolicy(
      ns,
      'warm-standby',
      (s) => {
        const hold = policyCondition(s, 'FailoverPlanHold');
        return hold?.status === 'True' && hold.message.includes(`serves from ${STANDBY}`);
      },
      'the standby policy deferring as the serving standby',
    );
    expect(policyCondition(deferring, 'FailoverPlanHold')?.message).toContain(
      `held by FailoverPlan dr: it serves from ${STANDBY} on this service (its standby)`,
    );
    const reads = sp.calls.length;
    await waitForPolicy(ns, 'warm-standby', () => sp.calls.length > reads + 5, 'more reconciles');
    expect((await motoService(world.standby)).desiredCount).toBe(4);
    expect(scaleWrites(sp.calls, standby.service)).toEqual([]);

    // Failed back: the standby is the policy's again, scaled down to its warm count.
    await plans.mergePatch(ns, 'dr', { spec: { activeRegion: PRIMARY } });
    await waitForPlan(ns, 'dr', (s) => s.phase === 'Ready', 'failed back');
    await waitForPolicy(
      ns,
      'warm-standby',
      (s) => s.phase === 'Stable' && s.desired === 1,
      'standby back to 1',
    );
    expect(scaleWrites(sp.calls, standby.service)).toEqual([3, 2, 1]);
  });
});
