// progressDeadline after a planned wait on analysis: a background gate that measures longer than
// the deadline (count × interval) holds the next weight increase as a timed wait; once it passes,
// the increase must not be charged for the time the gate took — the canary was healthy throughout.
// Before the fix, the scale action right after a 40-minute gate tripped ProgressDeadlineExceeded.
import { describe, expect, it } from 'vitest';
import type { ReleaseSpec } from '../../../reconcilers/release/api.js';
import { Harness } from './support/harness.js';
import { canarySpec, ERROR_RATE_CHECK, REF, World } from './support/world.js';

const LONG_GATE = { ...ERROR_RATE_CHECK, interval: '1m', count: 40 } as const;

function twoSteps(): ReleaseSpec {
  const base = canarySpec();
  return canarySpec({
    progressDeadline: '30m',
    analysis: { metrics: [LONG_GATE] },
    strategy: {
      canary: {
        steps: [{ setWeight: 10 }, { setWeight: 50 }],
        trafficRouting: base.strategy.canary!.trafficRouting,
      },
    },
  });
}

describe('progressDeadline and analysis gates', () => {
  it('a background gate longer than the deadline that passes does not roll the canary back', async () => {
    const world = new World({ kind: 'canary' });
    world.errorRate(0.2);
    const h = new Harness(world, twoSteps());
    await h.until((x) => x.status.phase === 'Healthy' || x.status.phase === 'RolledBack', {
      max: 400,
    });
    expect(h.status.attempt?.rollback?.reason).toBeUndefined();
    expect(h.status.phase).toBe('Healthy');
    expect(await world.weights()).toEqual({ A: 0, B: 100 });
  });

  it('promote on a gate that has run longer than the deadline moves on without a rollback', async () => {
    const world = new World({ kind: 'canary' });
    world.errorRate(0.2);
    const h = new Harness(world, twoSteps());
    await h.until((x) => x.status.attempt?.currentStepIndex === 1);
    const heldSince = world.clock.now().getTime();
    await h.until(() => world.clock.now().getTime() - heldSince > 32 * 60_000);
    expect(h.status.attempt?.analysis?.verdict).toBe('Running');
    h.annotate('promote', 1);
    await h.until((x) => (x.status.currentWeight ?? 0) >= 50 || x.status.stage !== 'Steps');
    expect(h.status.attempt?.rollback?.reason).toBeUndefined();
    expect(await world.weights()).toEqual({ A: 50, B: 50 });
  });

  it('a wait on AWS after the gate passed is still bounded by the deadline, counted from the pass', async () => {
    const world = new World({ kind: 'canary' });
    world.errorRate(0.2);
    const h = new Harness(world, twoSteps());
    const canary = () => world.ecs.taskSets(REF).find((ts) => ts.status !== 'PRIMARY');
    await h.until(() => canary()?.scalePercent === 50, { max: 400 });
    const passedAt = world.clock.now().getTime();
    world.ecs.patchTaskSet(REF, canary()!.arn, { stabilityStatus: 'STABILIZING' });
    await h.until((x) => x.status.stage === 'Done', { max: 400 });
    expect(h.status.attempt?.rollback?.reason).toBe('ProgressDeadlineExceeded');
    expect(world.clock.now().getTime() - passedAt).toBeGreaterThanOrEqual(30 * 60_000);
    expect(await world.weights()).toEqual({ A: 100, B: 0 });
  });
});
