// ScalePolicy's pure decision, reconcile by reconcile against a fake world (plan/ only, no I/O).
import { describe, expect, it } from 'vitest';
import { Bench, cond, EMPTY_AAS, OBJECT, REF } from './world.js';

describe('ScalePolicy decide: desired count', () => {
  it('scales up at once, written ahead, then waits for tasks with the counts', () => {
    const b = new Bench({ target: REF, desiredCount: 10 }, 3);
    const d = b.step();
    expect(d.action).toMatchObject({ type: 'setDesiredCount', count: 10, from: 3, why: 'scaleUp' });
    expect(d.checkpoint).toBe(true);
    expect(d.status.phase).toBe('ScalingUp');
    b.running = 4;
    const w = b.step();
    expect(w.action).toBeUndefined();
    expect(w.status).toMatchObject({
      phase: 'WaitingForTasks',
      desired: 10,
      running: 4,
      pending: 6,
    });
    expect(cond(w.status, 'Reconciling')?.status).toBe('True');
  });

  it('is Stalled with ECS words once running stays below desired past the deadline', () => {
    const b = new Bench({ target: REF, desiredCount: 10, progressDeadline: '1m' }, 3);
    b.step();
    b.running = 4;
    b.extra = {};
    b.advance(61_000);
    const words =
      'was unable to place a task because no container instance met all of its requirements';
    const base = b.observed();
    if (base.service === null) throw new Error('no service');
    b.extra = { service: { ...base.service, events: [{ message: words }] } };
    const d = b.step();
    expect(cond(d.status, 'Stalled')).toMatchObject({ status: 'True', reason: 'PlacementFailed' });
    expect(cond(d.status, 'Stalled')?.message).toContain(words);
    // PHASE says stopped, not a wait, beside Stalled=True.
    expect(d.status.phase).toBe('Degraded');
    expect(d.requeueAfterMs).toBeLessThan(60_000);
  });

  it('scales down 10 → 8 → 6 → 4 → 3 with the interval between steps', () => {
    const b = new Bench(
      { target: REF, desiredCount: 3, scaleDown: { step: 2, interval: '5m' } },
      10,
    );
    const first = b.step();
    expect(first.action).toMatchObject({ count: 8, why: 'scaleDown' });
    expect(first.status.scaling?.nextStepAt).toBe('2026-12-06T10:05:00Z');
    const waiting = b.step();
    expect(waiting.action).toBeUndefined();
    expect(waiting.requeueAfterMs).toBe(300_000);
    b.settle();
    expect(b.writes).toEqual([8, 6, 4, 3]);
    expect(b.status?.phase).toBe('Stable');
    expect(cond(b.status, 'Ready')?.status).toBe('True');
  });

  it('halts at the current count while unhealthy (never lower) and resumes when healthy', () => {
    const b = new Bench(
      { target: REF, desiredCount: 3, scaleDown: { step: 2, interval: '1m' } },
      10,
    );
    b.step();
    b.advance(60_000);
    b.running = 7;
    const held = b.step();
    expect(held.action).toBeUndefined();
    expect(held.status.message).toContain('halted at 8');
    expect(cond(held.status, 'HealthChecksPassed')).toMatchObject({ status: 'False' });
    b.running = undefined;
    b.failed = 2; // tasks failed since the last step
    expect(b.step().action).toBeUndefined();
    expect(b.status?.health?.message).toContain('2 task(s) failed since the last step');
    b.failed = 0;
    expect(b.step().action).toMatchObject({ count: 6 });
  });

  it('treats an inconclusive or missing metric as unhealthy', () => {
    const spec = {
      target: REF,
      desiredCount: 3,
      scaleDown: {
        analysis: [
          {
            name: 'cpu',
            cloudWatch: {
              metric: {
                namespace: 'AWS/ECS',
                metricName: 'CPUUtilization',
                stat: 'Average',
                period: '1m',
              },
            },
            successCondition: '< 60',
          },
        ],
      },
    };
    const b = new Bench(spec, 5);
    expect(b.step().action).toBeUndefined();
    expect(b.status?.health?.message).toContain('health metrics not measured yet');
    b.extra = {
      measurements: [
        { metric: 'cpu', at: '2026-12-06T10:00:00Z', verdict: 'Inconclusive', message: 'no data' },
      ],
    };
    expect(b.step().action).toBeUndefined();
    expect(b.status?.health?.message).toContain('cpu: Inconclusive (no data)');
    b.extra = {
      measurements: [
        { metric: 'cpu', at: '2026-12-06T10:00:00Z', verdict: 'Successful', value: 20 },
      ],
    };
    expect(b.step().action).toMatchObject({ count: 4 });
  });

  it('finishes its own written-ahead step after a crash instead of taking another', () => {
    const b = new Bench(
      { target: REF, desiredCount: 3, scaleDown: { step: 2, interval: '1m' } },
      10,
    );
    const d = b.step(false); // checkpoint stored, UpdateService never sent
    expect(d.checkpoint).toBe(true);
    const again = b.step();
    expect(again.action).toMatchObject({ type: 'setDesiredCount', count: 8 });
    expect(again.status.scaling?.nextStepAt).toBe(d.status.scaling?.nextStepAt);
    expect(b.step().action).toBeUndefined(); // the interval from the first decision holds
  });

  it('restores a count moved behind its back, with a DriftDetected event', () => {
    const b = new Bench({ target: REF, desiredCount: 4 }, 4);
    b.settle();
    b.desired = 2;
    const d = b.step();
    expect(d.action).toMatchObject({ count: 4, why: 'restore' });
    expect(d.events.find((e) => e.reason === 'DriftDetected')?.message).toContain(
      'desiredCount was 2, not the 4 this policy set',
    );
    expect(d.status.lastMovedBy).toBe('Controller');
  });

  it('writes nothing while suspended, and says who moved the count', () => {
    const b = new Bench({ target: REF, desiredCount: 4, suspend: true }, 6);
    const d = b.step();
    expect(d.action).toBeUndefined();
    expect(d.status.phase).toBe('Suspended');
    b.desired = 7;
    expect(b.step().status.lastMovedBy).toBe('Other');
  });

  it('waits for an in-flight Release before a scale-down step, naming it', () => {
    const b = new Bench({ target: REF, desiredCount: 2 }, 4);
    b.extra = { releases: [{ name: 'web-v2', inFlight: true }] };
    const d = b.step();
    expect(d.action).toBeUndefined();
    expect(cond(d.status, 'ReleaseInFlight')?.message).toContain('Release web-v2 is in flight');
    b.extra = { releases: [{ name: 'web-v2', inFlight: false }] };
    expect(b.step().action).toMatchObject({ count: 3 });
  });

  it('waits while a FailoverPlan holds the service, naming it, and scales up all the same', () => {
    const b = new Bench({ target: REF, desiredCount: 2 }, 4);
    const hold = {
      plan: 'dr',
      message: 'held by FailoverPlan dr: failover us-east-1 → us-west-2 in flight',
    };
    b.extra = { failover: hold, releases: [] };
    const d = b.step();
    expect(d.action).toBeUndefined();
    expect(cond(d.status, 'FailoverPlanHold')).toMatchObject({
      status: 'True',
      reason: 'HeldByFailoverPlan',
    });
    expect(cond(d.status, 'FailoverPlanHold')?.message).toContain('FailoverPlan dr');
    expect(cond(d.status, 'Reconciling')?.reason).toBe('HeldByFailoverPlan');
    b.extra = { failover: null, releases: [] };
    const resumed = b.step();
    expect(resumed.action).toMatchObject({ count: 3 });
    expect(cond(resumed.status, 'FailoverPlanHold')?.status).toBe('False');
    // Upwards is never held.
    const up = new Bench({ target: REF, desiredCount: 6 }, 4);
    up.extra = { failover: hold, releases: [] };
    expect(up.step().action).toMatchObject({ count: 6, why: 'scaleUp' });
  });

  it('holds its own written-ahead scale-down step once a FailoverPlan holds the service', () => {
    const b = new Bench({ target: REF, desiredCount: 2 }, 4);
    const first = b.step(false);
    expect(first.action).toMatchObject({ count: 3 });
    // The call never landed (crash): desired still 4; now a failover holds the service.
    b.extra = { failover: { plan: 'dr', message: 'held by FailoverPlan dr' }, releases: [] };
    const d = b.step();
    expect(d.action).toBeUndefined();
    expect(cond(d.status, 'Reconciling')?.reason).toBe('HeldByFailoverPlan');
    b.extra = { failover: null, releases: [] };
    expect(b.step().action).toMatchObject({ count: 3 });
  });

  it('reports a missing service as Stalled and writes nothing', () => {
    const b = new Bench({ target: REF, desiredCount: 4 }, 4);
    b.extra = { service: null };
    const d = b.step();
    expect(d.action).toBeUndefined();
    expect(cond(d.status, 'Stalled')).toMatchObject({ status: 'True', reason: 'ServiceNotFound' });
    expect(d.status.phase).toBe('Degraded');
  });
});

describe('ScalePolicy decide: Application Auto Scaling', () => {
  const autoscaling = {
    minCapacity: 3,
    maxCapacity: 10,
    targetTracking: [{ predefinedMetric: 'ECSServiceAverageCPUUtilization' as const, target: 70 }],
    scheduled: [{ name: 'nights', schedule: 'cron(0 20 * * ? *)', minCapacity: 3 }],
  };

  it('registers, puts the policy and the scheduled action, one write per reconcile', () => {
    const b = new Bench({ target: REF, autoscaling }, 5);
    const types = [b.step(), b.step(), b.step(), b.step()].map((d) => d.action?.type);
    expect(types).toEqual(['registerTarget', 'putPolicy', 'putScheduledAction', undefined]);
    expect(b.status?.autoscaling).toMatchObject({
      registered: true,
      minCapacity: 3,
      maxCapacity: 10,
      policies: [`latticedb-${OBJECT.uid}-cpu`],
      scheduledActions: [`latticedb-${OBJECT.uid}-nights`],
    });
    expect(cond(b.status, 'AutoscalingRegistered')?.status).toBe('True');
  });

  it('leaves policies it did not create alone (and the target they need), removing its own', () => {
    const b = new Bench({ target: REF, autoscaling }, 5);
    b.aas = {
      ...EMPTY_AAS,
      policies: [{ name: 'team-cpu', policyType: 'TargetTrackingScaling', targetValue: 50 }],
    };
    b.settle();
    b.spec = { target: REF, desiredCount: 5 };
    b.settle();
    expect(b.aas.policies.map((p) => p.name)).toEqual(['team-cpu']);
    expect(b.aas.scheduled).toEqual([]);
    expect(b.aas.target).not.toBeNull(); // deregistering would delete team-cpu with it
    expect(b.status?.autoscaling).toBeUndefined();
  });

  it('deregisters the target it registered once nothing of anyone else is on it', () => {
    const b = new Bench({ target: REF, autoscaling }, 5);
    b.settle();
    b.spec = { target: REF, desiredCount: 5 };
    b.settle();
    expect(b.aas).toEqual(EMPTY_AAS);
    expect(b.status?.autoscaling).toBeUndefined();
  });

  it('restores changed bounds with a DriftDetected event naming what it found', () => {
    const b = new Bench({ target: REF, autoscaling }, 5);
    b.settle();
    if (b.aas.target === null) throw new Error('no target');
    b.aas = { ...b.aas, target: { ...b.aas.target, minCapacity: 1, maxCapacity: 2 } };
    const d = b.step();
    expect(d.action?.type).toBe('registerTarget');
    expect(d.events.find((e) => e.reason === 'DriftDetected')?.message).toContain('min 1, max 2');
  });

  it('with autoscaling, reaches desiredCount once, then leaves the count to the autoscaler', () => {
    const b = new Bench(
      { target: REF, desiredCount: 6, autoscaling, scaleDown: { step: 2, interval: '1s' } },
      10,
    );
    b.settle();
    expect(b.writes).toEqual([8, 6]);
    b.desired = 9; // the autoscaler scales out
    const d = b.step();
    expect(d.action).toBeUndefined();
    expect(d.status.lastMovedBy).toBe('Autoscaler');
  });

  it('suspends dynamic scale-in while a Release is in flight and restores it after', () => {
    const b = new Bench({ target: REF, autoscaling }, 5);
    b.settle();
    b.extra = { releases: [{ name: 'web-v2', inFlight: true }] };
    const d = b.step();
    expect(d.action).toMatchObject({
      type: 'registerTarget',
      target: { suspended: { dynamicScalingInSuspended: true } },
    });
    expect(d.events.some((e) => e.reason === 'DriftDetected')).toBe(false);
    expect(d.status.autoscaling?.scaleInSuspendedFor).toBe('web-v2');
    b.extra = { releases: [] };
    expect(b.step().action).toMatchObject({
      target: { suspended: { dynamicScalingInSuspended: false } },
    });
    expect(b.status?.autoscaling?.scaleInSuspendedFor).toBeUndefined();
  });

  it('suspends dynamic scale-in and scheduled scaling while a FailoverPlan holds the service', () => {
    const b = new Bench({ target: REF, autoscaling }, 5);
    b.settle();
    b.extra = { failover: { plan: 'dr', message: 'held by FailoverPlan dr' }, releases: [] };
    const d = b.step();
    expect(d.action).toMatchObject({
      type: 'registerTarget',
      target: { suspended: { dynamicScalingInSuspended: true, scheduledScalingSuspended: true } },
    });
    expect(d.status.autoscaling?.scaleInSuspendedFor).toBe('FailoverPlan dr');
    b.extra = { failover: null, releases: [] };
    expect(b.step().action).toMatchObject({
      target: { suspended: { dynamicScalingInSuspended: false, scheduledScalingSuspended: false } },
    });
  });
});
