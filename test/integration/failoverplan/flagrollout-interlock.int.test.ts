// FailoverPlan × FlagRollout on the real apiserver, Redis and moto, each kind in its own
// in-process controller: a FlagRollout of the flag a FailoverPlan's safe mode turns on (the
// read-only flag) holds at its step — no flag write, its hold clock frozen, Reconciling naming
// the plan — while safe mode is on; turned off, the plan writes the flag off under its own name,
// handing it back, and the rollout takes it over again, resumes and completes.
import type { Redis } from 'ioredis';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { CoreV1Api } from '@kubernetes/client-node';
import { adminKubeConfig, createTestNamespace } from '../../env/fixtures.js';
import type { RunningController } from '../../fixtures/in-process-controller.js';
import {
  conditionOf,
  createRollout,
  installCrd as installFlagRolloutCrds,
  rawRedis,
  readRawFlag,
  startController as startFlagRolloutController,
  uniqueFlag,
  waitForStatus,
} from '../flagrollout/support.js';
import {
  ChecksServer,
  installCrd,
  planSpec,
  plans,
  seedTwoRegions,
  startProxiedController,
  waitForPlan,
  type ProxiedController,
} from './support.js';

let checks: ChecksServer;
let redis: Redis;
let fp: ProxiedController | undefined;
let fr: RunningController | undefined;

beforeAll(async () => {
  await installCrd();
  await installFlagRolloutCrds();
  checks = await ChecksServer.start();
  redis = rawRedis();
});

afterAll(async () => {
  await checks.stop();
  redis.disconnect();
});

afterEach(async () => {
  await fr?.stop();
  await fp?.stop();
  fr = undefined;
  fp = undefined;
});

describe('FailoverPlan and FlagRollout', () => {
  it('holds a rollout of the read-only flag during safe mode and resumes it after', async () => {
    const world = await seedTwoRegions();
    const ns = await createTestNamespace('fp-fr-hold');
    const flag = uniqueFlag('read_only');
    fr = startFlagRolloutController(ns, { pollMs: 500 });
    const rollouts = fr;
    fp = await startProxiedController(ns);
    await createRollout(ns, 'ro', {
      flag,
      steps: [{ percentage: 10, hold: '3s' }, { percentage: 50, hold: '1s' }, { percentage: 100 }],
    });
    await waitForStatus(ns, 'ro', (s) => s.currentStep === 0 && s.nextStepAt !== undefined, {
      message: 'holding at 10 %',
    });

    await plans.create(
      ns,
      'dr',
      planSpec(world, checks, {
        safeMode: { enabled: true, reason: 'INC-9: bad writes', readOnlyFlag: flag },
      }),
    );
    const on = await waitForPlan(ns, 'dr', (s) => s.safeMode?.active === true, 'safe mode on');
    expect(on.safeMode?.flagOwner).toBe(`controller:${ns}/ro`);
    const held = await waitForStatus(
      ns,
      'ro',
      (s) => conditionOf(s, 'Reconciling')?.reason === 'HeldByFailoverPlan',
      { message: 'the rollout held' },
    );
    expect(conditionOf(held, 'Reconciling')?.message).toContain('FailoverPlan dr');
    expect(held.currentStep).toBe(0);
    expect(held.nextStepAt).toBeUndefined();
    expect(held.holdRemainingSeconds).toBeGreaterThan(0);

    // Reconciled well past the step's 3 s hold: still held at step 0, the plan's flag untouched.
    const before = await rollouts.reconciles();
    for (;;) {
      if ((await rollouts.reconciles()) >= before + 8) break;
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
    const still = await waitForStatus(ns, 'ro', () => true, { message: 'read' });
    expect(still.currentStep).toBe(0);
    expect(conditionOf(still, 'Reconciling')?.reason).toBe('HeldByFailoverPlan');
    expect((await readRawFlag(redis, flag))?.hash).toMatchObject({
      enabled: '1',
      percentage: '10000',
      updatedBy: `controller:${ns}/dr`,
    });

    // Safe mode off, the rollouts' controller stopped to see the plan's write as it is: the plan
    // turns the flag off under its own name (the writer, flags/CONTRACT.md), handing it back.
    await fr.stop();
    await plans.mergePatch(ns, 'dr', { spec: { safeMode: { enabled: false } } });
    await waitForPlan(ns, 'dr', (s) => s.safeMode?.active === false, 'safe mode off');
    expect((await readRawFlag(redis, flag))?.hash).toMatchObject({
      enabled: '0',
      updatedBy: `controller:${ns}/dr`,
    });
    const events = await adminKubeConfig()
      .makeApiClient(CoreV1Api)
      .listNamespacedEvent({ namespace: ns, fieldSelector: 'involvedObject.name=dr' });
    expect(events.items.find((e) => e.reason === 'ReadOnlyOff')?.message).toContain(
      `(controller:${ns}/dr: INC-9: bad writes, handed back to controller:${ns}/ro)`,
    );

    // The rollout recognises the flag handed back by the plan that held it, resumes, completes.
    fr = startFlagRolloutController(ns, { pollMs: 500 });
    const done = await waitForStatus(ns, 'ro', (s) => s.phase === 'Complete', {
      message: 'rollout Complete',
      timeoutMs: 60_000,
    });
    expect(conditionOf(done, 'Reconciling')?.reason).not.toBe('HeldByFailoverPlan');
    expect((await readRawFlag(redis, flag))?.hash).toMatchObject({
      enabled: '1',
      percentage: '10000',
      updatedBy: `controller:${ns}/ro`,
    });
  });
});
