// ECS SDK shapes → the port's domain shapes. Absent counts become 0 and absent lists []; nothing
// here calls AWS.
import type {
  CapacityProviderStrategyItem as SdkCapacityProviderItem,
  Deployment,
  KeyValuePair,
  Secret,
  Service,
  Tag,
  Task,
  TaskDefinition,
  TaskSet as SdkTaskSet,
} from '@aws-sdk/client-ecs';
import type {
  CapacityProviderStrategyItem,
  DeploymentControllerType,
  LoadBalancerBinding,
  OneOffTask,
  ServiceDeployment,
  ServiceRef,
  ServiceState,
  TaskDefinitionSummary,
  TaskSet,
} from '../../ports/ecs.js';

export function toServiceState(ref: ServiceRef, s: Service, observedAt: Date): ServiceState {
  const strategy = toStrategy(s.capacityProviderStrategy);
  return {
    ref,
    arn: s.serviceArn ?? '',
    status: s.status ?? 'ACTIVE',
    deploymentController: toControllerType(s.deploymentController?.type),
    ...optional('taskDefinitionArn', s.taskDefinition),
    desiredCount: s.desiredCount ?? 0,
    runningCount: s.runningCount ?? 0,
    pendingCount: s.pendingCount ?? 0,
    ...optional('launchType', s.launchType),
    capacityProviders: strategy.map((c) => c.capacityProvider),
    capacityProviderStrategy: strategy,
    ...optional('platformVersion', s.platformVersion),
    deployments: (s.deployments ?? []).map(toDeployment),
    taskSets: (s.taskSets ?? []).map(toTaskSet),
    loadBalancers: toBindings(s.loadBalancers),
    ...optional('networkConfiguration', nonEmptyNetwork(s.networkConfiguration)),
    observedAt,
    // Present only when asked for (`include: TAGS`): absent means not read, not "no tags".
    ...(s.tags === undefined ? {} : { tags: toTagRecord(s.tags) }),
    ...(s.events === undefined || s.events.length === 0
      ? {}
      : {
          events: s.events.slice(0, MAX_SERVICE_EVENTS).map((e) => ({
            message: e.message ?? '',
            ...optional('createdAt', e.createdAt),
          })),
        }),
  };
}

/** ECS keeps 100 service events; the newest few say what is going on. */
const MAX_SERVICE_EVENTS = 5;

export function toTaskSet(t: SdkTaskSet): TaskSet {
  const strategy = toStrategy(t.capacityProviderStrategy);
  return {
    id: t.id ?? '',
    arn: t.taskSetArn ?? '',
    status: t.status ?? 'ACTIVE',
    taskDefinitionArn: t.taskDefinition ?? '',
    ...optional('externalId', t.externalId === '' ? undefined : t.externalId),
    scalePercent: t.scale?.value ?? 0,
    targetGroupArns: toBindings(t.loadBalancers).map((b) => b.targetGroupArn),
    loadBalancers: toBindings(t.loadBalancers),
    ...optional('runningCount', t.runningCount),
    ...optional('pendingCount', t.pendingCount),
    ...optional('computedDesiredCount', t.computedDesiredCount),
    ...optional('stabilityStatus', t.stabilityStatus),
    ...optional('launchType', t.launchType),
    ...(strategy.length === 0 ? {} : { capacityProviderStrategy: strategy }),
    ...optional('platformVersion', t.platformVersion),
    ...optional('networkConfiguration', nonEmptyNetwork(t.networkConfiguration)),
    ...optional('createdAt', t.createdAt),
  };
}

export function toTaskDefinitionSummary(
  td: TaskDefinition,
  tags: readonly Tag[] | undefined,
): TaskDefinitionSummary {
  return {
    arn: td.taskDefinitionArn ?? '',
    family: td.family ?? '',
    revision: td.revision ?? 0,
    containers: (td.containerDefinitions ?? []).map((c) => ({
      name: c.name ?? '',
      image: c.image ?? '',
      environment: toEnvironment(c.environment),
      secrets: toSecrets(c.secrets),
    })),
    tags: toTagRecord(tags),
    requiresCompatibilities: td.requiresCompatibilities ?? [],
    ...optional('cpu', td.cpu),
    ...optional('memory', td.memory),
  };
}

/**
 * `exitCode` is the command-override container's (else the only container's), and only once the
 * task is STOPPED: moto reports 0 on running containers, AWS reports nothing until exit.
 */
export function toOneOffTask(t: Task): OneOffTask {
  const containers = t.containers ?? [];
  const named = t.overrides?.containerOverrides?.find((o) => o.command !== undefined)?.name;
  const container =
    named === undefined
      ? containers.length === 1
        ? containers[0]
        : undefined
      : containers.find((c) => c.name === named);
  const stopped = t.lastStatus === 'STOPPED';
  return {
    arn: t.taskArn ?? '',
    lastStatus: t.lastStatus ?? 'PROVISIONING',
    ...optional('desiredStatus', t.desiredStatus),
    ...optional('exitCode', stopped ? container?.exitCode : undefined),
    ...optional('stoppedReason', t.stoppedReason === '' ? undefined : t.stoppedReason),
    ...optional('startedBy', t.startedBy),
    ...optional('taskDefinitionArn', t.taskDefinitionArn),
    ...optional('createdAt', t.createdAt),
  };
}

export function toTagRecord(tags: readonly Tag[] | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  for (const t of tags ?? []) if (t.key !== undefined) out[t.key] = t.value ?? '';
  return out;
}

export function toStrategy(
  items: readonly SdkCapacityProviderItem[] | undefined,
): CapacityProviderStrategyItem[] {
  return (items ?? []).flatMap((i) =>
    i.capacityProvider === undefined
      ? []
      : [
          {
            capacityProvider: i.capacityProvider,
            ...optional('weight', i.weight),
            ...optional('base', i.base),
          },
        ],
  );
}

function toDeployment(d: Deployment): ServiceDeployment {
  return {
    id: d.id ?? '',
    status: d.status ?? '',
    taskDefinitionArn: d.taskDefinition ?? '',
    desiredCount: d.desiredCount ?? 0,
    runningCount: d.runningCount ?? 0,
    pendingCount: d.pendingCount ?? 0,
    failedTasks: d.failedTasks ?? 0,
    ...optional('rolloutState', d.rolloutState),
    ...optional('rolloutStateReason', d.rolloutStateReason),
    ...optional('createdAt', d.createdAt),
  };
}

function toBindings(
  lbs: readonly { targetGroupArn?: string; containerName?: string; containerPort?: number }[] = [],
): LoadBalancerBinding[] {
  return lbs.flatMap((lb) =>
    lb.targetGroupArn === undefined
      ? []
      : [
          {
            targetGroupArn: lb.targetGroupArn,
            containerName: lb.containerName ?? '',
            containerPort: lb.containerPort ?? 0,
          },
        ],
  );
}

function toEnvironment(env: readonly KeyValuePair[] | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  for (const e of env ?? []) if (e.name !== undefined) out[e.name] = e.value ?? '';
  return out;
}

function toSecrets(secrets: readonly Secret[] | undefined): { name: string; valueFrom: string }[] {
  return (secrets ?? []).map((s) => ({ name: s.name ?? '', valueFrom: s.valueFrom ?? '' }));
}

const CONTROLLERS: readonly string[] = ['ECS', 'EXTERNAL', 'CODE_DEPLOY'];

function toControllerType(type: string | undefined): DeploymentControllerType {
  return type !== undefined && CONTROLLERS.includes(type)
    ? (type as DeploymentControllerType)
    : 'ECS';
}

/** moto answers `{}` for a service created without a network configuration. */
function nonEmptyNetwork<T extends { awsvpcConfiguration?: unknown }>(
  network: T | undefined,
): T | undefined {
  return network?.awsvpcConfiguration === undefined ? undefined : network;
}

/** `{ key: value }` when value is defined, else `{}` (keeps absent fields absent). */
function optional<K extends string, V>(key: K, value: V | undefined): { [P in K]?: V } {
  return (value === undefined ? {} : { [key]: value }) as { [P in K]?: V };
}
