// moto serves the AWS SDK v3 clients, and the fault proxy makes it throttle, fail, stall, reset
// connections and rewrite responses per operation, in the shapes the SDK parses as real AWS errors.
import {
  CloudWatchClient,
  GetMetricDataCommand,
  PutMetricDataCommand,
} from '@aws-sdk/client-cloudwatch';
import {
  CreateClusterCommand,
  CreateServiceCommand,
  DescribeClustersCommand,
  DescribeServicesCommand,
  ECSClient,
  ECSServiceException,
  ListClustersCommand,
  RegisterTaskDefinitionCommand,
} from '@aws-sdk/client-ecs';
import {
  DescribeLoadBalancersCommand,
  ElasticLoadBalancingV2Client,
} from '@aws-sdk/client-elastic-load-balancing-v2';
import { ListHostedZonesCommand, Route53Client } from '@aws-sdk/client-route-53';
import { beforeEach, describe, expect, it, onTestFinished } from 'vitest';
import { awsClientConfig, cloudWatchClientConfig, resetAws, testEnv } from '../../env/fixtures.js';
import { faultProxyClient, startFaultProxy, type FaultProxy } from '../../env/fault-proxy.js';
import { startMoto } from '../../env/moto.js';

beforeEach(async () => {
  await resetAws();
});

async function createEcsService(ecs: ECSClient, desiredCount: number): Promise<void> {
  await ecs.send(new CreateClusterCommand({ clusterName: 'web' }));
  await ecs.send(
    new RegisterTaskDefinitionCommand({
      family: 'web',
      requiresCompatibilities: ['FARGATE'],
      networkMode: 'awsvpc',
      cpu: '256',
      memory: '512',
      // moto needs memory on every container (aws-emulator.md §3)
      containerDefinitions: [{ name: 'app', image: 'nginx:1.27', memory: 512, essential: true }],
    }),
  );
  await ecs.send(
    new CreateServiceCommand({
      cluster: 'web',
      serviceName: 'api',
      taskDefinition: 'web:1',
      desiredCount,
    }),
  );
}

async function proxy(): Promise<FaultProxy> {
  const started = await startFaultProxy(testEnv().awsEndpoint);
  onTestFinished(() => started.stop());
  return started;
}

/** The rejection of `promise`, or a failure if it resolved. */
async function rejectionOf(promise: Promise<unknown>): Promise<Record<string, unknown>> {
  return promise.then(
    () => {
      throw new Error('expected the call to fail');
    },
    (err: unknown) => err as Record<string, unknown>,
  );
}

describe('moto', () => {
  it('creates an ECS cluster, task definition and service through @aws-sdk/client-ecs', async () => {
    const ecs = new ECSClient(awsClientConfig());
    await createEcsService(ecs, 2);
    const { services } = await ecs.send(
      new DescribeServicesCommand({ cluster: 'web', services: ['api'] }),
    );
    expect(services?.[0]).toMatchObject({
      serviceName: 'api',
      desiredCount: 2,
      status: 'ACTIVE',
      taskDefinition: expect.stringMatching(/:task-definition\/web:1$/) as unknown,
    });
  });

  it('serves CloudWatch with the pinned JSON protocol', async () => {
    const cw = new CloudWatchClient(cloudWatchClientConfig());
    const now = new Date();
    await cw.send(
      new PutMetricDataCommand({
        Namespace: 'LatticeDB/Test',
        MetricData: [{ MetricName: 'Requests', Value: 7, Timestamp: now }],
      }),
    );
    const data = await cw.send(
      new GetMetricDataCommand({
        StartTime: new Date(now.getTime() - 60_000),
        EndTime: new Date(now.getTime() + 60_000),
        MetricDataQueries: [
          {
            Id: 'r',
            MetricStat: {
              Metric: { Namespace: 'LatticeDB/Test', MetricName: 'Requests' },
              Period: 60,
              Stat: 'Sum',
            },
          },
        ],
      }),
    );
    expect(data.MetricDataResults?.[0]?.Values?.reduce((a, b) => a + b, 0)).toBe(7);
  });

  it('starts a separate server with its own settings (MOTO_ECS_SERVICE_RUNNING)', async () => {
    const moto = await startMoto({ env: { MOTO_ECS_SERVICE_RUNNING: '1' } });
    onTestFinished(() => moto.stop());
    const describeApi = async (endpoint: string) => {
      const ecs = new ECSClient(awsClientConfig({ endpoint }));
      await createEcsService(ecs, 3);
      const { services } = await ecs.send(
        new DescribeServicesCommand({ cluster: 'web', services: ['api'] }),
      );
      return services?.[0];
    };
    expect(await describeApi(moto.endpoint)).toMatchObject({ runningCount: 1, pendingCount: 2 });
    expect(await describeApi(testEnv().awsEndpoint)).toMatchObject({ runningCount: 0 });
  });
});

describe('fault proxy', () => {
  it('injects one ThrottlingException that the SDK retries, then succeeds', async () => {
    const faults = await proxy();
    const ecs = new ECSClient(awsClientConfig({ endpoint: faults.endpoint, maxAttempts: 3 }));
    await ecs.send(new CreateClusterCommand({ clusterName: 'web' }));
    faults.setRules([{ operation: 'DescribeClusters', fault: 'throttle', count: 1 }]);

    const out = await ecs.send(new DescribeClustersCommand({ clusters: ['web'] }));
    expect(out.clusters?.[0]?.clusterName).toBe('web');
    expect(out.$metadata.attempts).toBe(2);
    expect(faults.calls()).toEqual([
      { service: 'ecs', operation: 'CreateCluster', calls: 1, faulted: 0 },
      { service: 'ecs', operation: 'DescribeClusters', calls: 2, faulted: 1 },
    ]);
    expect(faults.count({ reads: true })).toBe(2);
    expect(faults.count({ reads: false })).toBe(1);
  });

  it('surfaces faults beyond the retry budget as typed SDK errors', async () => {
    const faults = await proxy();
    const ecs = new ECSClient(awsClientConfig({ endpoint: faults.endpoint, maxAttempts: 2 }));
    faults.setRules([{ service: 'ecs', operation: 'ListClusters', fault: 'throttle', count: 5 }]);
    const throttled = await rejectionOf(ecs.send(new ListClustersCommand({})));
    expect(throttled).toBeInstanceOf(ECSServiceException);
    expect(throttled).toMatchObject({
      name: 'ThrottlingException',
      $fault: 'client',
      $metadata: { httpStatusCode: 400, attempts: 2 },
    });

    faults.setRules([{ operation: 'ListClusters', fault: 'http500', count: 1 }]);
    const failed = await rejectionOf(
      new ECSClient(awsClientConfig({ endpoint: faults.endpoint })).send(
        new ListClustersCommand({}),
      ),
    );
    expect(failed).toMatchObject({
      name: 'InternalFailure',
      $fault: 'server',
      $metadata: { httpStatusCode: 500 },
    });
  });

  it('speaks the error shape of query and REST-XML services too', async () => {
    const faults = await proxy();
    faults.setRules([{ fault: 'throttle' }]);
    const config = awsClientConfig({ endpoint: faults.endpoint });
    const elb = await rejectionOf(
      new ElasticLoadBalancingV2Client(config).send(new DescribeLoadBalancersCommand({})),
    );
    const route53 = await rejectionOf(
      new Route53Client(config).send(new ListHostedZonesCommand({})),
    );
    for (const err of [elb, route53]) {
      expect(err).toMatchObject({ name: 'Throttling', $metadata: { httpStatusCode: 400 } });
    }
    expect(faults.calls()).toEqual([
      { service: 'elasticloadbalancing', operation: 'DescribeLoadBalancers', calls: 1, faulted: 1 },
      { service: 'route53', operation: 'ListHostedZones', calls: 1, faulted: 1 },
    ]);
  });

  it('adds latency and resets connections', async () => {
    const faults = await proxy();
    faults.setRules([
      { operation: 'ListClusters', fault: 'latency', latencyMs: 50, count: 1 },
      { operation: 'DescribeClusters', fault: 'reset', count: 1 },
    ]);
    const ecs = new ECSClient(awsClientConfig({ endpoint: faults.endpoint }));
    expect((await ecs.send(new ListClustersCommand({}))).clusterArns).toEqual([]);
    const reset = await rejectionOf(ecs.send(new DescribeClustersCommand({ clusters: ['web'] })));
    expect(reset).toMatchObject({ code: 'ECONNRESET' });
    expect(faults.count({ operation: 'DescribeClusters' })).toBe(1);
    // the rule is spent: the next call goes through
    expect(
      (await ecs.send(new DescribeClustersCommand({ clusters: ['web'] }))).failures,
    ).toHaveLength(1);
  });

  it('rewrites a JSON response, e.g. to report a failed deployment', async () => {
    const faults = await proxy();
    const ecs = new ECSClient(awsClientConfig({ endpoint: faults.endpoint }));
    await createEcsService(ecs, 1);
    faults.setRules([
      {
        operation: 'DescribeServices',
        fault: 'rewrite',
        transformJson: (body) => {
          const out = body as { services: { deployments: { rolloutState?: string }[] }[] };
          for (const d of out.services[0]?.deployments ?? []) d.rolloutState = 'FAILED';
          return out;
        },
      },
    ]);
    const { services } = await ecs.send(
      new DescribeServicesCommand({ cluster: 'web', services: ['api'] }),
    );
    expect(services?.[0]?.deployments?.[0]?.rolloutState).toBe('FAILED');
  });

  it('is controlled over HTTP by a process that does not own it', async () => {
    const faults = await proxy();
    const remote = faultProxyClient(faults.endpoint);
    await remote.setRules([{ operation: 'ListClusters', fault: 'http500', count: 1 }]);
    const ecs = new ECSClient(awsClientConfig({ endpoint: faults.endpoint }));
    await expect(ecs.send(new ListClustersCommand({}))).rejects.toMatchObject({
      $metadata: { httpStatusCode: 500 },
    });
    await ecs.send(new ListClustersCommand({}));
    expect(await remote.calls()).toEqual([
      { service: 'ecs', operation: 'ListClusters', calls: 2, faulted: 1 },
    ]);
    await expect(remote.setRules([{ fault: 'melt' as 'throttle' }])).rejects.toThrow(
      /unknown fault/,
    );
    await remote.resetCounts();
    expect(await remote.count()).toBe(0);
  });
});
