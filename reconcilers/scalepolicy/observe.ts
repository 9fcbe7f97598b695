// Reads the world the decision needs (plan/needs.ts says what): the service through the batching
// observer (cached up to the resync period in steady state, fresh while scaling), then in parallel
// Application Auto Scaling's target, policies and scheduled actions, the health metrics when a
// step is due, and the Releases and the FailoverPlan hold (shared/interlock) of the same service.
import { measure } from '../shared/analysis/index.js';
import { readAll } from '../shared/kit/index.js';
import { ecsServiceResourceId } from '../shared/ports/autoscaling.js';
import type { Io } from '../shared/kit/index.js';
import {
  needsAutoscaling,
  needsMeasurements,
  needsReleases,
  type AutoscalingObserved,
  type Observed,
  type Tuning,
} from './plan/index.js';
import type { ScalePolicyObject, ScalePolicyPorts } from './ports.js';
import { ScalePolicyPhase } from './api.js';

export async function observe(
  policy: ScalePolicyObject,
  ports: ScalePolicyPorts,
  tuning: Tuning,
  io: Io,
  seen?: SeenVersions,
): Promise<Observed> {
  const { spec, status } = policy;
  const ref = spec.target;
  // Steady (Stable or Suspended): a snapshot up to one resync period old is good enough, so a fleet
  // of policies shares DescribeServices calls (≤ 10 services per call, about N/10 per period); a
  // count changed behind our back is found at the latest at the second resync after the change.
  const steady =
    status?.phase === ScalePolicyPhase.Stable || status?.phase === ScalePolicyPhase.Suspended;
  const service =
    (await ports.ecs.describeService(ref, { maxAgeMs: steady ? tuning.resyncMs : 0 })) ?? null;
  if (service === null) return { service: null };
  const resourceId = ecsServiceResourceId(ref.cluster, ref.service);
  // Application Auto Scaling likewise, but only when no one changed the object (spec, annotations)
  // since its last observe: a nudge or a spec edit reads afresh, so it finds drift at once. Writes
  // through the port always force a fresh read.
  const unchanged = seen?.unchanged(policy) ?? false;
  const read = await readAll({
    autoscaling: needsAutoscaling(spec, status)
      ? readAutoscaling(ports, ref.region, resourceId, steady && unchanged ? tuning.resyncMs : 0)
      : undefined,
    measurements: needsMeasurements(spec, status, service, io.now)
      ? Promise.all(
          (spec.scaleDown?.analysis ?? []).map((check) =>
            measure(check, {
              now: io.now,
              source: ports.metrics,
              defaultRegion: ref.region,
              signal: io.signal,
            }),
          ),
        )
      : undefined,
    releases: needsReleases(spec, status, service)
      ? ports.releases(policy.metadata.namespace ?? '', ref)
      : undefined,
    // Read when the Releases are (a scale-down pending, or autoscaling declared).
    failover: needsReleases(spec, status, service)
      ? ports.failoverHold(policy.metadata.namespace ?? '', ref).then((h) => h ?? null)
      : undefined,
  });
  return { service, ...read };
}

async function readAutoscaling(
  ports: ScalePolicyPorts,
  region: string,
  resourceId: string,
  maxAgeMs: number,
): Promise<AutoscalingObserved> {
  const opts = { maxAgeMs };
  const [target, policies, scheduled] = await Promise.all([
    ports.autoscaling.describeTarget(region, resourceId, opts),
    ports.autoscaling.describePolicies(region, resourceId, opts),
    ports.autoscaling.describeScheduledActions(region, resourceId, opts),
  ]);
  return { target: target ?? null, policies, scheduled };
}

/**
 * What each object's spec and annotations were at its last observe, to tell a resync (or a
 * reconcile after our own status write) from a change someone made: generation for the spec,
 * the annotations for a nudge. Status writes change neither.
 */
export class SeenVersions {
  readonly #versions = new Map<string, string>();

  /** True when `policy` is unchanged since its last observe; records this one. */
  unchanged(policy: ScalePolicyObject): boolean {
    const uid = policy.metadata.uid ?? '';
    const generation = policy.metadata.generation;
    if (uid === '' || generation === undefined) return false;
    const version = `${generation}\u0000${JSON.stringify(policy.metadata.annotations ?? {})}`;
    const before = this.#versions.get(uid);
    // Forget objects on their way out, so the map holds only live objects.
    if (policy.metadata.deletionTimestamp !== undefined) this.#versions.delete(uid);
    else this.#versions.set(uid, version);
    return before === version;
  }
}
