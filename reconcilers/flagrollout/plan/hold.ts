// Hold accounting. A hold counts time only while the flag serves its step:
// - disabled, killed, suspended or externally disabled: the hold is frozen (its remaining time is
//   kept in `holdRemainingSeconds`, `nextStepAt` is unset) and resumes with that remaining time;
// - the controller had to rewrite the step's split (Redis flushed, a CLI change, a write lost to a
//   crash): the hold restarts in full, since nobody can tell how long the step was really served.
// Either way a hold is never skipped, and a step is never repeated.
import { holdMs, epochMs, isoDeadline } from './timing.js';
import { recordFor, restartRound } from './gate.js';
import { isoFloor } from './timing.js';
import type { Draft } from './draft.js';

export function isComplete(draft: Draft): boolean {
  return draft.status.completedAt !== undefined && draft.status.currentStep === draft.ctx.lastStep;
}

/**
 * Stops the hold clock (no-op when no hold is running) as of `atMs` — now, or earlier when the
 * flag is known to have stopped being served before this reconcile (a kill switch seen active):
 * the remaining time never shrinks by time in which the step was not served, and never exceeds
 * the step's full hold.
 */
export function freezeHold(draft: Draft, atMs: number = draft.ctx.nowMs): void {
  const s = draft.status;
  const next = epochMs(s.nextStepAt);
  if (next === undefined || isComplete(draft)) return;
  const step = s.currentStep;
  const full = step === undefined ? undefined : holdMs(draft.ctx.spec.steps[step]);
  const remainingMs = Math.min(next - Math.min(atMs, draft.ctx.nowMs), full ?? Infinity);
  s.holdRemainingSeconds = Math.max(0, Math.ceil(remainingMs / 1000));
  delete s.nextStepAt;
}

/**
 * Restarts a frozen hold with its remaining time. The analysis round in progress starts over:
 * measurements resume one interval later, over the resumed exposure only.
 */
export function resumeHold(draft: Draft): void {
  const s = draft.status;
  const remaining = s.holdRemainingSeconds;
  if (remaining === undefined) return;
  delete s.holdRemainingSeconds;
  draft.resumed = true;
  if (s.currentStep === undefined || isComplete(draft)) return;
  s.nextStepAt = isoDeadline(draft.ctx.nowMs + remaining * 1000);
  restartAnalysisRound(draft, s.currentStep);
}

/** (Re)starts the current step's hold in full from now. */
export function restartHold(draft: Draft, step: number): void {
  const hold = holdMs(draft.ctx.spec.steps[step]);
  if (hold === undefined) return;
  draft.status.nextStepAt = isoDeadline(draft.ctx.nowMs + hold);
  delete draft.status.holdRemainingSeconds;
  restartAnalysisRound(draft, step);
}

function restartAnalysisRound(draft: Draft, step: number): void {
  const { gate, nowMs } = draft.ctx;
  if (gate === undefined) return;
  const record = recordFor(draft.status.analysis, step, isoFloor(nowMs));
  draft.status.analysis = restartRound(gate, record, nowMs);
}
