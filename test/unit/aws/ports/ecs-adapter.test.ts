// AwsEcsAdapter paths moto cannot produce (aws-sdk-client-mock on the AwsClients' ECS client):
// per-name describe failures, missing clusters, RunTask failures[], deletes and stops that race
// with "already gone", throttling passed through, the registration input of a derived revision.
import {
  CreateTaskSetCommand,
  DeleteTaskSetCommand,
  DescribeServicesCommand,
  DescribeTaskDefinitionCommand,
  DescribeTaskSetsCommand,
  DescribeTasksCommand,
  ListTasksCommand,
  RunTaskCommand,
  StopTaskCommand,
  type TaskDefinition,
} from '@aws-sdk/client-ecs';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import { withMockedAws } from '../../../fixtures/aws/mocked-sdk.js';
import { AwsEcsAdapter } from '../../../../reconcilers/shared/adapters/aws/ecs-adapter.js';
import { toOneOffTask } from '../../../../reconcilers/shared/adapters/aws/ecs-mapping.js';
import { derivedRegistration } from '../../../../reconcilers/shared/adapters/aws/ecs-task-definitions.js';
import {
  AwsErrorKind,
  classifyAwsError,
} from '../../../../reconcilers/shared/adapters/aws/errors.js';
import { fakeAwsError } from '../../../fixtures/aws/fake-support.js';
import { rejection } from './contracts/support.js';

const ref = { region: 'us-east-1', cluster: 'c', service: 'api' };
const TS_ARN = 'arn:aws:ecs:us-east-1:1:task-set/c/api/ecs-svc/1';
const TASK_ARN = 'arn:aws:ecs:us-east-1:1:task/c/abc';

let adapter: AwsEcsAdapter;

const aws = withMockedAws((clients) => mockClient(clients.ecs()));
beforeEach(() => {
  adapter = new AwsEcsAdapter(aws.clients, { batchWindowMs: 0 });
});

describe('describeService', () => {
  it('MISSING → undefined, another failure reason → error, found by ARN too', async () => {
    aws.sdk.on(DescribeServicesCommand).resolves({
      services: [{ serviceName: 'api', serviceArn: 'arn:aws:ecs:us-east-1:1:service/c/api' }],
      failures: [
        { arn: 'arn:aws:ecs:us-east-1:1:service/c/gone', reason: 'MISSING' },
        { arn: 'arn:aws:ecs:us-east-1:1:service/c/odd', reason: 'ACCESS_DENIED', detail: 'x' },
      ],
    });
    const [api, gone, odd] = await Promise.all([
      adapter.describeService(ref),
      adapter.describeService({ ...ref, service: 'gone' }),
      rejection(adapter.describeService({ ...ref, service: 'odd' })),
    ]);
    expect(api?.arn).toBe('arn:aws:ecs:us-east-1:1:service/c/api');
    // Tags were asked for: an answer without any is a service without tags (no claim), not unread.
    expect(api?.tags).toEqual({});
    expect(gone).toBeUndefined();
    expect(odd).toMatchObject({ name: 'EcsDescribeFailure' });
    expect(aws.sdk.commandCalls(DescribeServicesCommand)).toHaveLength(1);
    expect(aws.sdk.commandCalls(DescribeServicesCommand)[0]?.args[0].input).toEqual({
      cluster: 'c',
      services: ['api', 'gone', 'odd'],
      include: ['TAGS'],
    });
  });

  it('a missing cluster means a missing service; throttling reaches the caller', async () => {
    aws.sdk
      .on(DescribeServicesCommand)
      .rejectsOnce(fakeAwsError('ClusterNotFoundException', 'Cluster not found.'))
      .rejectsOnce(fakeAwsError('ThrottlingException', 'Rate exceeded'));
    expect(await adapter.describeService(ref)).toBeUndefined();
    const error = await rejection(adapter.describeService(ref));
    expect(classifyAwsError(error)).toBe(AwsErrorKind.Throttling);
  });
});

describe('task definitions', () => {
  it('a revision is described once (its content never changes); a family name every time', async () => {
    const arn = 'arn:aws:ecs:us-east-1:1:task-definition/api:7';
    aws.sdk.on(DescribeTaskDefinitionCommand).resolves({
      taskDefinition: {
        taskDefinitionArn: arn,
        family: 'api',
        revision: 7,
        containerDefinitions: [{ name: 'app', image: 'app:1' }],
      },
    });
    await adapter.describeTaskDefinition('us-east-1', arn);
    await adapter.describeTaskDefinition('us-east-1', arn);
    expect(aws.sdk.commandCalls(DescribeTaskDefinitionCommand)).toHaveLength(1);
    await adapter.describeTaskDefinition('us-east-1', 'api');
    await adapter.describeTaskDefinition('us-east-1', 'api');
    expect(aws.sdk.commandCalls(DescribeTaskDefinitionCommand)).toHaveLength(3);
  });
});

describe('task sets', () => {
  const withPrimary = {
    services: [
      {
        serviceName: 'api',
        deploymentController: { type: 'EXTERNAL' as const },
        taskSets: [
          {
            taskSetArn: TS_ARN,
            status: 'PRIMARY',
            externalId: 'ldb-r1-stable',
            taskDefinition: 'td:1',
            launchType: 'FARGATE' as const,
            capacityProviderStrategy: [{ capacityProvider: 'FARGATE_SPOT', weight: 1 }],
            platformVersion: '1.4.0',
            networkConfiguration: { awsvpcConfiguration: { subnets: ['s-1'] } },
          },
        ],
      },
    ],
  };

  it('copies the primary placement; capacity providers win over launch type', async () => {
    aws.sdk.on(DescribeServicesCommand).resolves(withPrimary);
    aws.sdk.on(CreateTaskSetCommand).resolves({ taskSet: { taskSetArn: 'new', status: 'ACTIVE' } });
    await adapter.createTaskSet(ref, {
      externalId: 'ldb-r2-canary',
      taskDefinitionArn: 'td:2',
      scalePercent: 5,
    });
    const input = aws.sdk.commandCalls(CreateTaskSetCommand)[0]?.args[0].input;
    expect(input).toMatchObject({
      cluster: 'c',
      service: 'api',
      externalId: 'ldb-r2-canary',
      scale: { unit: 'PERCENT', value: 5 },
      capacityProviderStrategy: [{ capacityProvider: 'FARGATE_SPOT', weight: 1 }],
      platformVersion: '1.4.0',
      networkConfiguration: { awsvpcConfiguration: { subnets: ['s-1'] } },
    });
    expect(input).not.toHaveProperty('launchType');
    expect(input?.clientToken).toMatch(/^[0-9a-f-]{36}$/);
  });

  it('returns an existing set with the externalId without writing', async () => {
    aws.sdk.on(DescribeServicesCommand).resolves(withPrimary);
    const found = await adapter.createTaskSet(ref, {
      externalId: 'ldb-r1-stable',
      taskDefinitionArn: 'td:1',
      scalePercent: 100,
    });
    expect(found.arn).toBe(TS_ARN);
    expect(aws.sdk.commandCalls(CreateTaskSetCommand)).toHaveLength(0);
    // The same externalId on another task definition is not ours to adopt (issue 9, item 1).
    const taken = adapter.createTaskSet(ref, {
      externalId: 'ldb-r1-stable',
      taskDefinitionArn: 'td:2',
      scalePercent: 100,
    });
    await expect(taken).rejects.toMatchObject({ name: 'TaskSetExternalIdTaken' });
    expect(aws.sdk.commandCalls(CreateTaskSetCommand)).toHaveLength(0);
  });

  it('delete: NotFound and "no longer listed" are success; throttling and "still there" are not', async () => {
    aws.sdk.on(DeleteTaskSetCommand).rejectsOnce(fakeAwsError('TaskSetNotFoundException'));
    await adapter.deleteTaskSet(ref, TS_ARN);

    aws.sdk.on(DeleteTaskSetCommand).rejects(fakeAwsError('ClientException', 'no such set'));
    aws.sdk.on(DescribeTaskSetsCommand).resolvesOnce({ taskSets: [] });
    await adapter.deleteTaskSet(ref, TS_ARN);

    aws.sdk.on(DescribeTaskSetsCommand).resolves({ taskSets: [{ taskSetArn: TS_ARN }] });
    expect(await rejection(adapter.deleteTaskSet(ref, TS_ARN))).toMatchObject({
      name: 'ClientException',
    });

    aws.sdk.on(DeleteTaskSetCommand).rejects(fakeAwsError('ThrottlingException'));
    expect(classifyAwsError(await rejection(adapter.deleteTaskSet(ref, TS_ARN)))).toBe(
      AwsErrorKind.Throttling,
    );
  });
});

describe('one-off tasks', () => {
  it('RunTask answering failures[] is an error naming the reason', async () => {
    aws.sdk.on(ListTasksCommand).resolves({ taskArns: [] });
    aws.sdk.on(DescribeServicesCommand).resolves({ services: [{ serviceName: 'api' }] });
    aws.sdk.on(RunTaskCommand).resolves({ tasks: [], failures: [{ reason: 'RESOURCE:MEMORY' }] });
    const error = await rejection(
      adapter.runTask(ref, {
        taskDefinitionArn: 'td:1',
        container: 'app',
        command: ['migrate'],
        startedBy: 'ldb-x-r1',
      }),
    );
    expect(error).toMatchObject({ name: 'RunTaskFailure' });
    expect((error as Error).message).toContain('RESOURCE:MEMORY');
  });

  it('finds the newest task of a startedBy, ignoring others the API returned', async () => {
    aws.sdk
      .on(ListTasksCommand, { desiredStatus: 'RUNNING' })
      .resolves({ taskArns: ['a', 'b', 'c'] });
    aws.sdk.on(DescribeTasksCommand).resolves({
      tasks: [
        { taskArn: 'a', startedBy: 'me', createdAt: new Date('2026-01-01T00:00:00Z') },
        { taskArn: 'b', startedBy: 'me', createdAt: new Date('2026-01-01T00:05:00Z') },
        { taskArn: 'c', startedBy: 'someone-else', createdAt: new Date('2026-01-01T00:09:00Z') },
      ],
    });
    expect((await adapter.findTask(ref, 'me'))?.arn).toBe('b');
  });

  it('falls back to stopped tasks', async () => {
    aws.sdk.on(ListTasksCommand, { desiredStatus: 'RUNNING' }).resolves({ taskArns: [] });
    aws.sdk.on(ListTasksCommand, { desiredStatus: 'STOPPED' }).resolves({ taskArns: ['s'] });
    aws.sdk.on(DescribeTasksCommand).resolves({
      tasks: [{ taskArn: 's', startedBy: 'me', lastStatus: 'STOPPED' }],
    });
    expect(await adapter.findTask(ref, 'me')).toMatchObject({ arn: 's', lastStatus: 'STOPPED' });
  });

  it('stop: a task already stopped or gone is fine; a running one that fails to stop is not', async () => {
    aws.sdk.on(StopTaskCommand).rejects(fakeAwsError('InvalidParameterException', 'not found'));
    aws.sdk
      .on(DescribeTasksCommand)
      .resolvesOnce({ tasks: [], failures: [{ reason: 'MISSING' }] })
      .resolvesOnce({ tasks: [{ taskArn: TASK_ARN, lastStatus: 'STOPPED' }] })
      .resolves({ tasks: [{ taskArn: TASK_ARN, lastStatus: 'RUNNING' }] });
    await adapter.stopTask(ref, TASK_ARN, 'timeout'); // gone
    await adapter.stopTask(ref, TASK_ARN, 'timeout'); // already stopped
    expect(await rejection(adapter.stopTask(ref, TASK_ARN, 'x'.repeat(400)))).toMatchObject({
      name: 'InvalidParameterException',
    });
    expect(aws.sdk.commandCalls(StopTaskCommand).at(-1)?.args[0].input.reason).toHaveLength(255);
  });

  it('exit code: the override container, only once STOPPED', () => {
    const containers = [
      { name: 'envoy', exitCode: 0 },
      { name: 'app', exitCode: 3 },
    ];
    const overrides = { containerOverrides: [{ name: 'app', command: ['migrate'] }] };
    expect(toOneOffTask({ lastStatus: 'STOPPED', containers, overrides }).exitCode).toBe(3);
    expect(toOneOffTask({ lastStatus: 'RUNNING', containers, overrides })).not.toHaveProperty(
      'exitCode',
    );
    expect(toOneOffTask({ lastStatus: 'STOPPED', containers }).exitCode).toBeUndefined();
  });
});

describe('derivedRegistration', () => {
  const base: TaskDefinition = {
    taskDefinitionArn: 'arn:aws:ecs:us-east-1:1:task-definition/web:7',
    family: 'web',
    revision: 7,
    status: 'ACTIVE',
    registeredAt: new Date(),
    compatibilities: ['EC2', 'FARGATE'],
    requiresAttributes: [{ name: 'ecs.capability.execution-role-awslogs' }],
    taskRoleArn: 'arn:role/t',
    executionRoleArn: 'arn:role/e',
    networkMode: 'awsvpc',
    cpu: '256',
    memory: '512',
    requiresCompatibilities: ['FARGATE'],
    proxyConfiguration: { containerName: 'envoy', type: 'APPMESH', properties: [] },
    placementConstraints: [{ type: 'memberOf', expression: 'attribute:x == y' }],
    pidMode: 'task',
    containerDefinitions: [
      { name: 'app', image: 'a:1', memory: 256, environment: [{ name: 'A', value: '1' }] },
      { name: 'envoy', image: 'envoy:1', memory: 128 },
    ],
  };

  it('copies every registrable field, drops read-only ones and reserved tags', () => {
    const input = derivedRegistration(
      base,
      [
        { key: 'team', value: 'db' },
        { key: 'aws:cloudformation:stack-name', value: 's' },
      ],
      { container: 'app', image: 'a:2', environment: { B: '2', A: '1' } },
      { 'latticedb.com/spec-hash': 'h' },
    );
    expect(input).toEqual({
      family: 'web',
      taskRoleArn: 'arn:role/t',
      executionRoleArn: 'arn:role/e',
      networkMode: 'awsvpc',
      cpu: '256',
      memory: '512',
      requiresCompatibilities: ['FARGATE'],
      proxyConfiguration: base.proxyConfiguration,
      placementConstraints: base.placementConstraints,
      pidMode: 'task',
      containerDefinitions: [
        {
          name: 'app',
          image: 'a:2',
          memory: 256,
          environment: [
            { name: 'A', value: '1' },
            { name: 'B', value: '2' },
          ],
        },
        { name: 'envoy', image: 'envoy:1', memory: 128 },
      ],
      tags: [
        { key: 'team', value: 'db' },
        { key: 'latticedb.com/spec-hash', value: 'h' },
      ],
    });
  });
});
