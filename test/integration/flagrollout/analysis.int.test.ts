// Analysis gates on moto's CloudWatch: datapoints are put with PutMetricData and read back by the
// controller's CloudWatchMetricSource. Good metrics promote, bad metrics roll back to the last
// good split and stop, missing metrics hold until data arrives.
import { setTimeout as delay } from 'node:timers/promises';
import { describe, expect, it } from 'vitest';
import { run as runCli } from '../../../flags/cli/run.js';
import { resetAws, testEnv } from '../../env/fixtures.js';
import {
  conditionOf,
  createRollout,
  errorRateAnalysis,
  putErrorRate,
  readRawFlag,
  uniqueFlag,
  waitForStatus,
  rolloutTestEnv,
} from './support.js';

const env = rolloutTestEnv('flagrollout-analysis', { beforeAll: resetAws });

async function split(flag: string): Promise<string | undefined> {
  const raw = await readRawFlag(env.redis, flag);
  return raw === undefined ? undefined : `${raw.hash.enabled}:${raw.hash.percentage}`;
}

async function report(flag: string): Promise<unknown> {
  let out = '';
  await runCli(['report', flag, '-o', 'json', `--redis-url=${testEnv().redisUrl}`], {
    stdout: (t) => (out += t),
    stderr: () => undefined,
    env: {},
  });
  return JSON.parse(out);
}

describe('FlagRollout analysis against CloudWatch (moto)', () => {
  it('good metrics promote through every hold', async () => {
    const flag = uniqueFlag('good');
    await putErrorRate(flag, 0.2);
    await createRollout(env.ns, 'good', {
      flag,
      steps: [{ percentage: 0, hold: '1s' }, { percentage: 50, hold: '1s' }, { percentage: 100 }],
      analysis: errorRateAnalysis(flag),
    });
    const status = await waitForStatus(env.ns, 'good', (s) => s.phase === 'Complete');
    expect(await split(flag)).toBe('1:10000');
    expect(status.lastAnalysis).toMatchObject({ step: 1, verdict: 'Successful' });
    expect(status.analysis?.measurements?.[0]).toMatchObject({ metric: 'error-rate', value: 0.2 });
    expect(conditionOf(status, 'AnalysisPassed')).toMatchObject({ status: 'True' });
    expect(await report(flag)).toMatchObject({
      flags: [
        {
          rollout: {
            phase: 'Complete',
            lastAnalysis: {
              verdict: 'Successful',
              summary: 'error-rate: Successful (1 of 1 successful)',
            },
          },
        },
      ],
    });
  });

  it('bad metrics roll the flag back to the last good split and stop', async () => {
    const flag = uniqueFlag('bad');
    await putErrorRate(flag, 0.2);
    await createRollout(env.ns, 'bad', {
      flag,
      steps: [{ percentage: 5, hold: '1s' }, { percentage: 25, hold: '1h' }, { percentage: 100 }],
      analysis: errorRateAnalysis(flag),
    });
    await waitForStatus(env.ns, 'bad', (s) => s.currentStep === 1);
    expect(await split(flag)).toBe('1:2500');
    await putErrorRate(flag, 9); // the window's maximum is now 9 % errors
    const status = await waitForStatus(env.ns, 'bad', (s) => s.phase === 'RolledBack');
    expect(await split(flag)).toBe('1:500');
    expect(status).toMatchObject({ percentage: 5, rollback: { step: 1, percentage: 5 } });
    expect(status.rollback?.message).toContain('error-rate: Failed');
    expect(conditionOf(status, 'Stalled')).toMatchObject({ status: 'True', reason: 'RolledBack' });
    expect(conditionOf(status, 'AnalysisPassed')).toMatchObject({
      status: 'False',
      reason: 'AnalysisFailed',
    });
    await delay(3_000); // polled three times meanwhile: stays rolled back
    expect(await split(flag)).toBe('1:500');
    expect((await report(flag)) as object).toMatchObject({
      flags: [{ rollout: { phase: 'RolledBack', lastAnalysis: { verdict: 'Failed' } } }],
    });
  });

  it('missing metrics hold the step (inconclusive never promotes) until data arrives', async () => {
    const flag = uniqueFlag('missing');
    await createRollout(env.ns, 'missing', {
      flag,
      targeting: { users: ['u-internal'] },
      steps: [{ percentage: 0, hold: '1s' }, { percentage: 100 }],
      analysis: errorRateAnalysis(flag),
    });
    const first = await waitForStatus(
      env.ns,
      'missing',
      (s) => s.analysis?.verdict === 'Inconclusive',
    );
    expect(conditionOf(first, 'AnalysisPassed')).toMatchObject({
      status: 'False',
      reason: 'AnalysisInconclusive',
    });
    await delay(4_000); // well past the 1 s hold
    const held = await waitForStatus(env.ns, 'missing', () => true);
    expect(held).toMatchObject({ currentStep: 0, phase: 'Holding' });
    expect((held.analysis?.measurements ?? []).length).toBeGreaterThan(2); // kept measuring
    expect(await split(flag)).toBe('1:0');
    await putErrorRate(flag, 0.1);
    await waitForStatus(env.ns, 'missing', (s) => s.phase === 'Complete');
    expect(await split(flag)).toBe('1:10000');
  });
});
