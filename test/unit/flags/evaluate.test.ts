import { describe, expect, it } from 'vitest';
import type { EvaluableFlag } from '../../../flags/index.js';
import { bucketOf, evaluateFlag, EvaluationReason } from '../../../flags/index.js';

const flag = (overrides: Partial<EvaluableFlag> = {}): EvaluableFlag => ({
  enabled: true,
  basisPoints: 2500,
  salt: 'nqo',
  targets: new Set(['u-internal-1']),
  ...overrides,
});

// user-x buckets are fixed by the hash; find one inside and one outside 25 % for salt "nqo".
const inside = Array.from({ length: 100 }, (_, i) => `user-${i}`).find(
  (u) => bucketOf('nqo', u) < 2500,
)!;
const outside = Array.from({ length: 100 }, (_, i) => `user-${i}`).find(
  (u) => bucketOf('nqo', u) >= 2500,
)!;

describe('evaluateFlag order', () => {
  it('missing flag → off, DEFAULT (even with an active kill switch)', () => {
    expect(evaluateFlag(undefined, true, inside)).toEqual({ value: false, reason: 'DEFAULT' });
  });

  it('kill switch → off, KILLED, before disabled, targets and split', () => {
    for (const user of ['u-internal-1', inside]) {
      expect(evaluateFlag(flag({ enabled: false }), true, user).reason).toBe(
        EvaluationReason.Killed,
      );
      expect(evaluateFlag(flag(), true, user)).toEqual({ value: false, reason: 'KILLED' });
    }
  });

  it('disabled → off, DISABLED, before targets and split', () => {
    const disabled = flag({ enabled: false, basisPoints: 10_000 });
    expect(evaluateFlag(disabled, false, 'u-internal-1')).toEqual({
      value: false,
      reason: 'DISABLED',
    });
    expect(evaluateFlag(disabled, false, inside)).toEqual({ value: false, reason: 'DISABLED' });
  });

  it('targeted user → on, TARGETING_MATCH, even at 0 %', () => {
    expect(evaluateFlag(flag({ basisPoints: 0 }), false, 'u-internal-1')).toEqual({
      value: true,
      reason: 'TARGETING_MATCH',
    });
  });

  it('otherwise the split decides and reports the bucket', () => {
    expect(evaluateFlag(flag(), false, inside)).toEqual({
      value: true,
      reason: 'SPLIT',
      bucket: bucketOf('nqo', inside),
    });
    expect(evaluateFlag(flag(), false, outside)).toMatchObject({ value: false, reason: 'SPLIT' });
    expect(evaluateFlag(flag({ basisPoints: 0 }), false, inside).value).toBe(false);
    expect(evaluateFlag(flag({ basisPoints: 10_000 }), false, outside).value).toBe(true);
  });
});
