// The FlagRollout side of the FailoverPlan interlock (reconcilers/shared/interlock), pure. A
// rollout whose flag a FailoverPlan involves holds at its current step: no flag write of any
// kind, the step's hold clock frozen (its remaining time kept, as for a suspended rollout), with
// Reconciling naming the plan, and resumes when the plan is done. "Involved" means the read-only
// flag (default read_only_mode) of a plan in safe mode: the plan owns that flag then, and a
// rollout re-writing its step's split would undo the safe mode. A failover involves services,
// not flags. observe.ts asks first (RolloutDeps.failoverHold) and reads nothing more when held.
import { findCondition, withKStatus } from '../../../controller/index.js';
import { HELD_BY_FAILOVER_PLAN, type Hold } from '../../shared/interlock/index.js';
import type { FlagRolloutState } from '../api.js';
import type { Decision } from './types.js';

/**
 * The decision for a rollout held by `hold` at `nowMs`: the previous status with the running
 * hold frozen and Reconciling=True (HeldByFailoverPlan) naming the plan, no action, an Event when
 * the hold starts, and a look again after `pollMs`.
 */
export function heldByFailoverPlan(
  status: FlagRolloutState | undefined,
  hold: Hold,
  nowMs: number,
  pollMs: number,
): Decision {
  const step = status?.currentStep;
  const message = `${hold.message}: holding${step === undefined ? '' : ` at step ${step}`}, no flag write until it is done`;
  const next = Date.parse(status?.nextStepAt ?? '');
  const frozen = Number.isNaN(next)
    ? {}
    : { holdRemainingSeconds: Math.max(0, Math.ceil((next - nowMs) / 1000)) };
  const { nextStepAt: _running, ...rest } = status ?? {};
  const was = findCondition(status?.conditions, 'Reconciling');
  const newly = was?.status !== 'True' || was.reason !== HELD_BY_FAILOVER_PLAN;
  return {
    status: {
      ...rest,
      ...frozen,
      conditions: withKStatus(status?.conditions, 'Reconciling', HELD_BY_FAILOVER_PLAN, message),
      message,
    },
    events: newly ? [{ type: 'Normal', reason: HELD_BY_FAILOVER_PLAN, message }] : [],
    requeueAfterMs: pollMs,
  };
}
