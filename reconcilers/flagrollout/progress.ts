// The active rollout: start, hold (time and analysis), promote, complete, roll back. Each call
// plans at most one flag write.
import { FlagRolloutReason, OnFailure, type RolloutStatus } from './api.js';
import {
  describeStep,
  stepPercentage,
  stepTarget,
  wake,
  WriteReason,
  type Draft,
} from './draft.js';
import { adoptedFrom, adoptionNote, adoptionOf } from './adoption.js';
import { nextRunAt, recordFor, restartRound, withMeasurements } from './gate.js';
import { isComplete, restartHold, resumeHold } from './hold.js';
import { ensureFlag, servedBefore } from './sync.js';
import { epochMs, holdMs, isoDeadline, isoFloor, nextDeadline } from './timing.js';
import type { FlagTarget } from './flag-content.js';

const MAX_SUMMARY = 1024;

export function active(d: Draft): void {
  resumeHold(d);
  const step = d.status.currentStep;
  if (step === undefined) {
    start(d);
    return;
  }
  const target = stepTarget(d.ctx, d.status, step);
  const wasServed = servedBefore(d.ctx, target);
  if (ensureFlag(d, target, WriteReason.Repair)) {
    // The split was not served (flush, CLI, lost write, retry): the hold starts again. Targets
    // or other details only: the hold goes on. A just-resumed hold keeps its remaining time.
    // The restart is written ahead: were only the flag write stored (crash before the status
    // patch), the next reconcile would find the split in place and keep the old deadline.
    if (!wasServed && !d.resumed && !isComplete(d)) {
      restartHold(d, step);
      d.checkpoint = true;
    }
    wake(d, d.ctx.nowMs);
    return;
  }
  progress(d, step);
}

function progress(d: Draft, step: number): void {
  const s = d.status;
  if (s.completedAt !== undefined) {
    if (step === d.ctx.lastStep) return;
    // Steps were appended after completion: the old last step's hold had passed.
    delete s.completedAt;
    promote(d, step);
    return;
  }
  if (holdMs(d.ctx.spec.steps[step]) === undefined) {
    promote(d, step);
    return;
  }
  const next = epochMs(s.nextStepAt);
  if (next === undefined) {
    restartHold(d, step); // e.g. a retried step whose flag was already in place
    wake(d, d.ctx.nowMs);
    return;
  }
  const gate = d.ctx.gate === undefined ? 'passed' : foldGate(d, step);
  if (gate === 'failed') {
    rollBack(d, step);
    return;
  }
  const timeUp = d.ctx.nowMs >= next;
  if (timeUp && gate === 'passed') {
    promote(d, step);
    return;
  }
  if (!timeUp) wake(d, next);
  if (d.ctx.gate !== undefined && s.analysis !== undefined) {
    wake(d, nextRunAt(d.ctx.gate, s.analysis, d.ctx.nowMs));
  }
}

/** Folds this reconcile's measurements into the step's record (see gate.ts for the rounds). */
function foldGate(d: Draft, step: number): 'passed' | 'failed' | 'waiting' {
  const { ctx, status: s } = d;
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
      if (record.verdict !== phase) d.events.push(verdictEvent(d, step, phase, message));
      record = restartRound(gate, { ...record, verdict: phase }, ctx.nowMs);
    }
  }
  s.analysis = record;
  return record.verdict === 'Successful' ? 'passed' : 'waiting';
}

function verdictEvent(
  d: Draft,
  step: number,
  phase: 'Successful' | 'Inconclusive',
  message: string,
): { type: 'Normal' | 'Warning'; reason: string; message: string } {
  const where = describeStep(d.ctx, d.status, step);
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

function promote(d: Draft, step: number): void {
  const s = d.status;
  s.lastGoodPercentage = stepPercentage(d.ctx, s, step);
  if (step < d.ctx.lastStep) {
    startStep(d, step + 1, WriteReason.Promote);
    return;
  }
  s.completedAt = isoFloor(d.ctx.nowMs);
  delete s.nextStepAt;
  d.events.push({
    type: 'Normal',
    reason: FlagRolloutReason.Complete,
    message: `rollout of ${d.ctx.spec.flag} complete at ${describeStep(d.ctx, s, step)}`,
  });
}

/** The first start: at step 0, or at the step of a flag that already serves users (adoption.ts). */
function start(d: Draft): void {
  const plan = adoptionOf(d.ctx);
  if (plan?.adopt === true) {
    const { ctx, status: s } = d;
    s.adopted = { step: plan.step, percentage: plan.percentage, at: isoFloor(ctx.nowMs) };
    beginStep(d, plan.step, WriteReason.Adopt);
    const note = adoptionNote(ctx, plan);
    d.note = { reason: FlagRolloutReason.Adopted, message: note + holdingUntil(d) };
    d.events.push({
      type: 'Normal',
      reason: FlagRolloutReason.Adopted,
      message: `${adoptedFrom(ctx)}: ${note}${holdingUntil(d)}`,
    });
    return;
  }
  if (plan !== undefined) d.events.push(plan.refused);
  startStep(d, 0, WriteReason.Start);
}

function startStep(d: Draft, step: number, reason: WriteReason): void {
  beginStep(d, step, reason);
  d.events.push({
    type: 'Normal',
    reason: FlagRolloutReason.StepStarted,
    message: `${describeStep(d.ctx, d.status, step)}${holdingUntil(d)}`,
  });
}

/**
 * Makes `step` current with its hold starting now — or, for a punctual promotion, when the ended
 * hold was due (timing.ts `nextDeadline`); the write is checkpointed ahead.
 */
function beginStep(d: Draft, step: number, reason: WriteReason): void {
  const { ctx, status: s } = d;
  const hold = holdMs(ctx.spec.steps[step]);
  const due = reason === WriteReason.Promote ? epochMs(s.nextStepAt) : undefined;
  s.currentStep = step;
  s.stepStartedAt = isoFloor(ctx.nowMs);
  delete s.holdRemainingSeconds;
  if (hold === undefined) delete s.nextStepAt;
  else s.nextStepAt = isoDeadline(nextDeadline(ctx.nowMs, hold, due));
  d.checkpoint = true;
  ensureFlag(d, stepTarget(ctx, s, step), reason);
  wake(d, epochMs(s.nextStepAt) ?? ctx.nowMs);
}

function holdingUntil(d: Draft): string {
  const next = d.status.nextStepAt;
  return next === undefined ? '' : `; holding until ${next}`;
}

/** What a rollback leaves the flag at: the last good split, or off. */
export function rollbackTarget(rollback: NonNullable<RolloutStatus['rollback']>): FlagTarget {
  return rollback.percentage === undefined
    ? { enabled: false, percentage: 0 }
    : { enabled: true, percentage: rollback.percentage };
}

function rollBack(d: Draft, step: number): void {
  const { ctx, status: s } = d;
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
  d.checkpoint = true;
  ensureFlag(d, rollbackTarget(s.rollback), WriteReason.Rollback);
  d.events.push({
    type: 'Warning',
    reason: FlagRolloutReason.RolledBack,
    message: s.rollback.message,
  });
}
