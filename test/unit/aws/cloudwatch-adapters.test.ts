import {
  DescribeAlarmsCommand,
  GetMetricDataCommand,
  type GetMetricDataCommandInput,
} from '@aws-sdk/client-cloudwatch';
import { mockClient } from 'aws-sdk-client-mock';
import { describe, expect, it } from 'vitest';
import { withMockedAws } from '../../fixtures/aws/mocked-sdk.js';
import { CloudWatchAlarmSource } from '../../../reconcilers/shared/adapters/aws/cloudwatch-alarms.js';
import { CloudWatchMetricSource } from '../../../reconcilers/shared/adapters/aws/cloudwatch-metric-source.js';
import { measure, MetricSourceError } from '../../../reconcilers/shared/analysis/index.js';
import type { MetricCheck } from '../../../reconcilers/shared/api/metric-check.js';
import { checkAlarms } from '../../../reconcilers/shared/checks/index.js';

const NOW = new Date('2026-11-26T10:05:00Z');

const aws = withMockedAws((clients) => mockClient(clients.cloudWatch()));

const p95: MetricCheck = {
  name: 'p95-latency',
  cloudWatch: {
    metric: {
      namespace: 'AWS/ApplicationELB',
      metricName: 'TargetResponseTime',
      dimensions: [{ name: 'LoadBalancer', value: 'app/prod/1' }],
      stat: 'p95',
      period: '1m',
    },
    window: '5m',
  },
  successCondition: '< 0.5',
};

const error = (name: string, status: number, fault: 'client' | 'server' = 'client') =>
  Object.assign(new Error(`${name}!`), {
    name,
    $fault: fault,
    $metadata: { httpStatusCode: status },
  });

describe('CloudWatchMetricSource', () => {
  it('sends the percentile as is, no metric math, and follows NextToken', async () => {
    aws.sdk
      .on(GetMetricDataCommand)
      .resolvesOnce({ MetricDataResults: [{ Id: 'm', Values: [0.41, 0.38] }], NextToken: 'page-2' })
      .resolvesOnce({ MetricDataResults: [{ Id: 'm', Values: [0.44] }] });
    const m = await measure(p95, {
      now: NOW,
      source: new CloudWatchMetricSource(aws.clients),
      defaultRegion: 'us-east-1',
    });
    expect(m).toMatchObject({ value: 0.44, verdict: 'Successful' });

    const calls = aws.sdk.commandCalls(GetMetricDataCommand);
    expect(calls).toHaveLength(2);
    const input: GetMetricDataCommandInput = calls[0]!.args[0].input;
    expect(input).toEqual({
      MetricDataQueries: [
        {
          Id: 'm',
          ReturnData: true,
          MetricStat: {
            Metric: {
              Namespace: 'AWS/ApplicationELB',
              MetricName: 'TargetResponseTime',
              Dimensions: [{ Name: 'LoadBalancer', Value: 'app/prod/1' }],
            },
            Period: 60,
            Stat: 'p95',
          },
        },
      ],
      StartTime: new Date('2026-11-26T10:00:00Z'),
      EndTime: NOW,
      ScanBy: 'TimestampDescending',
      NextToken: undefined,
    });
    expect(input.MetricDataQueries!.some((q) => q.Expression !== undefined)).toBe(false);
    expect(calls[1]!.args[0].input.NextToken).toBe('page-2');
  });

  it('queries the region the check names', async () => {
    const west = mockClient(aws.clients.cloudWatch('us-west-2'));
    west.on(GetMetricDataCommand).resolves({ MetricDataResults: [] });
    const source = new CloudWatchMetricSource(aws.clients);
    const data = await source.query({
      region: 'us-west-2',
      queries: [
        {
          id: 'a',
          namespace: 'N',
          metricName: 'M',
          dimensions: [],
          stat: 'Sum',
          periodSeconds: 60,
        },
      ],
      start: new Date(NOW.getTime() - 60_000),
      end: NOW,
    });
    expect(data.get('a')).toEqual([]);
    expect(west.commandCalls(GetMetricDataCommand)).toHaveLength(1);
    expect(aws.sdk.commandCalls(GetMetricDataCommand)).toHaveLength(0);
    west.restore();
  });

  it('throttling (after the SDK gave up) is a retryable MetricSourceError; measure rethrows it', async () => {
    aws.sdk.on(GetMetricDataCommand).rejects(error('Throttling', 400));
    const source = new CloudWatchMetricSource(aws.clients);
    const thrown: unknown = await measure(p95, {
      now: NOW,
      source,
      defaultRegion: 'us-east-1',
    }).catch((e: unknown) => e);
    expect(thrown).toBeInstanceOf(MetricSourceError);
    expect(thrown).toMatchObject({ retryable: true, message: 'Throttling: Throttling!' });
  });

  it('access denied becomes an inconclusive measurement with a clean message', async () => {
    aws.sdk.on(GetMetricDataCommand).rejects(error('AccessDenied', 403));
    const m = await measure(p95, {
      now: NOW,
      source: new CloudWatchMetricSource(aws.clients),
      defaultRegion: 'us-east-1',
    });
    expect(m).toEqual({
      metric: 'p95-latency',
      verdict: 'Inconclusive',
      at: '2026-11-26T10:05:00Z',
      message: 'AccessDenied: AccessDenied!',
    });
  });
});

describe('CloudWatchAlarmSource', () => {
  it('reports firing and missing alarms, 100 names per call, metric and composite', async () => {
    const names = Array.from({ length: 150 }, (_, i) => `alarm-${i}`);
    aws.sdk.on(DescribeAlarmsCommand).callsFake((input: { AlarmNames?: string[] }) => {
      const asked = input.AlarmNames ?? [];
      return {
        MetricAlarms: asked
          .filter((n) => n !== 'alarm-3' && n !== 'alarm-120')
          .map((n) => ({ AlarmName: n, StateValue: n === 'alarm-7' ? 'ALARM' : 'OK' })),
        CompositeAlarms: asked.includes('alarm-120')
          ? [{ AlarmName: 'alarm-120', StateValue: 'ALARM' }]
          : [],
      };
    });
    const states = await new CloudWatchAlarmSource(aws.clients).alarmsFiring(names, 'us-east-1');
    expect(states).toEqual({ firing: ['alarm-7', 'alarm-120'], missing: ['alarm-3'] });
    const calls = aws.sdk.commandCalls(DescribeAlarmsCommand);
    expect(calls.map((c) => c.args[0].input.AlarmNames?.length)).toEqual([100, 50]);
    expect(calls[0]!.args[0].input.AlarmTypes).toEqual(['MetricAlarm', 'CompositeAlarm']);
  });

  it('follows NextToken and maps errors', async () => {
    aws.sdk
      .on(DescribeAlarmsCommand)
      .resolvesOnce({ MetricAlarms: [{ AlarmName: 'a', StateValue: 'OK' }], NextToken: 't' })
      .resolvesOnce({ MetricAlarms: [{ AlarmName: 'b', StateValue: 'INSUFFICIENT_DATA' }] })
      .rejects(error('InternalServiceFault', 500, 'server'));
    const source = new CloudWatchAlarmSource(aws.clients);
    const result = await checkAlarms(source, ['a', 'b'], 'us-east-1');
    expect(result).toEqual({
      name: 'alarms',
      passed: true,
      firing: [],
      missing: [],
      message: '2 alarm(s) not in ALARM',
    });
    await expect(source.alarmsFiring(['a'], 'us-east-1')).rejects.toMatchObject({
      name: 'MetricSourceError',
      retryable: true,
    });
  });
});
