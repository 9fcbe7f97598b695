// Analysis gates. A gate is one run of the engine (reconcilers/shared/analysis) keyed by the step
// it belongs to: an analysis step of the canary, the background gate of the current canary weight
// (when spec.analysis is set and the steps name no analysis), or the post-promotion gate of
// blue/green and rolling, and of a canary whose analysis runs in the background. observe.ts
// measures the checks that are due; here the results are folded into status and the verdict read.
//
// An Inconclusive gate holds progress but keeps being measured, in rounds (as FlagRollout's holds):
// the verdict stays Inconclusive while a new round counts from zero on the checks' intervals. A
// round that succeeds makes the gate Successful (the hold ends by itself), one that fails makes it
// Failed (the revision rolls back: a canary left at its weight is still watched), an inconclusive
// one starts the next round. The measurement list stays bounded as always (analyze).
import { parseDuration } from '../../../controller/index.js';
import type { ReleaseState } from './types.js';
import {
  assessAll,
  type AnalysisAssessment,
  type AnalysisPhase,
  type AnalysisRecord,
} from '../../shared/analysis/index.js';
import type { MetricResult } from '../../shared/api/analysis.js';
import type { MetricCheck } from '../../shared/api/metric-check.js';
import { ReleaseReason, ReleaseStage, type ReleaseSpec } from '../api.js';
import { actionHint } from './action-values.js';
import { nowIso, waitFor, type Draft, type StepResult } from './draft.js';
import { note } from './history.js';
import { failRevision } from './rollback-start.js';
import { canarySteps, hasAnalysisSteps } from './steps.js';
import { routingOf } from './world.js';

export interface Gate {
  readonly step: number;
  readonly checks: readonly MetricCheck[];
}

/** A gate's assessment for this reconcile. */
export interface GateVerdict {
  readonly step: number;
  readonly assessment: AnalysisAssessment;
}

/** Observes and assesses the open gate; 'probe' when a due measurement was not taken. */
export function openGate(draft: Draft): GateVerdict | 'probe' | undefined {
  const gate = activeGate(draft.spec, draft.status);
  if (gate === undefined) return undefined;
  const assessment = evaluateGate(draft, gate);
  return assessment === 'probe' ? 'probe' : { step: gate.step, assessment };
}

/**
 * Undefined when the gate lets progress go on: Successful, or let pass by the promote action
 * (remembered in status.attempt?.promotedGate, so the override survives the reconciles the step still
 * needs). Inconclusive holds (measuring on) until a round succeeds, promote or abort; Running
 * waits for the next measurement. Failed is the caller's: see failGate.
 */
export function holdForGate(draft: Draft, v: GateVerdict, when: string): StepResult | undefined {
  const { phase, message } = v.assessment;
  if (phase === 'Successful' || draft.status.attempt.promotedGate === v.step) {
    endHold(draft);
    return undefined;
  }
  if (draft.promote) {
    draft.promote = false;
    draft.status.attempt.promotedGate = v.step;
    endHold(draft);
    // The operator ended a planned wait (a running gate included): progressDeadline counts from
    // here, as after a pause step, or the next action would be charged for the whole gate.
    draft.status.attempt.lastProgressAt = nowIso(draft);
    note(
      draft,
      'Normal',
      'Promoted',
      `analysis ${phase.toLowerCase()} ${when}: passed by the promote action`,
    );
    return undefined;
  }
  if (phase === 'Inconclusive') {
    // The verdict was told when the gate became Inconclusive (evaluateGate); the phase change to
    // Paused is told by decide.
    if (draft.status.attempt.pause?.reason !== 'AnalysisInconclusive') {
      draft.status.attempt.pause = { reason: 'AnalysisInconclusive', since: nowIso(draft) };
    }
    return waitFor(
      'human',
      `analysis inconclusive ${when}: ${message}; holding and measuring again (a success resumes, a failure rolls back); to go on anyway: ${actionHint(draft, 'promote')}; to stop: ${actionHint(draft, 'abort')}`,
    );
  }
  return waitFor('time', `analysis running ${when}: ${message}`, v.assessment.nextMeasurementAt);
}

/** An inconclusive hold ended (success or promote): progressDeadline counts from here again. */
function endHold(draft: Draft): void {
  if (draft.status.attempt.pause?.reason !== 'AnalysisInconclusive') return;
  delete draft.status.attempt.pause;
  draft.status.attempt.lastProgressAt = nowIso(draft);
}

/** A Failed gate rolls the revision back; the rollback's Event is the one that tells it. */
export function failGate(draft: Draft, v: GateVerdict): StepResult {
  return failRevision(
    draft,
    ReleaseReason.AnalysisFailed,
    `${gateWhere(draft.spec, v.step)} failed: ${v.assessment.message}`,
  );
}

/**
 * Where a gate is, in the step numbering of the STEP column and the step messages (from 1):
 * `analysis at step 3/7`, `analysis at full traffic` (a canary's final background gate), or
 * `post-deployment analysis` (blue/green, rolling).
 */
export function gateWhere(spec: ReleaseSpec, step: number): string {
  const canary = spec.strategy.canary;
  if (canary === undefined) return 'post-deployment analysis';
  const count = canarySteps(canary, false).length;
  return step < count ? `analysis at step ${step + 1}/${count}` : 'analysis at full traffic';
}

/** The gate open in the current stage, if any. */
export function activeGate(spec: ReleaseSpec, status: ReleaseState | undefined): Gate | undefined {
  const analysis = spec.analysis;
  if (analysis === undefined || status === undefined) return undefined;
  if (status.stage === ReleaseStage.Steps && spec.strategy.canary !== undefined) {
    const steps = canarySteps(spec.strategy.canary, status.revision?.fastPath === true);
    const i = status.attempt?.currentStepIndex ?? 0;
    const step = steps[i];
    if (step?.kind === 'analysis')
      return { step: i, checks: checksFor(spec, status, step.metrics) };
    const background = !hasAnalysisSteps(steps) && status.revision?.fastPath !== true;
    if (background && status.attempt?.analysis?.step !== undefined) {
      return { step: status.attempt.analysis.step, checks: checksFor(spec, status) };
    }
    return undefined;
  }
  if (status.stage === ReleaseStage.PostChecks && status.revision?.fastPath !== true) {
    const canary = spec.strategy.canary;
    if (canary === undefined) return { step: 0, checks: checksFor(spec, status) };
    // A canary analysed in the background is analysed once more at full traffic, before its
    // previous stable task set is retired (keyed after the last step, so no step's run is reused).
    // Analysis steps say themselves where a canary is analysed.
    const steps = canarySteps(canary, false);
    return hasAnalysisSteps(steps)
      ? undefined
      : { step: steps.length, checks: checksFor(spec, status) };
  }
  return undefined;
}

/** What status holds for `gate` (nothing when status holds another gate's run). */
export function recordFor(status: ReleaseState | undefined, gate: Gate): AnalysisRecord {
  const a = status?.attempt?.analysis;
  if (a?.step !== gate.step) return {};
  return {
    ...(a.results === undefined ? {} : { results: a.results }),
    measurements: a.measurements ?? [],
  };
}

/** Folds the observation into status.attempt?.analysis; 'probe' when a measurement is due but was not taken. */
export function evaluateGate(draft: Draft, gate: Gate): AnalysisAssessment | 'probe' {
  const previous =
    draft.status.attempt.analysis?.step === gate.step ? draft.status.attempt.analysis : undefined;
  const obs = draft.observed.analysis;
  let round: AnalysisAssessment;
  if (obs?.step === gate.step) {
    round = obs.result.assessment;
    draft.status.attempt.analysis = {
      step: gate.step,
      startedAt: previous?.startedAt ?? nowIso(draft),
      ...(obs.result.taken.length > 0
        ? { lastRun: nowIso(draft) }
        : previous?.lastRun === undefined
          ? {}
          : { lastRun: previous.lastRun }),
      verdict: round.phase,
      results: obs.result.results.map(({ lastMeasuredAt: _dropped, ...r }) => r),
      measurements: obs.result.measurements,
    };
  } else {
    round = assessAll(gate.checks, recordFor(draft.status, gate), draft.now);
    if (round.due.length > 0) return 'probe';
    draft.status.attempt.analysis = {
      ...previous,
      step: gate.step,
      startedAt: previous?.startedAt ?? nowIso(draft),
      verdict: round.phase,
    };
  }
  const wasInconclusive = previous?.verdict === 'Inconclusive';
  const verdict: AnalysisPhase =
    round.phase === 'Running' && wasInconclusive ? 'Inconclusive' : round.phase;
  draft.status.attempt.analysis.verdict = verdict;
  // A gate that passes ends a planned wait (its measurements, count × interval): progressDeadline
  // counts from here, not from the step before the gate — else a gate longer than the deadline
  // rolls a healthy canary back at the very action it just allowed.
  if (verdict === 'Successful' && previous?.verdict !== 'Successful') {
    draft.status.attempt.lastProgressAt = nowIso(draft);
  }
  // Inconclusive: a new round, counted from zero, so that what follows decides afresh.
  if (round.phase === 'Inconclusive')
    draft.status.attempt.analysis.results = gate.checks.map(zeroTally);
  if (previous?.verdict !== verdict)
    noteVerdict(draft, gate.step, verdict, round.message, wasInconclusive);
  if (verdict === round.phase) return round;
  return { ...round, phase: verdict, message: `inconclusive, measuring again: ${round.message}` };
}

const zeroTally = (check: MetricCheck): MetricResult => ({
  metric: check.name,
  successful: 0,
  failed: 0,
  inconclusive: 0,
});

/** Successful and Inconclusive verdicts are told here; a Failed one by the rollback it causes. */
function noteVerdict(
  draft: Draft,
  step: number,
  verdict: AnalysisPhase,
  message: string,
  wasInconclusive: boolean,
): void {
  if (verdict === 'Successful') {
    const resumed = wasInconclusive ? ' after being inconclusive: resuming' : '';
    note(
      draft,
      'Normal',
      'AnalysisSuccessful',
      `${gateWhere(draft.spec, step)}: ${message}${resumed}`,
    );
  } else if (verdict === 'Inconclusive' && !wasInconclusive) {
    note(
      draft,
      'Warning',
      'AnalysisInconclusive',
      `${gateWhere(draft.spec, step)}: ${message}; holding and measuring again (a success resumes, a failure rolls back)`,
    );
  }
}

/** Starts a fresh gate run for `step` (the background gate after each weight change). */
export function startGate(draft: Draft, step: number): void {
  draft.status.attempt.analysis = { step, startedAt: nowIso(draft), verdict: 'Running' };
  delete draft.status.attempt.promotedGate;
}

/**
 * The checks to run: all of spec.analysis, or the named ones. Target-group roles alternate (a
 * promoted canary keeps its target group), so dimensions that name one target group of the pair
 * follow the roles: while the new revision runs in the spec's stable/blue group, they are swapped.
 */
/**
 * spec.analysis.interval is how often the gate measures: the interval of a metric without its own,
 * and the shortest one a metric gets (a metric with a longer interval is measured less often).
 */
function paced(check: MetricCheck, gateInterval: string | undefined): MetricCheck {
  if (gateInterval === undefined) return check;
  const own = check.interval;
  if (own !== undefined && parseDuration(own) >= parseDuration(gateInterval)) return check;
  return { ...check, interval: gateInterval };
}

export function checksFor(
  spec: ReleaseSpec,
  status: ReleaseState | undefined,
  names?: readonly string[],
): MetricCheck[] {
  const all = (spec.analysis?.metrics ?? []).map((c) => paced(c, spec.analysis?.interval));
  const chosen = names === undefined ? all : all.filter((c) => names.includes(c.name));
  const routing = routingOf(spec);
  if (routing === undefined || status?.stableTargetGroupArn !== routing.pair[1]) return chosen;
  const [a, b] = routing.pair.map(dimensionValue) as [string, string];
  const swap = (v: string): string => (v === a ? b : v === b ? a : v);
  return chosen.map(
    (c) =>
      JSON.parse(JSON.stringify(c), (key, value: unknown) =>
        (key === 'value' || key === 'treatment' || key === 'control') && typeof value === 'string'
          ? swap(value)
          : value,
      ) as MetricCheck,
  );
}

/** CloudWatch's TargetGroup dimension: the ARN's resource part, `targetgroup/<name>/<id>`. */
const dimensionValue = (arn: string): string => arn.slice(arn.indexOf('targetgroup/'));
