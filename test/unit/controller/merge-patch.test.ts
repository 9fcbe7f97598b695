import { describe, expect, it } from 'vitest';
import { createMergePatch, jsonEqual } from '../../../controller/k8s/merge-patch.js';

describe('createMergePatch', () => {
  it('sends only changed fields, nulls removed ones, replaces arrays whole', () => {
    const from = {
      phase: 'Progressing',
      step: 1,
      nested: { a: 1, b: 2 },
      conditions: [{ type: 'Ready' }],
      gone: 'x',
    };
    const to = {
      phase: 'Progressing',
      step: 2,
      nested: { a: 1, c: 3 },
      conditions: [{ type: 'Ready' }, { type: 'Stalled' }],
    };
    expect(createMergePatch(from, to)).toEqual({
      step: 2,
      nested: { b: null, c: 3 },
      conditions: [{ type: 'Ready' }, { type: 'Stalled' }],
      gone: null,
    });
  });

  it('is undefined for equal documents, treating undefined properties as absent', () => {
    expect(
      createMergePatch({ a: 1, b: [1, { c: 2 }] }, { a: 1, b: [1, { c: 2 }], d: undefined }),
    ).toBeUndefined();
    expect(jsonEqual({ a: undefined }, {})).toBe(true);
    expect(jsonEqual([1, 2], [2, 1])).toBe(false);
  });
});
