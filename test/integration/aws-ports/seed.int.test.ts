// The moto seed (test/fixtures/moto/seed.ts) builds what integration tests and the demo rely on.
import { DescribeImagesCommand } from '@aws-sdk/client-ecr';
import { DescribeClustersCommand, DescribeTaskSetsCommand } from '@aws-sdk/client-ecs';
import { DescribeListenersCommand } from '@aws-sdk/client-elastic-load-balancing-v2';
import { DescribeDBInstancesCommand } from '@aws-sdk/client-rds';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { AwsClients } from '../../../reconcilers/shared/adapters/aws/clients.js';
import { Elbv2TrafficRouter } from '../../../reconcilers/shared/adapters/aws/elbv2-traffic-router.js';
import { resetAws, testEnv } from '../../env/fixtures.js';
import { seedLatticeDbService } from '../../fixtures/moto/seed.js';
import { motoClients } from './moto-worlds.js';

let clients: AwsClients;
beforeEach(async () => {
  await resetAws();
  clients = motoClients(testEnv().awsEndpoint);
});
afterEach(() => {
  clients.destroy();
});

describe('seedLatticeDbService', () => {
  it('creates the cluster, both services, the ALB, ECR images and the database', async () => {
    const s = await seedLatticeDbService(clients, { endpoint: testEnv().awsEndpoint });
    const ecs = clients.ecs();

    const cluster = await ecs.send(new DescribeClustersCommand({ clusters: [s.cluster] }));
    expect(cluster.clusters?.[0]?.capacityProviders).toEqual(['FARGATE', 'FARGATE_SPOT']);
    const sets = await ecs.send(
      new DescribeTaskSetsCommand({ cluster: s.cluster, service: s.canary.ref.service }),
    );
    expect(sets.taskSets?.map((t) => [t.taskSetArn, t.status, t.externalId])).toEqual([
      [s.canary.primaryTaskSetArn, 'PRIMARY', 'seed-primary'],
    ]);

    const router = new Elbv2TrafficRouter(clients);
    expect(await router.getWeights(s.region, s.alb.listenerArn)).toEqual([
      { targetGroupArn: s.alb.blueTargetGroupArn, weight: 100 },
      { targetGroupArn: s.alb.greenTargetGroupArn, weight: 0 },
    ]);
    expect(await router.getWeights(s.region, s.alb.rollingListenerArn)).toEqual([
      { targetGroupArn: s.alb.rollingTargetGroupArn, weight: 100 },
    ]);
    const listeners = await clients
      .elbv2()
      .send(new DescribeListenersCommand({ LoadBalancerArn: s.alb.loadBalancerArn }));
    expect(listeners.Listeners?.map((l) => l.Port).sort()).toEqual([80, 8080, 81]);

    const images = await clients.ecr().send(
      new DescribeImagesCommand({
        repositoryName: s.family,
        imageIds: [{ imageTag: '2.1.0' }, { imageTag: '2.2.0' }],
      }),
    );
    const digests = images.imageDetails?.map((d) => d.imageDigest);
    expect(new Set(digests).size).toBe(2);
    expect(s.ecr.images['2.1.0']).toBe(`${s.ecr.repositoryUri}:2.1.0`);

    const db = await clients
      .rds()
      .send(new DescribeDBInstancesCommand({ DBInstanceIdentifier: s.family }));
    expect(db.DBInstances?.[0]?.DBInstanceStatus).toBe('available');
  });

  it('can seed a second, differently named world next to the first', async () => {
    const a = await seedLatticeDbService(clients, { endpoint: testEnv().awsEndpoint });
    const b = await seedLatticeDbService(clients, {
      endpoint: testEnv().awsEndpoint,
      name: 'ldb2',
      testListener: false,
      database: false,
    });
    expect(b.canary.ref.cluster).not.toBe(a.canary.ref.cluster);
    expect(b.alb.testListenerArn).toBeUndefined();
    expect(b.database).toBeUndefined();
  });
});
