// What the fakes add beyond the contract: failure injection, counters, and the mutators that
// drive what only AWS would change (stability, deployments, exit codes).
import { describe, expect, it } from 'vitest';
import {
  AwsErrorKind,
  classifyAwsError,
} from '../../../../reconcilers/shared/adapters/aws/errors.js';
import { fakeAwsError } from '../../../fixtures/aws/fake-support.js';
import { FakeClock } from '../../controller/support/fake-clock.js';
import { rejection } from './contracts/support.js';
import { seededFakeDatabase, seededFakeEcs, seededFakeTraffic } from './fake-worlds.js';

describe('FakeEcs', () => {
  it('failNext fails the next call of one operation only, as the SDK would', async () => {
    const { ecs, world } = seededFakeEcs();
    ecs.failNext('describeService');
    ecs.failNext('runTask', fakeAwsError('AccessDeniedException', 'no', 403));
    expect(classifyAwsError(await rejection(ecs.describeService(world.canary)))).toBe(
      AwsErrorKind.Throttling,
    );
    expect(await ecs.describeService(world.canary)).toBeDefined();
    const input = {
      taskDefinitionArn: world.taskDefinitionArn,
      container: 'latticedb',
      command: [],
      startedBy: 's',
    };
    expect(classifyAwsError(await rejection(ecs.runTask(world.rolling, input)))).toBe(
      AwsErrorKind.AccessDenied,
    );
    expect(ecs.log.count('runTask')).toBe(1);
    expect(ecs.log.writes).toBe(0);
  });

  it('counts no writes for a steady-state observation loop', async () => {
    const { ecs, world } = seededFakeEcs();
    ecs.log.reset();
    await Promise.all(
      [world.canary, world.rolling].map((r) => ecs.describeService(r, { maxAgeMs: 1 })),
    );
    expect(ecs.log.counts()).toEqual({ DescribeServices: 1, describeService: 2 });
    expect(ecs.log.writes).toBe(0);
  });

  it('new task sets can start STABILIZING until the test stabilizes them', async () => {
    const { ecs, world } = seededFakeEcs({ newTaskSetStability: 'STABILIZING' });
    const ts = await ecs.createTaskSet(world.canary, {
      externalId: 'c',
      taskDefinitionArn: world.taskDefinitionArn,
      scalePercent: 50,
    });
    expect(ts).toMatchObject({
      stabilityStatus: 'STABILIZING',
      runningCount: 0,
      computedDesiredCount: 2,
    });
    ecs.stabilizeTaskSet(world.canary, ts.arn);
    const s = await ecs.describeService(world.canary);
    expect(s?.taskSets.find((t) => t.arn === ts.arn)).toMatchObject({
      stabilityStatus: 'STEADY_STATE',
      runningCount: 2,
    });
  });

  it('rolling: updateService starts a deployment the test completes or fails', async () => {
    const { ecs, world } = seededFakeEcs();
    await ecs.updateService(world.rolling, { taskDefinitionArn: world.taskDefinitionArn });
    let s = await ecs.describeService(world.rolling);
    expect(s?.deployments.map((d) => [d.status, d.rolloutState])).toEqual([
      ['PRIMARY', 'IN_PROGRESS'],
      ['ACTIVE', 'COMPLETED'],
    ]);
    ecs.failDeployment(world.rolling);
    s = await ecs.describeService(world.rolling);
    expect(s?.deployments[0]?.rolloutState).toBe('FAILED');
    ecs.completeDeployment(world.rolling);
    s = await ecs.describeService(world.rolling);
    expect(s?.deployments.map((d) => d.rolloutState)).toEqual(['COMPLETED']);
  });

  it('a task finishes with the exit code the test chooses; times come from the clock', async () => {
    const clock = new FakeClock('2026-03-01T00:00:00Z');
    const { ecs, world } = seededFakeEcs({ clock });
    const task = await ecs.runTask(world.rolling, {
      taskDefinitionArn: world.taskDefinitionArn,
      container: 'latticedb',
      command: ['migrate'],
      startedBy: 'm',
    });
    expect(task).toMatchObject({ lastStatus: 'PROVISIONING', createdAt: clock.now() });
    ecs.finishTask(task.arn, 2, 'Essential container in task exited');
    expect(await ecs.describeTask(world.rolling, task.arn)).toMatchObject({
      lastStatus: 'STOPPED',
      exitCode: 2,
    });
    expect(ecs.startedTasks()[0]?.command).toEqual(['migrate']);
  });

  it('keeps every field of a derived revision', async () => {
    const { ecs, world } = seededFakeEcs();
    const derived = await ecs.registerDerivedTaskDefinition(
      world.region,
      world.taskDefinitionArn,
      { container: 'latticedb', image: world.newImage },
      {},
    );
    const base = ecs.rawTaskDefinition(world.region, world.taskDefinitionArn);
    const next = ecs.rawTaskDefinition(world.region, derived.arn);
    expect(next.extra).toEqual(base.extra);
    expect(next.containers[0]?.extra).toEqual(base.containers[0]?.extra);
  });
});

describe('FakeTrafficRouter and FakeDatabase', () => {
  it('inject failures and count writes', async () => {
    const t = seededFakeTraffic();
    t.router.failNext('setWeights');
    expect(await rejection(t.port.setWeights(t.region, t.listenerArn, []))).toMatchObject({
      name: 'ThrottlingException',
    });
    expect(t.writes()).toBe(0);

    const d = seededFakeDatabase();
    await d.port.createSnapshot(d.region, d.instance, 'a');
    expect(d.writes()).toBe(1);
  });
});
