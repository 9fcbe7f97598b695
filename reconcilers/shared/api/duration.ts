// Go-style durations (`30s`, `10m`, `1h30m`) in specs. The syntax and the parser are the
// controller's (controller/duration.ts), so a value the CRD admits is a value the controller reads;
// CEL's `duration()` parses the same subset, which is what the min/max rules rely on.
import { Type, type StringOptions, type TString } from '@sinclair/typebox';
import { DURATION_PATTERN, parseDuration } from '../../../controller/index.js';
import { withRules, type CelRule } from './schema.js';

export { DURATION_PATTERN, parseDuration };

export interface DurationOptions extends StringOptions {
  /** Inclusive lower bound, itself a duration (`1s`). */
  readonly min?: string;
  /** Inclusive upper bound (`24h`). */
  readonly max?: string;
}

/** A non-negative duration: `0`, or `<number><unit>` repeated, units `ms`, `s`, `m`, `h`. */
export function Duration(options: DurationOptions = {}): TString {
  const { min, max, ...rest } = options;
  const schema = Type.String({
    pattern: DURATION_PATTERN,
    maxLength: 32,
    description: 'Duration such as 30s, 10m or 1h30m (units ms, s, m, h).',
    ...rest,
  });
  const rules: CelRule<string>[] = [];
  if (min !== undefined) {
    const minMs = parseDuration(min);
    rules.push({
      rule: `duration(self) >= duration('${min}')`,
      message: `must be at least ${min}`,
      check: (self) => parseDuration(self) >= minMs,
    });
  }
  if (max !== undefined) {
    const maxMs = parseDuration(max);
    rules.push({
      rule: `duration(self) <= duration('${max}')`,
      message: `must be at most ${max}`,
      check: (self) => parseDuration(self) <= maxMs,
    });
  }
  return rules.length > 0 ? withRules(schema, rules) : schema;
}
