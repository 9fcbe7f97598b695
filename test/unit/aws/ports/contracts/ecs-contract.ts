// The EcsPort contract, run against FakeEcs (unit) and AwsEcsAdapter on moto (integration), so
// the fake cannot drift from what the adapter really does. The world is the seed's
// (test/fixtures/moto/seed.ts): an EXTERNAL service with a PRIMARY task set in the stable target
// group, a rolling service, a two-container task definition, a cluster with FARGATE providers.
import { beforeEach, describe, expect, it } from 'vitest';
import {
  AwsErrorKind,
  classifyAwsError,
} from '../../../../../reconcilers/shared/adapters/aws/errors.js';
import type { EcsPort, ServiceRef } from '../../../../../reconcilers/shared/ports/ecs.js';
import { rejection } from './support.js';

export interface EcsContractWorld {
  readonly port: EcsPort;
  readonly region: string;
  readonly cluster: string;
  readonly canary: ServiceRef;
  readonly rolling: ServiceRef;
  readonly family: string;
  readonly taskDefinitionArn: string;
  readonly containerName: string;
  readonly sidecarName: string;
  readonly containerPort: number;
  readonly stableTargetGroupArn: string;
  readonly canaryTargetGroupArn: string;
  /** An image for derived revisions. */
  readonly newImage: string;
  /** DescribeServices calls so far (fake: batches; moto: counted at the fault proxy). */
  describeServicesCalls(): number;
  /** ECS write calls so far. */
  writes(): number;
  /** Brings a one-off task to STOPPED with exit code 0 (moto: describe until it is; fake: finish). */
  finishTask(taskArn: string): Promise<void>;
}

const SPEC_HASH = 'latticedb.com/spec-hash';

export function describeEcsPortContract(setup: () => Promise<EcsContractWorld>): void {
  let w: EcsContractWorld;
  beforeEach(async () => {
    w = await setup();
  });
  const missing = (): ServiceRef => ({ ...w.canary, service: 'no-such-service' });

  describe('describeService', () => {
    it('reads an EXTERNAL service with its PRIMARY task set', async () => {
      const s = await w.port.describeService(w.canary);
      expect(s).toMatchObject({
        deploymentController: 'EXTERNAL',
        desiredCount: 4,
        runningCount: 4,
      });
      expect(s?.taskSets).toHaveLength(1);
      const primary = s?.taskSets[0];
      expect(primary).toMatchObject({
        status: 'PRIMARY',
        scalePercent: 100,
        taskDefinitionArn: w.taskDefinitionArn,
        targetGroupArns: [w.stableTargetGroupArn],
        launchType: 'FARGATE',
      });
      expect(primary?.arn).toMatch(/^arn:aws:ecs:.*:task-set\//);
      expect(primary?.networkConfiguration).toBeDefined();
      expect(s?.observedAt).toBeInstanceOf(Date);
    });

    it('reads a rolling service with its deployments', async () => {
      const s = await w.port.describeService(w.rolling);
      expect(s).toMatchObject({
        deploymentController: 'ECS',
        taskDefinitionArn: w.taskDefinitionArn,
        taskSets: [],
      });
      expect(s?.deployments[0]).toMatchObject({
        status: 'PRIMARY',
        taskDefinitionArn: w.taskDefinitionArn,
      });
      expect(s?.loadBalancers[0]?.containerName).toBe(w.containerName);
    });

    it('gives undefined for a missing service or cluster', async () => {
      expect(await w.port.describeService(missing())).toBeUndefined();
      expect(await w.port.describeService({ ...w.canary, cluster: 'no-such-cluster' })).toBe(
        undefined,
      );
    });

    it('describes concurrent callers together, at most 10 names per call', async () => {
      const before = w.describeServicesCalls();
      const refs = [w.canary, w.rolling];
      for (let i = 0; i < 10; i++) refs.push({ ...w.canary, service: `absent-${i}` });
      const states = await Promise.all(refs.map((r) => w.port.describeService(r)));
      expect(states.filter((s) => s !== undefined)).toHaveLength(2);
      expect(w.describeServicesCalls() - before).toBe(2);
    });

    it('serves a snapshot younger than maxAgeMs, and reads afresh after a write', async () => {
      const first = await w.port.describeService(w.canary);
      const before = w.describeServicesCalls();
      expect(await w.port.describeService(w.canary, { maxAgeMs: 60_000 })).toEqual(first);
      expect(w.describeServicesCalls()).toBe(before);

      await w.port.updateTaskSetScale(w.canary, first?.taskSets[0]?.arn ?? '', 50);
      const after = await w.port.describeService(w.canary, { maxAgeMs: 60_000 });
      expect(w.describeServicesCalls()).toBe(before + 1);
      expect(after?.taskSets[0]?.scalePercent).toBe(50);
    });

    it('reads afresh every time without maxAgeMs', async () => {
      const before = w.describeServicesCalls();
      await w.port.describeService(w.canary);
      await w.port.describeService(w.canary);
      expect(w.describeServicesCalls() - before).toBe(2);
    });
  });

  describe('task definitions', () => {
    it('describes one by ARN or by family (newest revision)', async () => {
      const td = await w.port.describeTaskDefinition(w.region, w.taskDefinitionArn);
      expect(td).toMatchObject({
        arn: w.taskDefinitionArn,
        family: w.family,
        revision: 1,
        cpu: '512',
        memory: '1024',
        requiresCompatibilities: ['FARGATE'],
        tags: { app: 'latticedb', team: 'storage' },
      });
      expect(td.containers.map((c) => c.name)).toEqual([w.containerName, w.sidecarName]);
      expect(td.containers[0]?.environment).toEqual({ LATTICEDB_MODE: 'cluster' });
      expect(await w.port.describeTaskDefinition(w.region, w.family)).toEqual(td);
    });

    it('rejects an unknown task definition (Validation)', async () => {
      const error = await rejection(w.port.describeTaskDefinition(w.region, 'no-such-family:1'));
      expect(classifyAwsError(error)).toBe(AwsErrorKind.Validation);
    });

    it('derives a revision in which only the named container changes', async () => {
      const base = await w.port.describeTaskDefinition(w.region, w.taskDefinitionArn);
      const derived = await w.port.registerDerivedTaskDefinition(
        w.region,
        w.taskDefinitionArn,
        {
          container: w.containerName,
          image: w.newImage,
          environment: { LATTICEDB_MODE: 'cluster', FEATURE: 'on' },
          secrets: [],
        },
        { [SPEC_HASH]: 'h1' },
      );
      expect(derived).toMatchObject({ family: w.family, revision: 2, cpu: '512', memory: '1024' });
      expect(derived.tags).toEqual({ ...base.tags, [SPEC_HASH]: 'h1' });
      expect(derived.containers[0]).toEqual({
        name: w.containerName,
        image: w.newImage,
        environment: { LATTICEDB_MODE: 'cluster', FEATURE: 'on' },
        secrets: [],
      });
      expect(derived.containers[1]).toEqual(base.containers[1]);
      expect(await w.port.describeTaskDefinition(w.region, derived.arn)).toEqual(derived);
    });

    it('keeps environment and secrets that the change does not name', async () => {
      const base = await w.port.describeTaskDefinition(w.region, w.taskDefinitionArn);
      const derived = await w.port.registerDerivedTaskDefinition(
        w.region,
        w.taskDefinitionArn,
        { container: w.containerName, image: w.newImage },
        {},
      );
      expect(derived.containers[0]).toEqual({ ...base.containers[0], image: w.newImage });
    });

    it('refuses an unknown container and registers nothing', async () => {
      const error = await rejection(
        w.port.registerDerivedTaskDefinition(
          w.region,
          w.taskDefinitionArn,
          { container: 'nope', image: w.newImage },
          {},
        ),
      );
      expect(error).toMatchObject({ name: 'InvalidContainerName' });
      expect(classifyAwsError(error)).toBe(AwsErrorKind.Validation);
      expect((await w.port.describeTaskDefinition(w.region, w.family)).revision).toBe(1);
    });

    it('finds the newest revision carrying all tags', async () => {
      const change = { container: w.containerName, image: w.newImage };
      const h1 = await w.port.registerDerivedTaskDefinition(w.region, w.family, change, {
        [SPEC_HASH]: 'h1',
      });
      const h2 = await w.port.registerDerivedTaskDefinition(w.region, w.family, change, {
        [SPEC_HASH]: 'h2',
      });
      const find = (tags: Record<string, string>) =>
        w.port.findTaskDefinitionByTags(w.region, w.family, tags);
      expect((await find({ [SPEC_HASH]: 'h1' }))?.arn).toBe(h1.arn);
      expect((await find({ [SPEC_HASH]: 'h2', team: 'storage' }))?.arn).toBe(h2.arn);
      expect(await find({ [SPEC_HASH]: 'h3' })).toBeUndefined();
      expect(await w.port.findTaskDefinitionByTags(w.region, 'no-such-family', {})).toBe(undefined);
    });
  });

  describe('task sets', () => {
    const canaryInput = () => ({
      externalId: 'ldb-r2-canary',
      taskDefinitionArn: w.taskDefinitionArn,
      loadBalancer: {
        targetGroupArn: w.canaryTargetGroupArn,
        containerName: w.containerName,
        containerPort: w.containerPort,
      },
      scalePercent: 5,
    });

    it('creates a task set once per externalId, placed like the primary', async () => {
      const writesBefore = w.writes();
      const first = await w.port.createTaskSet(w.canary, canaryInput());
      const again = await w.port.createTaskSet(w.canary, canaryInput());
      expect(again.arn).toBe(first.arn);
      expect(w.writes() - writesBefore).toBe(1);

      const s = await w.port.describeService(w.canary);
      expect(s?.taskSets).toHaveLength(2);
      const primary = s?.taskSets.find((t) => t.status === 'PRIMARY');
      const canary = s?.taskSets.find((t) => t.externalId === 'ldb-r2-canary');
      expect(canary).toMatchObject({
        arn: first.arn,
        status: 'ACTIVE',
        scalePercent: 5,
        targetGroupArns: [w.canaryTargetGroupArn],
        launchType: 'FARGATE',
        taskDefinitionArn: w.taskDefinitionArn,
      });
      expect(canary?.networkConfiguration).toEqual(primary?.networkConfiguration);
    });

    it('runs the canary mechanics: scale, primary swap, delete old', async () => {
      const canary = await w.port.createTaskSet(w.canary, canaryInput());
      const old = (await w.port.describeService(w.canary))?.taskSets.find(
        (t) => t.status === 'PRIMARY',
      );
      await w.port.updateTaskSetScale(w.canary, canary.arn, 100);
      await w.port.setPrimaryTaskSet(w.canary, canary.arn);
      let s = await w.port.describeService(w.canary);
      expect(s?.taskSets.find((t) => t.arn === canary.arn)).toMatchObject({
        status: 'PRIMARY',
        scalePercent: 100,
      });
      expect(s?.taskSets.find((t) => t.arn === old?.arn)?.status).toBe('ACTIVE');
      expect(s?.loadBalancers.map((lb) => lb.targetGroupArn)).toEqual([w.canaryTargetGroupArn]);

      await w.port.deleteTaskSet(w.canary, old?.arn ?? '');
      s = await w.port.describeService(w.canary);
      expect(s?.taskSets.map((t) => t.arn)).toEqual([canary.arn]);
      await w.port.deleteTaskSet(w.canary, old?.arn ?? ''); // already gone: fine
      await w.port.deleteTaskSet(missing(), old?.arn ?? '');
    });

    it('refuses a short task-set id for the primary (moto would silently ignore it)', async () => {
      const error = await rejection(w.port.setPrimaryTaskSet(w.canary, 'ecs-svc/123'));
      expect(classifyAwsError(error)).toBe(AwsErrorKind.Validation);
    });

    it('a new task set for a missing service is NotFound', async () => {
      const error = await rejection(w.port.createTaskSet(missing(), canaryInput()));
      expect(classifyAwsError(error)).toBe(AwsErrorKind.NotFound);
    });
  });

  describe('service tags (a Release claim)', () => {
    const KEY = 'delivery.latticedb.com/release';
    it('are read with the service; a tag written is seen at once, and removed (twice is fine)', async () => {
      const before = await w.port.describeService(w.canary);
      expect(before?.tags).toBeDefined();
      expect(before?.tags?.[KEY]).toBeUndefined();
      const arn = before?.arn ?? '';
      await w.port.tagService(w.canary, arn, {
        [KEY]: 'prod/api/5f0c2a8e-1111-2222-3333-444455556666',
      });
      expect((await w.port.describeService(w.canary))?.tags?.[KEY]).toBe(
        'prod/api/5f0c2a8e-1111-2222-3333-444455556666',
      );
      await w.port.untagService(w.canary, arn, [KEY]);
      expect((await w.port.describeService(w.canary))?.tags?.[KEY]).toBeUndefined();
      await w.port.untagService(w.canary, arn, [KEY]);
    });
  });

  describe('rolling update', () => {
    it('points the service at the new task definition', async () => {
      const derived = await w.port.registerDerivedTaskDefinition(
        w.region,
        w.taskDefinitionArn,
        { container: w.containerName, image: w.newImage },
        {},
      );
      await w.port.updateService(w.rolling, {
        taskDefinitionArn: derived.arn,
        minimumHealthyPercent: 100,
        maximumPercent: 200,
        circuitBreaker: { enable: true, rollback: true },
      });
      expect((await w.port.describeService(w.rolling))?.taskDefinitionArn).toBe(derived.arn);
      await w.port.updateService(w.rolling, {
        taskDefinitionArn: derived.arn,
        forceNewDeployment: true,
      });
      const error = await rejection(
        w.port.updateService(missing(), { taskDefinitionArn: derived.arn }),
      );
      expect(classifyAwsError(error)).toBe(AwsErrorKind.NotFound);
    });
  });

  describe('one-off tasks', () => {
    const migration = () => ({
      taskDefinitionArn: w.taskDefinitionArn,
      container: w.containerName,
      command: ['latticedb', 'migrate', 'up'],
      startedBy: 'ldb-0a1b2c3d-r2',
    });

    it('runs one task per startedBy, found again before and after it stops', async () => {
      const writesBefore = w.writes();
      const task = await w.port.runTask(w.rolling, migration());
      expect(task).toMatchObject({ startedBy: 'ldb-0a1b2c3d-r2' });
      expect(task.lastStatus).not.toBe('STOPPED');
      expect((await w.port.runTask(w.rolling, migration())).arn).toBe(task.arn);
      expect((await w.port.findTask(w.rolling, 'ldb-0a1b2c3d-r2'))?.arn).toBe(task.arn);
      expect(w.writes() - writesBefore).toBe(1);

      await w.finishTask(task.arn);
      expect(await w.port.describeTask(w.rolling, task.arn)).toMatchObject({
        arn: task.arn,
        lastStatus: 'STOPPED',
        exitCode: 0,
      });
      expect((await w.port.runTask(w.rolling, migration())).arn).toBe(task.arn);
      expect(w.writes() - writesBefore).toBe(1);
    });

    it('runs on an EXTERNAL service with its primary task set placement', async () => {
      const task = await w.port.runTask(w.canary, { ...migration(), startedBy: 'ldb-x-r1' });
      expect(task.taskDefinitionArn).toBe(w.taskDefinitionArn);
    });

    it('knows nothing of unknown tasks', async () => {
      expect(await w.port.findTask(w.rolling, 'nobody')).toBeUndefined();
      const unknown = `arn:aws:ecs:${w.region}:123456789012:task/${w.cluster}/${'0'.repeat(32)}`;
      expect(await w.port.describeTask(w.rolling, unknown)).toBeUndefined();
      await w.port.stopTask(w.rolling, unknown, 'gone anyway');
    });

    it('stops a task with a reason; stopping again is fine', async () => {
      const task = await w.port.runTask(w.rolling, migration());
      await w.port.stopTask(w.rolling, task.arn, 'migration timed out');
      expect(await w.port.describeTask(w.rolling, task.arn)).toMatchObject({
        lastStatus: 'STOPPED',
        desiredStatus: 'STOPPED',
        stoppedReason: 'migration timed out',
      });
      await w.port.stopTask(w.rolling, task.arn, 'again');
    });
  });

  describe('clusterCapacity', () => {
    it('lists capacity providers; a missing cluster is NotFound', async () => {
      expect(await w.port.clusterCapacity(w.region, w.cluster)).toEqual({
        capacityProviders: ['FARGATE', 'FARGATE_SPOT'],
        registeredContainerInstances: 0,
      });
      const error = await rejection(w.port.clusterCapacity(w.region, 'no-such-cluster'));
      expect(classifyAwsError(error)).toBe(AwsErrorKind.NotFound);
    });
  });
}
