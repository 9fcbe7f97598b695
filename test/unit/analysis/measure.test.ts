import { describe, expect, it } from 'vitest';
import type { MetricCheck, MetricQuery } from '../../../reconcilers/shared/api/metric-check.js';
import { measure } from '../../../reconcilers/shared/analysis/index.js';
import { byMetric, FakeMetricSource, unavailable } from './fake-metric-source.js';

const NOW = new Date('2026-11-26T10:00:30.750Z');
const AT = '2026-11-26T10:00:30Z';
const deps = (source: FakeMetricSource) => ({ now: NOW, source, defaultRegion: 'us-east-1' });

const tg = [{ name: 'TargetGroup', value: 'targetgroup/canary/abc' }];
const q = (metricName: string, stat: string, extra: Partial<MetricQuery> = {}): MetricQuery => ({
  namespace: 'AWS/ApplicationELB',
  metricName,
  dimensions: tg,
  stat,
  ...extra,
});

const errorRate: MetricCheck = {
  name: 'error-rate',
  cloudWatch: {
    ratio: {
      numerator: q('HTTPCode_Target_5XX_Count', 'Sum'),
      denominator: q('RequestCount', 'Sum'),
    },
  },
  successCondition: '< 1',
  failureCondition: '> 5',
};

describe('measure: ratio of raw sums, computed by us', () => {
  it('7 % errors fails against "> 5"; one GetMetricData-style request with both series', async () => {
    const source = new FakeMetricSource(
      byMetric({ 'HTTPCode_Target_5XX_Count/Sum': [3, 4], 'RequestCount/Sum': [50, 50] }),
    );
    const m = await measure(errorRate, deps(source));
    expect(m).toEqual({
      metric: 'error-rate',
      value: 7,
      verdict: 'Failed',
      at: AT,
      message: '7 > 5 (failure condition)',
    });
    expect(source.requests).toHaveLength(1);
    const [request] = source.requests;
    expect(request!.region).toBe('us-east-1');
    expect(request!.end).toEqual(NOW);
    expect(request!.start).toEqual(new Date(NOW.getTime() - 60_000)); // window = interval = 1m
    expect(request!.queries.map((x) => [x.id, x.metricName, x.stat, x.periodSeconds])).toEqual([
      ['m_num', 'HTTPCode_Target_5XX_Count', 'Sum', 60],
      ['m_den', 'RequestCount', 'Sum', 60],
    ]);
  });

  it('0.5 % errors succeeds against "< 1"', async () => {
    const source = new FakeMetricSource(
      byMetric({ 'HTTPCode_Target_5XX_Count/Sum': [1], 'RequestCount/Sum': [120, 80] }),
    );
    const m = await measure(errorRate, deps(source));
    expect(m).toEqual({ metric: 'error-rate', value: 0.5, verdict: 'Successful', at: AT });
  });

  it('a rate between the bands is inconclusive and says so', async () => {
    const source = new FakeMetricSource(
      byMetric({ 'HTTPCode_Target_5XX_Count/Sum': [3], 'RequestCount/Sum': [100] }),
    );
    const m = await measure(errorRate, deps(source));
    expect(m.verdict).toBe('Inconclusive');
    expect(m.value).toBe(3);
    expect(m.message).toBe('3, neither < 1 (success) nor > 5 (failure)');
  });

  it('zero requests is inconclusive, not 0 % errors', async () => {
    const source = new FakeMetricSource(
      byMetric({ 'HTTPCode_Target_5XX_Count/Sum': [0], 'RequestCount/Sum': [0, 0] }),
    );
    const m = await measure(errorRate, deps(source));
    expect(m).toEqual({
      metric: 'error-rate',
      verdict: 'Inconclusive',
      at: AT,
      message: 'denominator is 0',
    });
  });

  it('no data at all is inconclusive', async () => {
    const m = await measure(errorRate, deps(new FakeMetricSource()));
    expect(m).toMatchObject({ verdict: 'Inconclusive', message: 'denominator: no data' });
    expect(m.value).toBeUndefined();
  });

  it('a missing numerator is inconclusive unless missingNumerator is Zero', async () => {
    const source = new FakeMetricSource(byMetric({ 'RequestCount/Sum': [200] }));
    const strict = await measure(errorRate, deps(source));
    expect(strict).toMatchObject({ verdict: 'Inconclusive', message: 'numerator: no data' });

    const lenient: MetricCheck = {
      ...errorRate,
      cloudWatch: { ratio: { ...errorRate.cloudWatch.ratio!, missingNumerator: 'Zero' } },
    };
    expect(await measure(lenient, deps(source))).toMatchObject({
      value: 0,
      verdict: 'Successful',
    });
  });

  it('a NaN datapoint is inconclusive', async () => {
    const source = new FakeMetricSource(
      byMetric({ 'HTTPCode_Target_5XX_Count/Sum': [Number.NaN], 'RequestCount/Sum': [100] }),
    );
    const m = await measure(errorRate, deps(source));
    expect(m).toMatchObject({
      verdict: 'Inconclusive',
      message: 'numerator: non-numeric datapoint',
    });
  });

  it('applies scale (1 → a fraction) and the check region', async () => {
    const check: MetricCheck = {
      ...errorRate,
      cloudWatch: {
        region: 'eu-west-1',
        ratio: { ...errorRate.cloudWatch.ratio!, scale: 1 },
      },
      successCondition: '< 0.01',
      failureCondition: '> 0.05',
    };
    const source = new FakeMetricSource(
      byMetric({ 'HTTPCode_Target_5XX_Count/Sum': [2], 'RequestCount/Sum': [400] }),
    );
    expect(await measure(check, deps(source))).toMatchObject({
      value: 0.005,
      verdict: 'Successful',
    });
    expect(source.requests[0]!.region).toBe('eu-west-1');
  });
});

describe('measure: single metrics', () => {
  const latency = (stat: string, extra: Partial<MetricCheck> = {}): MetricCheck => ({
    name: 'latency',
    cloudWatch: { metric: q('TargetResponseTime', stat, { period: '5m' }), window: '15m' },
    successCondition: '< 0.5',
    ...extra,
  });

  it('Average is ΣSum / ΣSampleCount over the window, weighted by samples', async () => {
    // Per-period averages 0.2 (900 samples) and 1.1 (100 samples): weighted 0.29, naive 0.65.
    const source = new FakeMetricSource(
      byMetric({
        'TargetResponseTime/Sum': [180, 110],
        'TargetResponseTime/SampleCount': [900, 100],
      }),
    );
    const m = await measure(latency('Average'), deps(source));
    expect(m).toMatchObject({ value: 0.29, verdict: 'Successful' });
    const [request] = source.requests;
    expect(request!.queries.map((x) => [x.id, x.stat, x.periodSeconds])).toEqual([
      ['m_sum', 'Sum', 300],
      ['m_n', 'SampleCount', 300],
    ]);
    expect(request!.start).toEqual(new Date(NOW.getTime() - 15 * 60_000));
  });

  it('Average without samples is inconclusive', async () => {
    const source = new FakeMetricSource(
      byMetric({ 'TargetResponseTime/Sum': [0], 'TargetResponseTime/SampleCount': [0] }),
    );
    expect(await measure(latency('Average'), deps(source))).toMatchObject({
      verdict: 'Inconclusive',
      message: 'no data',
    });
  });

  it('a percentile is asked as is and several periods reduce to their maximum', async () => {
    const source = new FakeMetricSource(byMetric({ 'TargetResponseTime/p95': [0.31, 0.62, 0.4] }));
    const m = await measure(latency('p95'), deps(source));
    expect(m).toEqual({
      metric: 'latency',
      value: 0.62,
      verdict: 'Failed',
      at: AT,
      message: '0.62, not < 0.5 (success condition)',
    });
    expect(source.requests[0]!.queries).toEqual([
      {
        id: 'm',
        namespace: 'AWS/ApplicationELB',
        metricName: 'TargetResponseTime',
        dimensions: tg,
        stat: 'p95',
        periodSeconds: 300,
      },
    ]);
  });

  it('p99.9 passes when every period is under the threshold', async () => {
    const source = new FakeMetricSource(byMetric({ 'TargetResponseTime/p99.9': [0.2, 0.45] }));
    expect(await measure(latency('p99.9'), deps(source))).toMatchObject({
      value: 0.45,
      verdict: 'Successful',
    });
  });

  it('Minimum, Maximum, SampleCount reduce as their statistic does', async () => {
    const answers = byMetric({
      'TargetResponseTime/Minimum': [0.3, 0.1, 0.2],
      'TargetResponseTime/Maximum': [0.3, 0.9, 0.2],
      'TargetResponseTime/SampleCount': [10, 20],
    });
    const source = new FakeMetricSource(answers);
    expect((await measure(latency('Minimum'), deps(source))).value).toBe(0.1);
    expect((await measure(latency('Maximum'), deps(source))).value).toBe(0.9);
    expect((await measure(latency('SampleCount'), deps(source))).value).toBe(30);
  });

  it('stores six significant digits', async () => {
    const source = new FakeMetricSource(
      byMetric({ 'HTTPCode_Target_5XX_Count/Sum': [1], 'RequestCount/Sum': [3] }),
    );
    expect((await measure(errorRate, deps(source))).value).toBe(33.3333);
  });
});

describe('measure: treatment vs control', () => {
  const variant = (
    mode: 'Difference' | 'Ratio',
    extra: Partial<MetricCheck> = {},
  ): MetricCheck => ({
    name: 'treatment-errors',
    cloudWatch: {
      ratio: {
        numerator: q('Errors', 'Sum', {
          namespace: 'LatticeDB',
          dimensions: [
            { name: 'variant', value: 'all' },
            { name: 'Flag', value: 'opt' },
          ],
        }),
        denominator: q('Requests', 'Sum', {
          namespace: 'LatticeDB',
          dimensions: [{ name: 'Flag', value: 'opt' }],
        }),
      },
      compare: { dimension: 'variant', treatment: 'on', control: 'off', mode },
    },
    failureCondition: '> 1',
    ...extra,
  });
  const table = byMetric(
    {
      'on:Errors/Sum': [6],
      'on:Requests/Sum': [200],
      'off:Errors/Sum': [2],
      'off:Requests/Sum': [200],
    },
    'variant',
  );

  it('Difference: treatment rate − control rate, in one request of four series', async () => {
    const source = new FakeMetricSource(table);
    const m = await measure(variant('Difference'), deps(source));
    expect(m).toMatchObject({ value: 2, verdict: 'Failed' }); // 3 % − 1 %
    const queries = source.requests[0]!.queries;
    expect(queries.map((x) => x.id)).toEqual(['t_num', 't_den', 'c_num', 'c_den']);
    // The cohort dimension replaces a fixed one of the same name and is added where absent.
    expect(queries[0]!.dimensions).toEqual([
      { name: 'Flag', value: 'opt' },
      { name: 'variant', value: 'on' },
    ]);
    expect(queries[3]!.dimensions).toEqual([
      { name: 'Flag', value: 'opt' },
      { name: 'variant', value: 'off' },
    ]);
  });

  it('Ratio: treatment / control', async () => {
    const check = variant('Ratio', { failureCondition: '> 2', successCondition: '< 1.5' });
    expect(await measure(check, deps(new FakeMetricSource(table)))).toMatchObject({
      value: 3,
      verdict: 'Failed',
    });
  });

  it('a control of 0 makes a Ratio inconclusive', async () => {
    const source = new FakeMetricSource(
      byMetric(
        {
          'on:Errors/Sum': [1],
          'on:Requests/Sum': [10],
          'off:Errors/Sum': [0],
          'off:Requests/Sum': [10],
        },
        'variant',
      ),
    );
    expect(await measure(variant('Ratio'), deps(source))).toMatchObject({
      verdict: 'Inconclusive',
      message: 'control is 0: treatment/control is undefined',
    });
    expect(await measure(variant('Difference'), deps(source))).toMatchObject({
      value: 10,
      verdict: 'Failed',
    });
  });

  it('a cohort without data is inconclusive, naming the cohort', async () => {
    const source = new FakeMetricSource(
      byMetric({ 'on:Errors/Sum': [1], 'on:Requests/Sum': [10] }, 'variant'),
    );
    expect(await measure(variant('Difference'), deps(source))).toMatchObject({
      verdict: 'Inconclusive',
      message: 'control: denominator: no data',
    });
  });

  it('compares a single metric too', async () => {
    const check: MetricCheck = {
      name: 'latency-delta',
      cloudWatch: {
        metric: q('Latency', 'p95', { namespace: 'LatticeDB', dimensions: [] }),
        compare: { dimension: 'variant', treatment: 'on', control: 'off', mode: 'Difference' },
      },
      failureCondition: '> 50',
    };
    const source = new FakeMetricSource(
      byMetric({ 'on:Latency/p95': [180, 240], 'off:Latency/p95': [170, 175] }, 'variant'),
    );
    expect(await measure(check, deps(source))).toMatchObject({ value: 65, verdict: 'Failed' });
    expect(source.requests[0]!.queries.map((x) => [x.id, x.stat])).toEqual([
      ['t', 'p95'],
      ['c', 'p95'],
    ]);
  });
});

describe('measure: source errors', () => {
  it('a non-retryable error is an inconclusive measurement with the message', async () => {
    const source = new FakeMetricSource();
    source.failWith = unavailable(false);
    expect(await measure(errorRate, deps(source))).toEqual({
      metric: 'error-rate',
      verdict: 'Inconclusive',
      at: AT,
      message: 'AccessDenied: not allowed',
    });
  });

  it('a retryable error is rethrown and nothing is measured', async () => {
    const source = new FakeMetricSource();
    source.failWith = unavailable(true);
    await expect(measure(errorRate, deps(source))).rejects.toThrow('Throttling: Rate exceeded');
  });

  it('an unexpected error is rethrown', async () => {
    const source = new FakeMetricSource();
    source.failWith = new TypeError('bug');
    await expect(measure(errorRate, deps(source))).rejects.toThrow(TypeError);
  });
});
