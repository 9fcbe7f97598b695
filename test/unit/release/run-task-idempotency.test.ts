// The migration's RunTask is idempotent at ECS, not only by the ListTasks lookup before it: the
// clientToken is derived from the startedBy written ahead. Before the fix it was random, so a RunTask
// whose answer was lost, repeated while ListTasks did not list the new task yet (it is eventually
// consistent), started the migration a second time.
import { DescribeServicesCommand, ListTasksCommand, RunTaskCommand } from '@aws-sdk/client-ecs';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import { withMockedAws } from '../../fixtures/aws/mocked-sdk.js';
import { AwsEcsAdapter } from '../../../reconcilers/shared/adapters/aws/ecs-adapter.js';

const ref = { region: 'us-east-1', cluster: 'prod', service: 'api' };
const input = (startedBy: string) => ({
  taskDefinitionArn: 'arn:aws:ecs:us-east-1:1:task-definition/api:7',
  container: 'app',
  command: ['migrate', 'up'],
  startedBy,
});

const aws = withMockedAws((clients) => mockClient(clients.ecs()));
beforeEach(() => {
  // The task ECS started is not listed yet (eventual consistency).
  aws.sdk.on(ListTasksCommand).resolves({ taskArns: [] });
  aws.sdk.on(DescribeServicesCommand).resolves({ services: [{ serviceName: 'api' }] });
  aws.sdk.on(RunTaskCommand).resolves({
    tasks: [{ taskArn: 'arn:aws:ecs:us-east-1:1:task/prod/t1', lastStatus: 'PROVISIONING' }],
  });
});

const tokens = (): (string | undefined)[] =>
  aws.sdk.commandCalls(RunTaskCommand).map((c) => c.args[0].input.clientToken);

describe('RunTask idempotency', () => {
  it('the same startedBy asks ECS with the same clientToken; another attempt with another', async () => {
    const adapter = new AwsEcsAdapter(aws.clients, { batchWindowMs: 0 });
    await adapter.runTask(ref, input('ldb-5f0c2a8e-r3'));
    await adapter.runTask(ref, input('ldb-5f0c2a8e-r3')); // the answer of the first was lost
    await adapter.runTask(ref, input('ldb-5f0c2a8e-r3-a1')); // retry: a new attempt
    const [first, again, retry] = tokens();
    expect(first).toBeDefined();
    expect(again).toBe(first);
    expect(retry).not.toBe(first);
    for (const token of tokens()) expect(token).toMatch(/^[\x21-\x7e]{1,64}$/);
  });

  it('the same startedBy in another cluster is another task', async () => {
    const adapter = new AwsEcsAdapter(aws.clients, { batchWindowMs: 0 });
    await adapter.runTask(ref, input('ldb-5f0c2a8e-r3'));
    await adapter.runTask({ ...ref, cluster: 'staging' }, input('ldb-5f0c2a8e-r3'));
    const [prod, staging] = tokens();
    expect(staging).not.toBe(prod);
  });
});
