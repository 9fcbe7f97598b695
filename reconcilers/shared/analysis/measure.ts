// The one impure step of the engine: read the window's data for one check and judge it.
import type { MetricCheck, MetricMeasurement, Verdict } from '../api/metric-check.js';
import { conditionHolds, formatCondition } from './condition.js';
import { judgeWith } from './judge.js';
import { MetricSourceError, type MetricSource } from './metric-source.js';
import { planQueries } from './queries.js';
import { checkSettings, type CheckSettings } from './settings.js';

export interface MeasureDeps {
  readonly now: Date;
  readonly source: MetricSource;
  /** Region for checks that name none (the kind's target region). */
  readonly defaultRegion: string;
  readonly signal?: AbortSignal;
}

/**
 * Measures `check` over `[now − window, now)`.
 *
 * Errors: a retryable `MetricSourceError` (throttling after the SDK's own retries, 5xx, network)
 * and any unexpected error are rethrown — the reconcile is retried with backoff and nothing is
 * recorded, so a brief CloudWatch hiccup cannot use up `inconclusiveLimit`. A non-retryable one
 * (access denied, invalid query) is a lasting condition: it is recorded as an Inconclusive
 * measurement with the source's message, which holds the rollout and shows why in status.
 */
export async function measure(check: MetricCheck, deps: MeasureDeps): Promise<MetricMeasurement> {
  const settings = checkSettings(check);
  const plan = planQueries(check, deps.defaultRegion);
  const at = wholeSeconds(deps.now);
  const base = { metric: check.name, at };
  let data;
  try {
    data = await deps.source.query({
      region: plan.region,
      queries: plan.queries,
      start: new Date(deps.now.getTime() - settings.windowMs),
      end: deps.now,
      ...(deps.signal === undefined ? {} : { signal: deps.signal }),
    });
  } catch (error) {
    if (error instanceof MetricSourceError && !error.retryable) {
      return { ...base, verdict: 'Inconclusive', message: bounded(error.message) };
    }
    throw error;
  }
  const { value, message } = plan.evaluate(data);
  const verdict = judgeWith(value, settings.success, settings.failure);
  if (value === undefined || !Number.isFinite(value)) {
    return { ...base, verdict, message: bounded(message ?? 'no value') };
  }
  // Six significant digits keep float noise (0.5000000001) out of status; judged unrounded.
  const stored = Number(value.toPrecision(6));
  const why = explain(value, verdict, settings);
  return { ...base, value: stored, verdict, ...(why === undefined ? {} : { message: why }) };
}

/** What was measured against what limit: `7 > 5 (failure condition)`. */
function explain(value: number, verdict: Verdict, settings: CheckSettings): string | undefined {
  const { success, failure } = settings;
  if (verdict === 'Successful') return undefined;
  const shown = String(Number(value.toPrecision(6)));
  if (failure !== undefined && conditionHolds(failure, value)) {
    return `${shown} ${formatCondition(failure)} (failure condition)`;
  }
  if (verdict === 'Failed' && success !== undefined) {
    return `${shown}, not ${formatCondition(success)} (success condition)`;
  }
  if (success !== undefined && failure !== undefined) {
    return `${shown}, neither ${formatCondition(success)} (success) nor ${formatCondition(failure)} (failure)`;
  }
  return undefined;
}

/** RFC 3339 with whole seconds, as Kubernetes timestamps. */
export function wholeSeconds(date: Date): string {
  return new Date(Math.floor(date.getTime() / 1000) * 1000).toISOString().replace('.000Z', 'Z');
}

const MAX_MESSAGE = 512;
const bounded = (text: string): string =>
  text.length > MAX_MESSAGE ? `${text.slice(0, MAX_MESSAGE - 1)}…` : text;
