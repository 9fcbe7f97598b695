// decide() through a canary, one observation at a time: the exact next action and status fields.
import { describe, expect, it } from 'vitest';
import {
  canarySpec,
  canaryTaskSet,
  inFlight,
  iso,
  LISTENER,
  next,
  run,
  service,
  stableTaskSet,
  STABLE_TS,
  CANARY_TS,
  TD2,
  TG_A,
  TG_B,
  weights,
} from './fixtures.js';

const split = (canary: number) => ({
  type: 'setWeights',
  listenerArn: LISTENER,
  weights: [
    { targetGroupArn: TG_A, weight: 100 - canary },
    { targetGroupArn: TG_B, weight: canary },
  ],
});

describe('canary steps', () => {
  it('Deploy without a task set creates it: externalId, canary target group, first weight as scale, primary as template', () => {
    const d = run(inFlight('Deploy'), { weights: weights(0) });
    expect(d.action).toMatchObject({
      type: 'createTaskSet',
      externalId: 'ldb-r1-canary',
      taskDefinitionArn: TD2,
      scalePercent: 5,
      loadBalancer: { targetGroupArn: TG_B, containerName: 'latticedb', containerPort: 7000 },
      template: { arn: STABLE_TS },
    });
    expect(d.requeueAfterMs).toBe(1_000);
    expect(d.status.stage).toBe('Deploy');
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
      expect(d.status.currentStepIndex).toBe(index);
    },
  );

  it('a weight observed completes its step; the pause after it starts now and requeues at its end', () => {
    const status = inFlight('Steps', { currentStepIndex: 0 });
    const d = run(status, {
      service: service([stableTaskSet(), canaryTaskSet(5)]),
      weights: weights(5),
    });
    expect(d.action).toBeUndefined();
    expect(d.status).toMatchObject({
      currentStepIndex: 1,
      step: '2/21',
      currentWeight: 5,
      stepStartedAt: iso(),
      nextStepAt: iso(60_000),
    });
    expect(d.requeueAfterMs).toBe(60_001);
    expect(d.events.map((e) => e.reason)).toEqual(['StepCompleted']);
  });

  it('crash replay: the observation after a setWeights whose status write was lost advances, never re-applies', () => {
    const status = inFlight('Steps', { currentStepIndex: 2 });
    const world = { service: service([stableTaskSet(), canaryTaskSet(15)]) };
    const first = run(status, { ...world, weights: weights(5) });
    expect(first.action).toMatchObject(split(15));
    // The write happened, the status did not: same status, new observation.
    const replay = run(status, { ...world, weights: weights(15) });
    expect(replay.action).toBeUndefined();
    expect(replay.status.currentStepIndex).toBe(3);
    // The same observation twice gives the same decision (pure).
    expect(run(status, { ...world, weights: weights(5) })).toEqual(first);
  });

  it('traffic never goes down within a revision: a weight above the step (status lost) completes it as is', () => {
    const status = inFlight('Steps', { currentStepIndex: 2 });
    const d = run(status, {
      service: service([stableTaskSet(), canaryTaskSet(35)]),
      weights: weights(35),
    });
    expect(d.action).toBeUndefined();
    expect(d.status.currentStepIndex).toBe(3);
    expect(d.status.currentWeight).toBe(35);
  });

  it('a timed pause completes when its time has come', () => {
    const status = inFlight('Steps', { currentStepIndex: 1, stepStartedAt: iso(-60_000) });
    const d = run(status, {
      service: service([stableTaskSet(), canaryTaskSet(5)]),
      weights: weights(5),
    });
    expect(d.status.currentStepIndex).toBe(2);
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
      pause: { reason: 'StepPaused', since: iso() },
      step: '2/3',
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
      currentStepIndex: 2,
      actions: { promote: '1' },
      phase: 'Progressing',
    });
    expect(promoted.status.pause).toBeUndefined();
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
    const promoted = [
      stableTaskSet({ status: 'ACTIVE' }),
      canaryTaskSet(100, { status: 'PRIMARY' }),
    ];
    const d = run(inFlight('Switch', done), { service: service(promoted), weights: weights(100) });
    expect(d.status).toMatchObject({
      phase: 'Healthy',
      stage: 'Done',
      outcome: 'Succeeded',
      stableTargetGroupArn: TG_B,
      stableRevision: { number: 1, taskSetArn: CANARY_TS },
      retiring: { taskSetArn: STABLE_TS, revision: 0, deleteAt: iso() },
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
