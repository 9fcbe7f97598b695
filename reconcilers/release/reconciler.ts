// The Release handler: the kit's driver (reconcilers/shared/kit) over Release's parts — observe
// what the decision needs, decide (pure, plan/), perform at most one action (written ahead when
// it cannot be recognised afterwards, e.g. RunTask), fold its answer into status. Thin on purpose;
// the state machine lives in plan/.
import type { HandlerContext, KindHandler, Outcome } from '../../controller/index.js';
import { identityOf, reconcileWith, type KindParts } from '../shared/kit/index.js';
import { ReleasePhase, type ReleaseSpec } from './api.js';
import { act } from './act.js';
import { claimFinalizer } from './finalizer.js';
import { noReleaseMetrics, type ReleaseMetrics } from './metrics.js';
import { observe } from './observe.js';
import {
  decide,
  observationNeeds,
  type Action,
  type ActionResult,
  type Decision,
  type Observed,
  type ReleaseState,
  type Tuning,
} from './plan/index.js';
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

export function reconcileRelease(
  release: ReleaseObject,
  ctx: HandlerContext<ReleaseState>,
  options: ReleaseHandlerOptions,
  invalid?: string,
): Promise<Outcome<ReleaseState>> {
  return reconcileWith(releaseParts(options, invalid))(release, ctx);
}

/** Release's observe, decide and act; `invalid` names the refused fields (emergency actions only). */
function releaseParts(
  { ports, tuning, metrics = noReleaseMetrics }: ReleaseHandlerOptions,
  invalid: string | undefined,
): KindParts<ReleaseSpec, ReleaseState, Action, Observed, ActionResult, Decision> {
  return {
    // A refused spec's status says InvalidSpec; an outage is told by the runtime's Warning.
    storeObserveFailure: invalid === undefined,
    async observe(release, io) {
      const needs = observationNeeds(
        release.spec,
        release.status,
        identityOf(release),
        tuning.resyncMs,
      );
      const observed = await observe(release, needs, ports, io.now, io.signal);
      // Measurements are counted when taken (metrics.ts).
      metrics.measured(observed);
      return observed;
    },
    decide: (release, observed, now) =>
      decide({
        object: identityOf(release),
        spec: release.spec,
        status: release.status,
        annotations: release.metadata.annotations ?? {},
        observed,
        now,
        tuning,
        ...(invalid === undefined ? {} : { invalid }),
      }),
    act: (action, release) => act(action, release, ports),
    recorded: (decision) => {
      metrics.recorded(decision);
    },
  };
}
