// Canary on an EXTERNAL-controller service: the revision's task set behind the canary target
// group, listener weights moved step by step, analysis gates, then promotion (all traffic, the
// canary task set becomes primary). A step completes only once its effect is observed (weights
// read back from the listener), so a crash never repeats or skips a weight.
import { toRfc3339 } from '../../../controller/index.js';
import { ReleaseReason } from '../api.js';
import { onSchedule } from '../../shared/kit/schedule.js';
import { failGate, holdForGate, openGate, startGate, type GateVerdict } from './analysis.js';
import { actionHint } from './action-values.js';
import {
  again,
  nowIso,
  parseTime,
  probe,
  progressed,
  waitFor,
  type Draft,
  type StepResult,
} from './draft.js';
import { foundDone } from './found.js';
import { note } from './history.js';
import {
  canarySteps,
  hasAnalysisSteps,
  initialScale,
  stepDisplay,
  type PlanStep,
} from './steps.js';
import {
  ensureTaskSet,
  scaleTaskSet,
  setWeights,
  takeAllTraffic,
  taskSetMissing,
} from './task-sets.js';
import {
  isTaskSetStable,
  productionTraffic,
  revisionTaskSet,
  shareOf,
  splitWeights,
  weightsEqual,
} from './world.js';

const stepsOf = (draft: Draft): readonly PlanStep[] =>
  draft.spec.strategy.canary === undefined
    ? []
    : canarySteps(draft.spec.strategy.canary, draft.status.revision?.fastPath === true);

/** spec.analysis gates each weight increase when the steps name no analysis of their own. */
const backgroundAnalysis = (draft: Draft): boolean =>
  draft.spec.analysis !== undefined &&
  !hasAnalysisSteps(stepsOf(draft)) &&
  draft.status.revision?.fastPath !== true;

export function canaryDeployStage(draft: Draft): StepResult {
  return ensureTaskSet(draft, 'canary', initialScale(stepsOf(draft))) ?? progressed(draft);
}

export function stepsStage(draft: Draft): StepResult {
  const steps = stepsOf(draft);
  const i = draft.status.attempt.currentStepIndex ?? 0;
  draft.status.attempt.stepCount = steps.length;
  draft.status.attempt.step = stepDisplay(i, steps.length);
  const gate = openGate(draft);
  if (gate === 'probe') return probe('the analysis');
  if (gate?.assessment.phase === 'Failed') return failGate(draft, gate);
  const step = steps[i];
  if (step === undefined) {
    // The background gate of the last weight must pass before promotion, as before any increase.
    return (
      (gate === undefined ? undefined : holdForGate(draft, gate, 'before promotion')) ??
      progressed(draft)
    );
  }
  switch (step.kind) {
    case 'setWeight':
      return setWeightStep(draft, i, step.weight, gate);
    case 'pause':
      return pauseStep(draft, i, step.durationMs);
    case 'analysis':
      if (gate === undefined) return completeStep(draft, i, 'analysis skipped (no metrics)');
      if (gate.assessment.phase === 'Successful') {
        return completeStep(draft, i, `analysis passed: ${gate.assessment.message}`);
      }
      return (
        holdForGate(draft, gate, `at step ${i + 1}`) ??
        completeStep(draft, i, 'analysis passed by promote', 'operator')
      );
  }
}

function setWeightStep(
  draft: Draft,
  i: number,
  weight: number,
  background: GateVerdict | undefined,
): StepResult {
  const traffic = productionTraffic(draft);
  if (traffic === undefined) return probe('the listener weights');
  const { service, roles, listenerArn, weights } = traffic;
  const current = shareOf(weights, roles.newTg);
  draft.status.currentWeight = current;
  const wanted = splitWeights(roles.stableTg, roles.newTg, weight);
  // Traffic never goes down within a revision (only a rollback lowers it): a canary observed above
  // this step's weight — after a lost status write — completes the step as it is.
  if (current > weight || weightsEqual(weights, wanted)) {
    if (current === weight && weight > 0)
      foundDone(
        draft,
        { type: 'setWeights', listenerArn, weights: wanted },
        `canary weight ${weight}%`,
      );
    if (backgroundAnalysis(draft) && current > 0) startGate(draft, i);
    return completeStep(
      draft,
      i,
      `canary weight ${current}%`,
      undefined,
      weightStepDoneAt(draft, i),
    );
  }
  if (background !== undefined) {
    const held = holdForGate(draft, background, `before the weight goes to ${weight}%`);
    if (held !== undefined) return held;
  }
  const ts = revisionTaskSet(draft, service);
  if (ts === undefined) return taskSetMissing(draft);
  const scale = Math.max(1, weight);
  if (ts.scalePercent < scale)
    return scaleTaskSet(draft, ts.arn, scale, `scaling the canary task set to ${scale}%`);
  if (!isTaskSetStable(ts))
    return waitFor('world', `waiting for the canary task set ${ts.id} to become stable`);
  const result = setWeights(draft, listenerArn, wanted, `canary weight ${current}% → ${weight}%`);
  // Stored with the status written after the action, so only once the weights really moved.
  if (result.kind === 'act') draft.status.attempt.weightChangedAt = draft.now.toISOString();
  return result;
}

/**
 * When the next step counts from, once a weight step is done: the step's due time when it
 * followed a timed pause and the change came on schedule (shared/kit/schedule.ts), else when the
 * weight changed — a weight held past its due time (a gate) still serves its whole pause.
 */
function weightStepDoneAt(draft: Draft, i: number): string | undefined {
  const changedAt = weightChangedDuringStep(draft);
  const previous = stepsOf(draft)[i - 1];
  const due = parseTime(draft.status.attempt.stepStartedAt);
  const changed = parseTime(changedAt);
  if (previous?.kind !== 'pause' || previous.durationMs === undefined) return changedAt;
  if (changed === undefined || !onSchedule(due, changed)) return changedAt;
  return draft.status.attempt.stepStartedAt;
}

/**
 * When this step's weight change was made, if this attempt recorded it during the step: the next
 * pause counts from then. Older (a lost status write) or absent: undefined, the pause counts from
 * now, as it would without the record.
 */
function weightChangedDuringStep(draft: Draft): string | undefined {
  const changed = parseTime(draft.status.attempt.weightChangedAt);
  const stepStarted = parseTime(draft.status.attempt.stepStartedAt);
  if (changed === undefined || changed > draft.now.getTime()) return undefined;
  if (stepStarted !== undefined && changed < stepStarted) return undefined;
  return draft.status.attempt.weightChangedAt;
}

/**
 * During a timed pause, the canary task set is scaled ahead to the next step's weight, so that the
 * weight change is due the moment the pause ends (scaling and waiting for a stable task set took
 * a reconcile round or more after it, and real tasks take minutes to start). Capacity ahead of
 * traffic is harmless; traffic itself still moves only at the step.
 */
function scaleAheadOfNextStep(draft: Draft, i: number, until: Date): StepResult | undefined {
  const steps = stepsOf(draft);
  const next = steps[i + 1];
  // After the last step comes promotion, which needs the canary at 100 %.
  const weight = next === undefined ? 100 : next.kind === 'setWeight' ? next.weight : undefined;
  if (weight === undefined) return undefined;
  const traffic = productionTraffic(draft);
  if (traffic === undefined) return undefined;
  const ts = revisionTaskSet(draft, traffic.service);
  const scale = Math.max(1, weight);
  if (ts === undefined || ts.scalePercent >= scale) return undefined;
  const result = scaleTaskSet(
    draft,
    ts.arn,
    scale,
    `scaling the canary task set to ${scale}% ahead of ${next === undefined ? 'promotion' : `step ${i + 2}`}`,
  );
  return result.kind === 'act' ? { ...result, planned: true, until } : result;
}

function pauseStep(draft: Draft, i: number, durationMs: number | undefined): StepResult {
  if (draft.promote) {
    draft.promote = false;
    return completeStep(draft, i, 'pause skipped by the promote action', 'operator');
  }
  if (durationMs === undefined) {
    if (draft.status.attempt.pause?.reason !== 'StepPaused') {
      draft.status.attempt.pause = { reason: 'StepPaused', since: nowIso(draft) };
      note(
        draft,
        'Normal',
        ReleaseReason.StepPaused,
        `paused at step ${i + 1} until the promote action`,
      );
    }
    return waitFor(
      'human',
      `paused at step ${i + 1} until promoted: ${actionHint(draft, 'promote')}`,
    );
  }
  // Only a completed step sets stepStartedAt: a pause that is the first step starts now, and that
  // is recorded — else it would start anew on every reconcile and never end.
  if (parseTime(draft.status.attempt.stepStartedAt) === undefined)
    draft.status.attempt.stepStartedAt = nowIso(draft);
  const started = parseTime(draft.status.attempt.stepStartedAt) ?? draft.now.getTime();
  const until = new Date(started + durationMs);
  draft.status.attempt.nextStepAt = toRfc3339(until);
  if (draft.now.getTime() >= until.getTime()) {
    // On schedule, the next step is due when the pause ended (kept to the millisecond); later
    // (controller down), the schedule starts again from now.
    const dueAt = onSchedule(until.getTime(), draft.now.getTime())
      ? until.toISOString()
      : undefined;
    return completeStep(draft, i, `paused ${durationMs / 1000}s`, undefined, dueAt);
  }
  return (
    scaleAheadOfNextStep(draft, i, until) ??
    waitFor('time', `step ${i + 1}: pausing until ${draft.status.attempt.nextStepAt}`, until)
  );
}

function completeStep(
  draft: Draft,
  i: number,
  what: string,
  by?: 'operator',
  /** When the step's effect took place, if known and earlier than now (the next step counts from it). */
  doneAt?: string,
): StepResult {
  const count = stepsOf(draft).length;
  draft.status.attempt.currentStepIndex = i + 1;
  draft.status.attempt.step = stepDisplay(i + 1, count);
  draft.status.attempt.stepStartedAt = doneAt ?? nowIso(draft);
  delete draft.status.attempt.nextStepAt;
  delete draft.status.attempt.pause;
  note(draft, 'Normal', 'StepCompleted', `step ${i + 1}/${count}: ${what}`);
  return again(draft, by);
}

/** All traffic to the canary, which becomes the primary task set. */
export function canarySwitchStage(draft: Draft): StepResult {
  const traffic = productionTraffic(draft);
  if (traffic === undefined) return probe('the listener weights');
  const ts = revisionTaskSet(draft, traffic.service);
  if (ts === undefined) return taskSetMissing(draft);
  if (ts.scalePercent < 100)
    return scaleTaskSet(draft, ts.arn, 100, 'scaling the canary task set to 100% for promotion');
  if (!isTaskSetStable(ts))
    return waitFor('world', `waiting for the canary task set ${ts.id} at 100% to become stable`);
  return takeAllTraffic(draft, traffic, ts, {
    weights: 'promoting: all traffic to the canary',
    primary: `promoting: task set ${ts.id} becomes primary`,
  });
}
