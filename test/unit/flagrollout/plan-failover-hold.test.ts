// The FlagRollout side of the FailoverPlan interlock, pure: a held rollout keeps its step, its
// hold clock frozen with the remaining time, Reconciling naming the plan, one Event per hold.
import { describe, expect, it } from 'vitest';
import type { FlagRolloutState } from '../../../reconcilers/flagrollout/api.js';
import { decideRollout, heldByFailoverPlan } from '../../../reconcilers/flagrollout/plan/index.js';
import { at, holding, POLL_MS, rolloutSpec } from './support/fixtures.js';

const NOW = Date.parse('2026-12-06T12:00:00Z');
const hold = { plan: 'dr', message: 'held by FailoverPlan dr: safe mode (data corruption) on' };

describe('heldByFailoverPlan', () => {
  it('keeps the step, freezes the hold and names the plan', () => {
    const status = {
      currentStep: 1,
      nextStepAt: '2026-12-06T12:00:42Z',
      phase: 'Holding',
    } as FlagRolloutState;
    const out = heldByFailoverPlan(status, hold, NOW, 1_000);
    expect(out.status.currentStep).toBe(1);
    expect(out.status.nextStepAt).toBeUndefined();
    expect(out.status.holdRemainingSeconds).toBe(42);
    const reconciling = out.status.conditions?.find((c) => c.type === 'Reconciling');
    expect(reconciling).toMatchObject({ status: 'True', reason: 'HeldByFailoverPlan' });
    expect(reconciling?.message).toContain('FailoverPlan dr');
    expect(out.events).toEqual([expect.objectContaining({ reason: 'HeldByFailoverPlan' })]);
    expect(out.requeueAfterMs).toBe(1_000);
    // Held again: the frozen time stays, no second Event.
    const again = heldByFailoverPlan(out.status, hold, NOW + 10_000, 1_000);
    expect(again.status.holdRemainingSeconds).toBe(42);
    expect(again.events).toEqual([]);
  });
});

describe('decideRollout while a FailoverPlan holds the flag', () => {
  const held = (spec = rolloutSpec()) =>
    decideRollout({
      namespace: 'prod',
      name: 'rollout',
      generation: 1,
      spec,
      status: holding(1),
      observed: { store: 'unread', heldBy: hold },
      now: at(4),
      pollMs: POLL_MS,
    });

  it('is the held decision: no action, the hold frozen, Reconciling naming the plan', () => {
    const d = held();
    expect(d.action).toBeUndefined();
    expect(d.checkpoint).toBeUndefined();
    expect(d.status.currentStep).toBe(1);
    expect(d.status.nextStepAt).toBeUndefined();
    expect(d.status.holdRemainingSeconds).toBe(6);
    expect(d.status.conditions?.find((c) => c.type === 'Reconciling')).toMatchObject({
      status: 'True',
      reason: 'HeldByFailoverPlan',
    });
    expect(d.events.map((e) => e.reason)).toEqual(['HeldByFailoverPlan']);
    expect(d.requeueAfterMs).toBe(POLL_MS);
  });

  it('writes nothing even for what is otherwise written at once (an emergency disable)', () => {
    const d = held(rolloutSpec({ enabled: false }));
    expect(d.action).toBeUndefined();
    expect(d.status.phase).toBe('Holding');
  });
});
