// Events and history entries for phase changes. Action events (a step started, a rollback, a
// rewrite) come from the code that plans the action; these cover what only a transition shows, so
// that a resync never repeats an event.
import type { EventSpec } from '../../../controller/index.js';
import { findCondition } from '../../../controller/index.js';
import { MAX_HISTORY, appendBounded } from '../../shared/api/history.js';
import {
  FlagRolloutConditionType as T,
  FlagRolloutPhase as P,
  FlagRolloutReason as R,
  type FlagRolloutPhase,
  type FlagRolloutState,
} from '../api.js';
import type { Draft } from './draft.js';
import { isoFloor } from './timing.js';

const RUNNING: readonly FlagRolloutPhase[] = [P.Pending, P.Ramping, P.Holding, P.Complete];

export function transitionEvents(
  draft: Draft,
  from: FlagRolloutPhase | undefined,
  to: FlagRolloutPhase,
  message: string,
): EventSpec[] {
  const events: EventSpec[] = [];
  const prevSync = findCondition(draft.ctx.prev.conditions, T.FlagSynced)?.reason;
  const disabledBy = (reason: string | undefined): string =>
    reason === R.ExternalDisable ? 'external' : 'spec';
  const newlyDisabled =
    to === P.Disabled &&
    (from !== P.Disabled || disabledBy(prevSync) !== disabledBy(draft.sync.reason));
  if (newlyDisabled) {
    events.push(
      draft.sync.reason === R.ExternalDisable
        ? { type: 'Warning', reason: R.ExternalDisable, message }
        : { type: 'Warning', reason: R.EmergencyDisabled, message },
    );
  }
  if (to === P.KilledBySwitch && from !== P.KilledBySwitch) {
    events.push({ type: 'Warning', reason: R.KillSwitchActive, message });
  }
  if (from === P.KilledBySwitch && to !== P.KilledBySwitch) {
    events.push({
      type: 'Normal',
      reason: R.KillSwitchCleared,
      message: `kill switch cleared; ${message}`,
    });
  }
  if (to === P.Paused && from !== P.Paused) {
    events.push({ type: 'Normal', reason: R.Suspended, message });
  }
  if ((from === P.Paused || from === P.Disabled) && RUNNING.includes(to)) {
    events.push({ type: 'Normal', reason: R.Resumed, message });
  }
  if (draft.stalled?.reason === R.FlagOwnedElsewhere && prevSync !== R.FlagOwnedElsewhere) {
    events.push({ type: 'Warning', reason: R.FlagOwnedElsewhere, message: draft.stalled.message });
  }
  return events;
}

export interface HistoryEntryInput {
  readonly from: FlagRolloutPhase | undefined;
  readonly to: FlagRolloutPhase;
  readonly reason: string;
  readonly message: string;
  readonly nowMs: number;
  /** Record the entry even when the phase stays (an event worth a line, e.g. an adoption). */
  readonly force?: boolean;
}

/** `status.history` with the transition appended (bounded), or unchanged when the phase stays. */
export function withHistory(
  history: FlagRolloutState['history'],
  { from, to, reason, message, nowMs, force = false }: HistoryEntryInput,
): FlagRolloutState['history'] {
  if (from === to && !force) return history;
  const entry = {
    time: isoFloor(nowMs),
    ...(from === undefined ? {} : { from }),
    to,
    reason,
    message: message.slice(0, 1024),
  };
  return appendBounded(history, entry, MAX_HISTORY);
}
