// The blue/green switch sends production traffic to green only while green is stable. Green was
// stable when Deploy ended, but Smoke and the approval wait (hours, days) lie in between; before the
// fix the switch moved 100 % of production traffic to a green task set that had since stopped
// running its tasks (a canary's promotion already checked this).
import { describe, expect, it } from 'vitest';
import { Harness } from './support/harness.js';
import { blueGreenSpec, REF, World, taskSetId } from './support/world.js';

describe('blue/green switch', () => {
  it('waits while green is not stable after the approval, then switches', async () => {
    const world = new World({ kind: 'canary' });
    const h = new Harness(world, blueGreenSpec());
    await h.until((x) => x.status.phase === 'AwaitingApproval');
    const green = world.ecs.taskSets(REF).find((t) => t.externalId === taskSetId(1, 'green'))!;
    world.ecs.patchTaskSet(REF, green.arn, { stabilityStatus: 'STABILIZING', runningCount: 0 });
    world.clock.advance(3_600_000);
    h.annotate('approve', 1);
    for (let i = 0; i < 5; i++) {
      const outcome = await h.reconcile();
      world.clock.advance(outcome.requeueAfterMs ?? 1_000);
    }
    expect(h.weightCalls).toEqual([]);
    expect(await world.weights()).toEqual({ A: 100, B: 0 });
    expect(h.status.stage).toBe('Switch');
    expect(h.status.message).toContain('to become stable');

    world.ecs.patchTaskSet(REF, green.arn, {
      stabilityStatus: 'STEADY_STATE',
      runningCount: green.computedDesiredCount ?? 4,
    });
    await h.until((x) => x.status.phase === 'Healthy');
    expect(await world.weights()).toEqual({ A: 0, B: 100 });
  });

  it('a green that never recovers is rolled back by progressDeadline: traffic stays on blue', async () => {
    const world = new World({ kind: 'canary' });
    const h = new Harness(world, { ...blueGreenSpec(), progressDeadline: '5m' });
    await h.until((x) => x.status.phase === 'AwaitingApproval');
    const green = world.ecs.taskSets(REF).find((t) => t.externalId === taskSetId(1, 'green'))!;
    world.ecs.patchTaskSet(REF, green.arn, { stabilityStatus: 'STABILIZING', runningCount: 0 });
    h.annotate('approve', 1);
    await h.until((x) => x.status.stage === 'Done');
    expect(h.status.attempt?.rollback?.reason).toBe('ProgressDeadlineExceeded');
    expect(h.weightCalls).toEqual([]);
    expect(await world.weights()).toEqual({ A: 100, B: 0 });
  });
});
