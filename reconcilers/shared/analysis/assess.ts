// Where an analysis stands (Argo Rollouts semantics). Pure: the caller passes what status holds
// for the current run — running totals per metric (`results`) and/or the newest measurements —
// and the time.
import type { MetricCheck, MetricMeasurement, Verdict } from '../api/metric-check.js';
import { checkSettings } from './settings.js';

export type AnalysisPhase = 'Running' | 'Successful' | 'Failed' | 'Inconclusive';

/**
 * Running totals of one metric in the current run, as kept in `status.analysis.results`. Totals,
 * not a count of the (bounded) measurement list, so that dropping old measurements never hides
 * a failure.
 */
export interface MetricTally {
  readonly metric: string;
  readonly successful: number;
  readonly failed: number;
  readonly inconclusive: number;
  /** The check's verdict once decided. */
  readonly verdict?: Verdict;
  /** RFC 3339; when absent, the newest measurement of the metric is used. */
  readonly lastMeasuredAt?: string;
}

/** What status holds for the current run. Without `results`, totals come from `measurements`. */
export interface AnalysisRecord {
  readonly results?: readonly MetricTally[];
  readonly measurements?: readonly MetricMeasurement[];
}

export interface CheckAssessment {
  readonly metric: string;
  readonly phase: AnalysisPhase;
  readonly successful: number;
  readonly failed: number;
  readonly inconclusive: number;
  /** Only while Running: when the next measurement is due (`now` if none was taken yet). */
  readonly nextMeasurementAt?: Date;
  readonly message: string;
}

/** Totals of `metric` counted from a list of measurements. */
export function tally(metric: string, measurements: readonly MetricMeasurement[]): MetricTally {
  let successful = 0;
  let failed = 0;
  let inconclusive = 0;
  for (const m of measurements) {
    if (m.metric !== metric) continue;
    if (m.verdict === 'Successful') successful++;
    else if (m.verdict === 'Failed') failed++;
    else inconclusive++;
  }
  const last = latestAt(metric, measurements);
  return {
    metric,
    successful,
    failed,
    inconclusive,
    ...(last === undefined ? {} : { lastMeasuredAt: last }),
  };
}

/**
 * One check: more than `failureLimit` Failed measurements → Failed; otherwise more than
 * `inconclusiveLimit` Inconclusive → Inconclusive; otherwise `count` Successful → Successful;
 * otherwise Running, measured again `interval` after the latest measurement.
 */
export function assessTally(check: MetricCheck, t: MetricTally, now: Date): CheckAssessment {
  const s = checkSettings(check);
  const counts = {
    metric: check.name,
    successful: t.successful,
    failed: t.failed,
    inconclusive: t.inconclusive,
  };
  if (t.failed > s.failureLimit) {
    return { ...counts, phase: 'Failed', message: `${t.failed} failed, limit ${s.failureLimit}` };
  }
  if (t.inconclusive > s.inconclusiveLimit) {
    const message = `${t.inconclusive} inconclusive, limit ${s.inconclusiveLimit}`;
    return { ...counts, phase: 'Inconclusive', message };
  }
  const progress = `${t.successful} of ${s.count} successful`;
  if (t.successful >= s.count) return { ...counts, phase: 'Successful', message: progress };
  const last = t.lastMeasuredAt === undefined ? Number.NaN : Date.parse(t.lastMeasuredAt);
  const next = Number.isNaN(last) ? now : new Date(last + s.intervalMs);
  return { ...counts, phase: 'Running', nextMeasurementAt: next, message: progress };
}

/** `assessTally` over totals counted from `measurements`. */
export function assess(
  check: MetricCheck,
  measurements: readonly MetricMeasurement[],
  now: Date,
): CheckAssessment {
  return assessTally(check, tally(check.name, measurements), now);
}

export interface AnalysisAssessment {
  /** Failed if any check failed, else Inconclusive if any is, else Successful when all are. */
  readonly phase: AnalysisPhase;
  readonly checks: readonly CheckAssessment[];
  /** Names of the Running checks whose next measurement is due at `now`. */
  readonly due: readonly string[];
  /** Earliest next measurement among Running checks (requeue time). */
  readonly nextMeasurementAt?: Date;
  /** One line for a condition message, naming the checks that decided. */
  readonly message: string;
}

export function assessAll(
  checks: readonly MetricCheck[],
  record: AnalysisRecord,
  now: Date,
): AnalysisAssessment {
  const results = checks.map((c) => assessTally(c, tallyFor(c.name, record), now));
  const running = results.filter((r) => r.phase === 'Running');
  const times = running.flatMap((r) =>
    r.nextMeasurementAt === undefined ? [] : [r.nextMeasurementAt],
  );
  const next =
    times.length === 0 ? undefined : new Date(Math.min(...times.map((t) => t.getTime())));
  const phase = overallPhase(results);
  const deciding =
    phase === 'Failed' || phase === 'Inconclusive'
      ? results.filter((r) => r.phase === phase)
      : results;
  const message = deciding
    .map((r) => {
      const evidence = evidenceOf(r, record.measurements ?? []);
      return `${r.metric}: ${r.phase}${evidence === undefined ? '' : `, ${evidence}`} (${r.message})`;
    })
    .join('; ');
  if (phase !== 'Running') {
    return { phase, checks: results, due: [], message: message === '' ? 'no checks' : message };
  }
  const due = running.filter(
    (r) => r.nextMeasurementAt !== undefined && r.nextMeasurementAt <= now,
  );
  return {
    phase,
    checks: results,
    due: due.map((r) => r.metric),
    ...(next === undefined ? {} : { nextMeasurementAt: next }),
    message,
  };
}

/** The stored totals of `metric`, or totals counted from the measurements. */
export function tallyFor(metric: string, record: AnalysisRecord): MetricTally {
  const measurements = record.measurements ?? [];
  if (record.results === undefined) return tally(metric, measurements);
  const stored = record.results.find((r) => r.metric === metric);
  if (stored === undefined) return { metric, successful: 0, failed: 0, inconclusive: 0 };
  if (stored.lastMeasuredAt !== undefined) return stored;
  const last = latestAt(metric, measurements);
  return last === undefined ? stored : { ...stored, lastMeasuredAt: last };
}

/**
 * For a Failed or Inconclusive check, the newest measurement of that verdict's message: what was
 * measured against what limit (`7 > 5 (failure condition)`), or why there was no value.
 */
function evidenceOf(
  r: CheckAssessment,
  measurements: readonly MetricMeasurement[],
): string | undefined {
  if (r.phase !== 'Failed' && r.phase !== 'Inconclusive') return undefined;
  let newest: MetricMeasurement | undefined;
  for (const m of measurements) {
    if (m.metric !== r.metric || m.verdict !== r.phase || m.message === undefined) continue;
    if (newest === undefined || Date.parse(m.at) >= Date.parse(newest.at)) newest = m;
  }
  return newest?.message;
}

function overallPhase(results: readonly CheckAssessment[]): AnalysisPhase {
  if (results.some((r) => r.phase === 'Failed')) return 'Failed';
  if (results.some((r) => r.phase === 'Inconclusive')) return 'Inconclusive';
  if (results.every((r) => r.phase === 'Successful')) return 'Successful';
  return 'Running';
}

function latestAt(metric: string, measurements: readonly MetricMeasurement[]): string | undefined {
  let best: string | undefined;
  let bestMs = -Infinity;
  for (const m of measurements) {
    if (m.metric !== metric) continue;
    const ms = Date.parse(m.at);
    if (!Number.isNaN(ms) && ms > bestMs) {
      bestMs = ms;
      best = m.at;
    }
  }
  return best;
}

/** `measurements` plus `m`, dropping the oldest entries beyond `max` (kept in status). */
export function appendBounded(
  measurements: readonly MetricMeasurement[],
  m: MetricMeasurement,
  max: number,
): MetricMeasurement[] {
  if (!Number.isInteger(max) || max < 1) throw new RangeError(`appendBounded: max ${max}`);
  const all = [...measurements, m];
  return all.length > max ? all.slice(all.length - max) : all;
}
