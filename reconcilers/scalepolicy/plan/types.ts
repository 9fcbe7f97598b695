// The vocabulary of ScalePolicy's pure decision core: what `decide` reads (spec, status, observed
// world, now) and the one action it may return.
import type { ObjectIdentity } from '../../shared/kit/index.js';
import type { BaseStatus } from '../../../controller/index.js';
import type { MetricMeasurement } from '../../shared/api/metric-check.js';
import type {
  ScalableTarget,
  ScheduledActionState,
  TargetTrackingPolicyState,
} from '../../shared/ports/autoscaling.js';
import type { ServiceRef, ServiceState } from '../../shared/ports/ecs.js';
import type { Decision as KitDecision, Observation } from '../../shared/kit/index.js';
import type { ScalePolicySpec, ScalePolicyStatus } from '../api.js';

/** Status as the decision builds it: conditions without bookkeeping (the runtime adds it). */
export type ScalePolicyState = Omit<ScalePolicyStatus, 'conditions'> & BaseStatus;

/** What Application Auto Scaling holds for the service. */
export interface AutoscalingObserved {
  readonly target: ScalableTarget | null;
  readonly policies: readonly TargetTrackingPolicyState[];
  readonly scheduled: readonly ScheduledActionState[];
}

/** A Release of the same service, as its status tells (kstatus: Reconciling = in flight). */
export interface ReleaseView {
  readonly name: string;
  readonly inFlight: boolean;
}

/** A FailoverPlan holding the service (shared/interlock): its name and what it does. */
export interface FailoverHoldView {
  readonly plan: string;
  readonly message: string;
}

/** The world as observe.ts read it. `undefined` = not read this time; `null` = read and absent. */
export interface Observed {
  readonly service: ServiceState | null;
  /** Read when the spec declares autoscaling or status records something this object created. */
  readonly autoscaling?: Observation<AutoscalingObserved>;
  /** The scale-down health metrics, measured only when a step is due and the spec has some. */
  readonly measurements?: readonly MetricMeasurement[];
  /** Releases in the namespace that target the same service (read while scaling matters). */
  readonly releases?: readonly ReleaseView[];
  /** The FailoverPlan holding the service (read with the Releases); null: none. */
  readonly failover?: FailoverHoldView | null;
}

/** Delays that are policy, not logic; tests shorten them. */
export interface Tuning {
  /** After an action: come back soon to observe its effect. */
  readonly afterActionMs: number;
  /** While waiting for ECS to converge or a gate to open. */
  readonly pollMs: number;
  /** Steady state: the resync period. */
  readonly resyncMs: number;
}

export const DEFAULT_TUNING: Tuning = { afterActionMs: 1_000, pollMs: 10_000, resyncMs: 600_000 };

export interface DecideInput {
  readonly object: ObjectIdentity;
  readonly spec: ScalePolicySpec;
  readonly status: ScalePolicyState | undefined;
  readonly observed: Observed;
  readonly now: Date;
  readonly tuning: Tuning;
}

/** The one write of a reconcile. Each is a put (safe to repeat) or a delete that treats gone as done. */
export type Action =
  | {
      readonly type: 'setDesiredCount';
      readonly ref: ServiceRef;
      readonly count: number;
      readonly from: number;
      readonly why: 'scaleUp' | 'scaleDown' | 'restore';
    }
  | { readonly type: 'registerTarget'; readonly region: string; readonly target: ScalableTarget }
  | {
      readonly type: 'putPolicy';
      readonly region: string;
      readonly resourceId: string;
      readonly policy: TargetTrackingPolicyState;
    }
  | {
      readonly type: 'deletePolicy';
      readonly region: string;
      readonly resourceId: string;
      readonly name: string;
    }
  | {
      readonly type: 'putScheduledAction';
      readonly region: string;
      readonly resourceId: string;
      readonly action: ScheduledActionState;
    }
  | {
      readonly type: 'deleteScheduledAction';
      readonly region: string;
      readonly resourceId: string;
      readonly name: string;
    }
  | { readonly type: 'deregisterTarget'; readonly region: string; readonly resourceId: string };

export type Decision = KitDecision<ScalePolicyState, Action>;

export type { ObjectIdentity };
