// A rollback sends traffic back only to a stable task set that can take it. Found in review: the
// reconcile that finishes a canary also scales the old stable task set to 0 (retiring); if its
// status write is lost (a crash, or the 409 an annotation causes), the next reconcile replays the
// post-deployment checks — and a check failing then rolled back by moving 100 % of production
// traffic onto the target group whose task set had just been scaled to 0.
import { describe, expect, it } from 'vitest';
import { Harness } from './support/harness.js';
import { canarySpec, REF, TG_A, World } from './support/world.js';

/** Production traffic never goes to a target group without a running task set behind it. */
async function servedWithCapacity(world: World): Promise<boolean> {
  const { A } = await world.weights();
  if (A === 0) return true;
  const sets = world.ecs.taskSets(REF).filter((t) => t.targetGroupArns.includes(TG_A));
  return sets.some((t) => t.scalePercent > 0 && (t.runningCount ?? 1) > 0);
}

describe('rollback after the old stable task set was scaled down', () => {
  it('scales it up again before traffic goes back to it', async () => {
    const world = new World({ kind: 'canary' });
    const h = new Harness(
      world,
      canarySpec({ checks: { postDeployment: { noAlarmsFiring: ['ldb-5xx'] } } }),
    );
    await h.until((x) => x.status.stage === 'PostChecks');
    // Healthy: old stable scaled to 0. That reconcile's decision is written ahead of the scale (a
    // write found done is told from that mark), so a crash alone resumes from Done; the premise
    // here is a status that still says PostChecks, as a status restored from before would.
    const before = structuredClone(h.obj.status);
    await h.reconcile({ crash: true });
    h.obj.status = before;
    const old = world.ecs.taskSets(REF).find((t) => t.targetGroupArns.includes(TG_A));
    expect(old?.scalePercent).toBe(0);

    world.alarms.firing.add('ldb-5xx');
    for (let i = 0; i < 100 && h.status.stage !== 'Done'; i++) {
      const outcome = await h.reconcile();
      expect(await servedWithCapacity(world)).toBe(true);
      world.clock.advance(outcome.requeueAfterMs ?? 1_000);
    }
    expect(h.status.phase).toBe('RolledBack');
    expect(await world.weights()).toEqual({ A: 100, B: 0 });
    expect(world.ecs.taskSets(REF)).toMatchObject([
      { status: 'PRIMARY', targetGroupArns: [TG_A], scalePercent: 100 },
    ]);
  });
});
