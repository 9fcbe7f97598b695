// What an action's answer makes of the reconcile (plan/result.ts, the kit's afterAction).
import { describe, expect, it } from 'vitest';
import { lastWriteOf } from '../../../../reconcilers/release/plan/found.js';
import { afterReleaseAction } from '../../../../reconcilers/release/plan/result.js';
import type { Action, ReleaseState } from '../../../../reconcilers/release/plan/index.js';

const registering: ReleaseState = {
  revision: { number: 2, specHash: 'h2', image: 'app:v2', registering: true },
};
const register = {
  type: 'registerTaskDefinition',
  region: 'us-east-1',
  base: 'arn:aws:ecs:us-east-1:123456789012:task-definition/app:1',
  change: { container: 'app', image: 'app:v2' },
  tags: [],
} as unknown as Action;
const flagWrite = {
  type: 'setMaintenanceFlag',
  flag: 'maintenance_mode',
  on: true,
  expectedVersion: 4,
  write: {},
} as unknown as Action;

describe('afterReleaseAction', () => {
  it('records the ARN RegisterTaskDefinition answered, and the revision is no longer registering', () => {
    const arn = 'arn:aws:ecs:us-east-1:123456789012:task-definition/app:2';
    const after = afterReleaseAction(registering, register, { taskDefinitionArn: arn }, 200);
    expect(after).toEqual({
      outcome: 'applied',
      status: { revision: { number: 2, specHash: 'h2', image: 'app:v2', taskDefinitionArn: arn } },
    });
  });

  it('a maintenance flag that changed meanwhile is a lost race: nothing recorded, read afresh soon', () => {
    const after = afterReleaseAction(
      registering,
      flagWrite,
      { flagConflict: { currentVersion: 6 } },
      200,
    );
    expect(after).toEqual({
      outcome: 'lost',
      why: 'maintenance flag maintenance_mode changed meanwhile (version 6, expected 4)',
      requeueAfterMs: 200,
    });
  });

  it('a flag write that went through stands as decided', () => {
    expect(afterReleaseAction(registering, flagWrite, {}, 200)).toEqual({
      outcome: 'applied',
      status: { ...registering, lastWrite: lastWriteOf(flagWrite) },
    });
  });
});
