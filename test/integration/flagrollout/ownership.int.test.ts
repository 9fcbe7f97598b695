// Two FlagRollouts naming the same flag, on the real apiserver and Redis, driven by the real CLI:
// an operator's CLI disable is never undone by the FlagRollout that does not own the flag (it used
// to take the CLI write as "the writer is gone" and turn the flag back on), `enable` resumes the
// owner only, and the command the waiting one's status prints hands the flag over (keeping it
// disabled until enabled).
import { describe, expect, it } from 'vitest';
import { run as runCli } from '../../../flags/cli/run.js';
import { apiStatus, testEnv, waitFor } from '../../env/fixtures.js';
import {
  conditionOf,
  createRollout,
  deleteRollout,
  getRollout,
  readRawFlag,
  uniqueFlag,
  waitForStatus,
  rolloutTestEnv,
} from './support.js';

const env = rolloutTestEnv('flagrollout-owner');

/** The real CLI in-process; returns the exit code and what it printed. */
async function cli(...args: string[]): Promise<{ code: number; out: string; err: string }> {
  let out = '';
  let err = '';
  const code = await runCli([...args, `--redis-url=${testEnv().redisUrl}`, '--actor=oncall'], {
    stdout: (t) => (out += t),
    stderr: (t) => (err += t),
    env: {},
  });
  return { code, out, err };
}

const pause = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('two FlagRollouts for one flag', () => {
  it('a CLI disable stays; enable resumes the owner; the printed hand-over command moves the flag', async () => {
    const flag = uniqueFlag('owner');
    const spec = {
      flag,
      targeting: { users: ['u-qa'] },
      steps: [{ percentage: 0, hold: '1s' }, { percentage: 5, hold: '1h' }, { percentage: 100 }],
    };
    await createRollout(env.ns, 'first', spec);
    await waitForStatus(env.ns, 'first', (s) => s.currentStep === 1 && s.phase === 'Holding');
    await createRollout(env.ns, 'second', spec);
    const waiting = await waitForStatus(
      env.ns,
      'second',
      (s) => conditionOf(s, 'Stalled')?.reason === 'FlagOwnedElsewhere',
    );
    expect(conditionOf(waiting, 'Stalled')?.message).toContain(
      `latticedb-flags hand-over ${flag} ${env.ns}/second`,
    );

    // The emergency stop: the owner respects it, the other one does not take the flag over.
    expect((await cli('disable', flag)).code).toBe(0);
    await waitForStatus(
      env.ns,
      'first',
      (s) => conditionOf(s, 'Stalled')?.reason === 'ExternalDisable',
    );
    await pause(2_500); // both polled twice (poll 1 s)
    expect((await readRawFlag(env.redis, flag))?.hash).toMatchObject({
      enabled: '0',
      updatedBy: 'cli:oncall',
    });
    const second = await waitForStatus(env.ns, 'second', () => true);
    expect(conditionOf(second, 'Stalled')).toMatchObject({
      reason: 'FlagOwnedElsewhere',
      message: expect.stringContaining(`managed by FlagRollout ${env.ns}/first`),
    });
    // The CLI names the real owner.
    const report = await cli('report', flag);
    expect(report.out).toContain(`Rollout:        ${env.ns}/first: phase Disabled`);

    // Re-enabling resumes the owner only (and says so truthfully).
    const enabled = await cli('enable', flag);
    expect(enabled.code).toBe(0);
    expect(enabled.err).toContain(`FlagRollout ${env.ns}/first owns the flag: it resumes`);
    await waitForStatus(env.ns, 'first', (s) => s.phase === 'Holding' && s.percentage === 5);
    await waitFor(
      async () =>
        (await readRawFlag(env.redis, flag))?.hash.updatedBy === `controller:${env.ns}/first`,
    );

    // The way out the waiting one prints, run as printed, on a disabled flag.
    expect((await cli('disable', flag)).code).toBe(0);
    await waitForStatus(env.ns, 'first', (s) => s.phase === 'Disabled');
    const message = conditionOf(
      await waitForStatus(env.ns, 'second', () => true),
      'Stalled',
    )?.message;
    const command = /latticedb-flags (hand-over \S+ \S+)$/.exec(message ?? '')?.[1];
    expect(command).toBe(`hand-over ${flag} ${env.ns}/second`);
    const handedOver = await cli(...(command ?? '').split(' '));
    expect(handedOver.code).toBe(0);
    const taken = await waitForStatus(
      env.ns,
      'second',
      (s) => conditionOf(s, 'Stalled')?.reason === 'ExternalDisable',
    );
    expect(taken.phase).toBe('Disabled');
    await waitForStatus(
      env.ns,
      'first',
      (s) => conditionOf(s, 'Stalled')?.reason === 'FlagOwnedElsewhere',
    );
    await pause(2_500);
    expect((await readRawFlag(env.redis, flag))?.hash).toMatchObject({ enabled: '0' });

    // Enabled again: now the second one drives the flag; the first one leaves it alone.
    expect((await cli('enable', flag)).code).toBe(0);
    await waitForStatus(env.ns, 'second', (s) => s.phase === 'Holding');
    // Status is checkpointed ahead of the write: wait for the write itself.
    const raw = await waitFor(async () => {
      const r = await readRawFlag(env.redis, flag);
      return r?.hash.updatedBy === `controller:${env.ns}/second` ? r : undefined;
    });
    expect(raw.hash).toMatchObject({ enabled: '1', percentage: '500' }); // adopted at 5 %
    const first = await waitForStatus(env.ns, 'first', () => true);
    expect(conditionOf(first, 'Stalled')?.reason).toBe('FlagOwnedElsewhere');
  });
});

describe('deletionPolicy Delete after a hand-over', () => {
  it('the FlagRollout that handed its flag over does not delete it when deleted', async () => {
    const flag = uniqueFlag('handed');
    await createRollout(env.ns, 'leaving', {
      flag,
      deletionPolicy: 'Delete',
      steps: [
        { percentage: 0, hold: '1s' },
        { percentage: 5, hold: '1h' },
      ],
    });
    await waitForStatus(env.ns, 'leaving', (s) => s.phase === 'Holding' && s.percentage === 5);
    // Disabled by the operator and handed to a FlagRollout created later (not there yet).
    expect((await cli('disable', flag)).code).toBe(0);
    expect((await cli('hand-over', flag, `${env.ns}/arriving`)).code).toBe(0);
    await waitForStatus(
      env.ns,
      'leaving',
      (s) => conditionOf(s, 'Stalled')?.reason === 'FlagOwnedElsewhere',
    );
    await deleteRollout(env.ns, 'leaving');
    await waitFor(
      () =>
        getRollout(env.ns, 'leaving').then(
          () => false,
          (e: unknown) => apiStatus(e).code === 404,
        ),
      { timeoutMs: 15_000, message: 'FlagRollout gone' },
    );
    expect((await readRawFlag(env.redis, flag))?.hash).toMatchObject({
      enabled: '0',
      percentage: '500',
      updatedBy: 'cli:oncall',
    });
    expect(await env.redis.hget(`latticedb:flags:${flag}:rollout`, 'owner')).toBe(
      `${env.ns}/arriving`,
    );
  });
});
