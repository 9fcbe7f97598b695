// A canary keeps to its schedule (issue 15, step timing): with every reconcile running late by a
// fixed latency, weight change k still comes within 1 s of the first change + k × pause, and the
// lateness does not grow over the steps (due times come from the schedule, and the follow-up after
// an action taken inside a pause comes no later than the pause's end).
import { describe, expect, it } from 'vitest';
import { Harness } from './support/harness.js';
import { World, canarySpec } from './support/world.js';

const PAUSE_MS = 2_000;

async function weightChangeTimes(latencyMs: number, weights: readonly number[]): Promise<number[]> {
  const world = new World({ kind: 'canary' });
  const base = canarySpec();
  const canary = base.strategy.canary;
  if (canary === undefined) throw new Error('canarySpec has no canary');
  const steps = weights.flatMap((weight) => [
    { setWeight: weight },
    { pause: { duration: `${PAUSE_MS / 1000}s` } },
  ]);
  const h = new Harness(world, { ...base, strategy: { canary: { ...canary, steps } } });
  const times: number[] = [];
  for (let i = 0; i < 500 && times.length < weights.length; i++) {
    const before = h.weightCalls.length;
    const outcome = await h.reconcile();
    if (h.weightCalls.length > before) times.push(world.clock.now().getTime());
    world.clock.advance((outcome.requeueAfterMs ?? 600_000) + latencyMs);
  }
  expect(times).toHaveLength(weights.length);
  return times;
}

describe('canary step timing', () => {
  it.each([0, 37, 250])(
    'with %d ms of latency per reconcile, 10 weight changes keep to the schedule',
    async (latencyMs) => {
      const times = await weightChangeTimes(latencyMs, [10, 20, 30, 40, 50, 60, 70, 80, 90, 95]);
      const first = times[0] ?? 0;
      const behind = times.map((at, k) => at - (first + k * PAUSE_MS));
      for (const late of behind) {
        expect(late).toBeGreaterThanOrEqual(0);
        expect(late).toBeLessThanOrEqual(1_000);
      }
      // No drift: the last change is no later behind the schedule than the second one.
      expect(behind.at(-1)).toBe(behind[1]);
    },
  );
});
