// Redis-side changes reach the FlagRollout controller through the store's change notices, not the
// poll: with the poll at 10 minutes, a kill switch set or cleared with the CLI, a CLI disable or
// enable, and a hand edit that publishes its notice are all acted on within seconds — on the
// default Redis and on a redisRef's Redis (subscribed once a reconcile opened it). A raw SET of a
// kill switch, which publishes nothing, is covered by kill-switch-latency.int.test.ts.
import { CoreV1Api } from '@kubernetes/client-node';
import { Redis } from 'ioredis';
import { describe, expect, it } from 'vitest';
import { run as runCli } from '../../../flags/cli/run.js';
import { adminKubeConfig, testEnv, waitFor } from '../../env/fixtures.js';
import {
  conditionOf,
  createRollout,
  readRawFlag,
  settled,
  uniqueFlag,
  waitForStatus,
  type RunningController,
  rolloutTestEnv,
} from './support.js';

/** Far beyond every wait below: whatever happens within a test comes from a notice. */
const NO_POLL_MS = 600_000;
/** "Within a few seconds". */
const NOTICED_MS = 5_000;

const env = rolloutTestEnv('flagrollout-notices', { controller: false });

const start = (options: { defaultRedis?: boolean } = {}): RunningController =>
  env.start({ pollMs: NO_POLL_MS, ...options });

/** `latticedb-flags <args>` against `url` (default: the test Redis); returns the exit code. */
function cli(args: string[], url = testEnv().redisUrl) {
  return runCli([...args, `--redis-url=${url}`, '--actor=oncall'], {
    stdout: () => undefined,
    stderr: () => undefined,
    env: {},
  });
}

const STEPS = [{ percentage: 0, hold: '1s' }, { percentage: 5, hold: '1h' }, { percentage: 100 }];

/** A rollout holding step 1 (5 %) for an hour: nothing is due for a long time. */
async function holdingRollout(name: string, extra: object = {}) {
  const flag = uniqueFlag(name);
  const group = uniqueFlag('grp').replace('_', '-');
  await createRollout(env.ns, name, { flag, killSwitch: group, steps: STEPS, ...extra });
  await waitForStatus(env.ns, name, (s) => s.currentStep === 1 && s.phase === 'Holding');
  return { flag, group };
}

describe('change notices on the default Redis', () => {
  it('a kill switch set with the CLI kills the rollout within seconds; cleared, it resumes', async () => {
    start();
    const { flag, group } = await holdingRollout('kill');
    const before = await readRawFlag(env.redis, flag);

    expect(await cli(['kill-switch', group, 'on'])).toBe(0);
    const killed = await waitForStatus(env.ns, 'kill', (s) => s.phase === 'KilledBySwitch', {
      timeoutMs: NOTICED_MS,
    });
    expect(conditionOf(killed, 'KillSwitchActive')).toMatchObject({ status: 'True' });
    expect(killed.holdRemainingSeconds).toBeGreaterThan(3500);

    expect(await cli(['kill-switch', group, 'off'])).toBe(0);
    const resumed = await waitForStatus(env.ns, 'kill', (s) => s.phase === 'Holding', {
      timeoutMs: NOTICED_MS,
    });
    expect(resumed).toMatchObject({ currentStep: 1, percentage: 5 });
    expect(await readRawFlag(env.redis, flag)).toEqual(before); // the controller never wrote
  });

  it('a CLI disable is respected within seconds; a CLI enable resumes; own writes wake no one', async () => {
    const c = start();
    const { flag } = await holdingRollout('disable');

    let before = await settled(c);
    expect(await cli(['disable', flag])).toBe(0);
    const disabled = await waitForStatus(env.ns, 'disable', (s) => s.phase === 'Disabled', {
      timeoutMs: NOTICED_MS,
    });
    expect(conditionOf(disabled, 'Stalled')).toMatchObject({
      status: 'True',
      reason: 'ExternalDisable',
    });
    await new Promise((r) => setTimeout(r, 500)); // let anything else queued run
    expect((await c.reconciles()) - before).toBe(1);

    before = await settled(c);
    expect(await cli(['enable', flag])).toBe(0);
    await waitForStatus(env.ns, 'disable', (s) => s.phase === 'Holding', { timeoutMs: NOTICED_MS });
    // The controller takes the flag back: the notice's reconcile writes, and wakes itself once
    // to re-observe (progress.ts, after a repair). Its write's own notice adds no reconcile
    // (unrecognised, it would re-run the key at once, before the re-observation: 3).
    const raw = await waitFor(async () => {
      const r = await readRawFlag(env.redis, flag);
      return r?.hash.updatedBy === `controller:${env.ns}/disable` ? r : undefined;
    });
    expect(raw.hash).toMatchObject({ enabled: '1', percentage: '500' });
    await new Promise((r) => setTimeout(r, 500));
    expect((await c.reconciles()) - before).toBe(2);
  });
});

describe('change notices on a redisRef Redis', () => {
  it('are followed once a reconcile opened the connection (no default Redis at all)', async () => {
    // Another database of the test Redis, reached only through the Secret.
    const url = new URL(testEnv().redisUrl);
    url.pathname = '/1';
    await adminKubeConfig()
      .makeApiClient(CoreV1Api)
      .createNamespacedSecret({
        namespace: env.ns,
        body: { metadata: { name: 'flags-redis' }, stringData: { url: url.toString() } },
      });
    start({ defaultRedis: false });
    const { flag, group } = await holdingRollout('ref', {
      redis: { secretRef: { name: 'flags-redis' } },
    });
    const db1 = new Redis(url.toString());
    try {
      expect(await db1.hget(`latticedb:flags:${flag}`, 'percentage')).toBe('500');
    } finally {
      await db1.quit();
    }

    expect(await cli(['kill-switch', group, 'on'], url.toString())).toBe(0);
    await waitForStatus(env.ns, 'ref', (s) => s.phase === 'KilledBySwitch', {
      timeoutMs: NOTICED_MS,
    });
    expect(await cli(['kill-switch', group, 'off'], url.toString())).toBe(0);
    await waitForStatus(env.ns, 'ref', (s) => s.phase === 'Holding', { timeoutMs: NOTICED_MS });
  });
});
