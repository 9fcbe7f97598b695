// Status when the flag store cannot be used: the rest of the status is kept as it was (nothing
// was observed, so nothing else can be decided), FlagSynced says why.
import {
  ConditionStatus,
  upsertConditions,
  withKStatus,
  type KStatusState,
} from '../../controller/index.js';
import { FlagRolloutConditionType, FlagRolloutPhase, type RolloutStatus } from './api.js';

/**
 * `Stalled` for problems a human must fix (no Redis configured, Secret missing); `Reconciling`
 * for outages the controller retries (Redis unreachable).
 */
export function withStoreProblem(
  status: RolloutStatus | undefined,
  state: Extract<KStatusState, 'Stalled' | 'Reconciling'>,
  reason: string,
  message: string,
): RolloutStatus {
  const synced = {
    type: FlagRolloutConditionType.FlagSynced,
    status: ConditionStatus.Unknown,
    reason,
    message,
  };
  const conditions = withKStatus(
    upsertConditions(status?.conditions, synced),
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
