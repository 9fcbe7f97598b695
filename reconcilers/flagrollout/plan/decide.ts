// The pure decision of a FlagRollout reconcile (Argo-style: state in status, phase derived):
//   decide(spec, status, observed flag + kill switch, measurements, now)
//     → { next status, at most one flag write, events, requeue, rollout info }.
// A reconcile asks `analysisRequest` first: when it returns checks, the caller measures them
// (the only impure part of analysis) and passes the result to `decide`.
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
import { FlagRolloutReason, type RolloutStatus } from '../api.js';
import {
  contextOf,
  describeStep,
  holdsTarget,
  newDraft,
  stepTarget,
  type DecideInput,
  type Draft,
  type PlannedWrite,
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

export type { DecideInput, PlannedWrite } from './draft.js';
export { WriteReason } from './draft.js';

/** Shortest requeue: lets the informer catch up with our own status write. */
export const MIN_REQUEUE_MS = 100;

export interface Decision {
  readonly status: RolloutStatus;
  readonly write: PlannedWrite | undefined;
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
  return { checks: ctx.gate.checks, record: engineRecord(record) };
}

export function decide(input: DecideInput): Decision {
  const d = newDraft(contextOf(input));
  acknowledgeSpecEdit(d);
  runMode(d, modeOf(d.ctx, d.status));
  return finish(d);
}

/** A rollback holds for the generation that failed; any spec edit retries the failed step. */
function acknowledgeSpecEdit(d: Draft): void {
  const rollback = d.status.rollback;
  if (rollback === undefined || rollback.generation === d.ctx.generation) return;
  delete d.status.rollback;
  if (d.status.analysis?.step === rollback.step) delete d.status.analysis;
  d.events.push({
    type: 'Normal',
    reason: FlagRolloutReason.Retrying,
    message: `spec changed (generation ${d.ctx.generation}): retrying ${describeStep(d.ctx, d.status, rollback.step)}`,
  });
}

function finish(d: Draft): Decision {
  const { ctx, status: s } = d;
  const n = ctx.spec.steps.length;
  s.stepCount = n;
  if (s.currentStep === undefined) delete s.step;
  else s.step = `${s.currentStep + 1}/${n}`;
  if (d.write !== undefined) s.flagVersion = d.write.expectedVersion + 1;
  else if (ctx.flag.record !== undefined && holdsOwn(d)) s.flagVersion = ctx.flag.version;
  const served = servedState(d);
  s.percentage = served.percentage;
  s.exposure = exposureOf(served, ctx.spec.estimatedPopulation);

  const domain = domainConditions(d);
  const phase = shownPhase(d, phaseOf(ctx.spec, { ...s, conditions: domain }));
  const message = phaseMessage(d, phase);
  const kstatus = kstatusFor(d, phase, message);
  const from = ctx.prev.phase;
  const stepStarted = s.currentStep !== undefined && s.currentStep !== ctx.prev.currentStep;
  const reason = kstatus.find((c) => c.status === 'True')?.reason ?? phase;
  const status: RolloutStatus = {
    ...s,
    phase,
    message,
    conditions: [...kstatus, ...domain],
    history: withHistory(s.history, {
      from,
      to: phase,
      reason: d.note?.reason ?? (stepStarted ? FlagRolloutReason.StepStarted : reason),
      message: d.note?.message ?? message,
      nowMs: ctx.nowMs,
      // Each step is a line of history too, not only the phase changes (Holding → Holding).
      force: d.note !== undefined || stepStarted,
    }),
  };
  if (status.history === undefined) delete status.history;
  return {
    status,
    write: d.write,
    checkpoint: d.checkpoint && d.write !== undefined,
    events: [...d.events, ...transitionEvents(d, from, phase, message)],
    requeueAfterMs: requeueAfter(d),
    rolloutInfo:
      d.stalled?.reason === FlagRolloutReason.FlagOwnedElsewhere
        ? undefined
        : rolloutInfo(d, status),
  };
}

/** The flag we observed is ours (its version is the one to remember). */
function holdsOwn(d: Draft): boolean {
  return d.ctx.flag.record?.updatedBy === d.ctx.identity;
}

function requeueAfter(d: Draft): number {
  const { nowMs, pollMs } = d.ctx;
  const next = Math.min(nowMs + pollMs, ...d.wakeAt);
  return Math.max(MIN_REQUEUE_MS, next - nowMs);
}

function rolloutInfo(d: Draft, status: RolloutStatus): RolloutInfo {
  const last = status.lastAnalysis;
  return {
    owner: d.ctx.identity.replace(/^controller:/, ''),
    phase: status.phase ?? 'Pending',
    step: status.currentStep ?? 0,
    stepCount: d.ctx.spec.steps.length,
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
): NonNullable<RolloutStatus['exposure']> {
  const exposure = { percentage: served.percentage, targetedUsers: served.targetedUsers };
  if (population === undefined) return exposure;
  const inSplit = Math.round((population * served.percentage) / 100);
  return { ...exposure, estimatedUsers: inSplit + served.targetedUsers };
}
