// The desired count: reached at once upwards, in steps of `scaleDown.step` every
// `scaleDown.interval` downwards, each step only through the health gate. The count this
// controller set is written ahead (status.scaling.count, `from` the count before), so after a
// crash a count equal to `from` is our own unfinished step (re-applied, not a second step), and
// any other difference was made by someone else: drift, told and restored. With autoscaling the
// goal is reached once, then the count is the autoscaler's until spec.desiredCount changes.
import { parseDuration } from '../../shared/api/duration.js';
import type { MetricMeasurement } from '../../shared/api/metric-check.js';
import type { ServiceState } from '../../shared/ports/ecs.js';
import { CountMover, type ScalePolicySpec } from '../api.js';
import type { Action, FailoverHoldView, ReleaseView, ScalePolicyState, Tuning } from './types.js';

type Scaling = NonNullable<ScalePolicyState['scaling']>;

export const iso = (t: Date | number): string =>
  new Date(t).toISOString().replace(/\.\d{3}Z$/, 'Z');
const ms = (t: string | undefined): number | undefined =>
  t === undefined ? undefined : Date.parse(t);

/** Failed tasks ECS reports over the service's deployments. */
export function failedTasksOf(service: ServiceState): number {
  return service.deployments.reduce((sum, d) => sum + d.failedTasks, 0);
}

/** The goal this policy drives the count to, or undefined when the count is not ours to set. */
export function goalOf(
  spec: ScalePolicySpec,
  status: ScalePolicyState | undefined,
): number | undefined {
  const goal = spec.desiredCount;
  if (goal === undefined) return undefined;
  const prev = status?.scaling;
  // With autoscaling, a goal once reached leaves the count to the autoscaler.
  if (spec.autoscaling !== undefined && prev?.goal === goal && prev.reached === true)
    return undefined;
  return goal;
}

/** The count seen now, our own unfinished step told apart from someone else's change. */
export interface CountReading {
  /** Our written-ahead step was not applied (crash between checkpoint and call): apply it. */
  readonly unfinished?: number;
  /** Someone else moved the count away from ours: what was found. */
  readonly drift?: string;
  readonly mover?: CountMover;
}

export function readCount(
  service: ServiceState,
  status: ScalePolicyState | undefined,
  autoscalerOn: boolean,
): CountReading {
  const prev = status?.scaling;
  const desired = service.desiredCount;
  const moved = status?.desired !== undefined && status.desired !== desired;
  const someoneElse = autoscalerOn ? CountMover.Autoscaler : CountMover.Other;
  // The count we set (our write landed): nothing to tell.
  if (prev !== undefined && desired === prev.count) return {};
  // Still the count before our written-ahead step: the call never landed.
  if (prev?.from !== undefined && desired === prev.from && status?.desired === prev.from) {
    return { unfinished: prev.count };
  }
  if (prev === undefined || autoscalerOn) {
    return moved ? { mover: someoneElse } : {};
  }
  return {
    drift: `desiredCount was ${desired}, not the ${prev.count} this policy set`,
    mover: CountMover.Other,
  };
}

/** Whether a scale-down step is due now (interval over); the health metrics are measured then. */
export function stepDue(
  spec: ScalePolicySpec,
  status: ScalePolicyState | undefined,
  service: ServiceState,
  now: Date,
): boolean {
  const goal = goalOf(spec, status);
  if (goal === undefined || service.desiredCount <= goal) return false;
  const next = ms(status?.scaling?.nextStepAt);
  return next === undefined || next <= now.getTime();
}

export interface Gate {
  readonly healthy: boolean;
  readonly message: string;
}

/** Running = desired, no failed tasks since the last step, every health metric Successful. */
export function healthGate(
  spec: ScalePolicySpec,
  status: ScalePolicyState | undefined,
  service: ServiceState,
  measurements: readonly MetricMeasurement[] | undefined,
): Gate {
  const problems: string[] = [];
  if (spec.scaleDown?.healthCheck !== false) {
    if (service.runningCount !== service.desiredCount) {
      problems.push(`running ${service.runningCount} of ${service.desiredCount} desired`);
    }
    const baseline = status?.scaling?.failedTasksAtStep;
    const failed = failedTasksOf(service);
    if (baseline !== undefined && failed > baseline) {
      problems.push(`${failed - baseline} task(s) failed since the last step`);
    }
  }
  const checks = spec.scaleDown?.analysis ?? [];
  if (checks.length > 0) {
    if (measurements === undefined) problems.push('health metrics not measured yet');
    for (const m of measurements ?? []) {
      if (m.verdict !== 'Successful') {
        problems.push(
          `${m.metric}: ${m.verdict}${m.message === undefined ? '' : ` (${m.message})`}`,
        );
      }
    }
  }
  return problems.length === 0
    ? {
        healthy: true,
        message: 'service healthy: running = desired, no failed tasks, metrics passed',
      }
    : { healthy: false, message: problems.join('; ') };
}

/** What the count part decided: an action (written ahead), or why it waits. */
export interface CountStep {
  readonly action?: Action & { type: 'setDesiredCount' };
  readonly scaling?: Scaling;
  readonly gate?: Gate;
  /** Scale-down waits: for the interval, the health gate, a Release or a FailoverPlan. */
  readonly waiting?: 'interval' | 'health' | 'release' | 'failover';
  readonly wakeAtMs?: number;
}

export function countStep(
  spec: ScalePolicySpec,
  status: ScalePolicyState | undefined,
  service: ServiceState,
  reading: CountReading,
  measurements: readonly MetricMeasurement[] | undefined,
  release: ReleaseView | undefined,
  hold: FailoverHoldView | undefined,
  now: Date,
  tuning: Tuning,
): CountStep {
  const goal = goalOf(spec, status);
  const prev = status?.scaling;
  if (goal === undefined) return prev === undefined ? {} : { scaling: prev };
  const current = service.desiredCount;
  const failed = failedTasksOf(service);
  const set = (
    count: number,
    why: 'scaleUp' | 'scaleDown' | 'restore',
    next?: number,
  ): CountStep => ({
    action: { type: 'setDesiredCount', ref: service.ref, count, from: current, why },
    scaling: {
      goal,
      count,
      from: current,
      at: iso(now),
      ...(next === undefined ? {} : { nextStepAt: iso(next) }),
      failedTasksAtStep: failed,
      ...(count === goal ? { reached: true } : {}),
    },
  });
  if (
    reading.unfinished !== undefined &&
    prev !== undefined &&
    prev.count < current &&
    hold !== undefined
  ) {
    // Our own scale-down step, decided before a FailoverPlan took hold: it waits too.
    return { scaling: prev, waiting: 'failover', wakeAtMs: tuning.pollMs };
  }
  if (reading.unfinished !== undefined && prev !== undefined) {
    // Finish our own step as decided (same count, same next-step time).
    return {
      action: {
        type: 'setDesiredCount',
        ref: service.ref,
        count: reading.unfinished,
        from: current,
        why: prev.count < current ? 'scaleDown' : 'scaleUp',
      },
      scaling: prev,
    };
  }
  if (current < goal) return set(goal, reading.drift === undefined ? 'scaleUp' : 'restore');
  if (current === goal) {
    const scaling: Scaling =
      prev?.goal === goal && prev.count === goal
        ? { ...prev, reached: true }
        : { goal, count: goal, at: prev?.at ?? iso(now), reached: true, failedTasksAtStep: failed };
    return { scaling };
  }
  // current > goal: the next scale-down step, if it is due and the gate is open.
  const keep: Scaling =
    prev?.goal === goal
      ? { ...prev, count: current, reached: false }
      : { goal, count: current, at: iso(now), failedTasksAtStep: failed };
  if (hold !== undefined) return { scaling: keep, waiting: 'failover', wakeAtMs: tuning.pollMs };
  if (release !== undefined) return { scaling: keep, waiting: 'release', wakeAtMs: tuning.pollMs };
  const nextAt = ms(prev?.nextStepAt);
  if (nextAt !== undefined && nextAt > now.getTime()) {
    return { scaling: keep, waiting: 'interval', wakeAtMs: nextAt - now.getTime() };
  }
  const gate = healthGate(spec, status, service, measurements);
  if (!gate.healthy) return { scaling: keep, gate, waiting: 'health', wakeAtMs: tuning.pollMs };
  const step = spec.scaleDown?.step ?? 1;
  const count = Math.max(goal, current - step);
  const interval = parseDuration(spec.scaleDown?.interval ?? '5m');
  const next = set(count, 'scaleDown', count > goal ? now.getTime() + interval : undefined);
  return { ...next, gate };
}
