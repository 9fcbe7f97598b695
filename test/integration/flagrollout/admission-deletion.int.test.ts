// Bad input is refused at admission (CRD schema and CEL) or marked InvalidSpec by the controller,
// with Redis untouched; deletionPolicy Delete removes the flag, Retain leaves it.
import type { Redis } from 'ioredis';
import { afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { FlagRolloutSpec } from '../../../reconcilers/flagrollout/api.js';
import { apiStatus, createTestNamespace, waitFor } from '../../env/fixtures.js';
import {
  conditionOf,
  createRollout,
  deleteRollout,
  errorRateAnalysis,
  getRollout,
  installCrd,
  rawRedis,
  readRawFlag,
  startController,
  uniqueFlag,
  waitForStatus,
  type RunningController,
} from './support.js';

let ns: string;
let controller: RunningController;
let redis: Redis;

beforeAll(installCrd);
beforeEach(async () => {
  ns = await createTestNamespace('flagrollout-input');
  controller = startController(ns);
  redis = rawRedis();
});
afterEach(async () => {
  await controller.stop();
  await redis.quit();
});

const steps = [{ percentage: 0, hold: '1s' }, { percentage: 100 }];

describe('bad input', () => {
  it.each<
    [
      string,
      (flag: string) => Partial<FlagRolloutSpec> & Pick<FlagRolloutSpec, 'flag' | 'steps'>,
      RegExp,
    ]
  >([
    ['an empty flag name', () => ({ flag: '', steps }), /spec\.flag/],
    ['a percentage above 100', (flag) => ({ flag, steps: [{ percentage: 150 }] }), /percentage/],
    ['a negative percentage', (flag) => ({ flag, steps: [{ percentage: -5 }] }), /percentage/],
    [
      'decreasing steps',
      (flag) => ({ flag, steps: [{ percentage: 50, hold: '1s' }, { percentage: 5 }] }),
      /must not decrease/,
    ],
    [
      'an unknown kill-switch format',
      (flag) => ({ flag, killSwitch: 'Experimental Group!', steps }),
      /killSwitch/,
    ],
  ])('%s is refused at admission and Redis is untouched', async (_why, spec, message) => {
    const flag = uniqueFlag('bad');
    const err = await createRollout(ns, 'bad', spec(flag)).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(apiStatus(err)).toMatchObject({ code: 422, reason: 'Invalid' });
    expect(apiStatus(err).message).toMatch(message);
    expect(await redis.exists(`latticedb:flags:${flag}`, `latticedb:flags:${flag}:rollout`)).toBe(
      0,
    );
  });

  it('what only the controller can check is InvalidSpec, Redis untouched', async () => {
    const flag = uniqueFlag('invalid');
    const analysis = errorRateAnalysis(flag);
    const [check] = analysis.metrics;
    if (check === undefined) throw new Error('fixture changed');
    // A 10 s window cannot hold one complete 1 min datapoint: admitted by the schema, refused here.
    await createRollout(ns, 'invalid', {
      flag,
      steps,
      analysis: {
        ...analysis,
        metrics: [{ ...check, cloudWatch: { ...check.cloudWatch, window: '10s' } }],
      },
    });
    const status = await waitForStatus(
      ns,
      'invalid',
      (s) => conditionOf(s, 'InvalidSpec')?.status === 'True',
    );
    expect(conditionOf(status, 'InvalidSpec')?.message).toContain(
      'spec.analysis.metrics[0].cloudWatch.metric.period',
    );
    expect(conditionOf(status, 'Stalled')).toMatchObject({ status: 'True', reason: 'InvalidSpec' });
    await new Promise((r) => setTimeout(r, 1_500));
    expect(await redis.exists(`latticedb:flags:${flag}`, `latticedb:flags:${flag}:rollout`)).toBe(
      0,
    );
  });
});

describe('deletionPolicy', () => {
  it('Delete: deleting the FlagRollout removes the flag and its rollout info', async () => {
    const flag = uniqueFlag('delete');
    await createRollout(ns, 'delete', { flag, steps, deletionPolicy: 'Delete' });
    await waitForStatus(ns, 'delete', (s) => s.phase === 'Complete');
    expect((await getRollout(ns, 'delete')).metadata.finalizers).toEqual([
      'delivery.latticedb.com/flag-cleanup',
    ]);
    expect(await readRawFlag(redis, flag)).toBeDefined();
    await deleteRollout(ns, 'delete');
    await waitFor(
      () =>
        getRollout(ns, 'delete').then(
          () => false,
          (e: unknown) => apiStatus(e).code === 404,
        ),
      { timeoutMs: 15_000, message: 'FlagRollout gone' },
    );
    expect(
      await redis.exists(
        `latticedb:flags:${flag}`,
        `latticedb:flags:${flag}:targets`,
        `latticedb:flags:${flag}:rollout`,
      ),
    ).toBe(0);
    expect(await redis.sismember('latticedb:flags:index', flag)).toBe(0);
  });

  it('Retain: the flag stays as it is', async () => {
    const flag = uniqueFlag('retain');
    await createRollout(ns, 'retain', { flag, steps, targeting: { users: ['u-1'] } });
    await waitForStatus(ns, 'retain', (s) => s.phase === 'Complete');
    expect((await getRollout(ns, 'retain')).metadata.finalizers).toBeUndefined();
    const before = await readRawFlag(redis, flag);
    await deleteRollout(ns, 'retain');
    await new Promise((r) => setTimeout(r, 1_500));
    expect(await readRawFlag(redis, flag)).toEqual(before);
    expect(before?.hash).toMatchObject({ enabled: '1', percentage: '10000' });
  });
});
