// A task set is stable on evidence only: ECS's stabilityStatus or its counts. One reporting
// neither is not known to be stable, so the stages waiting on it keep waiting.
import { describe, expect, it } from 'vitest';
import { isTaskSetStable } from '../../../../reconcilers/release/plan/world.js';
import { canaryTaskSet } from './fixtures.js';

describe('isTaskSetStable', () => {
  it.each([
    ['no stabilityStatus and no counts', {}, false],
    ['STEADY_STATE without counts', { stabilityStatus: 'STEADY_STATE' }, true],
    [
      'STABILIZING with full counts',
      { stabilityStatus: 'STABILIZING', runningCount: 4, computedDesiredCount: 4 },
      false,
    ],
    ['no stabilityStatus, 3 of 4 running', { runningCount: 3, computedDesiredCount: 4 }, false],
    ['no stabilityStatus, 4 of 4 running', { runningCount: 4, computedDesiredCount: 4 }, true],
  ] as const)('%s → %s', (_name, fields, stable) => {
    const { stabilityStatus: _omit, ...base } = canaryTaskSet(5);
    expect(isTaskSetStable({ ...base, ...fields })).toBe(stable);
  });
});
