// The canary and migration mechanics at the port level, on moto: every step is repeated once as a
// controller restarted mid-step would repeat it, and the world shows each effect exactly once.
import { DescribeTaskSetsCommand, ListTasksCommand } from '@aws-sdk/client-ecs';
import { DescribeDBSnapshotsCommand } from '@aws-sdk/client-rds';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { AwsClients } from '../../../reconcilers/shared/adapters/aws/clients.js';
import { AwsEcsAdapter } from '../../../reconcilers/shared/adapters/aws/ecs-adapter.js';
import { Elbv2TrafficRouter } from '../../../reconcilers/shared/adapters/aws/elbv2-traffic-router.js';
import { RdsDatabase } from '../../../reconcilers/shared/adapters/aws/rds-database.js';
import { resetAws, testEnv } from '../../env/fixtures.js';
import { seedLatticeDbService, type SeededLatticeDb } from '../../fixtures/moto/seed.js';
import { motoClients } from './moto-worlds.js';

let clients: AwsClients;
let s: SeededLatticeDb;
beforeEach(async () => {
  await resetAws();
  clients = motoClients(testEnv().awsEndpoint);
  s = await seedLatticeDbService(clients, { endpoint: testEnv().awsEndpoint });
});
afterEach(() => {
  clients.destroy();
});

describe('canary mechanics through the ports', () => {
  it('5 % → 100 %, primary swap, old set removed; every step repeated once', async () => {
    const ecs = new AwsEcsAdapter(clients);
    const traffic = new Elbv2TrafficRouter(clients);
    const { ref } = s.canary;
    const stable = s.alb.blueTargetGroupArn;
    const canaryTg = s.alb.greenTargetGroupArn;
    const weights = (canary: number) => [
      { targetGroupArn: stable, weight: 100 - canary },
      { targetGroupArn: canaryTg, weight: canary },
    ];
    const td = await ecs.registerDerivedTaskDefinition(
      s.region,
      s.taskDefinitionArn,
      { container: s.containerName, image: s.ecr.images['2.2.0'] ?? '' },
      { 'latticedb.com/spec-hash': 'r2' },
    );
    const input = {
      externalId: 'ldb-r2-canary',
      taskDefinitionArn: td.arn,
      loadBalancer: {
        targetGroupArn: canaryTg,
        containerName: s.containerName,
        containerPort: s.containerPort,
      },
      scalePercent: 5,
    };
    const canary = await ecs.createTaskSet(ref, input);
    expect((await ecs.createTaskSet(ref, input)).arn).toBe(canary.arn);

    for (const w of [5, 5, 15, 100, 100]) {
      await ecs.updateTaskSetScale(ref, canary.arn, Math.max(w, 5));
      await traffic.setWeights(s.region, s.alb.listenerArn, weights(w));
      expect(await traffic.getWeights(s.region, s.alb.listenerArn)).toEqual(weights(w));
    }
    await ecs.setPrimaryTaskSet(ref, canary.arn);
    await ecs.setPrimaryTaskSet(ref, canary.arn);
    await ecs.updateTaskSetScale(ref, s.canary.primaryTaskSetArn, 0);
    await ecs.deleteTaskSet(ref, s.canary.primaryTaskSetArn);
    await ecs.deleteTaskSet(ref, s.canary.primaryTaskSetArn);

    const sets = await clients
      .ecs()
      .send(new DescribeTaskSetsCommand({ cluster: s.cluster, service: ref.service }));
    expect(sets.taskSets?.map((t) => [t.taskSetArn, t.status, t.taskDefinition])).toEqual([
      [canary.arn, 'PRIMARY', td.arn],
    ]);
    const service = await ecs.describeService(ref);
    expect(service?.taskDefinitionArn).toBe(td.arn);
    expect(service?.loadBalancers.map((lb) => lb.targetGroupArn)).toEqual([canaryTg]);
  });

  it('a migration task runs once per startedBy; a snapshot is taken once per id', async () => {
    const ecs = new AwsEcsAdapter(clients);
    const input = {
      taskDefinitionArn: s.taskDefinitionArn,
      container: s.containerName,
      command: ['latticedb', 'migrate', 'up'],
      startedBy: 'ldb-1a2b3c4d-r2',
    };
    const first = await ecs.runTask(s.rolling.ref, input);
    const restarted = new AwsEcsAdapter(clients);
    expect((await restarted.runTask(s.rolling.ref, input)).arn).toBe(first.arn);
    const listed = await clients
      .ecs()
      .send(new ListTasksCommand({ cluster: s.cluster, startedBy: input.startedBy }));
    expect(listed.taskArns).toEqual([first.arn]);

    const db = new RdsDatabase(clients);
    const instance = s.database?.instanceIdentifier ?? '';
    await db.createSnapshot(s.region, instance, 'latticedb-r2-a1b2c3');
    await new RdsDatabase(clients).createSnapshot(s.region, instance, 'latticedb-r2-a1b2c3');
    const snapshots = await clients
      .rds()
      .send(
        new DescribeDBSnapshotsCommand({ DBInstanceIdentifier: instance, SnapshotType: 'manual' }),
      );
    expect(snapshots.DBSnapshots?.map((x) => x.DBSnapshotIdentifier)).toEqual([
      'latticedb-r2-a1b2c3',
    ]);
  });
});
