// Emergency disable and the kill switch act within one reconcile; a controller restarted
// mid-hold resumes at the right time; a Redis restart (data lost) is repaired from the spec; the
// CLI's changes to a controlled flag are put back, except a disable.
import { CoreV1Api } from '@kubernetes/client-node';
import { describe, expect, it, onTestFinished } from 'vitest';
import { run as runCli } from '../../../flags/cli/run.js';
import { adminKubeConfig, environmentControl, testEnv, waitFor } from '../../env/fixtures.js';
import {
  conditionOf,
  createRollout,
  getRollout,
  patchRollout,
  readRawFlag,
  settled,
  uniqueFlag,
  waitForStatus,
  type RunningController,
  rolloutTestEnv,
} from './support.js';

const env = rolloutTestEnv('flagrollout-emergency', { controller: false });

const start = (pollMs?: number): RunningController =>
  env.start(pollMs === undefined ? {} : { pollMs });

/** Reconciles after `change`: waits until `done` holds and the reconcile count has settled. */
async function reconcilesFor(
  c: RunningController,
  change: () => Promise<unknown>,
  done: () => Promise<boolean>,
): Promise<number> {
  const before = await settled(c);
  await change();
  await waitFor(async () => (await done()) && (await c.reconciles()) > before, {
    timeoutMs: 15_000,
  });
  await new Promise((r) => setTimeout(r, 500)); // nothing else is queued (poll is 10 min)
  return (await c.reconciles()) - before;
}

describe('emergencies act within one reconcile', () => {
  it('kill switch: KilledBySwitch, flag untouched, hold frozen; cleared: resumes where it was', async () => {
    const c = start(600_000); // no polling: only the kill-switch watch reconciles
    const flag = uniqueFlag('kill');
    const group = uniqueFlag('exp').replace('_', '-');
    await createRollout(env.ns, 'kill', {
      flag,
      killSwitch: group,
      steps: [{ percentage: 0, hold: '1s' }, { percentage: 5, hold: '1h' }, { percentage: 100 }],
    });
    await waitForStatus(env.ns, 'kill', (s) => s.currentStep === 1 && s.phase === 'Holding');
    const before = await readRawFlag(env.redis, flag);

    // A raw SET: the kill-switch watch reconciles the rollout, no nudge needed.
    const killed = await reconcilesFor(
      c,
      async () => {
        await env.redis.set(`latticedb:flags:kill_switch:${group}`, '1');
      },
      async () => (await getRollout(env.ns, 'kill')).status?.phase === 'KilledBySwitch',
    );
    expect(killed).toBe(1);
    const status = (await getRollout(env.ns, 'kill')).status;
    expect(status).toMatchObject({ percentage: 0, exposure: { percentage: 0, targetedUsers: 0 } });
    expect(status?.holdRemainingSeconds).toBeGreaterThan(3500);
    expect(status?.nextStepAt).toBeUndefined();
    expect(conditionOf(status, 'KillSwitchActive')).toMatchObject({ status: 'True' });
    expect(await readRawFlag(env.redis, flag)).toEqual(before); // the evaluator answers off already

    const cleared = await reconcilesFor(
      c,
      async () => {
        await env.redis.del(`latticedb:flags:kill_switch:${group}`);
      },
      async () => (await getRollout(env.ns, 'kill')).status?.phase === 'Holding',
    );
    expect(cleared).toBe(1);
    const resumed = (await getRollout(env.ns, 'kill')).status;
    expect(resumed).toMatchObject({ currentStep: 1, percentage: 5 });
    const left = Date.parse(resumed?.nextStepAt ?? '') - Date.now();
    expect(left).toBeGreaterThan(3_500_000);
    expect(left).toBeLessThanOrEqual((status?.holdRemainingSeconds ?? 0) * 1000 + 1000);
    expect(await readRawFlag(env.redis, flag)).toEqual(before);
  });

  it('enabled: false writes enabled=0 in the reconcile the spec change causes', async () => {
    const c = start(600_000);
    const flag = uniqueFlag('disable');
    await createRollout(env.ns, 'disable', {
      flag,
      steps: [{ percentage: 0, hold: '1s' }, { percentage: 25, hold: '1h' }, { percentage: 100 }],
    });
    await waitForStatus(env.ns, 'disable', (s) => s.currentStep === 1 && s.phase === 'Holding');
    const count = await reconcilesFor(
      c,
      () => patchRollout(env.ns, 'disable', { spec: { enabled: false } }),
      async () => (await readRawFlag(env.redis, flag))?.hash.enabled === '0',
    );
    expect(count).toBe(1);
    const status = (await getRollout(env.ns, 'disable')).status;
    expect(status).toMatchObject({ phase: 'Disabled', percentage: 0 });
    expect(conditionOf(status, 'Ready')).toMatchObject({
      status: 'False',
      reason: 'EmergencyDisabled',
    });
    expect(conditionOf(status, 'Stalled')).toMatchObject({
      status: 'True',
      reason: 'EmergencyDisabled',
    });
  });
});

describe('restarts', () => {
  it('a controller restarted mid-hold promotes at nextStepAt, not before and not again', async () => {
    const first = start();
    const flag = uniqueFlag('restart');
    await createRollout(env.ns, 'restart', {
      flag,
      steps: [{ percentage: 0, hold: '1s' }, { percentage: 5, hold: '8s' }, { percentage: 100 }],
    });
    const holding = await waitForStatus(
      env.ns,
      'restart',
      (s) => s.currentStep === 1 && s.phase === 'Holding',
    );
    const nextStepAt = Date.parse(holding.nextStepAt ?? '');
    await first.stop();
    await new Promise((r) => setTimeout(r, 2_000));
    start();
    // Until nextStepAt the new controller keeps 5 %…
    while (Date.now() < nextStepAt - 500) {
      expect((await readRawFlag(env.redis, flag))?.hash.percentage).toBe('500');
      await new Promise((r) => setTimeout(r, 200));
    }
    // …then promotes, once.
    const done = await waitForStatus(env.ns, 'restart', (s) => s.phase === 'Complete', {
      timeoutMs: 20_000,
    });
    const raw = await readRawFlag(env.redis, flag);
    expect(raw?.hash).toMatchObject({ percentage: '10000', version: '3' });
    const reachedLast = done.history?.find((h) => h.to === 'Ramping')?.time;
    // History times are whole seconds (rounded down); the deadline keeps its milliseconds.
    expect(Date.parse(reachedLast ?? '')).toBeGreaterThanOrEqual(
      Math.floor(nextStepAt / 1000) * 1000,
    );
  });

  it('Redis restarted without its data: the flag is rewritten from the spec', async () => {
    start(1_000);
    const flag = uniqueFlag('flush');
    await createRollout(env.ns, 'flush', {
      flag,
      targeting: { users: ['u-internal'] },
      steps: [{ percentage: 0, hold: '1s' }, { percentage: 25, hold: '1h' }, { percentage: 100 }],
    });
    const before = await waitForStatus(
      env.ns,
      'flush',
      // Step 1's status is written ahead of its flag write (flagVersion still 1, FlagSynced
      // Unknown): wait for the write to be confirmed, not only for the step.
      (s) => s.currentStep === 1 && s.phase === 'Holding' && s.flagVersion === 2,
    );
    expect(before.flagVersion).toBe(2);
    // Timestamps have whole seconds, and the change subscriber's reconnect repairs the flag at
    // once: let a second pass so that a restarted hold ends visibly later.
    await new Promise((r) => setTimeout(r, 1_000));
    onTestFinished(() => environmentControl().ensureRunning());
    await environmentControl().restartRedis();
    expect(await readRawFlag(env.redis, flag)).toBeUndefined();
    const raw = await waitFor(() => readRawFlag(env.redis, flag), {
      timeoutMs: 30_000,
      message: 'flag rewritten',
    });
    expect(raw.hash).toMatchObject({
      enabled: '1',
      percentage: '2500',
      version: '1',
      updatedBy: `controller:${env.ns}/flush`,
    });
    expect(raw.targets).toEqual(['u-internal']);
    const after = await waitForStatus(env.ns, 'flush', (s) => s.flagVersion === 1);
    expect(after).toMatchObject({ currentStep: 1, phase: 'Holding', percentage: 25 });
    expect(Date.parse(after.nextStepAt ?? '')).toBeGreaterThan(Date.parse(before.nextStepAt ?? '')); // hold restarted
    await waitFor(
      async () => (await env.redis.hgetall(`latticedb:flags:${flag}:rollout`)).phase === 'Holding',
    );
    const events = await adminKubeConfig()
      .makeApiClient(CoreV1Api)
      .listNamespacedEvent({ namespace: env.ns });
    expect(events.items.map((e) => e.reason)).toContain('FlagRewritten');
  });
});

describe('the CLI writing a controlled flag', () => {
  const cli = (...args: string[]) =>
    runCli([...args, `--redis-url=${testEnv().redisUrl}`, '--actor=oncall'], {
      stdout: () => undefined,
      stderr: () => undefined,
      env: {},
    });

  it('a percentage change is refused, or put back when forced; a disable is respected until re-enabled', async () => {
    start(1_000);
    const flag = uniqueFlag('cli');
    await createRollout(env.ns, 'cli', {
      flag,
      steps: [{ percentage: 0, hold: '1s' }, { percentage: 5, hold: '1h' }, { percentage: 100 }],
    });
    await waitForStatus(env.ns, 'cli', (s) => s.currentStep === 1 && s.phase === 'Holding');

    // Refused: the rollout owns the flag and would put its split back (exit 4, nothing written).
    expect(await cli('set-percentage', flag, '60')).toBe(4);
    expect((await readRawFlag(env.redis, flag))?.hash.percentage).toBe('500');
    expect(await cli('set-percentage', flag, '60', '--force')).toBe(0);
    const restored = await waitFor(async () => {
      const raw = await readRawFlag(env.redis, flag);
      return raw?.hash.updatedBy === `controller:${env.ns}/cli` ? raw : undefined;
    });
    expect(restored.hash).toMatchObject({ enabled: '1', percentage: '500' });

    expect(await cli('disable', flag)).toBe(0);
    const respected = await waitForStatus(env.ns, 'cli', (s) => s.phase === 'Disabled');
    expect(conditionOf(respected, 'Stalled')).toMatchObject({
      status: 'True',
      reason: 'ExternalDisable',
    });
    expect(respected.holdRemainingSeconds).toBeGreaterThan(3500);
    await new Promise((r) => setTimeout(r, 2_500)); // polled twice: still off, still the CLI's write
    expect((await readRawFlag(env.redis, flag))?.hash).toMatchObject({
      enabled: '0',
      updatedBy: 'cli:oncall',
    });

    expect(await cli('enable', flag)).toBe(0);
    await waitForStatus(env.ns, 'cli', (s) => s.phase === 'Holding' && s.percentage === 5);
    expect((await readRawFlag(env.redis, flag))?.hash).toMatchObject({
      enabled: '1',
      percentage: '500',
      updatedBy: `controller:${env.ns}/cli`,
    });
  });
});
