// What the next decision will need to see, derived from spec and stored status only, so that
// observe.ts reads no more than the current stage requires (steady state: one batched
// DescribeServices from the cache, nothing else). Reads for the stage that is likely to follow
// on the same observation are included when cheap, to save a round trip.
import { upgradeStatus } from './upgrade.js';
import type { ReleaseState } from './types.js';
import type { AnalysisRecord } from '../../shared/analysis/index.js';
import type { MetricCheck } from '../../shared/api/metric-check.js';
import { ReleaseStage, type ReleaseSpec, type ReleaseStage as Stage } from '../api.js';
import { activeGate, recordFor } from './analysis.js';
import { snapshotIdFor } from './migration.js';
import { specHash } from './revision.js';
import type { ObjectIdentity } from './types.js';
import { routingOf } from './world.js';

export interface ObservationNeeds {
  /** Maximum age of the service snapshot: the resync period in steady state, 0 in flight. */
  readonly serviceMaxAgeMs: number;
  /** Describe the task definition the stable revision (or the service) runs. */
  readonly baseTaskDefinition: boolean;
  /**
   * The revision's task definition: described by ARN before anything runs it (its content is
   * checked), or looked up by spec-hash tag when a registration may have happened unrecorded.
   */
  readonly revisionTaskDefinition?: { readonly arn: string } | { readonly specHash: string };
  readonly listeners: readonly string[];
  readonly image?: string;
  readonly capacity: boolean;
  readonly snapshotId?: string;
  readonly flag?: string;
  /** A flag an earlier revision left on, turned off as this one completes. */
  readonly flagLeftOn?: string;
  readonly migrationStartedBy?: string;
  readonly analysis?: {
    readonly step: number;
    readonly checks: readonly MetricCheck[];
    readonly record: AnalysisRecord;
  };
  readonly smoke: boolean;
  readonly alarms?: readonly string[];
}

const IN = (stage: Stage | undefined, ...stages: Stage[]): boolean =>
  stage !== undefined && stages.includes(stage);

export function observationNeeds(
  spec: ReleaseSpec,
  stored: ReleaseState | undefined,
  identity: ObjectIdentity,
  resyncMs: number,
): ObservationNeeds {
  const status = upgradeStatus(stored);
  const stage = status?.stage;
  const hash = specHash(spec);
  const starting =
    status?.revision === undefined ||
    (stage === ReleaseStage.Done &&
      hash !== status.revision.specHash &&
      hash !== status.pinnedSpecHash);
  const steady = stage === ReleaseStage.Done && !starting && status.retiring === undefined;
  const routing = routingOf(spec);
  const inFlight = starting || (stage !== undefined && stage !== ReleaseStage.Done);
  const early = starting || IN(stage, 'Cleanup', 'Preflight', 'Register');
  const preflight = spec.checks?.preflight;
  const gate = activeGate(spec, status);
  const migration = spec.migration;
  const n = status?.revision?.number ?? 0;
  const m = status?.migration?.revision === n ? status.migration : undefined;
  const smoke =
    (spec.checks?.smoke ?? []).length > 0 &&
    ((stage === ReleaseStage.Smoke && status?.attempt?.smoke?.phase !== 'PreTraffic') ||
      (stage === ReleaseStage.PostChecks && status?.attempt?.smoke?.phase !== 'PostPromotion'));
  const alarms = spec.checks?.postDeployment?.noAlarmsFiring ?? [];
  const leftOn = status?.maintenanceFlagsLeftOn?.[0];
  return {
    serviceMaxAgeMs: steady ? resyncMs : 0,
    baseTaskDefinition: status?.stableRevision === undefined || early,
    ...revisionTaskDefinitionNeed(status, starting),
    listeners:
      routing === undefined || !inFlight
        ? []
        : [
            routing.listenerArn,
            ...(routing.testListenerArn === undefined || !IN(stage, 'Deploy')
              ? []
              : [routing.testListenerArn]),
          ],
    ...(early && preflight?.skip === undefined && preflight?.imageExists !== false
      ? { image: spec.image }
      : {}),
    capacity: early && preflight?.skip === undefined && preflight?.capacity !== false,
    ...(migration?.snapshot !== undefined && IN(stage, 'Register', 'Snapshot')
      ? {
          snapshotId: snapshotIdFor(
            identity,
            status?.revision ?? { number: 0, specHash: '' },
            m?.snapshotAttempt ?? 0,
          ),
        }
      : {}),
    ...(migration?.maintenanceFlag !== undefined &&
    (IN(stage, 'Snapshot', 'MaintenanceOn', 'MaintenanceOff', 'PostChecks') ||
      (IN(stage, 'RollingBack') && m?.flagOn === true))
      ? { flag: migration.maintenanceFlag }
      : {}),
    ...(leftOn !== undefined && IN(stage, 'PostChecks', 'MaintenanceOff')
      ? { flagLeftOn: leftOn.flag }
      : {}),
    ...(migration !== undefined &&
    m?.startedBy !== undefined &&
    IN(stage, 'Migration', 'RollingBack')
      ? { migrationStartedBy: m.startedBy }
      : {}),
    ...(gate === undefined
      ? {}
      : { analysis: { step: gate.step, checks: gate.checks, record: recordFor(status, gate) } }),
    smoke,
    ...(stage === ReleaseStage.PostChecks && alarms.length > 0 ? { alarms } : {}),
  };
}

/**
 * Only the revision in flight's own task definition is read, never one named by an earlier
 * revision. By ARN where something may run it in this reconcile (Deploy, the migration task); by tag only when the
 * write-ahead `registering` says a registration may have happened whose ARN was not stored — the
 * first registration of a revision reads nothing (a tag search lists and describes the family).
 */
function revisionTaskDefinitionNeed(
  status: ReleaseState | undefined,
  starting: boolean,
): Pick<ObservationNeeds, 'revisionTaskDefinition'> {
  const revision = status?.revision;
  if (starting || revision === undefined) return {};
  const arn = revision.taskDefinitionArn;
  if (arn !== undefined) {
    return IN(status?.stage, 'Register', 'MaintenanceOn', 'Migration', 'Deploy')
      ? { revisionTaskDefinition: { arn } }
      : {};
  }
  return IN(status?.stage, 'Register') && revision.registering === true
    ? { revisionTaskDefinition: { specHash: revision.specHash } }
    : {};
}
