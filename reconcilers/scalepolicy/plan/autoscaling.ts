// Application Auto Scaling, declared → applied: the scalable target (min/max, dynamic scale-in
// suspended while a Release of the service is in flight), one target-tracking policy per metric
// and the scheduled actions, each named with the owner's UID. One difference is fixed per
// reconcile, target first; what this object created and no longer declares is deleted; anything
// else on the service is never touched. A difference in something this object had applied is
// drift (changed behind its back) and is told in an Event before it is restored.
import { parseDuration } from '../../shared/api/duration.js';
import {
  ecsServiceResourceId,
  type ScalableTarget,
  type ScheduledActionState,
  type TargetTrackingPolicyState,
} from '../../shared/ports/autoscaling.js';
import type { ScalePolicySpec } from '../api.js';
import { isOwnedBy, policyName, scheduledActionName } from './names.js';
import type { Action, AutoscalingObserved, ScalePolicyState } from './types.js';

export interface Declared {
  readonly target: ScalableTarget;
  readonly policies: readonly TargetTrackingPolicyState[];
  readonly scheduled: readonly ScheduledActionState[];
}

const seconds = (duration: string | undefined, fallback: string): number =>
  Math.round(parseDuration(duration ?? fallback) / 1000);

/**
 * What the spec declares, with scale-in suspended when `suspendScaleIn` (and scheduled scaling
 * when `suspendScheduled`: a FailoverPlan holds the service).
 */
export function declared(
  spec: ScalePolicySpec,
  uid: string,
  suspendScaleIn: boolean,
  suspendScheduled = false,
): Declared | undefined {
  const a = spec.autoscaling;
  if (a === undefined) return undefined;
  const resourceId = ecsServiceResourceId(spec.target.cluster, spec.target.service);
  return {
    target: {
      resourceId,
      minCapacity: a.minCapacity,
      maxCapacity: a.maxCapacity,
      suspended: {
        dynamicScalingInSuspended: suspendScaleIn,
        dynamicScalingOutSuspended: false,
        scheduledScalingSuspended: suspendScheduled,
      },
    },
    policies: (a.targetTracking ?? []).map((p) => ({
      name: policyName(uid, p.predefinedMetric),
      policyType: 'TargetTrackingScaling',
      predefinedMetric: p.predefinedMetric,
      ...(p.resourceLabel === undefined ? {} : { resourceLabel: p.resourceLabel }),
      targetValue: p.target,
      scaleInCooldownSeconds: seconds(p.scaleInCooldown, '5m'),
      scaleOutCooldownSeconds: seconds(p.scaleOutCooldown, '1m'),
      disableScaleIn: p.disableScaleIn ?? false,
    })),
    scheduled: (a.scheduled ?? []).map((s) => ({
      name: scheduledActionName(uid, s.name),
      schedule: s.schedule,
      ...(s.timezone === undefined ? {} : { timezone: s.timezone }),
      ...(s.minCapacity === undefined ? {} : { minCapacity: s.minCapacity }),
      ...(s.maxCapacity === undefined ? {} : { maxCapacity: s.maxCapacity }),
    })),
  };
}

export interface AutoscalingStep {
  readonly action?: Action;
  /** Set when the difference is in something this object had applied: what was found. */
  readonly drift?: string;
  /** The world once `action` is done: what status records. */
  readonly after: AutoscalingObserved;
}

/** The next write that brings Application Auto Scaling to `want` (undefined: remove ours). */
export function nextAutoscalingStep(
  region: string,
  resourceId: string,
  want: Declared | undefined,
  observed: AutoscalingObserved,
  status: ScalePolicyState | undefined,
  uid: string,
): AutoscalingStep {
  const action = chooseAction(region, resourceId, want, observed, status, uid);
  if (action === undefined) return { after: observed };
  return {
    action,
    after: applied(observed, action),
    ...withDrift(drift(action, observed, status)),
  };
}

function chooseAction(
  region: string,
  resourceId: string,
  want: Declared | undefined,
  observed: AutoscalingObserved,
  status: ScalePolicyState | undefined,
  uid: string,
): Action | undefined {
  const recorded = status?.autoscaling;
  const ours = (name: string, list: readonly string[] | undefined): boolean =>
    isOwnedBy(name, uid) || (list ?? []).includes(name);
  if (want !== undefined && !sameTarget(observed.target, want.target)) {
    return { type: 'registerTarget', region, target: want.target };
  }
  for (const policy of want?.policies ?? []) {
    const found = observed.policies.find((p) => p.name === policy.name);
    if (found === undefined || !samePolicy(found, policy)) {
      return { type: 'putPolicy', region, resourceId, policy };
    }
  }
  for (const found of observed.policies) {
    const declaredHere = want?.policies.some((p) => p.name === found.name) ?? false;
    if (!declaredHere && ours(found.name, recorded?.policies)) {
      return { type: 'deletePolicy', region, resourceId, name: found.name };
    }
  }
  for (const action of want?.scheduled ?? []) {
    const found = observed.scheduled.find((s) => s.name === action.name);
    if (found === undefined || !sameScheduled(found, action)) {
      return { type: 'putScheduledAction', region, resourceId, action };
    }
  }
  for (const found of observed.scheduled) {
    const declaredHere = want?.scheduled.some((s) => s.name === found.name) ?? false;
    if (!declaredHere && ours(found.name, recorded?.scheduledActions)) {
      return { type: 'deleteScheduledAction', region, resourceId, name: found.name };
    }
  }
  // Deregistering deletes every policy and scheduled action on the target (AWS does): only when
  // none of someone else's is left on it.
  if (
    want === undefined &&
    observed.target !== null &&
    recorded?.registered === true &&
    othersOn(observed, status, uid).length === 0
  ) {
    return { type: 'deregisterTarget', region, resourceId };
  }
  return undefined;
}

/** Policies and scheduled actions on the target that this object did not create. */
export function othersOn(
  observed: AutoscalingObserved,
  status: ScalePolicyState | undefined,
  uid: string,
): string[] {
  const recorded = status?.autoscaling;
  return [
    ...observed.policies
      .map((p) => p.name)
      .filter((n) => !isOwnedBy(n, uid) && !(recorded?.policies ?? []).includes(n)),
    ...observed.scheduled
      .map((s) => s.name)
      .filter((n) => !isOwnedBy(n, uid) && !(recorded?.scheduledActions ?? []).includes(n)),
  ];
}

/** What was found, when the write restores something this object had applied before. */
function drift(
  action: Action,
  observed: AutoscalingObserved,
  status: ScalePolicyState | undefined,
): string | undefined {
  const recorded = status?.autoscaling;
  if (recorded === undefined) return undefined;
  switch (action.type) {
    case 'registerTarget': {
      const t = observed.target;
      if (!recorded.registered) return undefined;
      if (t === null) return `scalable target ${action.target.resourceId} was deregistered`;
      // Only min/max are drift: the suspended state follows Releases and is ours to change.
      if (t.minCapacity === recorded.minCapacity && t.maxCapacity === recorded.maxCapacity) {
        return undefined;
      }
      if (
        recorded.minCapacity !== action.target.minCapacity ||
        recorded.maxCapacity !== action.target.maxCapacity
      ) {
        return undefined; // a spec change, not drift
      }
      return `scalable target had min ${t.minCapacity}, max ${t.maxCapacity} instead of ${action.target.minCapacity}..${action.target.maxCapacity}`;
    }
    case 'putPolicy': {
      if (!(recorded.policies ?? []).includes(action.policy.name)) return undefined;
      const found = observed.policies.find((p) => p.name === action.policy.name);
      return found === undefined
        ? `policy ${action.policy.name} was deleted`
        : `policy ${action.policy.name} was changed (target ${found.targetValue ?? '?'}, disableScaleIn ${String(found.disableScaleIn ?? false)})`;
    }
    case 'putScheduledAction': {
      if (!(recorded.scheduledActions ?? []).includes(action.action.name)) return undefined;
      const found = observed.scheduled.find((s) => s.name === action.action.name);
      return found === undefined
        ? `scheduled action ${action.action.name} was deleted`
        : `scheduled action ${action.action.name} was changed (${found.schedule}, min ${found.minCapacity ?? '-'}, max ${found.maxCapacity ?? '-'})`;
    }
    case 'setDesiredCount':
    case 'deletePolicy':
    case 'deleteScheduledAction':
    case 'deregisterTarget':
      return undefined;
  }
}

const withDrift = (found: string | undefined): { drift?: string } =>
  found === undefined ? {} : { drift: found };

/** The Application Auto Scaling state once `action` succeeded. */
export function applied(observed: AutoscalingObserved, action: Action): AutoscalingObserved {
  switch (action.type) {
    case 'registerTarget':
      return { ...observed, target: action.target };
    case 'deregisterTarget':
      // AWS deletes the target's policies and scheduled actions with it.
      return { target: null, policies: [], scheduled: [] };
    case 'putPolicy':
      return {
        ...observed,
        policies: [
          ...observed.policies.filter((p) => p.name !== action.policy.name),
          action.policy,
        ],
      };
    case 'deletePolicy':
      return { ...observed, policies: observed.policies.filter((p) => p.name !== action.name) };
    case 'putScheduledAction':
      return {
        ...observed,
        scheduled: [
          ...observed.scheduled.filter((s) => s.name !== action.action.name),
          action.action,
        ],
      };
    case 'deleteScheduledAction':
      return { ...observed, scheduled: observed.scheduled.filter((s) => s.name !== action.name) };
    case 'setDesiredCount':
      return observed;
  }
}

/** `status.autoscaling` for a world: the names of ours that exist, and the bounds applied. */
export function recordedAutoscaling(
  world: AutoscalingObserved,
  want: Declared | undefined,
  status: ScalePolicyState | undefined,
  uid: string,
  suspendedFor: string | undefined,
): ScalePolicyState['autoscaling'] {
  const recorded = status?.autoscaling;
  const ours = (name: string, list: readonly string[] | undefined): boolean =>
    isOwnedBy(name, uid) || (list ?? []).includes(name);
  const policies = world.policies.map((p) => p.name).filter((n) => ours(n, recorded?.policies));
  const scheduled = world.scheduled
    .map((s) => s.name)
    .filter((n) => ours(n, recorded?.scheduledActions));
  // Without a declaration, a target that must stay for others' policies is let go, not ours.
  const registered =
    world.target !== null &&
    (want !== undefined ||
      (recorded?.registered === true && othersOn(world, status, uid).length === 0));
  if (!registered && policies.length === 0 && scheduled.length === 0) return undefined;
  const t = world.target;
  return {
    registered,
    ...(t === null ? {} : { minCapacity: t.minCapacity, maxCapacity: t.maxCapacity }),
    ...(policies.length === 0 ? {} : { policies }),
    ...(scheduled.length === 0 ? {} : { scheduledActions: scheduled }),
    ...(suspendedFor === undefined || t?.suspended.dynamicScalingInSuspended !== true
      ? {}
      : { scaleInSuspendedFor: suspendedFor }),
  };
}

function sameTarget(found: ScalableTarget | null, want: ScalableTarget): boolean {
  return (
    found !== null &&
    found.minCapacity === want.minCapacity &&
    found.maxCapacity === want.maxCapacity &&
    found.suspended.dynamicScalingInSuspended === want.suspended.dynamicScalingInSuspended &&
    found.suspended.dynamicScalingOutSuspended === want.suspended.dynamicScalingOutSuspended &&
    found.suspended.scheduledScalingSuspended === want.suspended.scheduledScalingSuspended
  );
}

function samePolicy(found: TargetTrackingPolicyState, want: TargetTrackingPolicyState): boolean {
  return (
    found.policyType === want.policyType &&
    found.predefinedMetric === want.predefinedMetric &&
    found.resourceLabel === want.resourceLabel &&
    found.targetValue === want.targetValue &&
    found.scaleInCooldownSeconds === want.scaleInCooldownSeconds &&
    found.scaleOutCooldownSeconds === want.scaleOutCooldownSeconds &&
    (found.disableScaleIn ?? false) === (want.disableScaleIn ?? false)
  );
}

function sameScheduled(found: ScheduledActionState, want: ScheduledActionState): boolean {
  return (
    found.schedule === want.schedule &&
    (found.timezone ?? 'UTC') === (want.timezone ?? 'UTC') &&
    found.minCapacity === want.minCapacity &&
    found.maxCapacity === want.maxCapacity
  );
}
