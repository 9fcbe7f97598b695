// decide(): the regular ramp without analysis — start, holds, promotion, completion — with the
// exact write and status of each transition.
import { describe, expect, it } from 'vitest';
import { decide, MIN_REQUEUE_MS } from '../../../reconcilers/flagrollout/plan/decide.js';
import {
  at,
  condition,
  flagRecord,
  holding,
  input,
  iso,
  observation,
  percent,
  POLL_MS,
  rolloutSpec,
} from './support/fixtures.js';

const spec = rolloutSpec();

describe('decide: start', () => {
  it('writes step 0 (targeted users only) and starts its hold, write-ahead', () => {
    const d = decide(input(spec, undefined, observation(undefined)));
    expect(d.action).toEqual({
      type: 'writeFlag',
      expectedVersion: 0,
      reason: 'start',
      next: {
        enabled: true,
        basisPoints: 0,
        salt: 'new_query_optimizer',
        targets: ['u-internal', 'u-qa'],
        killSwitch: 'experimental',
        updatedBy: 'controller:prod/new-query-optimizer',
      },
    });
    expect(d.checkpoint).toBe(true);
    const message = 'step 1/5 (0 % + 2 targeted users), holding until 2026-11-26T10:00:10Z';
    expect(d.status).toEqual({
      currentStep: 0,
      stepCount: 5,
      step: '1/5',
      stepStartedAt: '2026-11-26T10:00:00Z',
      nextStepAt: '2026-11-26T10:00:10Z',
      flagVersion: 1,
      percentage: 0,
      exposure: { percentage: 0, targetedUsers: 2 },
      phase: 'Holding',
      message,
      conditions: [
        { type: 'Ready', status: 'False', reason: 'Holding', message },
        { type: 'Reconciling', status: 'True', reason: 'Holding', message },
        { type: 'Stalled', status: 'False', reason: 'Holding', message },
        {
          type: 'FlagSynced',
          status: 'True',
          reason: 'FlagInSync',
          message: 'version 1: 0 % + 2 targeted users',
        },
        {
          type: 'KillSwitchActive',
          status: 'False',
          reason: 'KillSwitchNotSet',
          message: 'kill switch "experimental" is not set',
        },
      ],
      history: [{ time: '2026-11-26T10:00:00Z', to: 'Holding', reason: 'StepStarted', message }],
    });
    expect(d.events).toEqual([
      {
        type: 'Normal',
        reason: 'StepStarted',
        message: 'step 1/5 (0 % + 2 targeted users); holding until 2026-11-26T10:00:10Z',
      },
    ]);
    expect(d.requeueAfterMs).toBe(10_000);
    expect(d.rolloutInfo).toEqual({
      owner: 'prod/new-query-optimizer',
      phase: 'Holding',
      step: 0,
      stepCount: 5,
      nextStepAt: '2026-11-26T10:00:10Z',
    });
  });

  it('keeps the deadline to the millisecond (rounding it up to the second made holds late)', () => {
    const d = decide(input(spec, undefined, observation(undefined), { now: at(0.4) }));
    expect(d.status.stepStartedAt).toBe(iso(0));
    expect(d.status.nextStepAt).toBe('2026-11-26T10:00:10.400Z');
    expect(d.requeueAfterMs).toBe(10_000);
  });

  it('takes over a flag that existed before the rollout (Normal FlagAdopted)', () => {
    // Enabled at 0 % (serves only its targeted users): started at step 1. A disabled one is
    // respected instead (plan-modes.test.ts "a CLI disable is never undone").
    const cli = flagRecord({
      enabled: true,
      basisPoints: 0,
      targets: ['u-old'],
      version: 4,
      updatedBy: 'cli:alice',
    });
    const d = decide(input(spec, undefined, observation(cli)));
    expect(d.action).toMatchObject({ expectedVersion: 4, next: { enabled: true, basisPoints: 0 } });
    expect(d.status.flagVersion).toBe(5);
    expect(d.events.map((e) => [e.type, e.reason])).toEqual([
      ['Normal', 'FlagAdopted'],
      ['Normal', 'StepStarted'],
    ]);
  });
});

describe('decide: holds and promotion', () => {
  it.each([1, 2, 3])('holds step %i until nextStepAt without writing', (step) => {
    const status = holding(step);
    const flag = observation(flagRecord({ basisPoints: percent(step) * 100 }));
    const d = decide(input(spec, status, flag, { now: at(4) }));
    expect(d.action).toBeUndefined();
    expect(d.events).toEqual([]);
    expect(d.requeueAfterMs).toBe(6_000);
    expect(d.status).toMatchObject({ currentStep: step, nextStepAt: iso(10), phase: 'Holding' });
    expect(d.status.history).toBeUndefined(); // same step, phase unchanged: no entry
  });

  it.each([0, 1, 2])('promotes step %i when its hold is up', (step) => {
    const status = holding(step, { flagVersion: 3 });
    const flag = observation(flagRecord({ basisPoints: percent(step) * 100, version: 3 }));
    const d = decide(input(spec, status, flag, { now: at(10) }));
    expect(d.action).toMatchObject({
      expectedVersion: 3,
      reason: 'promote',
      next: { enabled: true, basisPoints: percent(step + 1) * 100 },
    });
    expect(d.checkpoint).toBe(true);
    expect(d.status).toMatchObject({
      currentStep: step + 1,
      step: `${step + 2}/5`,
      stepStartedAt: iso(10),
      nextStepAt: iso(20),
      lastGoodPercentage: percent(step),
      flagVersion: 4,
      percentage: percent(step + 1),
      exposure: { percentage: percent(step + 1), targetedUsers: 2 },
    });
    expect(d.events.map((e) => e.reason)).toEqual(['StepStarted']);
    // The step is a line of history although the phase stays Holding.
    expect(d.status.history?.at(-1)).toMatchObject({
      from: 'Holding',
      to: 'Holding',
      reason: 'StepStarted',
      message: expect.stringContaining(`step ${String(step + 2)}/5`) as string,
    });
  });

  it('counts the next hold from the schedule: reconcile latency does not add up over a ramp', () => {
    // Each promotion's reconcile runs 0.3 s after the hold was due (timer, reads): the deadlines
    // stay at 10, 20, 30 s — the schedule's — and the holds do not drift by 0.3 s a step.
    let status = holding(0, { flagVersion: 1 });
    const deadlines: string[] = [];
    for (const step of [0, 1, 2]) {
      const flag = observation(flagRecord({ basisPoints: percent(step) * 100, version: 1 + step }));
      const d = decide(input(spec, status, flag, { now: at(10 * (step + 1) + 0.3) }));
      expect(d.action?.reason).toBe('promote');
      deadlines.push(d.status.nextStepAt ?? '');
      status = d.status;
    }
    expect(deadlines).toEqual([iso(20), iso(30), iso(40)]);
  });

  it('a late promotion (controller down, beyond 1 s) holds the next step in full from now', () => {
    const status = holding(1, { flagVersion: 3 });
    const flag = observation(flagRecord({ basisPoints: percent(1) * 100, version: 3 }));
    const d = decide(input(spec, status, flag, { now: at(11.5) }));
    expect(d.status).toMatchObject({ currentStep: 2, nextStepAt: '2026-11-26T10:00:21.500Z' });
    expect(d.requeueAfterMs).toBe(10_000);
  });

  it('goes to the last step (no hold) and requeues at once to complete it', () => {
    const status = holding(3);
    const d = decide(
      input(spec, status, observation(flagRecord({ basisPoints: 5000 })), { now: at(10) }),
    );
    expect(d.action?.next.basisPoints).toBe(10_000);
    expect(d.status).toMatchObject({ currentStep: 4, phase: 'Ramping', step: '5/5' });
    expect(d.status.nextStepAt).toBeUndefined();
    expect(d.requeueAfterMs).toBe(MIN_REQUEUE_MS);
  });

  it('completes on the last step: Ready, no write, polls for drift', () => {
    const status = { ...holding(4), nextStepAt: undefined, phase: 'Ramping' as const };
    const flag = observation(flagRecord({ basisPoints: 10_000 }));
    const d = decide(input(spec, status, flag, { now: at(1) }));
    expect(d.action).toBeUndefined();
    expect(d.status).toMatchObject({
      phase: 'Complete',
      completedAt: iso(1),
      lastGoodPercentage: 100,
    });
    expect(condition(d.status, 'Ready')).toMatchObject({ status: 'True', reason: 'Complete' });
    expect(d.events.map((e) => e.reason)).toEqual(['Complete']);
    expect(d.requeueAfterMs).toBe(POLL_MS);
    // and stays complete
    const again = decide(input(spec, d.status, flag, { now: at(60) }));
    expect(again.action).toBeUndefined();
    expect(again.events).toEqual([]);
    expect(again.status.phase).toBe('Complete');
  });

  it('adopts its own write that status missed (crash after the write): no second write', () => {
    // Status was checkpointed at step 1 with flagVersion 2, the write landed as version 2 … or
    // status still says version 1 while the store has our version 2: either way it is ours.
    const status = holding(1, { flagVersion: 1 });
    const flag = observation(flagRecord({ basisPoints: 500, version: 2 }));
    const d = decide(input(spec, status, flag, { now: at(3) }));
    expect(d.action).toBeUndefined();
    expect(d.status.flagVersion).toBe(2);
    expect(d.status.nextStepAt).toBe(iso(10));
  });

  it('restarts the hold when its write was lost (checkpointed, then crashed before writing)', () => {
    const status = holding(2, { flagVersion: 5, nextStepAt: iso(10) });
    const flag = observation(flagRecord({ basisPoints: 500, version: 4 }));
    const d = decide(input(spec, status, flag, { now: at(30) }));
    expect(d.action).toMatchObject({
      expectedVersion: 4,
      reason: 'repair',
      next: { basisPoints: 2500 },
    });
    expect(d.status).toMatchObject({ currentStep: 2, nextStepAt: iso(40), flagVersion: 5 });
    expect(d.events).toEqual([]);
  });

  it('a targeting edit is written without restarting the hold', () => {
    const edited = rolloutSpec({ targeting: { users: ['u-qa', 'u-internal', 'u-new'] } });
    const d = decide(
      input(edited, holding(1), observation(flagRecord({ basisPoints: 500 })), { now: at(4) }),
    );
    expect(d.action?.next.targets).toEqual(['u-internal', 'u-new', 'u-qa']);
    expect(d.status.nextStepAt).toBe(iso(10));
    expect(d.status.exposure).toEqual({ percentage: 5, targetedUsers: 3 });
  });

  it('a population estimate turns the split into an estimated audience', () => {
    const estimated = rolloutSpec({ estimatedPopulation: 120_000 });
    const d = decide(
      input(estimated, holding(1), observation(flagRecord({ basisPoints: 500 })), { now: at(4) }),
    );
    // 5 % of 120,000 in the split, plus the 2 targeted users.
    expect(d.status.exposure).toEqual({ percentage: 5, targetedUsers: 2, estimatedUsers: 6_002 });
  });

  it('an emergency disable estimates nobody exposed', () => {
    const disabled = rolloutSpec({ estimatedPopulation: 120_000, enabled: false });
    const d = decide(
      input(disabled, holding(1), observation(flagRecord({ basisPoints: 500 })), { now: at(4) }),
    );
    expect(d.status.exposure?.estimatedUsers).toBe(d.status.exposure?.targetedUsers);
    expect(d.status.exposure?.percentage).toBe(0);
  });

  it('steps appended after completion continue from the old last step', () => {
    const fiftyOnly = rolloutSpec({ steps: rolloutSpec().steps.slice(0, 4) });
    const done = {
      ...holding(3),
      nextStepAt: undefined,
      completedAt: iso(0),
      phase: 'Complete' as const,
    };
    const flag = observation(flagRecord({ basisPoints: 5000 }));
    expect(decide(input(fiftyOnly, done, flag)).action).toBeUndefined();
    const d = decide(input(spec, done, flag, { now: at(5) }));
    expect(d.status.completedAt).toBeUndefined();
    expect(d.action).toMatchObject({ reason: 'promote', next: { basisPoints: 10_000 } });
    expect(d.status).toMatchObject({ currentStep: 4, phase: 'Ramping', lastGoodPercentage: 50 });
  });
});
