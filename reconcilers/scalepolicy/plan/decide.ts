// ScalePolicy's decision: a pure function of (spec, status, observed world, now). Order: the
// service must exist; `suspend` stops every write; Application Auto Scaling converges first (one
// write per reconcile), then the desired count. At most one action; the count change is written
// ahead (checkpoint) because a desired count cannot tell who set it.
import { earliest, transition } from '../../shared/kit/index.js';
import { ecsServiceResourceId } from '../../shared/ports/autoscaling.js';
import { parseDuration } from '../../shared/api/duration.js';
import type { EventSpec } from '../../../controller/index.js';
import { CountMover, ScalePolicyPhase, ScalePolicyReason } from '../api.js';
import { declared, nextAutoscalingStep, recordedAutoscaling } from './autoscaling.js';
import { conditionsFor, type Situation } from './conditions.js';
import { countStep, failedTasksOf, iso, readCount, type CountStep } from './count.js';
import type { Action, DecideInput, Decision, ReleaseView, ScalePolicyState } from './types.js';

export function decide(input: DecideInput): Decision {
  const { spec, status, observed, now, tuning, object } = input;
  const service = observed.service;
  const events: EventSpec[] = [];
  if (service === null) {
    const situation: Situation = {
      phase: status?.phase ?? ScalePolicyPhase.Stable,
      state: 'Stalled',
      reason: ScalePolicyReason.ServiceNotFound,
      message: `ECS service ${spec.target.service} not found in cluster ${spec.target.cluster} (${spec.target.region})`,
    };
    return finish(input, { ...(status ?? {}) }, situation, events, undefined, tuning.pollMs);
  }
  const release = inFlight(observed.releases);
  const hold = observed.failover ?? undefined;
  const suspended = spec.suspend === true;
  let next: ScalePolicyState = {
    ...(status ?? {}),
    desired: service.desiredCount,
    running: service.runningCount,
    pending: service.pendingCount,
    failedTasks: failedTasksOf(service),
  };

  // Who moved the count since we last looked (told even while suspended).
  const autoscalerOn = status?.autoscaling?.registered === true;
  const reading = readCount(service, status, autoscalerOn);
  if (reading.mover !== undefined) {
    next = { ...next, lastMovedBy: reading.mover, lastMovedAt: iso(now) };
  }

  // Application Auto Scaling: declared (scale-in suspended while a Release is in flight) → applied.
  const aas = observed.autoscaling;
  let action: Action | undefined;
  if (aas !== undefined && aas !== null) {
    const want = declared(
      spec,
      object.uid,
      release !== undefined || hold !== undefined,
      hold !== undefined,
    );
    const resourceId = ecsServiceResourceId(spec.target.cluster, spec.target.service);
    const stepped = nextAutoscalingStep(
      spec.target.region,
      resourceId,
      want,
      aas,
      status,
      object.uid,
    );
    const recorded = recordedAutoscaling(
      suspended ? aas : stepped.after,
      want,
      status,
      object.uid,
      release?.name ?? (hold === undefined ? undefined : `FailoverPlan ${hold.plan}`),
    );
    const { autoscaling: _dropped, ...rest } = next;
    next = recorded === undefined ? rest : { ...rest, autoscaling: recorded };
    if (!suspended && stepped.action !== undefined) {
      action = stepped.action;
      if (stepped.drift !== undefined) {
        events.push({
          type: 'Warning',
          reason: ScalePolicyReason.DriftDetected,
          message: `${stepped.drift}; restoring`,
        });
      }
    }
  }

  if (suspended) {
    const atGoal = spec.desiredCount === undefined || service.desiredCount === spec.desiredCount;
    return finish(
      input,
      next,
      {
        phase: ScalePolicyPhase.Suspended,
        state: atGoal && service.runningCount === service.desiredCount ? 'Ready' : 'Reconciling',
        reason: ScalePolicyReason.Suspended,
        message: `spec.suspend: observing only (desired ${service.desiredCount}, running ${service.runningCount})`,
      },
      events,
      undefined,
      tuning.resyncMs,
    );
  }
  if (action !== undefined) {
    return finish(
      input,
      next,
      {
        phase: status?.phase ?? ScalePolicyPhase.Stable,
        state: 'Reconciling',
        reason: ScalePolicyReason.Progressing,
        message: `applying Application Auto Scaling settings (${action.type})`,
      },
      events,
      action,
      tuning.afterActionMs,
    );
  }

  // The desired count.
  const count = countStep(
    spec,
    status,
    service,
    reading,
    observed.measurements,
    release,
    hold,
    now,
    tuning,
  );
  if (count.scaling !== undefined) next = { ...next, scaling: count.scaling };
  if (count.gate !== undefined) {
    next = {
      ...next,
      health: {
        checkedAt: iso(now),
        healthy: count.gate.healthy,
        message: count.gate.message.slice(0, 1024),
        ...(observed.measurements === undefined
          ? {}
          : { measurements: [...observed.measurements] }),
      },
    };
  }
  if (reading.drift !== undefined && count.action !== undefined) {
    events.push({
      type: 'Warning',
      reason: ScalePolicyReason.DriftDetected,
      message: `${reading.drift}; restoring toward ${count.scaling?.goal ?? count.action.count}`,
    });
  }
  if (count.action !== undefined) {
    next = {
      ...next,
      lastScaleAt: iso(now),
      lastMovedBy: CountMover.Controller,
      lastMovedAt: iso(now),
    };
    const up = count.action.count > count.action.from;
    return finish(
      input,
      next,
      {
        phase: up ? ScalePolicyPhase.ScalingUp : ScalePolicyPhase.ScalingDown,
        state: 'Reconciling',
        reason: up ? ScalePolicyReason.ScalingUp : ScalePolicyReason.ScalingDown,
        message: `desiredCount ${count.action.from} → ${count.action.count}${count.scaling?.goal === count.action.count ? '' : ` (goal ${count.scaling?.goal ?? '?'})`}`,
      },
      events,
      count.action,
      tuning.afterActionMs,
      true,
    );
  }
  return finish(
    input,
    next,
    waitingSituation(input, next, count, release),
    events,
    undefined,
    count.wakeAtMs,
  );
}

function waitingSituation(
  input: DecideInput,
  next: ScalePolicyState,
  count: CountStep,
  release: ReleaseView | undefined,
): Situation & { wakeAtMs?: number } {
  const { spec, observed, now, tuning } = input;
  const service = observed.service;
  if (service === null) throw new Error('unreachable: service checked first');
  const goal = count.scaling?.goal;
  switch (count.waiting) {
    case 'failover':
      return {
        phase: ScalePolicyPhase.ScalingDown,
        state: 'Reconciling',
        reason: ScalePolicyReason.HeldByFailoverPlan,
        message: `scale-down to ${goal ?? '?'} waits at ${service.desiredCount}: ${observed.failover?.message ?? 'held by a FailoverPlan'}`,
      };
    case 'release':
      return {
        phase: ScalePolicyPhase.ScalingDown,
        state: 'Reconciling',
        reason: ScalePolicyReason.WaitingForRelease,
        message: `scale-down to ${goal ?? '?'} waits at ${service.desiredCount}: Release ${release?.name ?? '?'} is in flight`,
      };
    case 'interval':
      return {
        phase: ScalePolicyPhase.ScalingDown,
        state: 'Reconciling',
        reason: ScalePolicyReason.WaitingForInterval,
        message: `at ${service.desiredCount}, next step toward ${goal ?? '?'} at ${next.scaling?.nextStepAt ?? '?'}`,
      };
    case 'health':
      return {
        phase: ScalePolicyPhase.ScalingDown,
        state: 'Reconciling',
        reason: ScalePolicyReason.HealthCheckFailed,
        message: `scale-down halted at ${service.desiredCount}: ${count.gate?.message ?? 'unhealthy'}`,
      };
    case undefined:
      break;
  }
  if (service.runningCount < service.desiredCount) {
    const since = Date.parse(next.lastScaleAt ?? next.scaling?.at ?? iso(now));
    const deadline = parseDuration(spec.progressDeadline ?? '10m');
    const words = (service.events ?? []).map((e) => e.message).find((m) => m !== '');
    const base = `running ${service.runningCount} of ${service.desiredCount}`;
    if (now.getTime() - since > deadline) {
      return {
        phase: ScalePolicyPhase.WaitingForTasks,
        state: 'Stalled',
        reason: ScalePolicyReason.PlacementFailed,
        message: `${base} past the progress deadline (${spec.progressDeadline ?? '10m'})${words === undefined ? '' : `; ECS: ${words}`}`,
        // Keep looking: ECS keeps trying to place tasks, and capacity may come.
        wakeAtMs: tuning.pollMs,
      };
    }
    return {
      phase: ScalePolicyPhase.WaitingForTasks,
      state: 'Reconciling',
      reason: ScalePolicyReason.WaitingForTasks,
      message: `${base}${words === undefined ? '' : `; ECS: ${words}`}`,
      wakeAtMs: Math.min(tuning.pollMs, Math.max(1, since + deadline - now.getTime() + 1000)),
    };
  }
  return {
    phase: ScalePolicyPhase.Stable,
    state: 'Ready',
    reason: ScalePolicyReason.Stable,
    message:
      spec.desiredCount === undefined || goal === undefined
        ? `desired ${service.desiredCount}, running ${service.runningCount} (count left to Application Auto Scaling)`
        : `desired ${service.desiredCount}, running ${service.runningCount}`,
  };
}

/** The first Release of the service in flight, if any. */
function inFlight(releases: readonly ReleaseView[] | undefined): ReleaseView | undefined {
  return releases?.find((r) => r.inFlight);
}

function finish(
  input: DecideInput,
  status: ScalePolicyState,
  situation: Situation & { wakeAtMs?: number },
  events: EventSpec[],
  action: Action | undefined,
  wakeMs: number | undefined,
  checkpoint = false,
): Decision {
  const { now, tuning } = input;
  const told = transition(
    status.history,
    situation.state === 'Stalled' ? ScalePolicyPhase.Degraded : situation.phase,
    situation.reason,
    situation.message,
    now,
    situation.state === 'Stalled' || situation.reason === ScalePolicyReason.HealthCheckFailed
      ? 'Warning'
      : 'Normal',
  );
  const release = inFlight(input.observed.releases);
  // Stalled reads as stopped in PHASE too, never as a wait (WaitingForTasks beside Stalled=True).
  const phase = situation.state === 'Stalled' ? ScalePolicyPhase.Degraded : situation.phase;
  const final: ScalePolicyState = {
    ...status,
    phase,
    message: situation.message,
    history: told.history,
    conditions: conditionsFor(input, status, situation, release),
  };
  const requeue = earliest(wakeMs, situation.wakeAtMs, tuning.resyncMs);
  return {
    status: final,
    ...(action === undefined ? {} : { action }),
    ...(checkpoint ? { checkpoint: true } : {}),
    events: told.event === undefined ? events : [...events, told.event],
    ...(requeue === undefined ? {} : { requeueAfterMs: requeue }),
  };
}
