// A metric check with every default applied and every string parsed. The apiserver applies the
// CRD defaults too, but the engine does not rely on that (objects built in code or older stored
// versions may lack them).
import { parseDuration } from '../../../controller/index.js';
import type { MetricCheck, MetricQuery } from '../api/metric-check.js';
import { parseCondition, type Condition } from './condition.js';

export const DEFAULT_INTERVAL = '1m';
export const DEFAULT_PERIOD = '1m';
export const DEFAULT_RATIO_SCALE = 100;

export interface CheckSettings {
  readonly name: string;
  readonly intervalMs: number;
  /** Look-back of one measurement. */
  readonly windowMs: number;
  readonly count: number;
  readonly failureLimit: number;
  readonly inconclusiveLimit: number;
  readonly success?: Condition;
  readonly failure?: Condition;
}

/** Throws (DurationError, ConditionError) on malformed input; `validateMetricCheck` reports it. */
export function checkSettings(check: MetricCheck): CheckSettings {
  const intervalMs = parseDuration(check.interval ?? DEFAULT_INTERVAL);
  const windowMs =
    check.cloudWatch.window === undefined ? intervalMs : parseDuration(check.cloudWatch.window);
  return {
    name: check.name,
    intervalMs,
    windowMs,
    count: check.count ?? 1,
    failureLimit: check.failureLimit ?? 0,
    inconclusiveLimit: check.inconclusiveLimit ?? 0,
    ...(check.successCondition === undefined
      ? {}
      : { success: parseCondition(check.successCondition) }),
    ...(check.failureCondition === undefined
      ? {}
      : { failure: parseCondition(check.failureCondition) }),
  };
}

export const periodSeconds = (query: MetricQuery): number =>
  parseDuration(query.period ?? DEFAULT_PERIOD) / 1000;
