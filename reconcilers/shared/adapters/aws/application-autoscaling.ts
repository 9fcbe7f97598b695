// AutoscalingPort over the Application Auto Scaling SDK, for ECS services' DesiredCount. Reads go
// through batching readers (autoscaling-reader.ts): targets by up to 50 ResourceIds per call,
// policies and scheduled actions by one paginated listing of the `ecs` namespace when several
// resources are asked at once (one call per resource otherwise), grouped by the exact resource id
// (the API filters ResourceId by substring on some emulators). Every write invalidates the
// resource's three snapshots, so a write is always followed by a fresh read. Deletes treat
// ObjectNotFoundException as done.
import type { Clock } from '../../../../controller/index.js';
import { systemClock } from '../../../../controller/index.js';
import {
  DeleteScalingPolicyCommand,
  DeleteScheduledActionCommand,
  DeregisterScalableTargetCommand,
  DescribeScalableTargetsCommand,
  DescribeScalingPoliciesCommand,
  DescribeScheduledActionsCommand,
  PutScalingPolicyCommand,
  PutScheduledActionCommand,
  RegisterScalableTargetCommand,
  type ApplicationAutoScalingClient,
  type MetricType,
  type ScalableTarget as SdkScalableTarget,
  type ScalingPolicy as SdkScalingPolicy,
  type ScheduledAction as SdkScheduledAction,
} from '@aws-sdk/client-application-auto-scaling';
import type {
  AutoscalingPort,
  AutoscalingReadOptions,
  ScalableTarget,
  ScheduledActionState,
  TargetTrackingPolicyState,
} from '../../ports/autoscaling.js';
import type { AwsClients } from './clients.js';
import { ResourceReader, type BatchRead, type ResourceRead } from './autoscaling-reader.js';
import { isAwsNotFound } from './errors.js';

const NAMESPACE = 'ecs';
const DIMENSION = 'ecs:service:DesiredCount';

export interface AwsAutoscalingOptions {
  readonly clock?: Clock;
  /** How long the first reader waits for others to join its batch (see ResourceReader). Default 10. */
  readonly batchWindowMs?: number;
}

/** ResourceIds per DescribeScalableTargets call and items per page of the listings (API limits). */
const MAX_IDS = 50;
const PAGE = 50;

export class AwsAutoscaling implements AutoscalingPort {
  readonly #clients: AwsClients;
  readonly #targets: ResourceReader<ScalableTarget | undefined>;
  readonly #policies: ResourceReader<TargetTrackingPolicyState[]>;
  readonly #scheduled: ResourceReader<ScheduledActionState[]>;

  constructor(clients: AwsClients, options: AwsAutoscalingOptions = {}) {
    this.#clients = clients;
    const clock = options.clock ?? systemClock;
    const window =
      options.batchWindowMs === undefined ? {} : { batchWindowMs: options.batchWindowMs };
    this.#targets = new ResourceReader({
      clock,
      ...window,
      absent: undefined,
      maxBatch: MAX_IDS,
      // Any steady resource rides along in a call that has room: it costs no extra call and keeps
      // the fleet's snapshots in step, so the next period again needs ⌈N/50⌉ calls.
      refreshAheadRatio: 0,
      read: (region, ids) => this.#readTargets(region, ids),
    });
    const scanPages = { policies: 1, scheduled: 1 };
    this.#policies = new ResourceReader({
      clock,
      ...window,
      absent: [],
      maxBatch: Infinity,
      read: (region, ids) =>
        readByResource(ids, scanPages, 'policies', (id) => this.#listPolicies(region, id)),
    });
    this.#scheduled = new ResourceReader({
      clock,
      ...window,
      absent: [],
      maxBatch: Infinity,
      read: (region, ids) =>
        readByResource(ids, scanPages, 'scheduled', (id) => this.#listScheduled(region, id)),
    });
  }

  describeTarget(
    region: string,
    resourceId: string,
    opts?: AutoscalingReadOptions,
  ): Promise<ScalableTarget | undefined> {
    return this.#targets.read(region, resourceId, opts?.maxAgeMs ?? 0);
  }

  async #readTargets(
    region: string,
    ids: readonly string[],
  ): Promise<BatchRead<ScalableTarget | undefined>> {
    const values = new Map<string, ResourceRead<ScalableTarget | undefined>>();
    const wanted = new Set(ids);
    let token: string | undefined;
    do {
      const out = await this.#aas(region).send(
        new DescribeScalableTargetsCommand({
          ServiceNamespace: NAMESPACE,
          ResourceIds: [...ids],
          ScalableDimension: DIMENSION,
          MaxResults: PAGE,
          ...(token === undefined ? {} : { NextToken: token }),
        }),
      );
      for (const t of out.ScalableTargets ?? []) {
        if (t.ResourceId !== undefined && wanted.has(t.ResourceId))
          values.set(t.ResourceId, { kind: 'ok', value: toTarget(t.ResourceId, t) });
      }
      token = out.NextToken === '' ? undefined : out.NextToken;
    } while (token !== undefined);
    return { values, complete: false };
  }

  async registerTarget(region: string, target: ScalableTarget): Promise<void> {
    try {
      await this.#aas(region).send(
        new RegisterScalableTargetCommand({
          ServiceNamespace: NAMESPACE,
          ScalableDimension: DIMENSION,
          ResourceId: target.resourceId,
          MinCapacity: target.minCapacity,
          MaxCapacity: target.maxCapacity,
          SuspendedState: {
            DynamicScalingInSuspended: target.suspended.dynamicScalingInSuspended,
            DynamicScalingOutSuspended: target.suspended.dynamicScalingOutSuspended,
            ScheduledScalingSuspended: target.suspended.scheduledScalingSuspended,
          },
        }),
      );
    } finally {
      this.#written(region, target.resourceId);
    }
  }

  async deregisterTarget(region: string, resourceId: string): Promise<void> {
    try {
      await goneIsDone(
        this.#aas(region).send(
          new DeregisterScalableTargetCommand({
            ServiceNamespace: NAMESPACE,
            ScalableDimension: DIMENSION,
            ResourceId: resourceId,
          }),
        ),
      );
    } finally {
      this.#written(region, resourceId);
    }
  }

  describePolicies(
    region: string,
    resourceId: string,
    opts?: AutoscalingReadOptions,
  ): Promise<TargetTrackingPolicyState[]> {
    return this.#policies.read(region, resourceId, opts?.maxAgeMs ?? 0);
  }

  /** One resource's policies, or (no id) the whole namespace's, grouped by exact resource id. */
  async #listPolicies(
    region: string,
    resourceId?: string,
  ): Promise<Map<string, TargetTrackingPolicyState[]>> {
    const grouped = new Map<string, TargetTrackingPolicyState[]>();
    let token: string | undefined;
    do {
      const out = await this.#aas(region).send(
        new DescribeScalingPoliciesCommand({
          ServiceNamespace: NAMESPACE,
          ...(resourceId === undefined ? {} : { ResourceId: resourceId }),
          ScalableDimension: DIMENSION,
          MaxResults: PAGE,
          ...(token === undefined ? {} : { NextToken: token }),
        }),
      );
      for (const p of out.ScalingPolicies ?? []) {
        if (p.ResourceId === undefined || (resourceId !== undefined && p.ResourceId !== resourceId))
          continue;
        push(grouped, p.ResourceId, toPolicy(p));
      }
      token = out.NextToken === '' ? undefined : out.NextToken;
    } while (token !== undefined);
    return grouped;
  }

  async putTargetTrackingPolicy(
    region: string,
    resourceId: string,
    policy: TargetTrackingPolicyState,
  ): Promise<void> {
    try {
      await this.#aas(region).send(
        new PutScalingPolicyCommand({
          ServiceNamespace: NAMESPACE,
          ScalableDimension: DIMENSION,
          ResourceId: resourceId,
          PolicyName: policy.name,
          PolicyType: 'TargetTrackingScaling',
          TargetTrackingScalingPolicyConfiguration: {
            TargetValue: policy.targetValue,
            PredefinedMetricSpecification: {
              PredefinedMetricType: policy.predefinedMetric as MetricType,
              ...(policy.resourceLabel === undefined
                ? {}
                : { ResourceLabel: policy.resourceLabel }),
            },
            ...(policy.scaleInCooldownSeconds === undefined
              ? {}
              : { ScaleInCooldown: policy.scaleInCooldownSeconds }),
            ...(policy.scaleOutCooldownSeconds === undefined
              ? {}
              : { ScaleOutCooldown: policy.scaleOutCooldownSeconds }),
            DisableScaleIn: policy.disableScaleIn ?? false,
          },
        }),
      );
    } finally {
      this.#written(region, resourceId);
    }
  }

  async deletePolicy(region: string, resourceId: string, name: string): Promise<void> {
    try {
      await goneIsDone(
        this.#aas(region).send(
          new DeleteScalingPolicyCommand({
            ServiceNamespace: NAMESPACE,
            ScalableDimension: DIMENSION,
            ResourceId: resourceId,
            PolicyName: name,
          }),
        ),
      );
    } finally {
      this.#written(region, resourceId);
    }
  }

  describeScheduledActions(
    region: string,
    resourceId: string,
    opts?: AutoscalingReadOptions,
  ): Promise<ScheduledActionState[]> {
    return this.#scheduled.read(region, resourceId, opts?.maxAgeMs ?? 0);
  }

  /** One resource's scheduled actions, or (no id) the whole namespace's, grouped by resource id. */
  async #listScheduled(
    region: string,
    resourceId?: string,
  ): Promise<Map<string, ScheduledActionState[]>> {
    const grouped = new Map<string, ScheduledActionState[]>();
    let token: string | undefined;
    do {
      const out = await this.#aas(region).send(
        new DescribeScheduledActionsCommand({
          ServiceNamespace: NAMESPACE,
          ...(resourceId === undefined ? {} : { ResourceId: resourceId }),
          ScalableDimension: DIMENSION,
          MaxResults: PAGE,
          ...(token === undefined ? {} : { NextToken: token }),
        }),
      );
      for (const a of out.ScheduledActions ?? []) {
        if (a.ResourceId === undefined || (resourceId !== undefined && a.ResourceId !== resourceId))
          continue;
        push(grouped, a.ResourceId, toScheduled(a));
      }
      token = out.NextToken === '' ? undefined : out.NextToken;
    } while (token !== undefined);
    return grouped;
  }

  async putScheduledAction(
    region: string,
    resourceId: string,
    action: ScheduledActionState,
  ): Promise<void> {
    try {
      await this.#aas(region).send(
        new PutScheduledActionCommand({
          ServiceNamespace: NAMESPACE,
          ScalableDimension: DIMENSION,
          ResourceId: resourceId,
          ScheduledActionName: action.name,
          Schedule: action.schedule,
          ...(action.timezone === undefined ? {} : { Timezone: action.timezone }),
          ScalableTargetAction: {
            ...(action.minCapacity === undefined ? {} : { MinCapacity: action.minCapacity }),
            ...(action.maxCapacity === undefined ? {} : { MaxCapacity: action.maxCapacity }),
          },
        }),
      );
    } finally {
      this.#written(region, resourceId);
    }
  }

  async deleteScheduledAction(region: string, resourceId: string, name: string): Promise<void> {
    try {
      await goneIsDone(
        this.#aas(region).send(
          new DeleteScheduledActionCommand({
            ServiceNamespace: NAMESPACE,
            ScalableDimension: DIMENSION,
            ResourceId: resourceId,
            ScheduledActionName: name,
          }),
        ),
      );
    } finally {
      this.#written(region, resourceId);
    }
  }

  #aas(region: string): ApplicationAutoScalingClient {
    return this.#clients.applicationAutoScaling(region);
  }

  /** After a write (also a failed one, which may have applied): the next reads are fresh. */
  #written(region: string, resourceId: string): void {
    this.#targets.invalidate(region, resourceId);
    this.#policies.invalidate(region, resourceId);
    this.#scheduled.invalidate(region, resourceId);
  }
}

/**
 * One paginated listing of the namespace when that costs no more calls than one call per resource
 * (judged by the pages the last listing took; with ≤ 50 items even one resource is read so, which
 * refreshes the whole fleet's snapshots for the same one call); otherwise one call per resource,
 * each failing alone.
 */
async function readByResource<T>(
  ids: readonly string[],
  scanPages: Record<'policies' | 'scheduled', number>,
  which: 'policies' | 'scheduled',
  list: (resourceId?: string) => Promise<Map<string, T[]>>,
): Promise<BatchRead<T[]>> {
  const values = new Map<string, ResourceRead<T[]>>();
  if (ids.length >= scanPages[which]) {
    const all = await list();
    let items = 0;
    for (const [id, group] of all) {
      items += group.length;
      values.set(id, { kind: 'ok', value: group });
    }
    scanPages[which] = Math.max(1, Math.ceil(items / PAGE));
    return { values, complete: true };
  }
  await Promise.all(
    ids.map(async (id) => {
      try {
        values.set(id, { kind: 'ok', value: (await list(id)).get(id) ?? [] });
      } catch (error) {
        values.set(id, {
          kind: 'failed',
          error: error instanceof Error ? error : new Error(String(error)),
        });
      }
    }),
  );
  return { values, complete: false };
}

function push<T>(map: Map<string, T[]>, key: string, value: T): void {
  const list = map.get(key);
  if (list === undefined) map.set(key, [value]);
  else list.push(value);
}

function toTarget(resourceId: string, found: SdkScalableTarget): ScalableTarget {
  return {
    resourceId,
    minCapacity: found.MinCapacity ?? 0,
    maxCapacity: found.MaxCapacity ?? 0,
    suspended: {
      dynamicScalingInSuspended: found.SuspendedState?.DynamicScalingInSuspended ?? false,
      dynamicScalingOutSuspended: found.SuspendedState?.DynamicScalingOutSuspended ?? false,
      scheduledScalingSuspended: found.SuspendedState?.ScheduledScalingSuspended ?? false,
    },
  };
}

function toPolicy(p: SdkScalingPolicy): TargetTrackingPolicyState {
  const c = p.TargetTrackingScalingPolicyConfiguration;
  const metric = c?.PredefinedMetricSpecification;
  return {
    name: p.PolicyName ?? '',
    policyType: p.PolicyType ?? '',
    ...(metric?.PredefinedMetricType === undefined
      ? {}
      : { predefinedMetric: metric.PredefinedMetricType }),
    ...(metric?.ResourceLabel === undefined || metric.ResourceLabel === ''
      ? {}
      : { resourceLabel: metric.ResourceLabel }),
    ...(c?.TargetValue === undefined ? {} : { targetValue: c.TargetValue }),
    ...(c?.ScaleInCooldown === undefined ? {} : { scaleInCooldownSeconds: c.ScaleInCooldown }),
    ...(c?.ScaleOutCooldown === undefined ? {} : { scaleOutCooldownSeconds: c.ScaleOutCooldown }),
    disableScaleIn: c?.DisableScaleIn ?? false,
  };
}

function toScheduled(a: SdkScheduledAction): ScheduledActionState {
  return {
    name: a.ScheduledActionName ?? '',
    schedule: a.Schedule ?? '',
    ...(a.Timezone === undefined || a.Timezone === '' ? {} : { timezone: a.Timezone }),
    ...(a.ScalableTargetAction?.MinCapacity === undefined
      ? {}
      : { minCapacity: a.ScalableTargetAction.MinCapacity }),
    ...(a.ScalableTargetAction?.MaxCapacity === undefined
      ? {}
      : { maxCapacity: a.ScalableTargetAction.MaxCapacity }),
  };
}

async function goneIsDone(call: Promise<unknown>): Promise<void> {
  try {
    await call;
  } catch (error) {
    if (!isAwsNotFound(error)) throw error;
  }
}
