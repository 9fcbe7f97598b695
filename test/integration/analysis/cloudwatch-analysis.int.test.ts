// The analysis engine with the real CloudWatch adapter and SDK client against moto: metrics are
// put with PutMetricData, read back with GetMetricData as raw Sum / SampleCount, and the rates,
// averages and treatment-vs-control comparisons are computed by the engine. (moto has no
// percentiles and no metric math: those paths are covered by the unit tests.)
import { PutMetricDataCommand, type MetricDatum } from '@aws-sdk/client-cloudwatch';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { AwsClients } from '../../../reconcilers/shared/adapters/aws/clients.js';
import { CloudWatchMetricSource } from '../../../reconcilers/shared/adapters/aws/cloudwatch-metric-source.js';
import { analyze, measure } from '../../../reconcilers/shared/analysis/index.js';
import type { MetricCheck, MetricQuery } from '../../../reconcilers/shared/api/metric-check.js';
import { awsClientConfig, resetAws, testEnv } from '../../env/fixtures.js';

const NAMESPACE = 'AWS/ApplicationELB';
const canary = [{ name: 'TargetGroup', value: 'targetgroup/latticedb-canary/0123456789abcdef' }];

let clients: AwsClients;
let calls: string[];
let source: CloudWatchMetricSource;
let now: Date;

beforeEach(async () => {
  await resetAws();
  const { credentials, maxAttempts } = awsClientConfig();
  calls = [];
  clients = new AwsClients({
    region: 'us-east-1',
    endpoint: testEnv().awsEndpoint,
    credentials,
    maxAttempts,
    emulator: true,
    onRequest: (r) => calls.push(`${r.region}:${r.commandName}`),
  });
  source = new CloudWatchMetricSource(clients);
  now = new Date();
});
afterEach(() => {
  clients.destroy();
});

/** Puts datapoints 20 s before `now`, inside the default one-minute window. */
async function put(
  metrics: { name: string; dims?: typeof canary; values: number[]; counts?: number[] }[],
  region = 'us-east-1',
): Promise<void> {
  const at = new Date(now.getTime() - 20_000);
  const data: MetricDatum[] = metrics.map((m) => ({
    MetricName: m.name,
    Dimensions: (m.dims ?? canary).map((d) => ({ Name: d.name, Value: d.value })),
    Timestamp: at,
    Values: m.values,
    ...(m.counts === undefined ? {} : { Counts: m.counts }),
  }));
  await clients
    .cloudWatch(region)
    .send(new PutMetricDataCommand({ Namespace: NAMESPACE, MetricData: data }));
  calls.length = 0;
}

const sum = (metricName: string, dimensions = canary): MetricQuery => ({
  namespace: NAMESPACE,
  metricName,
  dimensions,
  stat: 'Sum',
  period: '1m',
});

const errorRate: MetricCheck = {
  name: 'error-rate',
  cloudWatch: {
    ratio: { numerator: sum('HTTPCode_Target_5XX_Count'), denominator: sum('RequestCount') },
  },
  successCondition: '< 1',
  failureCondition: '> 5',
};

const deps = () => ({ now, source, defaultRegion: 'us-east-1' });

describe('error rate computed from raw sums (moto)', () => {
  it('7 % errors fails against "> 5", read in one GetMetricData call', async () => {
    await put([
      { name: 'HTTPCode_Target_5XX_Count', values: [3, 4] },
      { name: 'RequestCount', values: [60, 40] },
    ]);
    const m = await measure(errorRate, deps());
    expect(m).toMatchObject({ metric: 'error-rate', value: 7, verdict: 'Failed' });
    expect(calls).toEqual(['us-east-1:GetMetricDataCommand']);
  });

  it('0.5 % errors succeeds against "< 1"', async () => {
    await put([
      { name: 'HTTPCode_Target_5XX_Count', values: [1] },
      { name: 'RequestCount', values: [100, 100] },
    ]);
    expect(await measure(errorRate, deps())).toMatchObject({ value: 0.5, verdict: 'Successful' });
  });

  it('missing metrics are inconclusive', async () => {
    expect(await measure(errorRate, deps())).toMatchObject({
      verdict: 'Inconclusive',
      message: 'denominator: no data',
    });
    // Data under another target group does not count: dimension sets must match.
    await put([
      {
        name: 'RequestCount',
        dims: [{ name: 'TargetGroup', value: 'targetgroup/stable/1' }],
        values: [500],
      },
    ]);
    const m = await measure(errorRate, deps());
    expect(m.verdict).toBe('Inconclusive');
    expect(m.value).toBeUndefined();
  });

  it('zero requests are inconclusive, not a 0 % error rate', async () => {
    await put([
      { name: 'HTTPCode_Target_5XX_Count', values: [0] },
      { name: 'RequestCount', values: [0] },
    ]);
    expect(await measure(errorRate, deps())).toMatchObject({
      verdict: 'Inconclusive',
      message: 'denominator is 0',
    });
  });

  it('data older than the window is not read', async () => {
    await put([
      { name: 'HTTPCode_Target_5XX_Count', values: [50] },
      { name: 'RequestCount', values: [100] },
    ]);
    now = new Date(now.getTime() + 5 * 60_000);
    expect((await measure(errorRate, deps())).verdict).toBe('Inconclusive');
  });
});

describe('average latency (moto)', () => {
  it('is ΣSum / ΣSampleCount of the values and counts put', async () => {
    await put([{ name: 'TargetResponseTime', values: [0.1, 0.2, 0.3], counts: [1, 1, 2] }]);
    const latency: MetricCheck = {
      name: 'latency',
      cloudWatch: { metric: { ...sum('TargetResponseTime'), stat: 'Average' } },
      successCondition: '< 0.5',
      failureCondition: '> 1',
    };
    const m = await measure(latency, deps());
    expect(m).toMatchObject({ value: 0.225, verdict: 'Successful' });
    expect(calls).toHaveLength(1);
  });
});

describe('treatment vs control on a variant dimension (moto)', () => {
  const flag = { name: 'Flag', value: 'new_query_optimizer' };
  const cohort = (variant: string) => [flag, { name: 'variant', value: variant }];
  const check = (mode: 'Difference' | 'Ratio', failureCondition: string): MetricCheck => ({
    name: 'treatment-vs-control',
    cloudWatch: {
      ratio: {
        numerator: { ...sum('QueryErrors', [flag]), namespace: NAMESPACE },
        denominator: { ...sum('Queries', [flag]), namespace: NAMESPACE },
      },
      compare: { dimension: 'variant', treatment: 'on', control: 'off', mode },
    },
    failureCondition,
  });

  beforeEach(async () => {
    await put([
      { name: 'QueryErrors', dims: cohort('on'), values: [6] },
      { name: 'Queries', dims: cohort('on'), values: [200] },
      { name: 'QueryErrors', dims: cohort('off'), values: [2] },
      { name: 'Queries', dims: cohort('off'), values: [200] },
    ]);
  });

  it('Difference: 3 % − 1 % = 2 points fails against "> 1"', async () => {
    expect(await measure(check('Difference', '> 1'), deps())).toMatchObject({
      value: 2,
      verdict: 'Failed',
    });
    expect(calls).toEqual(['us-east-1:GetMetricDataCommand']);
  });

  it('Ratio: treatment errs 3× as often; passes against "> 4"', async () => {
    expect(await measure(check('Ratio', '> 4'), deps())).toMatchObject({
      value: 3,
      verdict: 'Successful',
    });
  });
});

describe('analyze over several checks and regions (moto)', () => {
  it('one GetMetricData per due check, in the region each check names', async () => {
    await put([
      { name: 'HTTPCode_Target_5XX_Count', values: [0] },
      { name: 'RequestCount', values: [100] },
    ]);
    await put([{ name: 'RequestCount', values: [100] }], 'eu-west-1');
    const west: MetricCheck = {
      name: 'west-traffic',
      cloudWatch: { region: 'eu-west-1', metric: sum('RequestCount') },
      successCondition: '>= 50',
    };
    const result = await analyze([errorRate, west], {}, deps());
    expect(result.taken.map((m) => [m.metric, m.value, m.verdict])).toEqual([
      ['error-rate', 0, 'Successful'],
      ['west-traffic', 100, 'Successful'],
    ]);
    expect(result.assessment.phase).toBe('Successful');
    expect(calls.sort()).toEqual([
      'eu-west-1:GetMetricDataCommand',
      'us-east-1:GetMetricDataCommand',
    ]);
  });
});
