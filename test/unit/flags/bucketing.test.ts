import { describe, expect, it } from 'vitest';
import { bucketOf, evaluateFlag, isInSplit, toEvaluable } from '../../../flags/index.js';
import { vectors } from './support/test-vectors.js';

describe('bucketing test vectors (flags/test-vectors.json)', () => {
  it('has at least 20 bucket vectors covering 0, 0.01, 5, 25, 50, 99.99 and 100 %', () => {
    expect(vectors.buckets.length).toBeGreaterThanOrEqual(20);
    expect(vectors.percentages.map((p) => p.percent)).toEqual([
      '0',
      '0.01',
      '5',
      '25',
      '50',
      '99.99',
      '100',
    ]);
    // The boundary buckets are present, so an off-by-one (<= instead of <) fails a vector.
    const buckets = new Set(vectors.buckets.map((v) => v.bucket));
    for (const edge of [0, 1, 499, 500, 2499, 2500, 4999, 5000, 9999])
      expect(buckets).toContain(edge);
  });

  it.each(vectors.buckets.map((v) => [`${v.salt}:${v.userId}`, v] as const))(
    'bucket of %s',
    (_label, v) => {
      expect(bucketOf(v.salt, v.userId)).toBe(v.bucket);
      expect(Number.parseInt(v.sha256First4Bytes, 16) % 10_000).toBe(v.bucket);
      for (const { percent, basisPoints } of vectors.percentages) {
        expect(isInSplit(v.bucket, basisPoints), `${percent} %`).toBe(v.on[percent]);
      }
    },
  );

  it.each(vectors.evaluations.map((v) => [v.description, v] as const))(
    'evaluation: %s',
    (_d, v) => {
      const flag =
        v.flag === null ? undefined : toEvaluable({ ...v.flag, basisPoints: v.flag.percentage });
      const result = evaluateFlag(flag, v.killSwitchActive, v.userId);
      expect({ value: result.value, reason: result.reason }).toEqual(v.expect);
    },
  );
});

describe('bucketing over 100,000 synthetic users (user-0 .. user-99999)', () => {
  const users = Array.from({ length: 100_000 }, (_, i) => `user-${i}`);
  const buckets = users.map((u) => bucketOf('new_query_optimizer', u));

  it.each([500, 2500, 5000])('puts %i basis points of users within ±0.5 point of target', (bp) => {
    const on = buckets.filter((b) => isInSplit(b, bp)).length;
    const sharePercent = (on / users.length) * 100;
    expect(Math.abs(sharePercent - bp / 100)).toBeLessThanOrEqual(0.5);
  });

  it('never switches a user off when the percentage grows 0 → 5 → 25 → 50 → 100', () => {
    const ramp = [0, 500, 2500, 5000, 10_000];
    let switchedOff = 0;
    let previous = buckets.map(() => false);
    for (const bp of ramp) {
      const current = buckets.map((b) => isInSplit(b, bp));
      switchedOff += current.filter((on, i) => previous[i] === true && !on).length;
      previous = current;
    }
    expect(switchedOff).toBe(0);
    expect(previous.every(Boolean)).toBe(true);
  });

  it('a different salt reshuffles users (independent cohorts per flag)', () => {
    const other = users.slice(0, 10_000).map((u) => bucketOf('another_flag', u) < 2500);
    const same = users.slice(0, 10_000).map((_, i) => (buckets[i] ?? 0) < 2500);
    const both = other.filter((on, i) => on && same[i] === true).length;
    // Independent 25 % cohorts overlap on ~6.25 % of users, not 25 %.
    expect(both / 10_000).toBeGreaterThan(0.05);
    expect(both / 10_000).toBeLessThan(0.075);
  });
});
