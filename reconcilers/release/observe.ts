// Reads the world the decision needs, and nothing more (plan/needs.ts says what): the service from
// the batching observer (cached up to the resync period in steady state, fresh while in flight),
// then in parallel whatever the current stage asks for — listener weights, task definitions,
// pre-flight facts, snapshot, flags, migration task, due analysis measurements, smoke tests, alarms.
import { identityOf } from '../shared/kit/index.js';
import { analyze } from '../shared/analysis/index.js';
import { checkAlarms, runHttpChecks } from '../shared/checks/index.js';
import type { TaskDefinitionSummary } from '../shared/ports/ecs.js';
import type { TargetGroupWeight } from '../shared/ports/traffic.js';
import {
  claimNeedsOwnerCheck,
  currentTaskDefinitionArn,
  familyOf,
  type ObservationNeeds,
  type Observed,
} from './plan/index.js';
import { SPEC_HASH_TAG } from './plan/index.js';
import type { FlagState } from './plan/types.js';
import type { ReleaseObject, ReleasePorts } from './ports.js';

export async function observe(
  release: ReleaseObject,
  needs: ObservationNeeds,
  ports: ReleasePorts,
  now: Date,
  signal?: AbortSignal,
): Promise<Observed> {
  const { spec, status } = release;
  const { region, cluster, service: name } = spec.target;
  const ref = { region, cluster, service: name };
  const service =
    (await ports.ecs.describeService(ref, { maxAgeMs: needs.serviceMaxAgeMs })) ?? null;
  if (service === null) return { service: null };
  const baseArn = status?.stableRevision?.taskDefinitionArn ?? currentTaskDefinitionArn(service);
  const namespace = release.metadata.namespace ?? '';
  const identity = identityOf(release);
  const observed = await allByName({
    baseTaskDefinition: !needs.baseTaskDefinition
      ? undefined
      : baseArn === undefined
        ? null
        : ports.ecs.describeTaskDefinition(region, baseArn),
    revisionTaskDefinition: readRevisionTaskDefinition(ports, region, needs, baseArn),
    weights: readWeights(ports, region, needs.listeners),
    image: needs.image === undefined ? undefined : ports.images.lookup(needs.image),
    capacity: needs.capacity ? ports.ecs.clusterCapacity(region, cluster) : undefined,
    snapshot:
      needs.snapshotId === undefined
        ? undefined
        : ports.database.describeSnapshot(region, needs.snapshotId).then((s) => s ?? null),
    flag: needs.flag === undefined ? undefined : readFlag(ports, release, needs.flag),
    flagLeftOn:
      needs.flagLeftOn === undefined ? undefined : readFlag(ports, release, needs.flagLeftOn),
    migrationTask:
      needs.migrationStartedBy === undefined
        ? undefined
        : ports.ecs.findTask(ref, needs.migrationStartedBy).then((t) => t ?? null),
    analysis:
      needs.analysis === undefined
        ? undefined
        : analyze(needs.analysis.checks, needs.analysis.record, {
            now,
            source: ports.metrics,
            defaultRegion: region,
            ...(signal === undefined ? {} : { signal }),
          }).then((result) => ({ step: needs.analysis?.step ?? 0, result })),
    smoke: needs.smoke
      ? runHttpChecks(spec.checks?.smoke ?? [], {
          ...(signal === undefined ? {} : { signal }),
          ...(ports.fetch === undefined ? {} : { fetch: ports.fetch }),
        })
      : undefined,
    alarms:
      needs.alarms === undefined
        ? undefined
        : checkAlarms(ports.alarms, needs.alarms, region, signal === undefined ? {} : { signal }),
    sameNameUid:
      ports.releaseUid !== undefined && claimNeedsOwnerCheck(service, identity)
        ? ports.releaseUid(namespace, identity.name)
        : undefined,
    heldBy: ports.interlock?.(namespace, {
      services: [ref],
      ...(spec.migration?.maintenanceFlag === undefined
        ? {}
        : { flags: [spec.migration.maintenanceFlag] }),
    }),
  });
  return { service, ...defined(observed) };
}

function readRevisionTaskDefinition(
  ports: ReleasePorts,
  region: string,
  needs: ObservationNeeds,
  baseArn: string | undefined,
): Promise<TaskDefinitionSummary | null> | undefined {
  const want = needs.revisionTaskDefinition;
  if (want === undefined) return undefined;
  if ('arn' in want) return ports.ecs.describeTaskDefinition(region, want.arn);
  if (baseArn === undefined) return undefined;
  return ports.ecs
    .findTaskDefinitionByTags(region, familyOf(baseArn), { [SPEC_HASH_TAG]: want.specHash })
    .then((td) => td ?? null);
}

async function readWeights(
  ports: ReleasePorts,
  region: string,
  listeners: readonly string[],
): Promise<Record<string, readonly TargetGroupWeight[]> | undefined> {
  if (listeners.length === 0) return undefined;
  const read = await Promise.all(listeners.map((arn) => ports.traffic.getWeights(region, arn)));
  return Object.fromEntries(listeners.map((arn, i) => [arn, read[i] ?? []]));
}

async function readFlag(
  ports: ReleasePorts,
  release: ReleaseObject,
  flag: string,
): Promise<FlagState> {
  const found = await ports.flags(release);
  if ('problem' in found) return { ok: false, problem: found.problem };
  const obs = await found.store.read(flag);
  return { ok: true, version: obs.version, record: obs.record };
}

/** Promise.all by name rather than by position: every value of `o`, awaited in parallel. */
async function allByName<T extends Record<string, unknown>>(
  o: T,
): Promise<{ [K in keyof T]: Awaited<T[K]> }> {
  const entries = await Promise.all(
    Object.entries(o).map(async ([key, value]) => [key, await value] as const),
  );
  return Object.fromEntries(entries) as { [K in keyof T]: Awaited<T[K]> };
}

/** Drops the keys whose value is undefined (not observed this time). */
function defined<T extends Record<string, unknown>>(o: T): Partial<T> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<T>;
}
