// The Release handler: observe → decide (pure) → at most one action → the next status. Thin on
// purpose; the state machine lives in plan/. A write-ahead checkpoint precedes the one action that
// cannot be recognised afterwards (RunTask).
import type { HandlerContext, KindHandler, Outcome } from '../../controller/index.js';
import { ReleasePhase, type ReleaseSpec } from './api.js';
import { ACTION_REASON, execute, withResult } from './act.js';
import { claimFinalizer } from './finalizer.js';
import { noReleaseMetrics, type ReleaseMetrics } from './metrics.js';
import { observe } from './observe.js';
import { decide, observationNeeds, type ReleaseState, type Tuning } from './plan/index.js';
import type { ReleaseObject, ReleasePorts } from './ports.js';
import { inFlightSpec, validateRelease } from './validate.js';

export interface ReleaseHandlerOptions {
  readonly ports: ReleasePorts;
  readonly tuning: Tuning;
  /** Default: none counted. */
  readonly metrics?: ReleaseMetrics;
}

export function releaseHandler(
  options: ReleaseHandlerOptions,
): KindHandler<ReleaseSpec, ReleaseState> {
  return {
    validate: (obj) => validateRelease(obj),
    reconcile: (obj, ctx) => reconcileRelease(obj, ctx, options),
    // Abort and rollback act even on a refused spec: with the revision's own strategy and routing.
    reconcileInvalid: async (obj, ctx, errors) => {
      const spec = inFlightSpec(obj);
      if (spec === undefined) return undefined;
      const invalid = errors.map((e) => `${e.field}: ${e.message}`).join('; ');
      return reconcileRelease({ ...obj, spec }, ctx, options, invalid);
    },
    stalledPhase: ReleasePhase.Degraded,
    finalizer: claimFinalizer(options.ports),
  };
}

export async function reconcileRelease(
  release: ReleaseObject,
  ctx: HandlerContext<ReleaseState>,
  { ports, tuning, metrics = noReleaseMetrics }: ReleaseHandlerOptions,
  invalid?: string,
): Promise<Outcome<ReleaseState>> {
  const now = ctx.now();
  const object = {
    namespace: release.metadata.namespace ?? '',
    name: release.metadata.name ?? '',
    uid: release.metadata.uid ?? '',
  };
  const needs = observationNeeds(release.spec, release.status, object, tuning.resyncMs);
  const observed = await observe(release, needs, ports, now, ctx.signal);
  const decision = decide({
    object,
    spec: release.spec,
    status: release.status,
    annotations: release.metadata.annotations ?? {},
    observed,
    now,
    tuning,
    ...(invalid === undefined ? {} : { invalid }),
  });
  const events = [...decision.events];
  // Counted once, when a status recording the decision is stored: the checkpoint, or the write
  // after this reconcile.
  let recorded = false;
  const record = (): void => {
    if (!recorded) metrics.recorded(decision);
    recorded = true;
  };
  let status = decision.status;
  if (decision.action !== undefined) {
    if (decision.checkpoint === true) {
      await ctx.checkpoint(decision.status);
      record();
    }
    // Lost leadership (or a reconcile timeout) since observing: another replica may be acting.
    ctx.signal.throwIfAborted();
    status = withResult(status, decision.action, await execute(decision.action, release, ports));
    events.push({
      type: 'Normal',
      reason: ACTION_REASON[decision.action.type],
      message: decision.status.message ?? '',
    });
    ctx.log.info(
      { action: decision.action.type, revision: decision.status.revision?.number },
      decision.status.message ?? '',
    );
  }
  metrics.measured(observed);
  return {
    status,
    // After an AWS/Redis action its Events must survive a conflicting status patch.
    ...(decision.action === undefined ? { events } : { performedEvents: events }),
    afterStatusWrite: record,
    ...(decision.requeueAfterMs === undefined ? {} : { requeueAfterMs: decision.requeueAfterMs }),
  };
}
