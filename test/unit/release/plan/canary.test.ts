// decide() through a canary, one observation at a time: the exact next action and status fields.
import { describe, expect, it } from 'vitest';
import { toRfc3339 } from '../../../../controller/index.js';
import { lastWriteOf } from '../../../../reconcilers/release/plan/found.js';
import {
  comparable,
  canarySpec,
  canaryTaskSet,
  inFlight,
  iso,
  LISTENER,
  NOW,
  next,
  run,
  service,
  stableTaskSet,
  STABLE_TS,
  CANARY_TS,
  TD1,
  TD2,
  TG_A,
  TG_B,
  weights,
  revisionTd,
} from './fixtures.js';
import { taskSetId } from '../support/world.js';

const split = (canary: number) => ({
  type: 'setWeights',
  listenerArn: LISTENER,
  weights: [
    { targetGroupArn: TG_A, weight: 100 - canary },
    { targetGroupArn: TG_B, weight: canary },
  ],
});

const at = (offsetMs: number): Date => new Date(NOW.getTime() + offsetMs);

describe('canary steps', () => {
  it('Deploy without a task set creates it: externalId, canary target group, first weight as scale, primary as template', () => {
    const d = run(inFlight('Deploy'), {
      weights: weights(0),
      revisionTaskDefinition: revisionTd(),
    });
    expect(d.action).toMatchObject({
      type: 'createTaskSet',
      externalId: taskSetId(1, 'canary'),
      taskDefinitionArn: TD2,
      scalePercent: 5,
      loadBalancer: { targetGroupArn: TG_B, containerName: 'latticedb', containerPort: 7000 },
      template: { arn: STABLE_TS },
    });
    expect(d.requeueAfterMs).toBe(1_000);
    expect(d.status.stage).toBe('Deploy');
  });

  // Issue 9 item 1: owner AND content. A task set under this Release's externalId for revision 1
  // (its UID) that runs another task definition — left from an earlier content of that revision
  // number — is not taken as the revision's: the revision's own task set is created.
  it('a task set with our externalId but another task definition is not adopted', () => {
    const d = run(inFlight('Deploy'), {
      service: service([stableTaskSet(), canaryTaskSet(5, { taskDefinitionArn: TD1 })]),
      weights: weights(0),
      revisionTaskDefinition: revisionTd(),
    });
    expect(d.action).toMatchObject({ type: 'createTaskSet', taskDefinitionArn: TD2 });
    expect(d.status.revision?.taskSetArn).toBeUndefined();
    expect(d.events.map((e) => e.reason)).not.toContain('TaskSetCreated');
  });

  it('a stabilising task set is waited for (poll), nothing written', () => {
    const d = run(inFlight('Deploy'), {
      service: service([stableTaskSet(), canaryTaskSet(5, { stabilityStatus: 'STABILIZING' })]),
      weights: weights(0),
    });
    expect(d.action).toBeUndefined();
    expect(d.requeueAfterMs).toBe(5_000);
    expect(d.status.revision?.taskSetArn).toBe(CANARY_TS);
  });

  it.each([
    // [step index, canary weight observed, canary scale, expected action]
    [0, 0, 5, split(5)],
    [2, 5, 5, { type: 'scaleTaskSet', taskSetArn: CANARY_TS, scalePercent: 15 }],
    [2, 5, 15, split(15)],
    [20, 95, 95, { type: 'scaleTaskSet', scalePercent: 100 }],
    [20, 95, 100, split(100)],
  ])(
    'at step %i with %i%% observed and scale %i the next action is %o',
    (index, observedWeight, scale, action) => {
      const status = inFlight('Steps', { currentStepIndex: index, stepStartedAt: iso(-120_000) });
      const d = run(status, {
        service: service([stableTaskSet(), canaryTaskSet(scale)]),
        weights: weights(observedWeight),
      });
      expect(d.action).toMatchObject(action);
      expect(d.status.attempt?.currentStepIndex).toBe(index);
    },
  );

  it('a weight observed completes its step; the pause after it starts now and scales the canary ahead of the next weight', () => {
    // As stored after the controller's own setWeights (found-done.test.ts: without it).
    const lastWrite = lastWriteOf({
      type: 'setWeights',
      region: 'us-east-1',
      listenerArn: LISTENER,
      weights: weights(5)![LISTENER]!,
    });
    const status = inFlight('Steps', { currentStepIndex: 0, lastWrite });
    const d = run(status, {
      service: service([stableTaskSet(), canaryTaskSet(5)]),
      weights: weights(5),
    });
    expect(d.action).toMatchObject({
      type: 'scaleTaskSet',
      taskSetArn: CANARY_TS,
      scalePercent: 15,
    });
    expect(d.status).toMatchObject({
      currentWeight: 5,
      attempt: { currentStepIndex: 1, step: '2/21', stepStartedAt: iso(), nextStepAt: iso(60_000) },
    });
    expect(d.events.map((e) => e.reason)).toEqual(['StepCompleted']);
    // Scaled ahead, the pause only waits for its end; the weight moves the moment it is due.
    const scaled = run(d.status, {
      service: service([stableTaskSet(), canaryTaskSet(15)]),
      weights: weights(5),
    });
    expect(scaled.action).toBeUndefined();
    expect(scaled.requeueAfterMs).toBe(60_001);
    const due = run(
      scaled.status,
      { service: service([stableTaskSet(), canaryTaskSet(15)]), weights: weights(5) },
      { now: at(60_000) },
    );
    expect(due.action).toMatchObject(split(15));
    expect(due.status.attempt?.weightChangedAt).toBe(at(60_000).toISOString());
  });

  it('the pause after a weight counts from the weight change recorded with it, not from the reconcile that read it back', () => {
    const changedAt = at(-900);
    const status = inFlight('Steps', {
      currentStepIndex: 2,
      stepStartedAt: iso(-2_000),
      weightChangedAt: changedAt.toISOString(),
    });
    const world = { service: service([stableTaskSet(), canaryTaskSet(25)]), weights: weights(15) };
    const d = run(status, world);
    expect(d.status.attempt?.stepStartedAt).toBe(changedAt.toISOString());
    expect(d.status.attempt?.nextStepAt).toBe(toRfc3339(new Date(changedAt.getTime() + 60_000)));
    expect(d.requeueAfterMs).toBe(60_000 - 900 + 1);
    // A record older than the step (its status write was lost) is not used: the pause starts now.
    const stale = run(
      { ...status, attempt: { ...status.attempt, weightChangedAt: at(-5_000).toISOString() } },
      world,
    );
    expect(stale.status.attempt?.stepStartedAt).toBe(iso());
  });

  it('steps keep to the schedule: a pause ended up to 1 s late counts the next step from when it was due', () => {
    // Step 2 (index 1) is a 60 s pause begun at NOW; its reconcile runs 300 ms after it is due.
    const paused = inFlight('Steps', { currentStepIndex: 1, stepStartedAt: iso() });
    const world = { service: service([stableTaskSet(), canaryTaskSet(15)]), weights: weights(5) };
    const ended = run(paused, world, { now: at(60_300) });
    expect(ended.status.attempt?.currentStepIndex).toBe(2);
    expect(ended.status.attempt?.stepStartedAt).toBe(at(60_000).toISOString());
    // The weight changes in the next reconcile, 500 ms after it was due ...
    const moved = run(ended.status, world, { now: at(60_500) });
    expect(moved.action).toMatchObject(split(15));
    // ... and once read back, the following pause counts from the due time: no drift.
    const after = { service: service([stableTaskSet(), canaryTaskSet(25)]), weights: weights(15) };
    const next = run(moved.status, after, { now: at(60_700) });
    expect(next.status.attempt?.currentStepIndex).toBe(3);
    expect(next.status.attempt?.stepStartedAt).toBe(at(60_000).toISOString());
    expect(next.status.attempt?.nextStepAt).toBe(iso(120_000));
  });

  it('a pause ended more than 1 s late (controller down) restarts the schedule from then', () => {
    const paused = inFlight('Steps', { currentStepIndex: 1, stepStartedAt: iso() });
    const world = { service: service([stableTaskSet(), canaryTaskSet(15)]), weights: weights(5) };
    const ended = run(paused, world, { now: at(75_000) });
    expect(ended.status.attempt?.stepStartedAt).toBe(iso(75_000));
    const moved = run(ended.status, world, { now: at(75_200) });
    const after = { service: service([stableTaskSet(), canaryTaskSet(25)]), weights: weights(15) };
    const next = run(moved.status, after, { now: at(75_400) });
    // The schedule starts again from when the late pause ended (not from the missed due time).
    expect(next.status.attempt?.stepStartedAt).toBe(iso(75_000));
    expect(next.status.attempt?.nextStepAt).toBe(iso(135_000));
  });

  it('a pause as the last step scales the canary to 100 % ahead of promotion', () => {
    const base = canarySpec();
    const alb = base.strategy.canary?.trafficRouting.alb;
    const spec = {
      ...base,
      strategy: {
        canary: {
          steps: [{ setWeight: 50 }, { pause: { duration: '1m' } }],
          trafficRouting: { alb: alb! },
        },
      },
    };
    const status = inFlight('Steps', { currentStepIndex: 1, stepStartedAt: iso(-1_000) });
    const d = run(
      status,
      { service: service([stableTaskSet(), canaryTaskSet(50)]), weights: weights(50) },
      { spec },
    );
    expect(d.action).toMatchObject({
      type: 'scaleTaskSet',
      taskSetArn: CANARY_TS,
      scalePercent: 100,
    });
    expect(d.status.message).toContain('ahead of promotion');
    expect(d.status.attempt?.currentStepIndex).toBe(1);
  });

  it('scaling ahead during a long pause is not held against progressDeadline', () => {
    const status = inFlight('Steps', {
      currentStepIndex: 1,
      stepStartedAt: iso(-30_000),
      lastProgressAt: iso(-3_600_000),
    });
    const d = run(status, {
      service: service([stableTaskSet(), canaryTaskSet(5)]),
      weights: weights(5),
    });
    expect(d.status.attempt?.rollback).toBeUndefined();
    expect(d.action).toMatchObject({ type: 'scaleTaskSet', scalePercent: 15 });
  });

  it('crash replay: the observation after a setWeights whose status write was lost advances, never re-applies', () => {
    const status = inFlight('Steps', { currentStepIndex: 2 });
    const world = { service: service([stableTaskSet(), canaryTaskSet(15)]) };
    const first = run(status, { ...world, weights: weights(5) });
    expect(first.action).toMatchObject(split(15));
    // The write happened, the status did not: same status, new observation.
    const replay = run(status, { ...world, weights: weights(15) });
    // Not the weights again: the step completes, and the pause after it scales ahead to 25 %.
    expect(replay.action).toMatchObject({ type: 'scaleTaskSet', scalePercent: 25 });
    expect(replay.status.attempt?.currentStepIndex).toBe(3);
    // The same observation twice gives the same decision (pure).
    expect(comparable(run(status, { ...world, weights: weights(5) }))).toEqual(comparable(first));
  });

  it('traffic never goes down within a revision: a weight above the step (status lost) completes it as is', () => {
    const status = inFlight('Steps', { currentStepIndex: 2 });
    const d = run(status, {
      service: service([stableTaskSet(), canaryTaskSet(35)]),
      weights: weights(35),
    });
    expect(d.action).toBeUndefined();
    expect(d.status.attempt?.currentStepIndex).toBe(3);
    expect(d.status.currentWeight).toBe(35);
  });

  it('a timed pause completes when its time has come', () => {
    const status = inFlight('Steps', { currentStepIndex: 1, stepStartedAt: iso(-60_000) });
    const d = run(status, {
      service: service([stableTaskSet(), canaryTaskSet(5)]),
      weights: weights(5),
    });
    expect(d.status.attempt?.currentStepIndex).toBe(2);
    expect(d.action).toMatchObject({ type: 'scaleTaskSet', scalePercent: 15 });
  });

  it('an indefinite pause holds (Paused, StepPaused) until promote names the revision', () => {
    const spec = canarySpec({
      strategy: {
        canary: {
          steps: [{ setWeight: 20 }, { pause: {} }, { setWeight: 50 }],
          trafficRouting: canarySpec().strategy.canary!.trafficRouting,
        },
      },
    });
    const status = inFlight('Steps', { currentStepIndex: 1 }, spec);
    const world = { service: service([stableTaskSet(), canaryTaskSet(20)]), weights: weights(20) };
    const held = run(status, world, { spec });
    expect(held.status).toMatchObject({
      phase: 'Paused',
      attempt: { pause: { reason: 'StepPaused', since: iso() }, step: '2/3' },
    });
    expect(held.status.conditions?.find((c) => c.type === 'Paused')).toMatchObject({
      status: 'True',
      reason: 'StepPaused',
    });
    expect(held.requeueAfterMs).toBe(600_000);
    const promoted = run(next(held), world, {
      spec,
      annotations: { 'delivery.latticedb.com/promote': '1' },
    });
    expect(promoted.action).toMatchObject({ type: 'scaleTaskSet', scalePercent: 50 });
    expect(promoted.status).toMatchObject({
      actions: { promote: '1' },
      phase: 'Progressing',
      attempt: { currentStepIndex: 2 },
    });
    expect(promoted.status.attempt?.pause).toBeUndefined();
  });

  it('after the last step: scale to 100, all traffic, primary — then post checks and Healthy', () => {
    const done = { currentStepIndex: 21 };
    const stages = [
      {
        sets: [stableTaskSet(), canaryTaskSet(95)],
        w: 95,
        action: { type: 'scaleTaskSet', scalePercent: 100 },
      },
      { sets: [stableTaskSet(), canaryTaskSet(100)], w: 95, action: split(100) },
      {
        sets: [stableTaskSet(), canaryTaskSet(100)],
        w: 100,
        action: { type: 'setPrimary', taskSetArn: CANARY_TS },
      },
    ];
    for (const s of stages) {
      const d = run(inFlight('Switch', done), { service: service(s.sets), weights: weights(s.w) });
      expect(d.action).toMatchObject(s.action);
      expect(d.status.phase).toBe('Promoting');
    }
    // ECS reports the counts the post-deployment check needs (4 of the service's 4 tasks).
    const promoted = [
      stableTaskSet({ status: 'ACTIVE' }),
      canaryTaskSet(100, { status: 'PRIMARY', runningCount: 4, computedDesiredCount: 4 }),
    ];
    const d = run(inFlight('Switch', done), { service: service(promoted), weights: weights(100) });
    expect(d.status).toMatchObject({
      phase: 'Healthy',
      stage: 'Done',
      stableTargetGroupArn: TG_B,
      stableRevision: { number: 1, taskSetArn: CANARY_TS },
      retiring: { taskSetArn: STABLE_TS, revision: 0, deleteAt: iso() },
      attempt: { outcome: 'Succeeded' },
    });
    // Steady state retires the old stable: scale to 0, then delete.
    expect(d.action).toMatchObject({
      type: 'scaleTaskSet',
      taskSetArn: STABLE_TS,
      scalePercent: 0,
    });
    const after = run(next(d), {
      service: service([
        stableTaskSet({ status: 'ACTIVE', scalePercent: 0 }),
        canaryTaskSet(100, { status: 'PRIMARY' }),
      ]),
    });
    expect(after.action).toMatchObject({ type: 'deleteTaskSet', taskSetArn: STABLE_TS });
  });
});
