// One-off tasks (database migrations) of the ECS adapter. `startedBy` is the idempotency key:
// a task started with it is found (running first, then recently stopped) before another is run.
// moto filters ListTasks by startedBy; results are filtered again here all the same.
import { createHash } from 'node:crypto';
import {
  DescribeTasksCommand,
  ListTasksCommand,
  RunTaskCommand,
  StopTaskCommand,
  type ECSClient,
  type Task,
} from '@aws-sdk/client-ecs';
import type { EcsPort, OneOffTask, ServiceRef } from '../../ports/ecs.js';
import { runTaskFailure } from './ecs-errors.js';
import { toOneOffTask } from './ecs-mapping.js';
import { placementInput, type Placement } from './ecs-task-sets.js';
import { AwsErrorKind, classifyAwsError } from './errors.js';

export type RunTaskInput = Parameters<EcsPort['runTask']>[1];

const MAX_REASON = 255;

export async function runTask(
  ecs: ECSClient,
  ref: ServiceRef,
  input: RunTaskInput,
  placement: Placement | undefined,
): Promise<OneOffTask> {
  const out = await ecs.send(
    new RunTaskCommand({
      cluster: ref.cluster,
      taskDefinition: input.taskDefinitionArn,
      count: 1,
      startedBy: input.startedBy,
      overrides: {
        containerOverrides: [
          {
            name: input.container,
            command: [...input.command],
            ...(input.environment === undefined
              ? {}
              : {
                  environment: Object.entries(input.environment).map(([name, value]) => ({
                    name,
                    value,
                  })),
                }),
          },
        ],
      },
      ...placementInput(placement),
      clientToken: runTaskClientToken(ref.cluster, input.startedBy),
    }),
  );
  const task = out.tasks?.[0];
  if (task !== undefined) return toOneOffTask(task);
  const failure = out.failures?.[0];
  throw runTaskFailure(failure?.reason ?? 'unknown', failure?.detail);
}

/**
 * RunTask's idempotency key, derived from the `startedBy` the caller wrote ahead (never random):
 * when a RunTask reached ECS but its answer was lost, the next reconcile finds no task yet —
 * ListTasks is eventually consistent — and asks again; with the same token ECS answers with the
 * task it started instead of running the migration a second time. A retry of a failed migration
 * has a new startedBy, so a new token. Up to 64 characters (the hex digest is exactly 64).
 */
export function runTaskClientToken(cluster: string, startedBy: string): string {
  return createHash('sha256').update(`${cluster}\n${startedBy}`).digest('hex');
}

export async function findTask(
  ecs: ECSClient,
  ref: ServiceRef,
  startedBy: string,
): Promise<OneOffTask | undefined> {
  for (const desiredStatus of ['RUNNING', 'STOPPED'] as const) {
    const listed = await ecs.send(
      new ListTasksCommand({ cluster: ref.cluster, startedBy, desiredStatus }),
    );
    const arns = listed.taskArns ?? [];
    if (arns.length === 0) continue;
    const tasks = (await describeTasks(ecs, ref, arns)).filter((t) => t.startedBy === startedBy);
    const newest = newestFirst(tasks)[0];
    if (newest !== undefined) return toOneOffTask(newest);
  }
  return undefined;
}

/** Note: each DescribeTasks call advances a moto task one state (RUNNING … STOPPED on the 4th). */
export async function describeTask(
  ecs: ECSClient,
  ref: ServiceRef,
  taskArn: string,
): Promise<OneOffTask | undefined> {
  const [task] = await describeTasks(ecs, ref, [taskArn]);
  return task === undefined ? undefined : toOneOffTask(task);
}

/** A task that is gone or already stopped counts as stopped (moto answers an unknown task 500). */
export async function stopTask(
  ecs: ECSClient,
  ref: ServiceRef,
  taskArn: string,
  reason: string,
): Promise<void> {
  try {
    await ecs.send(
      new StopTaskCommand({
        cluster: ref.cluster,
        task: taskArn,
        reason: reason.slice(0, MAX_REASON),
      }),
    );
  } catch (error) {
    const kind = classifyAwsError(error);
    if (kind === AwsErrorKind.NotFound) return;
    if (kind === AwsErrorKind.Throttling) throw error;
    const current = await describeTask(ecs, ref, taskArn).catch(() => 'unknown' as const);
    if (current !== undefined && (current === 'unknown' || current.lastStatus !== 'STOPPED')) {
      throw error;
    }
  }
}

async function describeTasks(
  ecs: ECSClient,
  ref: ServiceRef,
  arns: readonly string[],
): Promise<Task[]> {
  const out = await ecs.send(
    new DescribeTasksCommand({ cluster: ref.cluster, tasks: arns.slice(0, 100) }),
  );
  return out.tasks ?? [];
}

/** By creation time; moto sets none, and lists in start order, so later in the list wins a tie. */
function newestFirst(tasks: readonly Task[]): Task[] {
  return tasks
    .map((task, index) => ({ task, index }))
    .sort(
      (a, b) =>
        (b.task.createdAt?.getTime() ?? 0) - (a.task.createdAt?.getTime() ?? 0) ||
        b.index - a.index,
    )
    .map((x) => x.task);
}
