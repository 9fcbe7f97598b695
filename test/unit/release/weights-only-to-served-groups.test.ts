// Traffic is shifted only to target groups a live task set of the service serves. Found in review:
// trafficRouting is not immutable, and editing canaryTargetGroupArn during a rollout (fixing a
// copy-paste slip) made the next step send its share of production traffic to the new, empty
// target group — every such request failed. Now the step waits (progressDeadline then rolls back)
// and the rollback returns all traffic to the stable group.
import { describe, expect, it } from 'vitest';
import { Harness } from './support/harness.js';
import { ACCOUNT, canarySpec, LISTENER, REF, REGION, TG_A, World } from './support/world.js';

const TG_C = `arn:aws:elasticloadbalancing:${REGION}:${ACCOUNT}:targetgroup/ldb-other/0a1b2c3d4e5f6a7b`;

async function emptyGroupServed(world: World): Promise<boolean> {
  const weights = await world.traffic.getWeights(REGION, LISTENER);
  const served = new Set(
    world.ecs
      .taskSets(REF)
      .filter((t) => t.scalePercent > 0)
      .flatMap((t) => t.targetGroupArns),
  );
  return weights.some((w) => w.weight > 0 && !served.has(w.targetGroupArn));
}

describe('weights go only to target groups with a task set', () => {
  it('a canary target group changed mid-rollout gets no traffic; the rollout rolls back', async () => {
    const world = new World({ kind: 'canary' });
    const h = new Harness(world, canarySpec({ progressDeadline: '5m' }));
    await h.until((x) => (x.status.currentWeight ?? 0) >= 5 && x.status.stage === 'Steps');
    const canary = canarySpec().strategy.canary!;
    h.setSpec({
      strategy: {
        canary: {
          ...canary,
          trafficRouting: { alb: { ...canary.trafficRouting.alb, canaryTargetGroupArn: TG_C } },
        },
      },
    });
    for (let i = 0; i < 200 && h.status.stage !== 'Done'; i++) {
      const outcome = await h.reconcile();
      expect(await emptyGroupServed(world)).toBe(false);
      world.clock.advance(outcome.requeueAfterMs ?? 1_000);
    }
    expect(h.status.phase).toBe('RolledBack');
    expect(h.status.attempt?.rollback?.reason).toBe('ProgressDeadlineExceeded');
    expect(await world.weights()).toMatchObject({ A: 100 });
    expect(world.ecs.taskSets(REF)).toMatchObject([{ status: 'PRIMARY', targetGroupArns: [TG_A] }]);
  });
});
