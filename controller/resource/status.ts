/** Status builders the resource controller applies around the handler. Pure functions. */
import {
  ConditionStatus,
  ConditionType,
  normalizeConditions,
  removeConditions,
  upsertConditions,
  withKStatus,
} from '../k8s/conditions.js';
import { sanitizeMessage } from '../observability/redact.js';
import type { BaseStatus, FieldError } from './types.js';

export const Reason = {
  InvalidSpec: 'InvalidSpec',
  ReconcileError: 'ReconcileError',
} as const;

interface Stamp {
  readonly generation: number;
  readonly now: Date;
  /** KindHandler.stalledPhase: written with the message when the runtime marks the object Stalled. */
  readonly stalledPhase?: string;
}

/** `phase` and `message` of a status the runtime marks Stalled, when the kind names such a phase. */
function stalledView(stamp: Stamp, message: string): { phase?: string; message?: string } {
  return stamp.stalledPhase === undefined ? {} : { phase: stamp.stalledPhase, message };
}

/**
 * Sets `observedGeneration` and normalises conditions against `previous` (keeps
 * `lastTransitionTime` unless the status flipped; `observedGeneration` on each). `InvalidSpec` is
 * owned by the runtime and dropped here, since the spec validated.
 */
export function finishStatus<S extends BaseStatus>(
  previous: S | undefined,
  next: S,
  stamp: Stamp,
): S {
  return {
    ...next,
    observedGeneration: stamp.generation,
    conditions: normalizeConditions(
      previous?.conditions,
      removeConditions(next.conditions, ConditionType.InvalidSpec),
      { now: stamp.now, observedGeneration: stamp.generation },
    ),
  };
}

/** One line naming every field: `spec.a: must be > 0; spec.b[1]: unknown region`. */
export function describeFieldErrors(errors: readonly FieldError[]): string {
  return sanitizeMessage(errors.map((e) => `${e.field}: ${e.message}`).join('; '));
}

/**
 * The previous status (history and all domain fields kept) with `InvalidSpec`=True,
 * `Stalled`=True, `Ready`=False, `Reconciling`=False, and the kind's stalled phase.
 */
export function invalidSpecStatus<S extends BaseStatus>(
  previous: S | undefined,
  errors: readonly FieldError[],
  stamp: Stamp,
): S {
  const message = describeFieldErrors(errors);
  const invalid = {
    type: ConditionType.InvalidSpec,
    status: ConditionStatus.True,
    reason: Reason.InvalidSpec,
    message,
  };
  const desired = withKStatus(
    upsertConditions(previous?.conditions, invalid),
    'Stalled',
    Reason.InvalidSpec,
    message,
  );
  return {
    ...(previous ?? ({} as S)),
    ...stalledView(stamp, message),
    observedGeneration: stamp.generation,
    conditions: normalizeConditions(previous?.conditions, desired, {
      now: stamp.now,
      observedGeneration: stamp.generation,
    }),
  };
}

/** The previous status marked `Stalled` with the terminal error's reason and (sanitised) message. */
export function stalledStatus<S extends BaseStatus>(
  previous: S | undefined,
  reason: string,
  message: string,
  stamp: Stamp,
): S {
  const sanitized = sanitizeMessage(message);
  const desired = withKStatus(previous?.conditions, 'Stalled', reason, sanitized);
  return {
    ...(previous ?? ({} as S)),
    ...stalledView(stamp, sanitized),
    observedGeneration: stamp.generation,
    conditions: normalizeConditions(previous?.conditions, desired, {
      now: stamp.now,
      observedGeneration: stamp.generation,
    }),
  };
}
