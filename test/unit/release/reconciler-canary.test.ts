// The Release handler end to end against the port fakes: a full canary, crash after every action,
// rollback on bad metrics, hold on missing metrics, operator abort / promote / rollback.
import { describe, expect, it } from 'vitest';
import { Harness } from './support/harness.js';
import {
  canarySpec,
  ERROR_RATE_CHECK,
  image,
  REF,
  TG_A,
  TG_B,
  World,
  taskSetId,
} from './support/world.js';

const SHORTHAND = [5, 15, 25, 35, 45, 55, 65, 75, 85, 95, 100];

const healthy = (n: number) => (h: Harness) =>
  h.status.phase === 'Healthy' &&
  h.status.revision?.number === n &&
  h.status.retiring === undefined;

describe('canary', () => {
  it('moves 5 → 15 → … → 100 step by step, then one primary task set runs the new task definition', async () => {
    const world = new World({ kind: 'canary' });
    const h = new Harness(world, canarySpec());
    const seen = new Set<string>();
    await h.until(async (x) => {
      const { B } = await world.weights();
      seen.add(`${x.status.attempt?.step ?? '-'}:${B}:${x.status.currentWeight ?? 0}`);
      return healthy(1)(x);
    });
    expect(h.weightCalls).toEqual(SHORTHAND);
    // STEP is the step in progress, from 1: once step 1's 5 % is live, step 2 (its pause) runs.
    expect(seen).toContain('2/21:5:5');
    expect(seen).toContain('4/21:15:15');
    expect(seen).toContain('21/21:100:100');
    const sets = world.ecs.taskSets(REF);
    expect(sets).toHaveLength(1);
    expect(sets[0]).toMatchObject({
      status: 'PRIMARY',
      externalId: taskSetId(1, 'canary'),
      targetGroupArns: [TG_B],
    });
    const td = await world.ecs.describeTaskDefinition('us-east-1', sets[0]!.taskDefinitionArn);
    expect(td.containers.find((c) => c.name === 'latticedb')?.image).toBe(image('v2'));
    expect(td.containers.find((c) => c.name === 'sidecar')?.image).toBe('public.ecr.aws/envoy:1');
    expect(await world.weights()).toEqual({ A: 0, B: 100 });
    expect(h.status).toMatchObject({
      stableTargetGroupArn: TG_B,
      stableRevision: { number: 1, image: image('v2') },
      deploymentLog: [{ revision: 1, outcome: 'Succeeded', strategy: 'Canary' }],
    });
    expect(h.status.conditions?.find((c) => c.type === 'Ready')?.status).toBe('True');
    expect(world.ecs.log.count('registerDerivedTaskDefinition')).toBe(1);
  });

  it.each([0, 1])(
    'a controller killed after every other action (offset %i) still creates one task set and applies each weight once, in order',
    async (offset) => {
      const world = new World({ kind: 'canary' });
      const h = new Harness(world, canarySpec());
      h.crashOffset = offset;
      let maxOurs = 0;
      await h.until(
        (x) => {
          maxOurs = Math.max(
            maxOurs,
            world.ecs.taskSets(REF).filter((t) => t.externalId?.startsWith('ldb-') === true).length,
          );
          return healthy(1)(x);
        },
        { crash: 'ifActed' },
      );
      expect(h.crashes).toBeGreaterThanOrEqual(12);
      expect(h.weightCalls).toEqual(SHORTHAND);
      expect(maxOurs).toBe(1);
      expect(world.ecs.log.count('createTaskSet')).toBe(1);
      expect(world.ecs.log.count('registerDerivedTaskDefinition')).toBe(1);
      expect(world.ecs.taskSets(REF)).toHaveLength(1);
      expect(h.status.deploymentLog).toHaveLength(1);
    },
  );

  it('the next revision runs in the other target group: roles alternate', async () => {
    const world = new World({ kind: 'canary' });
    const h = new Harness(world, canarySpec());
    await h.until(healthy(1));
    h.setSpec({ image: image('v3') });
    h.canaryTg = TG_A;
    h.weightCalls.length = 0;
    await h.until(healthy(2));
    expect(h.weightCalls).toEqual(SHORTHAND);
    expect(await world.weights()).toEqual({ A: 100, B: 0 });
    expect(world.ecs.taskSets(REF)).toMatchObject([
      { status: 'PRIMARY', externalId: taskSetId(2, 'canary'), targetGroupArns: [TG_A] },
    ]);
  });

  it('bad metrics (7 % errors) roll back to 0 % canary with the stable task set primary', async () => {
    const world = new World({ kind: 'canary' });
    world.errorRate(0.2);
    const h = new Harness(world, canarySpec({ analysis: { metrics: [ERROR_RATE_CHECK] } }));
    await h.until((x) => (x.status.currentWeight ?? 0) >= 25);
    world.errorRate(7);
    await h.until((x) => x.status.phase === 'RolledBack');
    expect(await world.weights()).toEqual({ A: 100, B: 0 });
    expect(world.ecs.taskSets(REF)).toMatchObject([{ status: 'PRIMARY', targetGroupArns: [TG_A] }]);
    expect(h.status.attempt?.rollback).toMatchObject({
      outcome: 'RolledBack',
      reason: 'AnalysisFailed',
    });
    expect(h.status.conditions?.find((c) => c.type === 'Stalled')).toMatchObject({
      status: 'True',
      reason: 'AnalysisFailed',
    });
    expect(h.status.conditions?.find((c) => c.type === 'AnalysisPassed')?.status).toBe('False');
    expect(h.status.deploymentLog?.at(-1)).toMatchObject({ outcome: 'RolledBack', revision: 1 });
    expect(h.eventReasons()).toContain('AnalysisFailed');
    // Nothing more happens until the spec changes or retry is annotated.
    const writes = h.writes();
    await h.reconcile();
    expect(h.writes()).toBe(writes);
    expect(h.status.message).toContain(
      'retry: kubectl -n prod annotate release/latticedb delivery.latticedb.com/retry=1 --overwrite',
    );
    expect(h.status.message).toContain('revision 1 rolled back: analysis at step 5/21 failed');
  });

  it('missing metrics hold the canary (inconclusive) until promote names the revision', async () => {
    const world = new World({ kind: 'canary' });
    world.errorRate(undefined);
    const h = new Harness(world, canarySpec({ analysis: { metrics: [ERROR_RATE_CHECK] } }));
    await h.until((x) => x.status.phase === 'Paused');
    expect(h.status.attempt?.pause?.reason).toBe('AnalysisInconclusive');
    expect(await world.weights()).toEqual({ A: 95, B: 5 });
    for (let i = 0; i < 3; i++) {
      world.clock.advance(60_000);
      await h.reconcile();
    }
    expect(await world.weights()).toEqual({ A: 95, B: 5 });
    h.annotate('promote', 7);
    await h.reconcile();
    expect(h.eventReasons()).toContain('ActionIgnored');
    expect(h.status.phase).toBe('Paused');
    h.annotate('promote', 1);
    await h.reconcile();
    await h.reconcile();
    expect(await world.weights()).toEqual({ A: 85, B: 15 });
    expect(h.status.actions?.promote).toBe('1');
  });

  it('abort returns all traffic to stable and deletes the canary; retry starts again', async () => {
    const world = new World({ kind: 'canary' });
    const h = new Harness(world, canarySpec());
    await h.until((x) => (x.status.currentWeight ?? 0) >= 35);
    h.annotate('abort', 1);
    await h.until((x) => x.status.phase === 'Aborted');
    expect(await world.weights()).toEqual({ A: 100, B: 0 });
    expect(world.ecs.taskSets(REF)).toHaveLength(1);
    expect(h.status.conditions?.find((c) => c.type === 'Stalled')?.reason).toBe('Aborted');
    h.annotate('retry', 1);
    h.weightCalls.length = 0;
    await h.until(healthy(1));
    expect(h.weightCalls).toEqual(SHORTHAND);
    expect(h.status.deploymentLog?.map((e) => e.outcome)).toEqual(['Aborted', 'Succeeded']);
  });

  it('the rollback action after success redeploys the previous image through the fast path and pins the spec', async () => {
    const world = new World({ kind: 'canary' });
    const h = new Harness(world, canarySpec());
    await h.until(healthy(1));
    h.annotate('rollback', 1);
    h.canaryTg = TG_A;
    h.weightCalls.length = 0;
    await h.until(healthy(2));
    expect(h.weightCalls).toEqual([100]);
    expect(h.status.revision).toMatchObject({
      number: 2,
      image: image('v1'),
      fastPath: true,
      taskDefinitionArn: world.baseTd,
    });
    expect(h.status.message).toContain('the spec still names');
    // Pinned: no new revision although the spec names v2.
    await h.reconcile();
    expect(h.status.revision?.number).toBe(2);
    h.annotate('retry', 2);
    await h.until(healthy(3));
    expect(h.status.revision?.image).toBe(image('v2'));
  });

  it('a spec change mid-canary cleans up the in-flight canary first (Superseded), then starts the next revision', async () => {
    const world = new World({ kind: 'canary' });
    const h = new Harness(world, canarySpec());
    await h.until((x) => (x.status.currentWeight ?? 0) >= 25);
    h.setSpec({ image: image('v3') });
    h.weightCalls.length = 0;
    await h.until(healthy(2));
    expect(h.weightCalls).toEqual([0, ...SHORTHAND]);
    expect(h.status.deploymentLog?.map((e) => [e.revision, e.outcome])).toEqual([
      [1, 'Superseded'],
      [2, 'Succeeded'],
    ]);
    expect(world.ecs.taskSets(REF)).toMatchObject([
      { externalId: taskSetId(2, 'canary'), status: 'PRIMARY' },
    ]);
  });

  it('rollbackWindow: returning to a recent stable spec skips steps and analysis', async () => {
    const world = new World({ kind: 'canary' });
    const h = new Harness(world, canarySpec({ rollbackWindow: { revisions: 3 } }));
    await h.until(healthy(1));
    h.setSpec({ image: image('v3') });
    h.canaryTg = TG_A;
    await h.until(healthy(2));
    h.setSpec({ image: image('v2') });
    h.canaryTg = TG_B;
    h.weightCalls.length = 0;
    await h.until(healthy(3));
    expect(h.weightCalls).toEqual([100]);
    expect(h.status.revision).toMatchObject({ fastPath: true, image: image('v2') });
    expect(world.ecs.log.count('registerDerivedTaskDefinition')).toBe(2);
    expect(h.eventReasons()).toContain('FastRollback');
  });

  it('a task set that never stabilises exceeds progressDeadline and is rolled back', async () => {
    const world = new World({ kind: 'canary', newTaskSetStability: 'STABILIZING' });
    const h = new Harness(world, canarySpec({ progressDeadline: '5m' }));
    await h.until((x) => x.status.phase === 'RolledBack');
    expect(h.status.attempt?.rollback?.reason).toBe('ProgressDeadlineExceeded');
    expect(world.ecs.taskSets(REF)).toHaveLength(1);
    expect(await world.weights()).toEqual({ A: 100, B: 0 });
  });

  it('in steady state a reconcile reads the service from the cache and writes nothing', async () => {
    const world = new World({ kind: 'canary' });
    const h = new Harness(world, canarySpec());
    await h.until(healthy(1));
    world.traffic.log.reset();
    const writes = h.writes();
    const outcome = await h.reconcile();
    expect(outcome.requeueAfterMs).toBe(600_000);
    expect(h.writes()).toBe(writes);
    expect(world.traffic.log.counts()).toEqual({});
  });
});
