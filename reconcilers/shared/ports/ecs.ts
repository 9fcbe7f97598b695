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
  readonly runningCount?: number;
  readonly pendingCount?: number;
  readonly computedDesiredCount?: number;
  /** STEADY_STATE | STABILIZING */
  readonly stabilityStatus?: string;
  readonly launchType?: string;
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
  readonly launchType?: string;
  readonly capacityProviders: readonly string[];
  readonly deployments: readonly ServiceDeployment[];
  readonly taskSets: readonly TaskSet[];
  readonly loadBalancers: readonly LoadBalancerBinding[];
  /** Opaque network configuration copied to task sets and one-off tasks. */
  readonly networkConfiguration?: unknown;
  /** When this snapshot was read (the batching observer may serve a slightly older one). */
  readonly observedAt: Date;
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
  readonly exitCode?: number;
  readonly stoppedReason?: string;
  readonly startedBy?: string;
}

export interface EcsPort {
  /** Current state of a service (batched `DescribeServices`, ≤ 10 names per call). Undefined if missing. */
  describeService(
    ref: ServiceRef,
    opts?: { readonly maxAgeMs?: number },
  ): Promise<ServiceState | undefined>;
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
  /** Finds the newest revision of `family` carrying all of `tags`, if any (crash-safe reuse). */
  findTaskDefinitionByTags(
    region: string,
    family: string,
    tags: Readonly<Record<string, string>>,
  ): Promise<TaskDefinitionSummary | undefined>;
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
  setPrimaryTaskSet(ref: ServiceRef, taskSetArn: string): Promise<void>;
  deleteTaskSet(ref: ServiceRef, taskSetArn: string): Promise<void>;
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
  /** Runs a one-off task; `startedBy` is the idempotency key (an existing task with it is returned). */
  runTask(
    ref: ServiceRef,
    input: {
      readonly taskDefinitionArn: string;
      readonly container: string;
      readonly command: readonly string[];
      readonly startedBy: string;
    },
  ): Promise<OneOffTask>;
  findTask(ref: ServiceRef, startedBy: string): Promise<OneOffTask | undefined>;
  describeTask(ref: ServiceRef, taskArn: string): Promise<OneOffTask | undefined>;
  stopTask(ref: ServiceRef, taskArn: string, reason: string): Promise<void>;
  /** Whether the cluster offers a capacity provider or launch type the service uses. */
  clusterCapacity(
    region: string,
    cluster: string,
  ): Promise<{
    readonly capacityProviders: readonly string[];
    readonly registeredContainerInstances: number;
  }>;
}
