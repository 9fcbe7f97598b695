// One reconcile's worth of analysis: measure the checks that are due, update the running totals,
// keep the newest measurements, and say where the analysis stands and when to come back.
import { MAX_MEASUREMENTS } from '../api/analysis.js';
import type { MetricCheck, MetricMeasurement } from '../api/metric-check.js';
import {
  appendBounded,
  assessAll,
  tallyFor,
  type AnalysisAssessment,
  type AnalysisRecord,
  type MetricTally,
} from './assess.js';
import { measure, type MeasureDeps } from './measure.js';

/** Default bound of the measurement list; match the status schema's `maxItems`. */
export const DEFAULT_MAX_MEASUREMENTS = MAX_MEASUREMENTS;

export interface AnalyzeResult {
  /** Totals per check, in check order: write back to `status.analysis.results`. */
  readonly results: MetricTally[];
  /** Previous + new measurements, newest last, bounded: write back to status. */
  readonly measurements: MetricMeasurement[];
  /** Measurements taken in this call, for Events. */
  readonly taken: readonly MetricMeasurement[];
  readonly assessment: AnalysisAssessment;
}

/**
 * Measures every check that is due (in parallel), then assesses. `record` is the current run's
 * status (empty for a new run). Retryable source errors propagate (see `measure`): nothing is
 * recorded then and the caller retries with backoff.
 */
export async function analyze(
  checks: readonly MetricCheck[],
  record: AnalysisRecord,
  deps: MeasureDeps & { readonly maxMeasurements?: number },
): Promise<AnalyzeResult> {
  const before = assessAll(checks, record, deps.now);
  const dueChecks = checks.filter((c) => before.due.includes(c.name));
  const taken = await Promise.all(dueChecks.map((c) => measure(c, deps)));
  const max = deps.maxMeasurements ?? DEFAULT_MAX_MEASUREMENTS;
  let measurements: MetricMeasurement[] = [...(record.measurements ?? [])];
  for (const m of taken) measurements = appendBounded(measurements, m, max);
  const counted = checks.map((c) => addAll(tallyFor(c.name, record), taken));
  const assessment = assessAll(checks, { results: counted, measurements }, deps.now);
  const results = counted.map((t, i) => withVerdict(t, assessment.checks[i]?.phase));
  return { results, measurements, taken, assessment };
}

function addAll(t: MetricTally, taken: readonly MetricMeasurement[]): MetricTally {
  let next = t;
  for (const m of taken) {
    if (m.metric !== t.metric) continue;
    next = {
      ...next,
      successful: next.successful + (m.verdict === 'Successful' ? 1 : 0),
      failed: next.failed + (m.verdict === 'Failed' ? 1 : 0),
      inconclusive: next.inconclusive + (m.verdict === 'Inconclusive' ? 1 : 0),
      lastMeasuredAt: m.at,
    };
  }
  return next;
}

function withVerdict(t: MetricTally, phase: AnalysisAssessment['phase'] | undefined): MetricTally {
  if (phase === undefined || phase === 'Running') {
    const { verdict: _dropped, ...rest } = t;
    return rest;
  }
  return { ...t, verdict: phase };
}
