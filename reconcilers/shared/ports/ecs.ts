/**
 * ECS, as the reconcilers see it: a few domain operations over services, task definitions, task
 * sets and one-off tasks. The AWS adapter (`reconcilers/shared/adapters/aws/ecs-*.ts`) implements
 * it with the SDK; unit tests use an in-memory fake. Every write here is safe to repeat or is made
 * idempotent by the caller through a deterministic identity (task-set `externalId`, task
 * `startedBy`, task-definition tags), because a controller may die between the call and the status
 * write that records it.
 */

/** Which ECS service a resource acts on. */
export interface ServiceRef {
  readonly region: string;
  readonly cluster: string;
  readonly service: string;
}

export type DeploymentControllerType = 'ECS' | 'EXTERNAL' | 'CODE_DEPLOY';

/** One entry of `service.deployments[]` (the ECS deployment controller's view of a rollout). */
export interface ServiceDeployment {
  readonly id: string;
  /** PRIMARY (newest), ACTIVE (being replaced) or INACTIVE. */
  readonly status: string;
  readonly taskDefinitionArn: string;
  readonly desiredCount: number;
  readonly runningCount: number;
  readonly pendingCount: number;
  readonly failedTasks: number;
  /** COMPLETED | IN_PROGRESS | FAILED; absent on very old services. */
  readonly rolloutState?: string;
  readonly rolloutStateReason?: string;
  readonly createdAt?: Date;
}

/** One entry of a capacity provider strategy (service, task set or one-off task). */
export interface CapacityProviderStrategyItem {
  readonly capacityProvider: string;
  readonly weight?: number;
  readonly base?: number;
}

/** A task set of a service whose deployment controller is EXTERNAL. */
export interface TaskSet {
  readonly id: string;
  readonly arn: string;
  /** PRIMARY | ACTIVE | DRAINING */
  readonly status: string;
  readonly taskDefinitionArn: string;
  /** The caller's identity for the task set; we use it to make creation idempotent. */
  readonly externalId?: string;
  /** Scale in percent of the service's desired count. */
  readonly scalePercent: number;
  readonly targetGroupArns: readonly string[];
  /** The load balancer bindings (target group, container, port); a new task set copies one. */
  readonly loadBalancers?: readonly LoadBalancerBinding[];
  readonly runningCount?: number;
  readonly pendingCount?: number;
  readonly computedDesiredCount?: number;
  /** STEADY_STATE | STABILIZING */
  readonly stabilityStatus?: string;
  readonly launchType?: string;
  readonly capacityProviderStrategy?: readonly CapacityProviderStrategyItem[];
  readonly platformVersion?: string;
  /** Opaque network configuration; a new task set copies its template's. */
  readonly networkConfiguration?: unknown;
  readonly createdAt?: Date;
}

export interface LoadBalancerBinding {
  readonly targetGroupArn: string;
  readonly containerName: string;
  readonly containerPort: number;
}

export interface ServiceState {
  readonly ref: ServiceRef;
  readonly arn: string;
  /** ACTIVE | DRAINING | INACTIVE */
  readonly status: string;
  readonly deploymentController: DeploymentControllerType;
  readonly taskDefinitionArn?: string;
  readonly desiredCount: number;
  readonly runningCount: number;
  readonly pendingCount: number;
  /**
   * Meaningful for the ECS deployment controller only: with EXTERNAL the task sets carry launch type
   * and network (moto reports `EC2` there).
   */
  readonly launchType?: string;
  readonly capacityProviders: readonly string[];
  readonly capacityProviderStrategy?: readonly CapacityProviderStrategyItem[];
  readonly platformVersion?: string;
  readonly deployments: readonly ServiceDeployment[];
  readonly taskSets: readonly TaskSet[];
  readonly loadBalancers: readonly LoadBalancerBinding[];
  /** Opaque network configuration copied to task sets and one-off tasks. */
  readonly networkConfiguration?: unknown;
  /** When this snapshot was read (the batching observer may serve a slightly older one). */
  readonly observedAt: Date;
  /**
   * ECS's newest service events (placement failures, steady state), newest first, in ECS's own
   * words; absent when ECS reported none.
   */
  readonly events?: readonly ServiceEvent[];
  /**
   * The service's tags (DescribeServices `include: [TAGS]`, no extra call); absent: not read. A
   * Release claims its service with one (reconcilers/release/plan/claim.ts).
   */
  readonly tags?: Readonly<Record<string, string>>;
}

export interface ServiceEvent {
  readonly message: string;
  readonly createdAt?: Date;
}

export interface ContainerChange {
  readonly container: string;
  readonly image: string;
  /** Full desired environment of the container (replaces the old one). */
  readonly environment?: Readonly<Record<string, string>>;
  /** Full desired secrets of the container (replaces the old ones). */
  readonly secrets?: readonly { readonly name: string; readonly valueFrom: string }[];
}

export interface TaskDefinitionSummary {
  readonly arn: string;
  readonly family: string;
  readonly revision: number;
  readonly containers: readonly {
    readonly name: string;
    readonly image: string;
    readonly environment: Readonly<Record<string, string>>;
    readonly secrets: readonly { readonly name: string; readonly valueFrom: string }[];
  }[];
  readonly tags: Readonly<Record<string, string>>;
  readonly requiresCompatibilities: readonly string[];
  readonly cpu?: string;
  readonly memory?: string;
}

export interface OneOffTask {
  readonly arn: string;
  /** PROVISIONING ... RUNNING ... STOPPED */
  readonly lastStatus: string;
  /** RUNNING, or STOPPED once a stop was requested. */
  readonly desiredStatus?: string;
  /**
   * Exit code of the container named in the command override (the only container if there is no
   * override); set only once the task is STOPPED.
   */
  readonly exitCode?: number;
  readonly stoppedReason?: string;
  readonly startedBy?: string;
  readonly taskDefinitionArn?: string;
  readonly createdAt?: Date;
}

/**
 * Errors are the AWS SDK's (or shaped like them: a literal `name`), so `classifyAwsError` in
 * `adapters/aws/errors.ts` tells retryable from terminal and NotFound from the rest.
 */
export interface EcsPort {
  /**
   * Current state of a service (batched `DescribeServices`, ≤ 10 names per call). Undefined if the
   * service or its cluster is missing. `maxAgeMs` (default 0) accepts a snapshot read at most that
   * long ago; a write through this port to the service makes older snapshots unusable.
   */
  describeService(
    ref: ServiceRef,
    opts?: { readonly maxAgeMs?: number },
  ): Promise<ServiceState | undefined>;
  /** Throws (ECS `ClientException`, classified Validation) when there is no such task definition. */
  describeTaskDefinition(region: string, arnOrFamily: string): Promise<TaskDefinitionSummary>;
  /**
   * Registers a new revision of `base`'s family in which only `change.container` differs; every other
   * container, CPU/memory, roles, volumes and tags are kept. `tags` are added (e.g. the spec hash) so
   * that a revision registered before a crash is found and reused instead of registered twice.
   */
  registerDerivedTaskDefinition(
    region: string,
    base: string,
    change: ContainerChange,
    tags: Readonly<Record<string, string>>,
  ): Promise<TaskDefinitionSummary>;
  /**
   * Finds the newest ACTIVE revision of `family` carrying all of `tags`, if any (crash-safe reuse).
   * Only the newest 20 revisions are searched.
   */
  findTaskDefinitionByTags(
    region: string,
    family: string,
    tags: Readonly<Record<string, string>>,
  ): Promise<TaskDefinitionSummary | undefined>;
  /**
   * Idempotent by `externalId`: a non-DRAINING task set with it running the same task definition
   * is returned as it is (nothing written); one running another is refused
   * (`TaskSetExternalIdTaken`), never adopted. Without `template`, launch type, capacity providers, network and platform version come
   * from the service's PRIMARY task set.
   */
  createTaskSet(
    ref: ServiceRef,
    input: {
      readonly externalId: string;
      readonly taskDefinitionArn: string;
      readonly loadBalancer?: LoadBalancerBinding;
      readonly scalePercent: number;
      /** Copied from the primary task set (launch type, network configuration, platform version). */
      readonly template?: TaskSet;
    },
  ): Promise<TaskSet>;
  updateTaskSetScale(ref: ServiceRef, taskSetArn: string, scalePercent: number): Promise<void>;
  /** `taskSetArn` must be the full ARN (moto ignores short ids); a short id is refused (Validation). */
  setPrimaryTaskSet(ref: ServiceRef, taskSetArn: string): Promise<void>;
  /** A task set (or service) that is already gone counts as deleted. */
  deleteTaskSet(ref: ServiceRef, taskSetArn: string): Promise<void>;
  /**
   * Adds or overwrites tags of the service (`serviceArn`: the ARN DescribeServices answered; ECS
   * tags services only under the long ARN format).
   */
  tagService(
    ref: ServiceRef,
    serviceArn: string,
    tags: Readonly<Record<string, string>>,
  ): Promise<void>;
  /** Removes tags of the service; a tag (or service) already gone counts as removed. */
  untagService(ref: ServiceRef, serviceArn: string, keys: readonly string[]): Promise<void>;
  /** Rolling deployments on the ECS deployment controller. */
  updateService(
    ref: ServiceRef,
    input: {
      readonly taskDefinitionArn: string;
      readonly minimumHealthyPercent?: number;
      readonly maximumPercent?: number;
      readonly circuitBreaker?: { readonly enable: boolean; readonly rollback: boolean };
      readonly forceNewDeployment?: boolean;
    },
  ): Promise<void>;
  /**
   * Runs a one-off task; `startedBy` is the idempotency key (an existing task with it, running or
   * recently stopped, is returned). Launch type, capacity providers and network come from the
   * service (EXTERNAL: from its PRIMARY task set).
   */
  runTask(
    ref: ServiceRef,
    input: {
      readonly taskDefinitionArn: string;
      readonly container: string;
      readonly command: readonly string[];
      readonly startedBy: string;
      /** Environment overrides of that container (e.g. a restored database's endpoint). */
      readonly environment?: Readonly<Record<string, string>>;
    },
  ): Promise<OneOffTask>;
  /** The newest task started with `startedBy` (running first, then recently stopped ones). */
  findTask(ref: ServiceRef, startedBy: string): Promise<OneOffTask | undefined>;
  describeTask(ref: ServiceRef, taskArn: string): Promise<OneOffTask | undefined>;
  /** A task that is already stopped or gone counts as stopped. */
  stopTask(ref: ServiceRef, taskArn: string, reason: string): Promise<void>;
  /**
   * Whether the cluster offers a capacity provider or launch type the service uses. Throws a
   * NotFound-classified error (`ClusterNotFoundException`) for a missing cluster.
   */
  clusterCapacity(
    region: string,
    cluster: string,
  ): Promise<{
    readonly capacityProviders: readonly string[];
    readonly registeredContainerInstances: number;
  }>;
}
