// The analysis gate of a hold, kept in `status.analysis` (one record per step: `step`).
//
// A hold is watched for its whole length, not only until the first success: the engine's checks
// run in rounds (`count` successes, or more than `failureLimit` failures, or more than
// `inconclusiveLimit` inconclusive measurements end a round). A finished round sets `verdict` and a
// new round starts (`startedAt`; the bounded measurement list continues). `results` keep the
// finished round's tallies, the ones `verdict` was decided on, until the new round's first run
// (`endRound`): zeroing them at once showed `verdict: Successful` next to `successful: 0`. The
// engine counts the new round from zero all the same (`engineRecord`).
// A failed round rolls back at once; the step is promoted only when its hold time is up and the
// latest finished round succeeded. Inconclusive rounds (missing metrics) never promote.
//
// `spec.analysis.interval` spaces the gate's runs; a check with a longer own interval is measured
// less often. The first run of a round waits one interval, so the window measures the new exposure.
import { parseDuration } from '../../../controller/index.js';
import type { AnalysisStatus, MetricResult } from '../../shared/api/analysis.js';
import type { MetricCheck } from '../../shared/api/metric-check.js';
import { assessAll, type AnalysisRecord, type AnalyzeResult } from '../../shared/analysis/index.js';
import type { FlagRolloutSpec } from '../api.js';
import { epochMs, isoFloor } from './timing.js';

const DEFAULT_GATE_INTERVAL = '1m';

export interface Gate {
  readonly checks: readonly MetricCheck[];
  readonly intervalMs: number;
}

export function gateOf(spec: FlagRolloutSpec): Gate | undefined {
  if (spec.analysis === undefined) return undefined;
  return {
    checks: spec.analysis.metrics,
    intervalMs: parseDuration(spec.analysis.interval ?? DEFAULT_GATE_INTERVAL),
  };
}

/** The step's record, or a fresh one whose first round starts at `startedAt`. */
export function recordFor(
  analysis: AnalysisStatus | undefined,
  step: number,
  startedAt: string,
): AnalysisStatus {
  return analysis?.step === step ? analysis : { step, startedAt, measurements: [] };
}

/** What the engine needs from a record: the running round's tallies (zero right after a round). */
export function engineRecord(gate: Gate, record: AnalysisStatus): AnalysisRecord {
  const results = roundJustEnded(record) ? zeroTallies(gate) : record.results;
  return {
    ...(results === undefined ? {} : { results }),
    measurements: record.measurements ?? [],
  };
}

/**
 * A round ended and the next one has had no run yet: `endRound` sets `startedAt` to the run that
 * ended it (`lastRun`), and every later run is at least one gate interval (≥ 1 s) later.
 */
function roundJustEnded(record: AnalysisStatus): boolean {
  return (
    record.verdict !== undefined &&
    record.verdict !== 'Running' &&
    record.lastRun !== undefined &&
    record.lastRun === record.startedAt
  );
}

function zeroTallies(gate: Gate): MetricResult[] {
  return gate.checks.map((c) => ({ metric: c.name, successful: 0, failed: 0, inconclusive: 0 }));
}

/**
 * The round just measured (at `nowMs`) ended with `verdict`: the next one starts now, the
 * finished round's tallies stay in `results` until its first run (see the top of this file).
 */
export function endRound(
  record: AnalysisStatus,
  verdict: NonNullable<AnalysisStatus['verdict']>,
  nowMs: number,
): AnalysisStatus {
  return { ...record, verdict, startedAt: isoFloor(nowMs), lastRun: isoFloor(nowMs) };
}

/** The start of the current wait: the later of the last run and the round's start. */
function baseMs(record: AnalysisStatus): number {
  return Math.max(epochMs(record.lastRun) ?? 0, epochMs(record.startedAt) ?? 0);
}

/** When the gate next has something to measure (never earlier than one interval after base). */
export function nextRunAt(gate: Gate, record: AnalysisStatus, nowMs: number): number {
  const earliest = baseMs(record) + gate.intervalMs;
  const due = assessAll(gate.checks, engineRecord(gate, record), new Date(nowMs)).nextMeasurementAt;
  return Math.max(earliest, due?.getTime() ?? earliest);
}

export function isRunDue(gate: Gate, record: AnalysisStatus, nowMs: number): boolean {
  return nowMs >= nextRunAt(gate, record, nowMs);
}

/** A new round from `nowMs`: zero tallies (so `failureLimit` counts afresh), verdict kept. */
export function restartRound(gate: Gate, record: AnalysisStatus, nowMs: number): AnalysisStatus {
  return { ...record, startedAt: isoFloor(nowMs), results: zeroTallies(gate) };
}

/**
 * The record after this reconcile's measurements. Tallies are stored without `lastMeasuredAt`
 * (status has no such field; the engine falls back to the newest measurement).
 */
export function withMeasurements(
  record: AnalysisStatus,
  result: AnalyzeResult,
  nowMs: number,
): AnalysisStatus {
  const results: MetricResult[] = result.results.map((t) => ({
    metric: t.metric,
    successful: t.successful,
    failed: t.failed,
    inconclusive: t.inconclusive,
    ...(t.verdict === undefined ? {} : { verdict: t.verdict }),
  }));
  return { ...record, lastRun: isoFloor(nowMs), results, measurements: result.measurements };
}
