// Task-set writes of the ECS adapter. Creation is made idempotent by the caller's `externalId`
// (looked up before creating); a fresh `clientToken` per call makes the SDK's own retries of that
// one call safe without tying a later, deliberate re-creation to an old task set.
import { randomUUID } from 'node:crypto';
import {
  CreateTaskSetCommand,
  DeleteTaskSetCommand,
  DescribeTaskSetsCommand,
  UpdateServicePrimaryTaskSetCommand,
  UpdateTaskSetCommand,
  type CapacityProviderStrategyItem,
  type ECSClient,
  type LaunchType,
  type NetworkConfiguration,
} from '@aws-sdk/client-ecs';
import type { EcsPort, ServiceRef, ServiceState, TaskSet } from '../../ports/ecs.js';
import { toTaskSet } from './ecs-mapping.js';
import { AwsErrorKind, classifyAwsError } from './errors.js';

export type CreateTaskSetInput = Parameters<EcsPort['createTaskSet']>[1];

/** Where tasks of a new task set or one-off task run, copied from a template. */
export interface Placement {
  readonly launchType?: string;
  readonly capacityProviderStrategy?: readonly {
    capacityProvider: string;
    weight?: number;
    base?: number;
  }[];
  readonly platformVersion?: string;
  readonly networkConfiguration?: unknown;
}

/** Launch type and capacity providers exclude each other in ECS requests. */
export function placementInput(p: Placement | undefined): {
  launchType?: LaunchType;
  capacityProviderStrategy?: CapacityProviderStrategyItem[];
  platformVersion?: string;
  networkConfiguration?: NetworkConfiguration;
} {
  if (p === undefined) return {};
  const strategy = p.capacityProviderStrategy ?? [];
  return {
    ...(strategy.length > 0
      ? { capacityProviderStrategy: strategy.map((s) => ({ ...s })) }
      : p.launchType === undefined
        ? {}
        : { launchType: p.launchType as LaunchType }),
    ...(p.platformVersion === undefined ? {} : { platformVersion: p.platformVersion }),
    ...(p.networkConfiguration === undefined
      ? {}
      : { networkConfiguration: p.networkConfiguration as NetworkConfiguration }),
  };
}

export function findByExternalId(service: ServiceState, externalId: string): TaskSet | undefined {
  return service.taskSets.find((t) => t.externalId === externalId && t.status !== 'DRAINING');
}

export const primaryTaskSet = (service: ServiceState): TaskSet | undefined =>
  service.taskSets.find((t) => t.status === 'PRIMARY');

export async function createTaskSet(
  ecs: ECSClient,
  ref: ServiceRef,
  input: CreateTaskSetInput,
  template: Placement | undefined,
): Promise<TaskSet> {
  const out = await ecs.send(
    new CreateTaskSetCommand({
      cluster: ref.cluster,
      service: ref.service,
      taskDefinition: input.taskDefinitionArn,
      externalId: input.externalId,
      ...(input.loadBalancer === undefined ? {} : { loadBalancers: [{ ...input.loadBalancer }] }),
      scale: { unit: 'PERCENT', value: input.scalePercent },
      ...placementInput(template),
      clientToken: randomUUID(),
    }),
  );
  if (out.taskSet === undefined) throw new Error('CreateTaskSet returned no task set');
  return toTaskSet(out.taskSet);
}

export async function updateTaskSetScale(
  ecs: ECSClient,
  ref: ServiceRef,
  taskSetArn: string,
  scalePercent: number,
): Promise<void> {
  await ecs.send(
    new UpdateTaskSetCommand({
      cluster: ref.cluster,
      service: ref.service,
      taskSet: taskSetArn,
      scale: { unit: 'PERCENT', value: scalePercent },
    }),
  );
}

export async function setPrimaryTaskSet(
  ecs: ECSClient,
  ref: ServiceRef,
  taskSetArn: string,
): Promise<void> {
  await ecs.send(
    new UpdateServicePrimaryTaskSetCommand({
      cluster: ref.cluster,
      service: ref.service,
      primaryTaskSet: taskSetArn,
    }),
  );
}

/**
 * Deletes even a task set that still has tasks (`force`): the caller decides when. Gone already
 * (NotFound, or an error after which the set is no longer listed: moto answers an unknown set
 * with `ClientException` and an unknown service with HTTP 500) counts as deleted.
 */
export async function deleteTaskSet(
  ecs: ECSClient,
  ref: ServiceRef,
  taskSetArn: string,
): Promise<void> {
  try {
    await ecs.send(
      new DeleteTaskSetCommand({
        cluster: ref.cluster,
        service: ref.service,
        taskSet: taskSetArn,
        force: true,
      }),
    );
  } catch (error) {
    const kind = classifyAwsError(error);
    if (kind === AwsErrorKind.NotFound) return;
    if (kind === AwsErrorKind.Throttling || (await taskSetStillListed(ecs, ref, taskSetArn))) {
      throw error;
    }
  }
}

async function taskSetStillListed(
  ecs: ECSClient,
  ref: ServiceRef,
  taskSetArn: string,
): Promise<boolean> {
  try {
    const out = await ecs.send(
      new DescribeTaskSetsCommand({
        cluster: ref.cluster,
        service: ref.service,
        taskSets: [taskSetArn],
      }),
    );
    return (out.taskSets ?? []).some((t) => t.taskSetArn === taskSetArn);
  } catch (error) {
    if (classifyAwsError(error) === AwsErrorKind.NotFound) return false;
    return true; // cannot tell: report the original failure
  }
}
