// Blue/green through the handler against the fakes: approval, automatic switch, smoke tests,
// blue kept for scaleDownDelay and the instant rollback inside that window, crash replay.
import { describe, expect, it } from 'vitest';
import { Harness } from './support/harness.js';
import {
  blueGreenSpec,
  image,
  REF,
  TEST_LISTENER,
  TG_A,
  TG_B,
  World,
  taskSetId,
} from './support/world.js';

const healthy = (n: number) => (h: Harness) =>
  h.status.phase === 'Healthy' && h.status.revision?.number === n;

describe('blue/green', () => {
  it('with approval Required: green is up and tested, waits, then switches at once on approve', async () => {
    const world = new World({ kind: 'canary' });
    const h = new Harness(world, blueGreenSpec());
    await h.until((x) => x.status.phase === 'AwaitingApproval');
    expect(await world.weights()).toEqual({ A: 100, B: 0 });
    expect(await world.weights(TEST_LISTENER)).toEqual({ A: 0, B: 100 });
    expect(
      world.ecs.taskSets(REF).find((t) => t.externalId === taskSetId(1, 'green')),
    ).toMatchObject({
      scalePercent: 100,
      targetGroupArns: [TG_B],
    });
    expect(h.status.conditions?.find((c) => c.type === 'Paused')).toMatchObject({
      status: 'True',
      reason: 'AwaitingApproval',
    });
    world.clock.advance(3_600_000);
    await h.reconcile();
    expect(h.status.phase).toBe('AwaitingApproval');
    h.annotate('approve', 1);
    await h.until(healthy(1));
    expect(h.weightCalls).toEqual([100]);
    expect(await world.weights()).toEqual({ A: 0, B: 100 });
    const sets = world.ecs.taskSets(REF);
    expect(sets.find((t) => t.status === 'PRIMARY')?.externalId).toBe(taskSetId(1, 'green'));
    expect(sets).toHaveLength(2); // blue stays up for scaleDownDelay
    expect(h.status.retiring).toBeDefined();
    world.clock.advance(10 * 60_000);
    await h.until((x) => x.status.retiring === undefined);
    expect(world.ecs.taskSets(REF)).toHaveLength(1);
  });

  it('an approve given early waits for the approval gate of its revision', async () => {
    const world = new World({ kind: 'canary' });
    const h = new Harness(world, blueGreenSpec());
    h.annotate('approve', 1);
    await h.until(healthy(1));
    expect(h.eventReasons()).not.toContain('AwaitingApproval');
    expect(h.status.actions?.approve).toBe('1');
  });

  it('with approval Auto (the hotfix playbook) it switches alone', async () => {
    const world = new World({ kind: 'canary' });
    const h = new Harness(world, blueGreenSpec({ approval: 'Auto' }));
    await h.until(healthy(1));
    expect(h.eventReasons()).not.toContain('AwaitingApproval');
    expect(await world.weights()).toEqual({ A: 0, B: 100 });
  });

  it('autoPromoteAfter switches when nobody approved in time', async () => {
    const world = new World({ kind: 'canary' });
    const h = new Harness(world, blueGreenSpec({ autoPromoteAfter: '30m' }));
    await h.until((x) => x.status.phase === 'AwaitingApproval');
    await h.until(healthy(1));
    expect(h.eventReasons()).toContain('AutoPromoted');
  });

  it('a failing smoke test before traffic rolls back: green deleted, production untouched', async () => {
    const world = new World({ kind: 'canary' });
    const spec = blueGreenSpec({ approval: 'Auto' });
    spec.checks = { smoke: [{ name: 'health', url: 'https://green.test/health', retries: 0 }] };
    const h = new Harness(world, spec);
    h.smokeStatus = 503;
    await h.until((x) => x.status.phase === 'RolledBack');
    expect(h.status.attempt?.rollback?.reason).toBe('SmokeTestFailed');
    expect(h.status.conditions?.find((c) => c.type === 'SmokeTestsPassed')?.status).toBe('False');
    expect(h.weightCalls).toEqual([]);
    expect(world.ecs.taskSets(REF)).toHaveLength(1);
  });

  it('the rollback action inside scaleDownDelay switches back to the blue task set, creating nothing', async () => {
    const world = new World({ kind: 'canary' });
    const h = new Harness(world, blueGreenSpec({ approval: 'Auto' }));
    await h.until(healthy(1));
    const created = world.ecs.log.count('createTaskSet');
    h.annotate('rollback', 1);
    h.canaryTg = TG_A;
    await h.until(healthy(2));
    expect(world.ecs.log.count('createTaskSet')).toBe(created);
    expect(await world.weights()).toEqual({ A: 100, B: 0 });
    expect(h.status.revision).toMatchObject({ image: image('v1'), fastPath: true });
    expect(world.ecs.taskSets(REF).find((t) => t.status === 'PRIMARY')?.targetGroupArns).toEqual([
      TG_A,
    ]);
  });

  it.each([0, 1])(
    'killed after every other action (offset %i): one green task set, one switch',
    async (offset) => {
      const world = new World({ kind: 'canary' });
      const h = new Harness(world, blueGreenSpec({ approval: 'Auto', scaleDownDelay: '1m' }));
      h.crashOffset = offset;
      await h.until((x) => healthy(1)(x) && x.status.retiring === undefined, { crash: 'ifActed' });
      expect(h.crashes).toBeGreaterThanOrEqual(3);
      expect(world.ecs.log.count('createTaskSet')).toBe(1);
      expect(h.weightCalls).toEqual([100]);
      expect(world.ecs.taskSets(REF)).toMatchObject([
        { status: 'PRIMARY', externalId: taskSetId(1, 'green') },
      ]);
    },
  );
});
