// Bad input is refused at admission (CRD schema and CEL) or marked InvalidSpec by the controller,
// with Redis untouched; deletionPolicy Delete removes the flag, Retain leaves it.
import { describe, expect, it } from 'vitest';
import type { FlagRolloutSpec } from '../../../reconcilers/flagrollout/api.js';
import { CoreV1Api } from '@kubernetes/client-node';
import { adminKubeConfig, apiStatus, waitFor } from '../../env/fixtures.js';
import {
  conditionOf,
  createRollout,
  deleteRollout,
  errorRateAnalysis,
  getRollout,
  readRawFlag,
  uniqueFlag,
  waitForStatus,
  rolloutTestEnv,
} from './support.js';

const env = rolloutTestEnv('flagrollout-input');

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
    const err = await createRollout(env.ns, 'bad', spec(flag)).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(apiStatus(err)).toMatchObject({ code: 422, reason: 'Invalid' });
    expect(apiStatus(err).message).toMatch(message);
    expect(
      await env.redis.exists(`latticedb:flags:${flag}`, `latticedb:flags:${flag}:rollout`),
    ).toBe(0);
  });

  it('what only the controller can check is InvalidSpec, Redis untouched', async () => {
    const flag = uniqueFlag('invalid');
    const analysis = errorRateAnalysis(flag);
    const [check] = analysis.metrics;
    if (check === undefined) throw new Error('fixture changed');
    // A 10 s window cannot hold one complete 1 min datapoint: admitted by the schema, refused here.
    await createRollout(env.ns, 'invalid', {
      flag,
      steps,
      analysis: {
        ...analysis,
        metrics: [{ ...check, cloudWatch: { ...check.cloudWatch, window: '10s' } }],
      },
    });
    const status = await waitForStatus(
      env.ns,
      'invalid',
      (s) => conditionOf(s, 'InvalidSpec')?.status === 'True',
    );
    expect(conditionOf(status, 'InvalidSpec')?.message).toContain(
      'spec.analysis.metrics[0].cloudWatch.metric.period',
    );
    expect(conditionOf(status, 'Stalled')).toMatchObject({ status: 'True', reason: 'InvalidSpec' });
    await new Promise((r) => setTimeout(r, 1_500));
    expect(
      await env.redis.exists(`latticedb:flags:${flag}`, `latticedb:flags:${flag}:rollout`),
    ).toBe(0);
  });
});

describe('names', () => {
  it('a FlagRollout with the longest name Kubernetes accepts (253 characters) writes its flag and gets its Events', async () => {
    const flag = uniqueFlag('long');
    const name = `long-${'n'.repeat(244)}-end`;
    expect(name).toHaveLength(253);
    await createRollout(env.ns, name, { flag, steps });
    const status = await waitForStatus(env.ns, name, (s) => s.phase === 'Complete');
    expect(conditionOf(status, 'FlagSynced')).toMatchObject({ status: 'True' });
    expect(conditionOf(status, 'Stalled')?.status).not.toBe('True');
    const raw = await readRawFlag(env.redis, flag);
    expect(raw?.hash).toMatchObject({
      enabled: '1',
      percentage: '10000',
      updatedBy: `controller:${env.ns}/${name}`,
      version: String(status.flagVersion),
    });
    const events = await waitFor(async () => {
      const list = await adminKubeConfig()
        .makeApiClient(CoreV1Api)
        .listNamespacedEvent({ namespace: env.ns });
      const reasons = list.items.filter((e) => e.involvedObject.name === name).map((e) => e.reason);
      return reasons.includes('Complete') ? reasons : undefined;
    });
    expect(events).toContain('StepStarted');
  });
});

describe('deletionPolicy', () => {
  it('Delete: deleting the FlagRollout removes the flag and its rollout info', async () => {
    const flag = uniqueFlag('delete');
    await createRollout(env.ns, 'delete', { flag, steps, deletionPolicy: 'Delete' });
    await waitForStatus(env.ns, 'delete', (s) => s.phase === 'Complete');
    expect((await getRollout(env.ns, 'delete')).metadata.finalizers).toEqual([
      'delivery.latticedb.com/flag-cleanup',
    ]);
    expect(await readRawFlag(env.redis, flag)).toBeDefined();
    await deleteRollout(env.ns, 'delete');
    await waitFor(
      () =>
        getRollout(env.ns, 'delete').then(
          () => false,
          (e: unknown) => apiStatus(e).code === 404,
        ),
      { timeoutMs: 15_000, message: 'FlagRollout gone' },
    );
    expect(
      await env.redis.exists(
        `latticedb:flags:${flag}`,
        `latticedb:flags:${flag}:targets`,
        `latticedb:flags:${flag}:rollout`,
      ),
    ).toBe(0);
    expect(await env.redis.sismember('latticedb:flags:index', flag)).toBe(0);
  });

  it('Retain: the flag stays as it is', async () => {
    const flag = uniqueFlag('retain');
    await createRollout(env.ns, 'retain', { flag, steps, targeting: { users: ['u-1'] } });
    await waitForStatus(env.ns, 'retain', (s) => s.phase === 'Complete');
    expect((await getRollout(env.ns, 'retain')).metadata.finalizers).toBeUndefined();
    const before = await readRawFlag(env.redis, flag);
    await deleteRollout(env.ns, 'retain');
    await new Promise((r) => setTimeout(r, 1_500));
    expect(await readRawFlag(env.redis, flag)).toEqual(before);
    expect(before?.hash).toMatchObject({ enabled: '1', percentage: '10000' });
  });
});
