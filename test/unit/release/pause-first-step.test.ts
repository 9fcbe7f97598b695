// A timed pause as the first canary step ends. Before the fix its start was taken from
// stepStartedAt, which only a completed step sets: as the first step it was "now" on every
// reconcile, nextStepAt moved forward each time and the rollout never left the pause.
import { describe, expect, it } from 'vitest';
import { Harness } from './support/harness.js';
import { canarySpec, World } from './support/world.js';

describe('a timed pause as the first step', () => {
  it('ends after its duration and the rollout goes on', async () => {
    const base = canarySpec();
    const world = new World({ kind: 'canary' });
    const h = new Harness(
      world,
      canarySpec({
        strategy: {
          canary: {
            steps: [{ pause: { duration: '5m' } }, { setWeight: 50 }],
            trafficRouting: base.strategy.canary!.trafficRouting,
          },
        },
      }),
    );
    await h.until((x) => x.status.stage === 'Steps');
    const start = world.clock.now().getTime();
    await h.until((x) => x.status.phase === 'Healthy', { max: 100 });
    expect(world.clock.now().getTime() - start).toBeLessThan(10 * 60_000);
    expect(h.weightCalls).toEqual([50, 100]);
  });
});
