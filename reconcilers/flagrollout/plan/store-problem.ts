// Status when the flag store cannot be used: the rest of the status is kept as it was (nothing
// was observed, so nothing else can be decided), FlagSynced says why.
import {
  ConditionStatus,
  findCondition,
  upsertConditions,
  withKStatus,
  type KStatusState,
} from '../../../controller/index.js';
import {
  FlagRolloutConditionType,
  FlagRolloutPhase,
  FlagRolloutReason,
  type FlagRolloutState,
} from '../api.js';

/**
 * `Stalled` for problems a human must fix (no Redis configured, Secret missing); `Reconciling`
 * for outages the controller retries (Redis unreachable).
 */
export function withStoreProblem(
  status: FlagRolloutState | undefined,
  state: Extract<KStatusState, 'Stalled' | 'Reconciling'>,
  reason: string,
  message: string,
  /** False when the flag is known not to hold the spec (a refused write); Unknown when unread. */
  synced: ConditionStatus = ConditionStatus.Unknown,
): FlagRolloutState {
  const condition = {
    type: FlagRolloutConditionType.FlagSynced,
    status: synced,
    reason,
    message,
  };
  const conditions = withKStatus(
    upsertConditions(status?.conditions, condition),
    state,
    reason,
    message,
  );
  // Stalled: the phase says so too (never a waiting word beside Stalled=True); an outage the
  // controller retries keeps the phase it interrupted.
  return {
    ...status,
    ...(state === 'Stalled' ? { phase: FlagRolloutPhase.Degraded } : {}),
    conditions,
    message,
  };
}

/**
 * The status written ahead of a flag write (a promotion or rollback checkpoint): everything the
 * decision says, except the write itself: `flagVersion` stays the last confirmed one (`before`)
 * and FlagSynced says the write is pending.
 */
export function withWritePending(
  status: FlagRolloutState,
  version: number,
  before: FlagRolloutState | undefined,
): FlagRolloutState {
  const synced = findCondition(status.conditions, FlagRolloutConditionType.FlagSynced);
  const pending = {
    type: FlagRolloutConditionType.FlagSynced,
    status: ConditionStatus.Unknown,
    reason: FlagRolloutReason.FlagWritePending,
    message: `not confirmed yet, writing ${synced?.message ?? `version ${version}`}`,
  };
  const { flagVersion: _claimed, ...rest } = status;
  return {
    ...rest,
    ...(before?.flagVersion === undefined ? {} : { flagVersion: before.flagVersion }),
    conditions: upsertConditions(status.conditions, pending),
  };
}
