// Issue 9, item 6: allTasksRunning passed when the task set reported no counts. A check with no
// data is inconclusive, never a pass: the revision waits on ECS (progressDeadline bounds the wait,
// then rolls back naming the missing counts), and only counts that reach the desired count pass.
import { describe, expect, it } from 'vitest';
import { allTasksRunning } from '../../../../reconcilers/release/plan/checks.js';
import {
  CANARY_TS,
  canaryTaskSet,
  inFlight,
  iso,
  next,
  NOW,
  run,
  service,
  stableTaskSet,
  TD2,
  weights,
} from './fixtures.js';

const promoted = (p: Parameters<typeof canaryTaskSet>[1] = {}) =>
  service([canaryTaskSet(100, { status: 'PRIMARY', ...p })]);

describe('allTasksRunning (pure)', () => {
  it('a task set without counts is inconclusive, naming what it lacks', () => {
    expect(allTasksRunning(promoted())).toEqual({
      outcome: 'Inconclusive',
      message: 'task set canary1 reports no runningCount or computedDesiredCount',
    });
    expect(allTasksRunning(promoted({ computedDesiredCount: 4 }))).toEqual({
      outcome: 'Inconclusive',
      message: 'task set canary1 reports no runningCount',
    });
  });

  it('fewer running than desired is not yet; as many passes', () => {
    const counts = (running: number) =>
      promoted({ runningCount: running, computedDesiredCount: 4 });
    expect(allTasksRunning(counts(3))).toEqual({
      outcome: 'Warning',
      message: '3 of 4 tasks running',
    });
    expect(allTasksRunning(counts(4))).toEqual({
      outcome: 'Passed',
      message: '4 of 4 tasks running',
    });
  });

  it("judges the revision's own task set when given, else the primary", () => {
    const own = canaryTaskSet(100, { runningCount: 1, computedDesiredCount: 4 });
    const svc = service([stableTaskSet({ runningCount: 4, computedDesiredCount: 4 }), own]);
    expect(allTasksRunning(svc, own).outcome).toBe('Warning');
    expect(allTasksRunning(svc).outcome).toBe('Passed');
    expect(allTasksRunning(service([])).outcome).toBe('Inconclusive');
  });

  it('the ECS deployment controller: the service counts', () => {
    const ecs = (running: number) =>
      service([], { deploymentController: 'ECS', desiredCount: 4, runningCount: running });
    expect(allTasksRunning(ecs(2))).toEqual({
      outcome: 'Warning',
      message: '2 of 4 tasks running',
    });
    expect(allTasksRunning(ecs(4)).outcome).toBe('Passed');
  });
});

describe('the post-deployment stage', () => {
  const atPostChecks = inFlight('PostChecks', {
    revision: {
      ...inFlight('PostChecks').revision!,
      taskDefinitionArn: TD2,
      taskSetArn: CANARY_TS,
    },
  });
  const decideWith = (svc: ReturnType<typeof service>, now = NOW) =>
    run(atPostChecks, { service: svc, weights: weights(100) }, { now });

  it('without counts it waits, Inconclusive in status, and does not complete', () => {
    const d = decideWith(promoted());
    expect(d.status.stage).toBe('PostChecks');
    expect(d.status.phase).not.toBe('Healthy');
    expect(d.status.attempt?.postDeployment?.results).toEqual([
      {
        name: 'allTasksRunning',
        outcome: 'Inconclusive',
        at: iso(),
        message: 'task set canary1 reports no runningCount or computedDesiredCount',
      },
    ]);
    expect(d.events.map((e) => e.reason)).not.toContain('PostDeploymentChecksPassed');
    const ready = d.status.conditions?.find((c) => c.type === 'Ready');
    expect(ready?.status).not.toBe('True');
    expect(JSON.stringify(d.status.conditions)).toContain(
      'allTasksRunning is inconclusive: task set canary1 reports no runningCount or computedDesiredCount',
    );
  });

  it('past progressDeadline without counts the revision rolls back, naming the missing counts', () => {
    const later = new Date(NOW.getTime() + 30 * 60_000);
    const d = decideWith(promoted(), later);
    expect(next(d).attempt?.rollback).toMatchObject({
      reason: 'ProgressDeadlineExceeded',
      fromStage: 'PostChecks',
    });
    expect(JSON.stringify(next(d).attempt?.rollback)).toContain(
      'allTasksRunning is inconclusive: task set canary1 reports no runningCount or computedDesiredCount',
    );
  });

  it('below the desired count it waits (Warning); at it, the checks pass and the revision completes', () => {
    const short = decideWith(promoted({ runningCount: 3, computedDesiredCount: 4 }));
    expect(short.status.stage).toBe('PostChecks');
    expect(short.status.attempt?.postDeployment?.results?.[0]).toMatchObject({
      outcome: 'Warning',
      message: '3 of 4 tasks running',
    });
    const full = decideWith(promoted({ runningCount: 4, computedDesiredCount: 4 }));
    expect(full.status.attempt?.postDeployment?.results?.[0]).toMatchObject({
      outcome: 'Passed',
      message: '4 of 4 tasks running',
    });
    expect(full.events.map((e) => e.reason)).toContain('PostDeploymentChecksPassed');
    expect(full.status.stage).not.toBe('PostChecks');
  });
});
