// EcsPort over the AWS SDK: service reads go through the batching ServiceObserver; every write to
// a service invalidates its snapshot so the next read sees the write. SDK errors propagate as
// thrown (classify them with errors.ts); the adapter's own errors are in ecs-errors.ts.
import {
  DescribeClustersCommand,
  TagResourceCommand,
  UntagResourceCommand,
  UpdateServiceCommand,
  type ECSClient,
} from '@aws-sdk/client-ecs';
import { systemClock, type Clock } from '../../../../controller/index.js';
import type {
  ContainerChange,
  EcsPort,
  OneOffTask,
  ServiceRef,
  ServiceState,
  TaskDefinitionSummary,
  TaskSet,
} from '../../ports/ecs.js';
import type { AwsClients } from './clients.js';
import { describeServicesBatch } from './ecs-describe.js';
import { isAwsNotFound } from './errors.js';
import {
  clusterNotFound,
  describeFailure,
  serviceNotFound,
  taskSetArnRequired,
  taskSetExternalIdTaken,
} from './ecs-errors.js';
import { ServiceObserver } from './ecs-service-observer.js';
import * as taskDefinitions from './ecs-task-definitions.js';
import * as taskSets from './ecs-task-sets.js';
import * as tasks from './ecs-tasks.js';

export interface AwsEcsAdapterOptions {
  readonly clock?: Clock;
  /** How long a describe waits for others to share its DescribeServices call. Default 10 ms. */
  readonly batchWindowMs?: number;
  /** Refresh-ahead fraction of maxAgeMs (see ServiceObserver). Default 0.5. */
  readonly refreshAheadRatio?: number;
  /** Newest revisions inspected by findTaskDefinitionByTags. Default 20. */
  readonly tagSearchDepth?: number;
}

export class AwsEcsAdapter implements EcsPort {
  readonly #clients: AwsClients;
  readonly #observer: ServiceObserver;
  readonly #tagSearchDepth: number;
  readonly #taskDefinitions = new taskDefinitions.TaskDefinitionCache();

  constructor(clients: AwsClients, options: AwsEcsAdapterOptions = {}) {
    this.#clients = clients;
    this.#tagSearchDepth = options.tagSearchDepth ?? taskDefinitions.TAG_SEARCH_DEPTH;
    this.#observer = new ServiceObserver({
      clock: options.clock ?? systemClock,
      describe: (region, cluster, names, observedAt) =>
        describeServicesBatch(this.#ecs(region), region, cluster, names, observedAt),
      ...(options.batchWindowMs === undefined ? {} : { batchWindowMs: options.batchWindowMs }),
      ...(options.refreshAheadRatio === undefined
        ? {}
        : { refreshAheadRatio: options.refreshAheadRatio }),
    });
  }

  describeService(
    ref: ServiceRef,
    opts?: { readonly maxAgeMs?: number },
  ): Promise<ServiceState | undefined> {
    return this.#observer.observe(ref, opts?.maxAgeMs ?? 0);
  }

  describeTaskDefinition(region: string, arnOrFamily: string): Promise<TaskDefinitionSummary> {
    const ecs = this.#ecs(region);
    return taskDefinitions.describeTaskDefinition(ecs, arnOrFamily, (arn) =>
      this.#taskDefinitions.describe(ecs, region, arn),
    );
  }

  registerDerivedTaskDefinition(
    region: string,
    base: string,
    change: ContainerChange,
    tags: Readonly<Record<string, string>>,
  ): Promise<TaskDefinitionSummary> {
    const ecs = this.#ecs(region);
    return taskDefinitions.registerDerivedTaskDefinition(ecs, base, change, tags, (arn) =>
      this.#taskDefinitions.describe(ecs, region, arn),
    );
  }

  findTaskDefinitionByTags(
    region: string,
    family: string,
    tags: Readonly<Record<string, string>>,
  ): Promise<TaskDefinitionSummary | undefined> {
    return taskDefinitions.findTaskDefinitionByTags(
      this.#ecs(region),
      family,
      tags,
      this.#tagSearchDepth,
    );
  }

  async createTaskSet(ref: ServiceRef, input: taskSets.CreateTaskSetInput): Promise<TaskSet> {
    const service = await this.#requireService(ref);
    const existing = taskSets.findByExternalId(service, input.externalId);
    if (existing !== undefined) {
      if (existing.taskDefinitionArn !== input.taskDefinitionArn)
        throw taskSetExternalIdTaken(input.externalId, existing.taskDefinitionArn);
      return existing;
    }
    const template = input.template ?? taskSets.primaryTaskSet(service);
    try {
      return await taskSets.createTaskSet(this.#ecs(ref.region), ref, input, template);
    } finally {
      this.#observer.invalidate(ref);
    }
  }

  updateTaskSetScale(ref: ServiceRef, taskSetArn: string, scalePercent: number): Promise<void> {
    return this.#write(ref, (ecs) =>
      taskSets.updateTaskSetScale(ecs, ref, taskSetArn, scalePercent),
    );
  }

  setPrimaryTaskSet(ref: ServiceRef, taskSetArn: string): Promise<void> {
    if (!taskSetArn.startsWith('arn:')) return Promise.reject(taskSetArnRequired(taskSetArn));
    return this.#write(ref, (ecs) => taskSets.setPrimaryTaskSet(ecs, ref, taskSetArn));
  }

  deleteTaskSet(ref: ServiceRef, taskSetArn: string): Promise<void> {
    return this.#write(ref, (ecs) => taskSets.deleteTaskSet(ecs, ref, taskSetArn));
  }

  tagService(
    ref: ServiceRef,
    serviceArn: string,
    tags: Readonly<Record<string, string>>,
  ): Promise<void> {
    return this.#write(ref, async (ecs) => {
      await ecs.send(
        new TagResourceCommand({
          resourceArn: serviceArn,
          tags: Object.entries(tags).map(([key, value]) => ({ key, value })),
        }),
      );
    });
  }

  untagService(ref: ServiceRef, serviceArn: string, keys: readonly string[]): Promise<void> {
    return this.#write(ref, async (ecs) => {
      try {
        await ecs.send(new UntagResourceCommand({ resourceArn: serviceArn, tagKeys: [...keys] }));
      } catch (error) {
        // The service is gone, and its tags with it.
        if (!isAwsNotFound(error)) throw error;
      }
    });
  }

  updateService(ref: ServiceRef, input: Parameters<EcsPort['updateService']>[1]): Promise<void> {
    const { minimumHealthyPercent, maximumPercent, circuitBreaker } = input;
    const configured =
      minimumHealthyPercent !== undefined ||
      maximumPercent !== undefined ||
      circuitBreaker !== undefined;
    return this.#write(ref, async (ecs) => {
      await ecs.send(
        new UpdateServiceCommand({
          cluster: ref.cluster,
          service: ref.service,
          taskDefinition: input.taskDefinitionArn,
          ...(configured
            ? {
                deploymentConfiguration: {
                  ...(minimumHealthyPercent === undefined ? {} : { minimumHealthyPercent }),
                  ...(maximumPercent === undefined ? {} : { maximumPercent }),
                  ...(circuitBreaker === undefined
                    ? {}
                    : { deploymentCircuitBreaker: { ...circuitBreaker } }),
                },
              }
            : {}),
          ...(input.forceNewDeployment === true ? { forceNewDeployment: true } : {}),
        }),
      );
    });
  }

  /** UpdateService with only a desired count (not part of EcsPort: ScalePolicy's one write). */
  setDesiredCount(ref: ServiceRef, desiredCount: number): Promise<void> {
    return this.#write(ref, async (ecs) => {
      await ecs.send(
        new UpdateServiceCommand({ cluster: ref.cluster, service: ref.service, desiredCount }),
      );
    });
  }

  async runTask(ref: ServiceRef, input: tasks.RunTaskInput): Promise<OneOffTask> {
    const existing = await tasks.findTask(this.#ecs(ref.region), ref, input.startedBy);
    if (existing !== undefined) return existing;
    const service = await this.#requireService(ref);
    // EXTERNAL services keep launch type and network on their task sets.
    const placement =
      service.deploymentController === 'EXTERNAL'
        ? (taskSets.primaryTaskSet(service) ?? service)
        : service;
    return tasks.runTask(this.#ecs(ref.region), ref, input, placement);
  }

  findTask(ref: ServiceRef, startedBy: string): Promise<OneOffTask | undefined> {
    return tasks.findTask(this.#ecs(ref.region), ref, startedBy);
  }

  describeTask(ref: ServiceRef, taskArn: string): Promise<OneOffTask | undefined> {
    return tasks.describeTask(this.#ecs(ref.region), ref, taskArn);
  }

  stopTask(ref: ServiceRef, taskArn: string, reason: string): Promise<void> {
    return tasks.stopTask(this.#ecs(ref.region), ref, taskArn, reason);
  }

  async clusterCapacity(
    region: string,
    cluster: string,
  ): Promise<{ capacityProviders: string[]; registeredContainerInstances: number }> {
    const out = await this.#ecs(region).send(new DescribeClustersCommand({ clusters: [cluster] }));
    const found = out.clusters?.[0];
    if (found !== undefined) {
      return {
        capacityProviders: found.capacityProviders ?? [],
        registeredContainerInstances: found.registeredContainerInstancesCount ?? 0,
      };
    }
    const failure = out.failures?.[0];
    if (failure === undefined || failure.reason === 'MISSING') throw clusterNotFound(cluster);
    throw describeFailure(`cluster ${cluster}`, failure.reason ?? 'unknown', failure.detail);
  }

  #ecs(region: string): ECSClient {
    return this.#clients.ecs(region);
  }

  async #requireService(ref: ServiceRef): Promise<ServiceState> {
    const service = await this.#observer.observe(ref, 0);
    if (service === undefined) throw serviceNotFound(ref.cluster, ref.service);
    return service;
  }

  async #write(ref: ServiceRef, write: (ecs: ECSClient) => Promise<void>): Promise<void> {
    try {
      await write(this.#ecs(ref.region));
    } finally {
      this.#observer.invalidate(ref);
    }
  }
}
