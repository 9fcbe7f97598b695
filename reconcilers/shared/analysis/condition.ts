// Threshold conditions such as `< 1` or `>= 99.5` (the `successCondition` / `failureCondition`
// of a metric check). Deliberately not an expression language: one comparison with a number.

export type Comparator = '<' | '<=' | '>' | '>=';

export interface Condition {
  readonly comparator: Comparator;
  readonly threshold: number;
}

const CONDITION = /^(<=|>=|<|>)\s*(-?[0-9]+(?:\.[0-9]+)?)$/;

export class ConditionError extends Error {
  override readonly name = 'ConditionError';
}

/** Parses `"< 1"`; throws `ConditionError` naming the input. */
export function parseCondition(text: string): Condition {
  const match = CONDITION.exec(text.trim());
  if (match === null) {
    throw new ConditionError(`invalid condition "${text}": expected e.g. "< 1" or ">= 99.5"`);
  }
  const [, comparator, threshold] = match as unknown as [string, Comparator, string];
  return { comparator, threshold: Number(threshold) };
}

/** Whether `value` satisfies the condition; false for NaN and infinities. */
export function conditionHolds(condition: Condition, value: number): boolean {
  if (!Number.isFinite(value)) return false;
  const t = condition.threshold;
  switch (condition.comparator) {
    case '<':
      return value < t;
    case '<=':
      return value <= t;
    case '>':
      return value > t;
    case '>=':
      return value >= t;
  }
}

export const formatCondition = (c: Condition): string => `${c.comparator} ${c.threshold}`;
