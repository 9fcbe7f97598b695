// Conditions, computed from scratch each reconcile: the kstatus trio from the situation, and one
// function per domain condition.
import type { ConditionInput, KStatusState } from '../../../controller/index.js';
import { condition, conditionsOf } from '../../shared/kit/index.js';
import {
  ScalePolicyConditionType as Type,
  ScalePolicyReason as Reason,
  type ScalePolicyPhase,
} from '../api.js';
import type { DecideInput, ReleaseView, ScalePolicyState } from './types.js';

/** Where the object stands: its phase and the kstatus verdict with reason and message. */
export interface Situation {
  readonly phase: ScalePolicyPhase;
  readonly state: KStatusState;
  readonly reason: string;
  readonly message: string;
}

export function conditionsFor(
  input: DecideInput,
  status: ScalePolicyState,
  situation: Situation,
  release: ReleaseView | undefined,
): ConditionInput[] {
  return conditionsOf(situation, [
    ...autoscalingRegistered(input, status),
    ...healthChecksPassed(status),
    ...releaseInFlight(input, release),
    ...failoverPlanHold(input),
  ]);
}

function failoverPlanHold(input: DecideInput): ConditionInput[] {
  const hold = input.observed.failover;
  if (hold === undefined) return [];
  return [
    hold === null
      ? condition(
          Type.FailoverPlanHold,
          'False',
          Reason.NotHeld,
          'no FailoverPlan holds this service',
        )
      : condition(
          Type.FailoverPlanHold,
          'True',
          Reason.HeldByFailoverPlan,
          `${hold.message}; scale-down steps wait${input.spec.autoscaling === undefined ? '' : ', dynamic scale-in and scheduled scaling are suspended'}`,
        ),
  ];
}

function autoscalingRegistered(input: DecideInput, status: ScalePolicyState): ConditionInput[] {
  const a = status.autoscaling;
  if (input.spec.autoscaling === undefined && a === undefined) return [];
  if (a?.registered !== true) {
    return [
      condition(
        Type.AutoscalingRegistered,
        'False',
        Reason.NotRegistered,
        'no scalable target registered by this policy',
      ),
    ];
  }
  const parts = [
    `min ${a.minCapacity ?? '?'}, max ${a.maxCapacity ?? '?'}`,
    `${a.policies?.length ?? 0} policy(ies)`,
    `${a.scheduledActions?.length ?? 0} scheduled action(s)`,
    ...(a.scaleInSuspendedFor === undefined
      ? []
      : [`dynamic scale-in suspended for Release ${a.scaleInSuspendedFor}`]),
  ];
  return [condition(Type.AutoscalingRegistered, 'True', Reason.Registered, parts.join(', '))];
}

function healthChecksPassed(status: ScalePolicyState): ConditionInput[] {
  const h = status.health;
  if (h === undefined) return [];
  return [
    h.healthy
      ? condition(
          Type.HealthChecksPassed,
          'True',
          Reason.HealthChecksPassed,
          `${h.checkedAt}: ${h.message}`,
        )
      : condition(
          Type.HealthChecksPassed,
          'False',
          Reason.HealthCheckFailed,
          `${h.checkedAt}: ${h.message}`,
        ),
  ];
}

function releaseInFlight(input: DecideInput, release: ReleaseView | undefined): ConditionInput[] {
  if (input.observed.releases === undefined) return [];
  return [
    release === undefined
      ? condition(
          Type.ReleaseInFlight,
          'False',
          Reason.NoRelease,
          'no Release of this service in flight',
        )
      : condition(
          Type.ReleaseInFlight,
          'True',
          Reason.WaitingForRelease,
          `Release ${release.name} is in flight: scale-down steps wait${input.spec.autoscaling === undefined ? '' : ' and dynamic scale-in is suspended'}`,
        ),
  ];
}
