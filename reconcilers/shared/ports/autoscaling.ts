/**
 * Application Auto Scaling for ECS services, as the reconcilers see it: the scalable target of a
 * service's DesiredCount, its target-tracking policies and its scheduled actions. The AWS adapter
 * (`adapters/aws/application-autoscaling.ts`) implements it with the SDK. Every write is a put
 * (create or replace) or a delete that treats "already gone" as done, so repeating one is safe.
 */

/** `service/<cluster>/<service>`, Application Auto Scaling's resource id of an ECS service. */
export function ecsServiceResourceId(cluster: string, service: string): string {
  return `service/${cluster}/${service}`;
}

export interface SuspendedState {
  readonly dynamicScalingInSuspended: boolean;
  readonly dynamicScalingOutSuspended: boolean;
  readonly scheduledScalingSuspended: boolean;
}

export interface ScalableTarget {
  readonly resourceId: string;
  readonly minCapacity: number;
  readonly maxCapacity: number;
  readonly suspended: SuspendedState;
}

export interface TargetTrackingPolicyState {
  readonly name: string;
  /** `TargetTrackingScaling`; other types are reported so that they are recognised and left alone. */
  readonly policyType: string;
  readonly predefinedMetric?: string;
  readonly resourceLabel?: string;
  readonly targetValue?: number;
  readonly scaleInCooldownSeconds?: number;
  readonly scaleOutCooldownSeconds?: number;
  readonly disableScaleIn?: boolean;
}

export interface ScheduledActionState {
  readonly name: string;
  readonly schedule: string;
  readonly timezone?: string;
  readonly minCapacity?: number;
  readonly maxCapacity?: number;
}

/** How old a read may be: 0 (the default) = sent after the call; a write always forces a fresh one. */
export interface AutoscalingReadOptions {
  readonly maxAgeMs?: number;
}

export interface AutoscalingPort {
  /** Undefined when the service has no scalable target. */
  describeTarget(
    region: string,
    resourceId: string,
    opts?: AutoscalingReadOptions,
  ): Promise<ScalableTarget | undefined>;
  /** Registers or updates (min, max, suspended state). */
  registerTarget(region: string, target: ScalableTarget): Promise<void>;
  /** Removes the target; AWS removes its policies and scheduled actions with it. Gone = done. */
  deregisterTarget(region: string, resourceId: string): Promise<void>;
  describePolicies(
    region: string,
    resourceId: string,
    opts?: AutoscalingReadOptions,
  ): Promise<TargetTrackingPolicyState[]>;
  putTargetTrackingPolicy(
    region: string,
    resourceId: string,
    policy: TargetTrackingPolicyState,
  ): Promise<void>;
  deletePolicy(region: string, resourceId: string, name: string): Promise<void>;
  describeScheduledActions(
    region: string,
    resourceId: string,
    opts?: AutoscalingReadOptions,
  ): Promise<ScheduledActionState[]>;
  putScheduledAction(
    region: string,
    resourceId: string,
    action: ScheduledActionState,
  ): Promise<void>;
  deleteScheduledAction(region: string, resourceId: string, name: string): Promise<void>;
}
