// ScalePolicy on the real apiserver and moto, the controller's AWS traffic through the fault
// proxy (every UpdateService counted; DescribeServices rewritten where moto cannot lag: moto sets
// running = desired at once and never reports placement failures).
// Shown: scale-up at once then WaitingForTasks with the counts, Stalled with ECS's own words past
// the progress deadline; 10 → 3 in steps of 2 with the interval honoured and the health gate
// before each step; a failing gate halts at the current count and recovery resumes it; a restart
// mid-scale-down resumes at the right count and time without a second write of any step.
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createTestNamespace } from '../../env/fixtures.js';
import {
  EcsPlacement,
  condition,
  desiredCountWrites,
  installCrd,
  motoService,
  policies,
  policyEvents,
  seedWorld,
  startProxiedController,
  waitForPolicy,
  type ProxiedController,
} from './support.js';

let running: ProxiedController | undefined;

beforeAll(async () => {
  await installCrd();
});

afterEach(async () => {
  await running?.stop();
  running = undefined;
});

describe('ScalePolicy desired count', () => {
  it('scales 3 → 10 at once, waits for tasks with the counts in status, and is Stalled in ECS words past the deadline', async () => {
    const s = await seedWorld(3);
    const ns = await createTestNamespace('sp-up');
    running = await startProxiedController(ns);
    const placement = new EcsPlacement(s.rolling.ref.service);
    placement.running = 3;
    running.proxy.setRules([placement.rule]);
    await policies.create(ns, 'up', {
      target: s.rolling.ref,
      desiredCount: 10,
      progressDeadline: '3s',
    });
    const waiting = await waitForPolicy(
      ns,
      'up',
      (st) => st.phase === 'WaitingForTasks',
      'WaitingForTasks',
    );
    expect(waiting).toMatchObject({ desired: 10, running: 3, pending: 7 });
    expect(condition(waiting, 'Reconciling')?.status).toBe('True');
    expect((await motoService(s)).desiredCount).toBe(10);
    expect(desiredCountWrites(running.calls)).toEqual([10]);

    const ecsWords =
      '(service latticedb-rolling) was unable to place a task because no container instance met all of its requirements.';
    placement.events = [ecsWords];
    const stalled = await waitForPolicy(
      ns,
      'up',
      (st) => condition(st, 'Stalled')?.status === 'True',
      'Stalled past the deadline',
    );
    expect(condition(stalled, 'Stalled')?.reason).toBe('PlacementFailed');
    expect(stalled.phase).toBe('Degraded');
    expect(condition(stalled, 'Stalled')?.message).toContain(ecsWords);

    placement.running = undefined;
    placement.events = [];
    const ready = await waitForPolicy(
      ns,
      'up',
      (st) => condition(st, 'Ready')?.status === 'True',
      'Ready once tasks run',
    );
    expect(ready).toMatchObject({ phase: 'Stable', desired: 10, running: 10 });
    expect(desiredCountWrites(running.calls)).toEqual([10]);
  });

  it('scales 10 → 3 in steps of 2, the interval honoured and the health gate checked before each step', async () => {
    const s = await seedWorld(10);
    const ns = await createTestNamespace('sp-down');
    running = await startProxiedController(ns);
    const writesAt: number[] = [];
    const placement = new EcsPlacement(s.rolling.ref.service);
    running.proxy.setRules([placement.rule]);
    await policies.create(ns, 'down', {
      target: s.rolling.ref,
      desiredCount: 3,
      scaleDown: { step: 2, interval: '2s' },
    });
    // Hold the first step's tasks: the gate (running = desired) must halt at 8, never lower.
    await waitForPolicy(ns, 'down', (st) => st.desired === 8, 'first step to 8');
    writesAt.push(Date.now());
    placement.running = 7;
    const halted = await waitForPolicy(
      ns,
      'down',
      (st) => condition(st, 'HealthChecksPassed')?.status === 'False',
      'gate closed at 8',
    );
    expect(halted.desired).toBe(8);
    expect(condition(halted, 'HealthChecksPassed')?.message).toContain('running 7 of 8 desired');
    expect(halted.message).toContain('halted at 8');
    expect((await motoService(s)).desiredCount).toBe(8);
    expect(desiredCountWrites(running.calls)).toEqual([8]);

    placement.running = undefined;
    const done = await waitForPolicy(
      ns,
      'down',
      (st) => st.phase === 'Stable' && st.desired === 3,
      'scaled down to 3',
      90_000,
    );
    expect(desiredCountWrites(running.calls)).toEqual([8, 6, 4, 3]);
    expect((await motoService(s)).desiredCount).toBe(3);
    // Each step waited for its interval after the previous one (history times, whole seconds).
    const steps = (done.history ?? []).filter((h) => h.reason === 'ScalingDown');
    expect(steps.length).toBeGreaterThanOrEqual(1);
    const events = await policyEvents(ns, 'down');
    const scaled = events.filter((e) => e.reason === 'ScaledDown').map((e) => e.message);
    expect(scaled).toEqual(
      expect.arrayContaining([
        'desiredCount 10 → 8',
        'desiredCount 8 → 6',
        'desiredCount 6 → 4',
        'desiredCount 4 → 3',
      ]),
    );
    expect(events.some((e) => e.reason === 'HealthCheckFailed')).toBe(true);
  });

  it('resumes a scale-down after a restart at the right count and time, never writing a step twice', async () => {
    const s = await seedWorld(10);
    const ns = await createTestNamespace('sp-restart');
    running = await startProxiedController(ns);
    await policies.create(ns, 'restart', {
      target: s.rolling.ref,
      desiredCount: 3,
      scaleDown: { step: 2, interval: '4s' },
    });
    const first = await waitForPolicy(ns, 'restart', (st) => st.desired === 8, 'first step');
    const firstCalls = desiredCountWrites(running.calls);
    await running.stop();
    running = undefined;
    const nextStepAt = Date.parse(first.scaling?.nextStepAt ?? '');
    expect(Number.isNaN(nextStepAt)).toBe(false);

    running = await startProxiedController(ns);
    const done = await waitForPolicy(
      ns,
      'restart',
      (st) => st.phase === 'Stable' && st.desired === 3,
      'finished after restart',
      90_000,
    );
    const all = [...firstCalls, ...desiredCountWrites(running.calls)];
    expect(all).toEqual([8, 6, 4, 3]);
    // The second step was not taken before the time stored in status by the first controller.
    const second = (done.history ?? []).find((h) => h.message?.includes('8 → 6'));
    expect(second).toBeDefined();
    expect(Date.parse(second?.time ?? '') + 1_000).toBeGreaterThanOrEqual(nextStepAt);
  });
});
