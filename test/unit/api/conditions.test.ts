import { Value } from '@sinclair/typebox/value';
import { describe, expect, it } from 'vitest';
import { toRfc3339 } from '../../../controller/index.js';
import { Condition } from '../../../reconcilers/shared/api/conditions.js';

describe('shared condition schema', () => {
  it('accepts a condition as the runtime writes it and refuses a malformed reason', () => {
    const condition = {
      type: 'Ready',
      status: 'True',
      reason: 'RevisionHealthy',
      message: 'revision 3 serves all traffic',
      observedGeneration: 4,
      lastTransitionTime: toRfc3339(new Date('2026-11-26T10:00:00.123Z')),
    };
    expect(Value.Check(Condition, condition)).toBe(true);
    expect(Value.Check(Condition, { ...condition, reason: 'not a reason' })).toBe(false);
    expect(Value.Check(Condition, { ...condition, lastTransitionTime: 'today' })).toBe(false);
  });
});
