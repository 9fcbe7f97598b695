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

export function isComplete(d: Draft): boolean {
  return d.status.completedAt !== undefined && d.status.currentStep === d.ctx.lastStep;
}

/**
 * Stops the hold clock (no-op when no hold is running) as of `atMs` — now, or earlier when the
 * flag is known to have stopped being served before this reconcile (a kill switch seen active):
 * the remaining time never shrinks by time in which the step was not served, and never exceeds
 * the step's full hold.
 */
export function freezeHold(d: Draft, atMs: number = d.ctx.nowMs): void {
  const s = d.status;
  const next = epochMs(s.nextStepAt);
  if (next === undefined || isComplete(d)) return;
  const step = s.currentStep;
  const full = step === undefined ? undefined : holdMs(d.ctx.spec.steps[step]);
  const remainingMs = Math.min(next - Math.min(atMs, d.ctx.nowMs), full ?? Infinity);
  s.holdRemainingSeconds = Math.max(0, Math.ceil(remainingMs / 1000));
  delete s.nextStepAt;
}

/**
 * Restarts a frozen hold with its remaining time. The analysis round in progress starts over:
 * measurements resume one interval later, over the resumed exposure only.
 */
export function resumeHold(d: Draft): void {
  const s = d.status;
  const remaining = s.holdRemainingSeconds;
  if (remaining === undefined) return;
  delete s.holdRemainingSeconds;
  d.resumed = true;
  if (s.currentStep === undefined || isComplete(d)) return;
  s.nextStepAt = isoDeadline(d.ctx.nowMs + remaining * 1000);
  restartAnalysisRound(d, s.currentStep);
}

/** (Re)starts the current step's hold in full from now. */
export function restartHold(d: Draft, step: number): void {
  const hold = holdMs(d.ctx.spec.steps[step]);
  if (hold === undefined) return;
  d.status.nextStepAt = isoDeadline(d.ctx.nowMs + hold);
  delete d.status.holdRemainingSeconds;
  restartAnalysisRound(d, step);
}

function restartAnalysisRound(d: Draft, step: number): void {
  const { gate, nowMs } = d.ctx;
  if (gate === undefined) return;
  const record = recordFor(d.status.analysis, step, isoFloor(nowMs));
  d.status.analysis = restartRound(gate, record, nowMs);
}
