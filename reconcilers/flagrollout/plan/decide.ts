// The pure decision about the flag (Argo-style: state in status, phase derived):
//   decide(spec, status, observed flag + kill switch, measurements, now)
//     → { next status, at most one flag write (the action), events, requeue, rollout info }.
// Observing asks `analysisRequest` first: when it returns checks, observe.ts measures them (the
// only impure part of analysis) and passes the result to `decide`. rollout.ts wraps this into the
// kit's Decision of a whole reconcile (the store's problems, the rollout info, the write's result).
//
// State machine (phase = view.ts `phaseOf`):
//   Pending ──start──▶ Ramping/Holding(step 0) ──hold passed & analysis passed──▶ step 1 … ──▶ Complete
//   Pending ──adopt (the flag already serves users, adoption.ts)──▶ Ramping/Holding(step k) ──▶ …
//   Holding ──analysis failed──▶ RolledBack (Stalled; any spec edit retries the step)
//   any ──enabled:false──▶ Disabled · kill switch ──▶ KilledBySwitch · suspend ──▶ Paused
//   (frozen; clearing resumes where it was with the hold's remaining time; see hold.ts)
// Policies for what others do to the flag: sync.ts and modes.ts.
import type { EventSpec } from '../../../controller/index.js';
import type { AnalysisRecord } from '../../shared/analysis/index.js';
import type { MetricCheck } from '../../shared/api/metric-check.js';
import type { RolloutInfo } from '../../../flags/model.js';
import { FlagRolloutReason, type FlagRolloutState } from '../api.js';
import {
  contextOf,
  describeStep,
  holdsTarget,
  newDraft,
  stepTarget,
  type DecideInput,
  type Draft,
  type WriteFlag,
} from './draft.js';
import { engineRecord, isRunDue, recordFor } from './gate.js';
import { Mode, modeOf, runMode } from './modes.js';
import { holdMs, isoFloor } from './timing.js';
import { transitionEvents, withHistory } from './transitions.js';
import {
  domainConditions,
  kstatusFor,
  phaseMessage,
  phaseOf,
  servedState,
  shownPhase,
} from './view.js';

export type { DecideInput, WriteFlag } from './draft.js';
export { WriteReason } from './draft.js';

/** Shortest requeue: lets the informer catch up with our own status write. */
export const MIN_REQUEUE_MS = 100;

/** What `decide` makes of the flag: `action` is the one compare-and-set, if any. */
export interface FlagDecision {
  readonly status: FlagRolloutState;
  readonly action: WriteFlag | undefined;
  /** Persist `status` before the write (it consumed measurements that cannot be taken again). */
  readonly checkpoint: boolean;
  readonly events: readonly EventSpec[];
  readonly requeueAfterMs: number;
  /** For the CLI `report`; undefined when another controller owns the flag. */
  readonly rolloutInfo: RolloutInfo | undefined;
}

export interface AnalysisRequest {
  readonly checks: readonly MetricCheck[];
  readonly record: AnalysisRecord;
}

/** The checks to measure now, or undefined: only during a running hold whose flag is in place. */
export function analysisRequest(input: DecideInput): AnalysisRequest | undefined {
  const ctx = contextOf(input);
  const s = ctx.prev;
  const step = s.currentStep;
  if (ctx.gate === undefined || step === undefined || step > ctx.lastStep) return undefined;
  if (modeOf(ctx, s) !== Mode.Active) return undefined;
  // A resume, a retry, a restart or completion changes the record first: measure next time.
  const settled =
    s.rollback === undefined &&
    s.holdRemainingSeconds === undefined &&
    s.completedAt === undefined &&
    s.nextStepAt !== undefined &&
    holdMs(ctx.spec.steps[step]) !== undefined;
  if (!settled || !holdsTarget(ctx, stepTarget(ctx, s, step))) return undefined;
  const record = recordFor(s.analysis, step, s.stepStartedAt ?? isoFloor(ctx.nowMs));
  if (!isRunDue(ctx.gate, record, ctx.nowMs)) return undefined;
  return { checks: ctx.gate.checks, record: engineRecord(ctx.gate, record) };
}

export function decide(input: DecideInput): FlagDecision {
  const draft = newDraft(contextOf(input));
  acknowledgeSpecEdit(draft);
  runMode(draft, modeOf(draft.ctx, draft.status));
  return finish(draft);
}

/** A rollback holds for the generation that failed; any spec edit retries the failed step. */
function acknowledgeSpecEdit(draft: Draft): void {
  const rollback = draft.status.rollback;
  if (rollback === undefined || rollback.generation === draft.ctx.generation) return;
  delete draft.status.rollback;
  if (draft.status.analysis?.step === rollback.step) delete draft.status.analysis;
  draft.events.push({
    type: 'Normal',
    reason: FlagRolloutReason.Retrying,
    message: `spec changed (generation ${draft.ctx.generation}): retrying ${describeStep(draft.ctx, draft.status, rollback.step)}`,
  });
}

function finish(draft: Draft): FlagDecision {
  const { ctx, status: s } = draft;
  const n = ctx.spec.steps.length;
  s.stepCount = n;
  if (s.currentStep === undefined) delete s.step;
  else s.step = `${s.currentStep + 1}/${n}`;
  if (draft.action !== undefined) s.flagVersion = draft.action.expectedVersion + 1;
  else if (ctx.flag.record !== undefined && holdsOwn(draft)) s.flagVersion = ctx.flag.version;
  const served = servedState(draft);
  s.percentage = served.percentage;
  s.exposure = exposureOf(served, ctx.spec.estimatedPopulation);

  const domain = domainConditions(draft);
  const phase = shownPhase(draft, phaseOf(ctx.spec, { ...s, conditions: domain }));
  const message = phaseMessage(draft, phase);
  const kstatus = kstatusFor(draft, phase, message);
  const from = ctx.prev.phase;
  const stepStarted = s.currentStep !== undefined && s.currentStep !== ctx.prev.currentStep;
  const reason = kstatus.find((c) => c.status === 'True')?.reason ?? phase;
  const status: FlagRolloutState = {
    ...s,
    phase,
    message,
    conditions: [...kstatus, ...domain],
    history: withHistory(s.history, {
      from,
      to: phase,
      reason: draft.note?.reason ?? (stepStarted ? FlagRolloutReason.StepStarted : reason),
      message: draft.note?.message ?? message,
      nowMs: ctx.nowMs,
      // Each step is a line of history too, not only the phase changes (Holding → Holding).
      force: draft.note !== undefined || stepStarted,
    }),
  };
  if (status.history === undefined) delete status.history;
  return {
    status,
    action: draft.action,
    checkpoint: draft.checkpoint && draft.action !== undefined,
    events: [...draft.events, ...transitionEvents(draft, from, phase, message)],
    requeueAfterMs: requeueAfter(draft),
    rolloutInfo:
      draft.stalled?.reason === FlagRolloutReason.FlagOwnedElsewhere
        ? undefined
        : rolloutInfo(draft, status),
  };
}

/** The flag we observed is ours (its version is the one to remember). */
function holdsOwn(draft: Draft): boolean {
  return draft.ctx.flag.record?.updatedBy === draft.ctx.identity;
}

function requeueAfter(draft: Draft): number {
  const { nowMs, pollMs } = draft.ctx;
  const next = Math.min(nowMs + pollMs, ...draft.wakeAt);
  return Math.max(MIN_REQUEUE_MS, next - nowMs);
}

function rolloutInfo(draft: Draft, status: FlagRolloutState): RolloutInfo {
  const last = status.lastAnalysis;
  return {
    owner: draft.ctx.identity.replace(/^controller:/, ''),
    phase: status.phase ?? 'Pending',
    step: status.currentStep ?? 0,
    stepCount: draft.ctx.spec.steps.length,
    ...(status.nextStepAt === undefined ? {} : { nextStepAt: status.nextStepAt }),
    ...(last === undefined
      ? {}
      : { lastAnalysis: { verdict: last.verdict, at: last.at, summary: last.summary } }),
  };
}

/**
 * Who the flag reaches now. Targeted users may also fall in the split, so the estimate can count
 * a few twice; it is an order of magnitude for `kubectl get -o yaml`, not an audience count.
 */
export function exposureOf(
  served: { percentage: number; targetedUsers: number },
  population: number | undefined,
): NonNullable<FlagRolloutState['exposure']> {
  const exposure = { percentage: served.percentage, targetedUsers: served.targetedUsers };
  if (population === undefined) return exposure;
  const inSplit = Math.round((population * served.percentage) / 100);
  return { ...exposure, estimatedUsers: inSplit + served.targetedUsers };
}
