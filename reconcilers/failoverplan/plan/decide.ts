// FailoverPlan's decision: a pure function of (spec, status, observed world, now).
// With no failover in flight it evaluates the standby (the site not serving) and starts a
// failover when spec.activeRegion names the other site. A failover walks its steps in order —
// VerifyTarget, ScaleTarget, SwitchDns, Validate — each finished step recorded with its time;
// a step's write is recognisable in the world (the target's desired count, the record's value),
// so a controller killed at any point resumes without a second scale or DNS change.
import type { EventSpec, KStatusState } from '../../../controller/index.js';
import { earliest, transition } from '../../shared/kit/index.js';
import {
  FailoverPlanPhase as Phase,
  FailoverPlanReason as Reason,
  FailoverStepName as StepName,
  type FailoverPlanPhase,
  type FailoverStep,
} from '../api.js';
import { answers, withResult } from './action-result.js';
import { conditionsFor } from './conditions.js';
import { FAILOVER_ANNOTATION, moveHint } from './hints.js';
import { readiness, type Readiness } from './readiness.js';
import { safeModeStep } from './safe-mode.js';
import {
  otherSite,
  recordPointsAt,
  scaleGoal,
  servingRegion,
  servingUnknown,
  siteIn,
  valueFor,
} from './sites.js';
import type { Action, ActionResult, DecideInput, Decision, FailoverPlanState } from './types.js';

type Run = NonNullable<FailoverPlanState['lastFailover']>;

export interface Situation {
  readonly phase: FailoverPlanPhase;
  readonly state: KStatusState;
  readonly reason: string;
  readonly message: string;
}

const iso = (d: Date): string => d.toISOString().replace(/\.\d{3}Z$/, 'Z');

/** The failover in flight, if any (started, not completed). */
export function runInFlight(status: FailoverPlanState | undefined): Run | undefined {
  const run = status?.lastFailover;
  return run !== undefined && run.completedAt === undefined ? run : undefined;
}

export function decide(input: DecideInput): Decision {
  const { spec, status, observed, now, tuning } = input;
  const serving = servingRegion(spec, status, observed);
  const standby = otherSite(observed, serving);
  const servingSite = siteIn(observed, serving);
  const check = readiness(
    standby,
    servingSite,
    observed,
    standby.role === 'secondary' ? observed.healthChecks : undefined,
  );
  let next: FailoverPlanState = {
    ...(status ?? {}),
    activeRegion: serving,
    standbyReady: check.ready,
    standby: {
      checkedAt: iso(now),
      region: standby.ref.region,
      reason: check.reason,
      message: check.message.slice(0, 1024),
    },
  };
  const primaryRunning = observed.primary.service?.runningCount;
  if (serving === spec.primary.region && primaryRunning !== undefined && primaryRunning > 0) {
    next = { ...next, primaryRunningCount: primaryRunning };
  }

  let run = runInFlight(status);
  const events: EventSpec[] = [];
  if (spec.suspend === true) {
    return finish(input, next, suspended(run), events, undefined, tuning.resyncMs);
  }
  // Safe mode first: the read-only flag goes on at once, whatever a failover is doing.
  const safe = safeModeStep(input);
  if (safe.status !== undefined) next = { ...next, safeMode: safe.status };
  if (safe.action !== undefined && safe.situation !== undefined) {
    const decision = finish(input, next, safe.situation, events, safe.action, tuning.afterActionMs);
    return safe.checkpoint === undefined
      ? decision
      : {
          ...decision,
          checkpointStatus: { ...decision.status, safeMode: safe.checkpoint },
        };
  }
  const safeWake =
    safe.soon === true
      ? 1
      : safe.situation?.phase === Phase.Restoring || safe.situation?.state === 'Stalled'
        ? tuning.pollMs
        : undefined;
  // First sight with a record that does not tell: nothing is claimed, nothing moved; look again.
  const unknown = servingUnknown(spec, status, observed);
  if (unknown !== undefined && run === undefined) {
    const { activeRegion: _a, standbyReady: _r, standby: _s, ...rest } = next;
    return finish(
      input,
      rest,
      safe.situation ?? {
        phase: Phase.Standby,
        // Route 53 not answering passes; a record that names neither region needs a person.
        state: 'error' in observed.dns ? 'Reconciling' : 'Stalled',
        reason: 'error' in observed.dns ? Reason.DnsUnreadable : Reason.ServingUnknown,
        message: unknown,
      },
      events,
      undefined,
      tuning.pollMs,
    );
  }
  const wanted = wantedRegion(input, events);
  if (wanted.requested !== undefined) next = { ...next, requested: wanted.requested };
  if (wanted.ignored !== undefined) next = { ...next, ignoredAnnotation: wanted.ignored };
  if (wanted.absorbed === true && next.requested !== undefined) {
    next = { ...next, requested: { ...next.requested, absorbed: true } };
  }
  // A change of the wanted region starts a failover (or failback); one to the other side while
  // one is in flight replaces it (its steps are recognised in the world and not repeated).
  if (wanted.region !== (run?.to ?? serving)) {
    const failback = wanted.region === spec.primary.region;
    run = {
      from: run?.to ?? serving,
      to: wanted.region,
      direction: failback ? 'Failback' : 'Failover',
      trigger: `${wanted.by} ${run?.to ?? serving} → ${wanted.region}`,
      startedAt: iso(now),
      steps: [{ name: StepName.VerifyTarget, startedAt: iso(now), outcome: 'Running' }],
    };
    events.push({
      type: 'Normal',
      reason: failback ? Reason.FailingBack : Reason.FailingOver,
      message: `${run.direction ?? ''} ${run.from} → ${run.to} started (${run.trigger ?? ''})`,
    });
  }
  if (run === undefined) {
    return finish(
      input,
      next,
      safe.situation ?? steady(input, serving, check),
      events,
      undefined,
      earliest(safeWake, tuning.resyncMs),
    );
  }
  return advance(input, next, run, events);
}

export { FAILOVER_ANNOTATION };

/**
 * The region that should serve: spec.activeRegion, unless the failover annotation asked for the
 * other one since spec.activeRegion last changed. The annotation's value is `<region>` or
 * `<region>.<n>` (to ask again); each value is handled once (status.requested.value).
 */
function wantedRegion(
  input: DecideInput,
  events: EventSpec[],
): {
  region: string;
  by: string;
  requested?: FailoverPlanState['requested'];
  ignored?: string;
  /** spec.activeRegion now says what the annotation asked: the request is dropped. */
  absorbed?: boolean;
} {
  const { spec, status, annotations, now } = input;
  const previous = status?.requested;
  const value = annotations?.[FAILOVER_ANNOTATION];
  if (value !== undefined && value !== previous?.value && value !== status?.ignoredAnnotation) {
    const region = /^(.*?)(\.\d+)?$/.exec(value)?.[1] ?? value;
    if (region === spec.primary.region || region === spec.secondary.region) {
      const requested = { region, value, specActiveRegion: spec.activeRegion, at: iso(now) };
      return { region, by: `annotation ${FAILOVER_ANNOTATION}=${value}:`, requested };
    }
    events.push({
      type: 'Warning',
      reason: 'ActionIgnored',
      message: `${FAILOVER_ANNOTATION}=${value}: not ${spec.primary.region} or ${spec.secondary.region} (optionally .<n>)`,
    });
    return { ...wantedRegion({ ...input, annotations: {} }, events), ignored: value };
  }
  // Git caught up with the request: spec.activeRegion rules again from here on.
  if (previous?.absorbed === true) return { region: spec.activeRegion, by: 'spec.activeRegion' };
  if (previous !== undefined && spec.activeRegion === previous.region) {
    return { region: spec.activeRegion, by: 'spec.activeRegion', absorbed: true };
  }
  if (previous !== undefined && previous.specActiveRegion === spec.activeRegion) {
    return { region: previous.region, by: `annotation ${FAILOVER_ANNOTATION}=${previous.value}:` };
  }
  return { region: spec.activeRegion, by: 'spec.activeRegion' };
}

/** Walks the run's steps from the current one until one needs a write or must wait. */
function advance(
  input: DecideInput,
  base: FailoverPlanState,
  start: Run,
  events: EventSpec[],
): Decision {
  const { spec, status, observed, now, tuning } = input;
  const running = start.direction === 'Failback' ? Phase.FailingBack : Phase.FailingOver;
  const from = siteIn(observed, start.from);
  const to = siteIn(observed, start.to);
  let run = start;
  const at = iso(now);
  // Once the record points at the target, that is the region serving: status.activeRegion says
  // so from then on, also while validation fails (it never names a region DNS has left).
  const save = (r: Run): FailoverPlanState => ({
    ...base,
    lastFailover: r,
    ...(dnsSwitched(r) ? { activeRegion: r.to } : {}),
  });
  for (;;) {
    const step = current(run);
    switch (step.name) {
      case StepName.VerifyTarget: {
        const ready = readiness(
          to,
          from,
          observed,
          to.role === 'secondary' ? observed.healthChecks : undefined,
        );
        if (!ready.ready && spec.force !== true) {
          run = update(run, { ...step, outcome: 'Failed', message: `refused: ${ready.message}` });
          return finish(
            input,
            save(run),
            {
              phase: running,
              state: 'Stalled',
              reason: Reason.TargetNotReady,
              message: `${run.direction ?? ''} to ${run.to} refused, target not ready (${ready.reason}): ${ready.message}; fix it or set spec.force`,
            },
            events,
            undefined,
            tuning.pollMs,
          );
        }
        const forced = !ready.ready;
        run = {
          ...update(run, {
            ...step,
            outcome: 'Succeeded',
            completedAt: at,
            message: forced
              ? `forced (spec.force) although not ready: ${ready.message}`
              : ready.message,
          }),
          ...(forced ? { forced: true } : {}),
        };
        if (forced) {
          events.push({
            type: 'Warning',
            reason: 'Forced',
            message: `${run.direction ?? ''} to ${run.to} forced although the target is not ready: ${ready.message}`,
          });
        }
        run = begin(run, StepName.ScaleTarget, at, {
          desiredCount: scaleGoal(spec, status, from, to),
        });
        continue;
      }
      case StepName.ScaleTarget: {
        const goal = step.desiredCount ?? scaleGoal(spec, status, from, to);
        const service = to.service;
        if (service === undefined || service === null) {
          run = update(run, {
            ...step,
            message: `service ${to.ref.service} in ${to.ref.region} not found`,
          });
          return finish(
            input,
            save(run),
            {
              phase: running,
              state: 'Stalled',
              reason: Reason.ServiceNotFound,
              message: `cannot scale: ECS service ${to.ref.service} not found in ${to.ref.region}`,
            },
            events,
            undefined,
            tuning.pollMs,
          );
        }
        if (service.desiredCount < goal) {
          run = update(run, { ...step, message: `desiredCount ${service.desiredCount} → ${goal}` });
          return finish(
            input,
            save(run),
            {
              phase: running,
              state: 'Reconciling',
              reason: Reason.ScalingTarget,
              message: `scaling ${to.ref.service} in ${to.ref.region}: desiredCount ${service.desiredCount} → ${goal}`,
            },
            events,
            { type: 'setDesiredCount', ref: to.ref, count: goal, from: service.desiredCount },
            tuning.afterActionMs,
          );
        }
        if (service.runningCount < goal) {
          run = update(run, { ...step, message: `running ${service.runningCount} of ${goal}` });
          return finish(
            input,
            save(run),
            {
              phase: running,
              state: 'Reconciling',
              reason: Reason.WaitingForTasks,
              message: `${to.ref.region}: running ${service.runningCount} of ${goal} tasks`,
            },
            events,
            undefined,
            tuning.pollMs,
          );
        }
        run = update(run, {
          ...step,
          outcome: 'Succeeded',
          completedAt: at,
          message: `running ${service.runningCount} (desired ${service.desiredCount}, goal ${goal})`,
        });
        run = begin(run, StepName.SwitchDns, at);
        continue;
      }
      case StepName.SwitchDns: {
        const value = valueFor(spec, run.to);
        if (!recordPointsAt(spec, observed, run.to)) {
          if ('error' in observed.dns) {
            return finish(
              input,
              save(run),
              {
                phase: running,
                state: 'Reconciling',
                reason: Reason.DnsUnreadable,
                message: `Route 53 unreadable: ${observed.dns.error}`,
              },
              events,
              undefined,
              tuning.pollMs,
            );
          }
          run = update(run, { ...step, message: `UPSERT ${spec.dns.recordName} → ${value}` });
          return finish(
            input,
            save(run),
            {
              phase: running,
              state: 'Reconciling',
              reason: Reason.SwitchingDns,
              message: `switching ${spec.dns.recordName} to ${value}`,
            },
            events,
            {
              type: 'upsertRecord',
              record: {
                hostedZoneId: spec.dns.hostedZoneId,
                name: spec.dns.recordName,
                type: spec.dns.type ?? 'CNAME',
              },
              value,
              ttl: spec.dns.ttl ?? 60,
              comment: `FailoverPlan ${run.direction ?? ''} ${run.from} -> ${run.to}`,
            },
            tuning.afterActionMs,
          );
        }
        if (step.changeId !== undefined && observed.change !== 'INSYNC') {
          run = update(run, {
            ...step,
            message: `record points at ${value}; change ${step.changeId} ${observed.change ?? 'unknown'}`,
          });
          return finish(
            input,
            save(run),
            {
              phase: running,
              state: 'Reconciling',
              reason: Reason.WaitingForDnsSync,
              message: `waiting for Route 53 change ${step.changeId} to be INSYNC (${observed.change ?? 'unknown'})`,
            },
            events,
            undefined,
            tuning.pollMs,
          );
        }
        run = update(run, {
          ...step,
          outcome: 'Succeeded',
          completedAt: at,
          message:
            step.changeId === undefined
              ? `record already points at ${value}`
              : `record points at ${value}; change ${step.changeId} INSYNC`,
        });
        run = begin(run, StepName.Validate, at);
        continue;
      }
      case StepName.Validate: {
        const results = observed.validation;
        if (results === undefined && (spec.validation?.length ?? 0) > 0) {
          // Not measured this reconcile (a step finished just now): come back to run them.
          return finish(
            input,
            save(run),
            {
              phase: running,
              state: 'Reconciling',
              reason: Reason.Validating,
              message: `validating ${run.to}`,
            },
            events,
            undefined,
            1,
          );
        }
        const failed = (results ?? []).filter((r) => !r.passed);
        if (failed.length > 0) {
          const text = failed.map((r) => `${r.name}: ${r.message}`).join('; ');
          run = update(run, { ...step, outcome: 'Failed', message: text });
          return finish(
            input,
            save(run),
            {
              phase: Phase.Degraded,
              state: 'Stalled',
              reason: Reason.ValidationFailed,
              message: `serving from ${run.to}, validation failing (rechecked every poll): ${text}`,
            },
            events,
            undefined,
            tuning.pollMs,
          );
        }
        const rto = Math.max(0, Math.round((now.getTime() - Date.parse(run.startedAt)) / 1000));
        run = update(run, {
          ...step,
          outcome: 'Succeeded',
          completedAt: at,
          message:
            results === undefined || results.length === 0
              ? 'no validation checks'
              : `${results.length} check(s) passed`,
        });
        run = { ...run, completedAt: at, rtoSeconds: rto };
        const back = run.direction === 'Failback';
        const switched: FailoverPlanState = { ...save(run), activeRegion: run.to };
        return finish(
          input,
          switched,
          {
            phase: back ? Phase.Ready : Phase.FailedOver,
            state: 'Ready',
            reason: back ? Reason.FailedBack : Reason.FailedOver,
            message: `${back ? 'failed back' : 'failed over'} to ${run.to} in ${rto} s${run.forced === true ? ' (forced)' : ''}`,
          },
          events,
          undefined,
          tuning.afterActionMs,
        );
      }
    }
  }
}

const dnsSwitched = (run: Run): boolean =>
  (run.steps ?? []).some((s) => s.name === StepName.SwitchDns && s.outcome === 'Succeeded');

function current(run: Run): FailoverStep {
  const step = run.steps?.at(-1);
  if (step === undefined) throw new Error('a failover always has a step');
  return step;
}

function update(run: Run, step: FailoverStep): Run {
  return {
    ...run,
    steps: [
      ...(run.steps ?? []).slice(0, -1),
      { ...step, ...(step.message === undefined ? {} : { message: step.message.slice(0, 1024) }) },
    ],
  };
}

function begin(
  run: Run,
  name: FailoverStep['name'],
  at: string,
  extra: Partial<FailoverStep> = {},
): Run {
  return {
    ...run,
    steps: [...(run.steps ?? []), { name, startedAt: at, outcome: 'Running', ...extra }],
  };
}

function steady(input: DecideInput, serving: string, check: Readiness): Situation {
  const { spec } = input;
  if (serving === spec.secondary.region) {
    return {
      phase: Phase.FailedOver,
      state: 'Ready',
      reason: Reason.FailedOver,
      message: `serving from ${serving}; ${check.ready ? `primary ready to fail back: ${moveHint(input, spec.primary.region)}` : `primary not ready: ${check.message}`}`,
    };
  }
  return check.ready
    ? {
        phase: Phase.Ready,
        state: 'Ready',
        reason: Reason.StandbyHealthy,
        message: `serving from ${serving}; standby ${check.message}`,
      }
    : {
        phase: Phase.Degraded,
        state: 'Stalled',
        reason: check.reason,
        message: `serving from ${serving}; standby NOT ready: ${check.message}`,
      };
}

function suspended(run: Run | undefined): Situation {
  return {
    phase:
      run === undefined
        ? Phase.Standby
        : run.direction === 'Failback'
          ? Phase.FailingBack
          : Phase.FailingOver,
    state: run === undefined ? 'Ready' : 'Reconciling',
    reason: 'Suspended',
    message: `spec.suspend: observing only${run === undefined ? '' : ` (${run.direction ?? ''} to ${run.to} paused at ${current(run).name})`}`,
  };
}

function finish(
  input: DecideInput,
  status: FailoverPlanState,
  situation: Situation,
  events: EventSpec[],
  action: Action | undefined,
  wakeMs: number | undefined,
): Decision {
  const { now, tuning } = input;
  // Stalled reads as stopped in PHASE too (never FailingOver beside a refused failover).
  const phase = situation.state === 'Stalled' ? Phase.Degraded : situation.phase;
  const told = transition(
    status.history,
    phase,
    situation.reason,
    situation.message,
    now,
    situation.state === 'Stalled' ? 'Warning' : 'Normal',
  );
  const final: FailoverPlanState = {
    ...status,
    phase,
    message: situation.message,
    history: told.history,
    conditions: conditionsFor(status, situation),
  };
  const requeue = earliest(wakeMs, tuning.resyncMs);
  return {
    status: final,
    // Written ahead: the run (its trigger time, the step and its goal) must survive a crash
    // between the call and the status write, or the next reconcile would not know the run.
    ...(action === undefined ? {} : { action, checkpoint: true }),
    // What the call answers (a change id, a task ARN) is recorded once it returned; a flag
    // write that lost to another writer records nothing and is decided afresh.
    ...(action !== undefined && answers(action)
      ? {
          afterAction: (result: ActionResult) =>
            withResult(final, action, result, tuning.afterActionMs),
        }
      : {}),
    events: told.event === undefined ? events : [...events, told.event],
    ...(requeue === undefined ? {} : { requeueAfterMs: requeue }),
  };
}
