// One value against a check's success and failure conditions (Argo Rollouts semantics).
import type { MetricCheck, Verdict } from '../api/metric-check.js';
import { conditionHolds, type Condition } from './condition.js';
import { checkSettings } from './settings.js';

/**
 * - no value (no data, NaN, zero denominator) → Inconclusive, never Successful;
 * - the failure condition holds → Failed (also when the success condition holds too);
 * - the success condition holds → Successful;
 * - both conditions set and neither holds → Inconclusive (the band between them);
 * - only one condition set: its negation decides (only success set and not met → Failed;
 *   only failure set and not met → Successful).
 */
export function judge(value: number | undefined, check: MetricCheck): Verdict {
  const { success, failure } = checkSettings(check);
  return judgeWith(value, success, failure);
}

export function judgeWith(
  value: number | undefined,
  success: Condition | undefined,
  failure: Condition | undefined,
): Verdict {
  if (value === undefined || !Number.isFinite(value)) return 'Inconclusive';
  if (failure !== undefined && conditionHolds(failure, value)) return 'Failed';
  if (success !== undefined && conditionHolds(success, value)) return 'Successful';
  if (success !== undefined && failure !== undefined) return 'Inconclusive';
  if (success !== undefined) return 'Failed';
  if (failure !== undefined) return 'Successful';
  // The schema requires a condition; without one nothing can be concluded.
  return 'Inconclusive';
}
