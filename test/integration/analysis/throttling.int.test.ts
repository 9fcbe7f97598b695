// CloudWatch throttling and 5xx, injected by the fault proxy in front of moto: the SDK's own
// retries absorb short bursts; when they give up, the engine rethrows a retryable error and
// records no measurement (so a hiccup cannot use up inconclusiveLimit).
import { PutMetricDataCommand } from '@aws-sdk/client-cloudwatch';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { AwsClients } from '../../../reconcilers/shared/adapters/aws/clients.js';
import { CloudWatchMetricSource } from '../../../reconcilers/shared/adapters/aws/cloudwatch-metric-source.js';
import { analyze, MetricSourceError } from '../../../reconcilers/shared/analysis/index.js';
import type { MetricCheck } from '../../../reconcilers/shared/api/metric-check.js';
import { startFaultProxy, type FaultProxy } from '../../env/fault-proxy.js';
import { awsClientConfig, resetAws, testEnv } from '../../env/fixtures.js';

const check: MetricCheck = {
  name: 'requests',
  cloudWatch: { metric: { namespace: 'LatticeDB', metricName: 'Requests', stat: 'Sum' } },
  successCondition: '> 10',
};

let proxy: FaultProxy;
const opened: AwsClients[] = [];
let now: Date;

function clientsVia(endpoint: string, maxAttempts: number): AwsClients {
  const { credentials } = awsClientConfig();
  const clients = new AwsClients({
    region: 'us-east-1',
    endpoint,
    credentials,
    maxAttempts,
    emulator: true,
  });
  opened.push(clients);
  return clients;
}

beforeEach(async () => {
  await resetAws();
  now = new Date();
  await clientsVia(testEnv().awsEndpoint, 1)
    .cloudWatch()
    .send(
      new PutMetricDataCommand({
        Namespace: 'LatticeDB',
        MetricData: [
          { MetricName: 'Requests', Value: 42, Timestamp: new Date(now.getTime() - 20_000) },
        ],
      }),
    );
  proxy = await startFaultProxy(testEnv().awsEndpoint);
});
afterEach(async () => {
  for (const c of opened.splice(0)) c.destroy();
  await proxy.stop();
});

const getMetricData = { service: 'monitoring', operation: 'GetMetricData' } as const;

describe('analysis under CloudWatch faults (fault proxy → moto)', () => {
  it('the SDK retries two throttles and one 500; the measurement is taken', async () => {
    proxy.setRules([
      { ...getMetricData, fault: 'throttle', count: 2 },
      { ...getMetricData, fault: 'http500', count: 1 },
    ]);
    const source = new CloudWatchMetricSource(clientsVia(proxy.endpoint, 4));
    const result = await analyze([check], {}, { now, source, defaultRegion: 'us-east-1' });
    expect(result.taken).toMatchObject([{ metric: 'requests', value: 42, verdict: 'Successful' }]);
    expect(proxy.count(getMetricData)).toBe(4);
    expect(proxy.calls().find((c) => c.operation === 'GetMetricData')?.faulted).toBe(3);
  });

  it('persistent throttling: a retryable error, nothing recorded', async () => {
    proxy.setRules([{ ...getMetricData, fault: 'throttle' }]);
    const source = new CloudWatchMetricSource(clientsVia(proxy.endpoint, 2));
    const error: unknown = await analyze(
      [check],
      {},
      {
        now,
        source,
        defaultRegion: 'us-east-1',
      },
    ).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(MetricSourceError);
    expect(error).toMatchObject({ retryable: true });
    expect((error as Error).message).toMatch(/^Throttling/);
    expect(proxy.count(getMetricData)).toBe(2);
  });
});
