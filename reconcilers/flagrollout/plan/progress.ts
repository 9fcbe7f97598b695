// The active rollout: start, hold (time and analysis), promote, complete, roll back. Each call
// plans at most one flag write.
import { FlagRolloutReason, OnFailure, type FlagRolloutState } from '../api.js';
import {
  describeStep,
  stepPercentage,
  stepTarget,
  wake,
  WriteReason,
  type Draft,
} from './draft.js';
import { adoptedFrom, adoptionNote, adoptionOf } from './adoption.js';
import { endRound, nextRunAt, recordFor, withMeasurements } from './gate.js';
import { isComplete, restartHold, resumeHold } from './hold.js';
import { ensureFlag, servedBefore } from './sync.js';
import { epochMs, holdMs, isoDeadline, isoFloor, nextDeadline } from './timing.js';
import type { FlagTarget } from './flag-content.js';

const MAX_SUMMARY = 1024;

export function active(draft: Draft): void {
  resumeHold(draft);
  const step = draft.status.currentStep;
  if (step === undefined) {
    start(draft);
    return;
  }
  const target = stepTarget(draft.ctx, draft.status, step);
  const wasServed = servedBefore(draft.ctx, target);
  if (ensureFlag(draft, target, WriteReason.Repair)) {
    // The split was not served (flush, CLI, lost write, retry): the hold starts again. Targets
    // or other details only: the hold goes on. A just-resumed hold keeps its remaining time.
    // The restart is written ahead: were only the flag write stored (crash before the status
    // patch), the next reconcile would find the split in place and keep the old deadline.
    if (!wasServed && !draft.resumed && !isComplete(draft)) {
      restartHold(draft, step);
      draft.checkpoint = true;
    }
    wake(draft, draft.ctx.nowMs);
    return;
  }
  progress(draft, step);
}

function progress(draft: Draft, step: number): void {
  const s = draft.status;
  if (s.completedAt !== undefined) {
    if (step === draft.ctx.lastStep) return;
    // Steps were appended after completion: the old last step's hold had passed.
    delete s.completedAt;
    promote(draft, step);
    return;
  }
  if (holdMs(draft.ctx.spec.steps[step]) === undefined) {
    promote(draft, step);
    return;
  }
  const next = epochMs(s.nextStepAt);
  if (next === undefined) {
    restartHold(draft, step); // e.g. a retried step whose flag was already in place
    wake(draft, draft.ctx.nowMs);
    return;
  }
  const gate = draft.ctx.gate === undefined ? 'passed' : foldGate(draft, step);
  if (gate === 'failed') {
    rollBack(draft, step);
    return;
  }
  const timeUp = draft.ctx.nowMs >= next;
  if (timeUp && gate === 'passed') {
    promote(draft, step);
    return;
  }
  if (!timeUp) wake(draft, next);
  if (draft.ctx.gate !== undefined && s.analysis !== undefined) {
    wake(draft, nextRunAt(draft.ctx.gate, s.analysis, draft.ctx.nowMs));
  }
}

/** Folds this reconcile's measurements into the step's record (see gate.ts for the rounds). */
function foldGate(draft: Draft, step: number): 'passed' | 'failed' | 'waiting' {
  const { ctx, status: s } = draft;
  const gate = ctx.gate;
  if (gate === undefined) return 'passed';
  let record = recordFor(s.analysis, step, s.stepStartedAt ?? isoFloor(ctx.nowMs));
  const result = ctx.analysis;
  // A round can also be decided with nothing measured: a spec edit of count or a limit may make
  // the stored tallies final. Folding it anyway ends the round (else nothing is ever due again,
  // the gate never concludes and the reconcile requeues at once, over and over).
  if (result !== undefined && (result.taken.length > 0 || result.assessment.phase !== 'Running')) {
    record = withMeasurements(record, result, ctx.nowMs);
    const { phase, message } = result.assessment;
    s.lastAnalysis = {
      step,
      verdict: phase,
      at: isoFloor(ctx.nowMs),
      summary: message.slice(0, MAX_SUMMARY),
    };
    if (phase === 'Failed') {
      s.analysis = { ...record, verdict: phase };
      return 'failed';
    }
    if (phase !== 'Running') {
      if (record.verdict !== phase) draft.events.push(verdictEvent(draft, step, phase, message));
      record = endRound(record, phase, ctx.nowMs);
    }
  }
  s.analysis = record;
  return record.verdict === 'Successful' ? 'passed' : 'waiting';
}

function verdictEvent(
  draft: Draft,
  step: number,
  phase: 'Successful' | 'Inconclusive',
  message: string,
): { type: 'Normal' | 'Warning'; reason: string; message: string } {
  const where = describeStep(draft.ctx, draft.status, step);
  return phase === 'Successful'
    ? {
        type: 'Normal',
        reason: FlagRolloutReason.AnalysisSucceeded,
        message: `${where}: ${message}`,
      }
    : {
        type: 'Warning',
        reason: FlagRolloutReason.AnalysisInconclusive,
        message: `${where}: ${message}; holding (an inconclusive analysis never promotes)`,
      };
}

function promote(draft: Draft, step: number): void {
  const s = draft.status;
  s.lastGoodPercentage = stepPercentage(draft.ctx, s, step);
  if (step < draft.ctx.lastStep) {
    startStep(draft, step + 1, WriteReason.Promote);
    return;
  }
  s.completedAt = isoFloor(draft.ctx.nowMs);
  delete s.nextStepAt;
  draft.events.push({
    type: 'Normal',
    reason: FlagRolloutReason.Complete,
    message: `rollout of ${draft.ctx.spec.flag} complete at ${describeStep(draft.ctx, s, step)}`,
  });
}

/** The first start: at step 0, or at the step of a flag that already serves users (adoption.ts). */
function start(draft: Draft): void {
  const plan = adoptionOf(draft.ctx);
  if (plan?.adopt === true) {
    const { ctx, status: s } = draft;
    s.adopted = { step: plan.step, percentage: plan.percentage, at: isoFloor(ctx.nowMs) };
    beginStep(draft, plan.step, WriteReason.Adopt);
    const note = adoptionNote(ctx, plan);
    draft.note = { reason: FlagRolloutReason.Adopted, message: note + holdingUntil(draft) };
    draft.events.push({
      type: 'Normal',
      reason: FlagRolloutReason.Adopted,
      message: `${adoptedFrom(ctx)}: ${note}${holdingUntil(draft)}`,
    });
    return;
  }
  if (plan !== undefined) draft.events.push(plan.refused);
  startStep(draft, 0, WriteReason.Start);
}

function startStep(draft: Draft, step: number, reason: WriteReason): void {
  beginStep(draft, step, reason);
  draft.events.push({
    type: 'Normal',
    reason: FlagRolloutReason.StepStarted,
    message: `${describeStep(draft.ctx, draft.status, step)}${holdingUntil(draft)}`,
  });
}

/**
 * Makes `step` current with its hold starting now — or, for a punctual promotion, when the ended
 * hold was due (timing.ts `nextDeadline`); the write is checkpointed ahead.
 */
function beginStep(draft: Draft, step: number, reason: WriteReason): void {
  const { ctx, status: s } = draft;
  const hold = holdMs(ctx.spec.steps[step]);
  const due = reason === WriteReason.Promote ? epochMs(s.nextStepAt) : undefined;
  s.currentStep = step;
  s.stepStartedAt = isoFloor(ctx.nowMs);
  delete s.holdRemainingSeconds;
  if (hold === undefined) delete s.nextStepAt;
  else s.nextStepAt = isoDeadline(nextDeadline(ctx.nowMs, hold, due));
  draft.checkpoint = true;
  ensureFlag(draft, stepTarget(ctx, s, step), reason);
  wake(draft, epochMs(s.nextStepAt) ?? ctx.nowMs);
}

function holdingUntil(draft: Draft): string {
  const next = draft.status.nextStepAt;
  return next === undefined ? '' : `; holding until ${next}`;
}

/** What a rollback leaves the flag at: the last good split, or off. */
export function rollbackTarget(rollback: NonNullable<FlagRolloutState['rollback']>): FlagTarget {
  return rollback.percentage === undefined
    ? { enabled: false, percentage: 0 }
    : { enabled: true, percentage: rollback.percentage };
}

function rollBack(draft: Draft, step: number): void {
  const { ctx, status: s } = draft;
  const lastGood = s.lastGoodPercentage;
  const toLastGood = ctx.spec.onFailure !== OnFailure.Disable && lastGood !== undefined;
  const outcome = toLastGood ? `flag back to ${lastGood} %` : 'flag disabled';
  const summary = s.lastAnalysis?.summary ?? 'analysis failed';
  s.rollback = {
    at: isoFloor(ctx.nowMs),
    step,
    generation: ctx.generation,
    ...(toLastGood ? { percentage: lastGood } : {}),
    message: `analysis failed at ${describeStep(ctx, s, step)}: ${summary}; ${outcome}`.slice(
      0,
      1024,
    ),
  };
  delete s.nextStepAt;
  delete s.holdRemainingSeconds;
  draft.checkpoint = true;
  ensureFlag(draft, rollbackTarget(s.rollback), WriteReason.Rollback);
  draft.events.push({
    type: 'Warning',
    reason: FlagRolloutReason.RolledBack,
    message: s.rollback.message,
  });
}
