// Semantic checks of a metric check beyond its schema and CEL rules (which api/validation.ts
// `schemaErrors` runs first); the kinds' validate() report these as InvalidSpec. Durations,
// periods and conditions are re-parsed so that the engine never meets one it cannot read.
import { DurationError, parseDuration } from '../../../controller/index.js';
import type { MetricCheck, MetricQuery } from '../api/metric-check.js';
import { ConditionError, parseCondition } from './condition.js';
import { DEFAULT_INTERVAL, DEFAULT_PERIOD } from './settings.js';

/** Structurally the runtime's FieldError. */
export interface CheckFieldError {
  readonly field: string;
  readonly message: string;
}

const HIGH_RESOLUTION_SECONDS = new Set([1, 5, 10, 30]);

/** `path` is the check's field path, e.g. `spec.analysis.metrics[0]`. */
export function validateMetricCheck(check: MetricCheck, path: string): CheckFieldError[] {
  const errors: CheckFieldError[] = [];
  const err = (field: string, message: string): void => {
    errors.push({ field: `${path}.${field}`, message });
  };
  const cw = check.cloudWatch;
  const interval = duration(check.interval ?? DEFAULT_INTERVAL, 'interval', err);
  const window = cw.window === undefined ? interval : duration(cw.window, 'cloudWatch.window', err);
  for (const key of ['successCondition', 'failureCondition'] as const) {
    const text = check[key];
    if (text === undefined) continue;
    try {
      parseCondition(text);
    } catch (e) {
      if (!(e instanceof ConditionError)) throw e;
      err(key, e.message);
    }
  }
  const queries: [string, MetricQuery | undefined][] = [
    ['cloudWatch.metric', cw.metric],
    ['cloudWatch.ratio.numerator', cw.ratio?.numerator],
    ['cloudWatch.ratio.denominator', cw.ratio?.denominator],
  ];
  for (const [field, query] of queries) {
    if (query === undefined) continue;
    const period = duration(query.period ?? DEFAULT_PERIOD, `${field}.period`, err);
    if (period === undefined) continue;
    const seconds = period / 1000;
    if (!(HIGH_RESOLUTION_SECONDS.has(seconds) || (seconds > 0 && seconds % 60 === 0))) {
      err(`${field}.period`, 'must be 1s, 5s, 10s, 30s or a multiple of 60s');
    } else if (window !== undefined && window < period) {
      err(`${field}.period`, 'is longer than the window: no complete datapoint would be read');
    }
  }
  if (cw.compare !== undefined && cw.compare.treatment === cw.compare.control) {
    err('cloudWatch.compare.control', 'must differ from treatment');
  }
  return errors;
}

function duration(
  text: string,
  field: string,
  err: (field: string, message: string) => void,
): number | undefined {
  try {
    const ms = parseDuration(text);
    if (ms > 0) return ms;
    err(field, 'must be greater than 0');
  } catch (e) {
    if (!(e instanceof DurationError)) throw e;
    err(field, e.message);
  }
  return undefined;
}
