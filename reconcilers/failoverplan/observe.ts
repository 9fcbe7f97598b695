// Reads the world the decision needs: both sites (cluster status, service, task definition
// images) and the DNS record every reconcile; the health checks while the standby evaluated is
// the secondary; the validation checks at the Validate step; the Route 53 change being followed.
// A region that cannot be read is recorded as such (an outage must not stop a failover from it).
import { awsErrorMessage as errorMessage } from '../shared/adapters/aws/errors.js';
import type { Io } from '../shared/kit/index.js';
import type { ServiceRef } from '../shared/ports/ecs.js';
import {
  changeToFollow,
  needsValidation,
  runInFlight,
  type Observed,
  type SiteObserved,
} from './plan/index.js';
import { FailoverStepName } from './api.js';
import { restoreValidationNeeds } from './plan/restore-validation.js';
import { DEFAULT_READ_ONLY_FLAG } from './plan/safe-mode.js';
import type { FailoverPlanObject, FailoverPlanPorts } from './ports.js';

export async function observe(
  plan: FailoverPlanObject,
  ports: FailoverPlanPorts,
  io: Io,
): Promise<Observed> {
  const { spec, status } = plan;
  const changeId = changeToFollow(status);
  const [primary, secondary, dns, healthChecks, validation, change, safe] = await Promise.all([
    readSite(ports, 'primary', spec.primary),
    readSite(ports, 'secondary', spec.secondary),
    ports.dns
      .readRecord({
        hostedZoneId: spec.dns.hostedZoneId,
        name: spec.dns.recordName,
        type: spec.dns.type ?? 'CNAME',
      })
      .catch((error: unknown) => ({ error: errorMessage(error) })),
    needsHealthChecks(plan) ? ports.http(spec.healthChecks ?? [], io.signal) : undefined,
    needsValidation(spec, status) ? ports.http(spec.validation ?? [], io.signal) : undefined,
    changeId === undefined ? undefined : ports.dns.changeStatus(changeId),
    readSafeMode(plan, ports, io),
  ]);
  return {
    primary,
    secondary,
    dns,
    ...(healthChecks === undefined ? {} : { healthChecks }),
    ...(validation === undefined ? {} : { validation }),
    ...(changeId === undefined ? {} : { change: change ?? null }),
    ...safe,
  };
}

/**
 * The read-only flag, the snapshots, the evidence snapshot's instance and the restore target,
 * while safe mode matters.
 */
async function readSafeMode(
  plan: FailoverPlanObject,
  ports: FailoverPlanPorts,
  io: Io,
): Promise<Pick<Observed, 'readOnly' | 'snapshots' | 'restored' | 'evidenceSource'>> {
  const { spec, status } = plan;
  const sm = spec.safeMode;
  if (sm?.enabled !== true && status?.safeMode?.active !== true) return {};
  const flag = sm?.readOnlyFlag ?? status?.safeMode?.flag ?? DEFAULT_READ_ONLY_FLAG;
  const region = spec.primary.region;
  const database = sm?.restore?.dbInstanceIdentifier ?? sm?.snapshot?.dbInstanceIdentifier;
  const target =
    sm?.restore?.snapshotIdentifier === undefined ? undefined : sm.restore.targetInstanceIdentifier;
  // The evidence snapshot's instance, until that snapshot is recorded for this episode.
  const evidence =
    sm?.enabled === true && status?.safeMode?.evidenceSnapshot === undefined
      ? sm.snapshot?.dbInstanceIdentifier
      : undefined;
  const [readOnly, snapshots, restored, evidenceSource] = await Promise.all([
    readFlag(plan, ports, flag),
    sm?.enabled === true && database !== undefined
      ? ports.rds
          .listSnapshots(region, database)
          .catch((error: unknown) => ({ error: errorMessage(error) }))
      : undefined,
    sm?.enabled === true && target !== undefined
      ? ports.rds.describeInstance(region, target)
      : undefined,
    evidence === undefined ? undefined : ports.rds.describeInstance(region, evidence),
  ]);
  const validation = restored?.status === 'available' ? await readValidation(plan, ports, io) : {};
  return {
    readOnly,
    ...(snapshots === undefined ? {} : { snapshots }),
    ...(target === undefined || sm?.enabled !== true ? {} : { restored: restored ?? null }),
    ...(evidence === undefined ? {} : { evidenceSource: evidenceSource ?? null }),
    ...validation,
  };
}

/** Once the restored instance is available: its HTTP checks and its validation task. */
async function readValidation(
  plan: FailoverPlanObject,
  ports: FailoverPlanPorts,
  io: Io,
): Promise<Pick<Observed, 'restoreChecks' | 'validationTask'>> {
  const { spec, status } = plan;
  const needs = restoreValidationNeeds(spec, status);
  const [restoreChecks, validationTask] = await Promise.all([
    needs.httpChecks
      ? ports.http(spec.safeMode?.restore?.validation?.httpChecks ?? [], io.signal)
      : undefined,
    needs.startedBy === undefined
      ? undefined
      : ports.ecs.findTask(spec.primary, needs.startedBy).then((t) => t ?? null),
  ]);
  return {
    ...(restoreChecks === undefined ? {} : { restoreChecks }),
    ...(validationTask === undefined ? {} : { validationTask }),
  };
}

async function readFlag(
  plan: FailoverPlanObject,
  ports: FailoverPlanPorts,
  flag: string,
): Promise<NonNullable<Observed['readOnly']>> {
  const found = await ports.flags(plan);
  if ('problem' in found) return { problem: found.problem };
  const seen = await found.store.read(flag);
  if (seen.problem !== undefined) return { problem: seen.problem };
  return {
    version: seen.version,
    ...(seen.record === undefined
      ? {}
      : {
          enabled: seen.record.enabled,
          basisPoints: seen.record.basisPoints,
          salt: seen.record.salt,
          updatedBy: seen.record.updatedBy,
        }),
  };
}

/** Health checks describe the secondary: run while it is the standby (or a failover's target). */
function needsHealthChecks(plan: FailoverPlanObject): boolean {
  const { spec, status } = plan;
  if ((spec.healthChecks?.length ?? 0) === 0) return false;
  const run = runInFlight(status);
  if (run !== undefined) {
    return (
      run.to === spec.secondary.region && run.steps?.at(-1)?.name === FailoverStepName.VerifyTarget
    );
  }
  return status?.activeRegion !== spec.secondary.region;
}

async function readSite(
  ports: FailoverPlanPorts,
  role: SiteObserved['role'],
  site: ServiceRef,
): Promise<SiteObserved> {
  const ref = { region: site.region, cluster: site.cluster, service: site.service };
  try {
    const [clusterStatus, service] = await Promise.all([
      ports.ecs.clusterStatus(ref.region, ref.cluster),
      ports.ecs.describeService(ref).catch((error: unknown) => {
        // A missing cluster makes DescribeServices fail; the cluster status says so already.
        if ((error as { name?: string }).name === 'ClusterNotFoundException') return undefined;
        throw error;
      }),
    ]);
    // EXTERNAL deployment controller: the primary task set carries the task definition.
    const taskDefinition =
      service?.taskDefinitionArn ??
      service?.taskSets.find((t) => t.status === 'PRIMARY')?.taskDefinitionArn;
    const images =
      taskDefinition === undefined
        ? undefined
        : Object.fromEntries(
            (await ports.ecs.describeTaskDefinition(ref.region, taskDefinition)).containers.map(
              (c) => [c.name, c.image],
            ),
          );
    return {
      role,
      ref,
      clusterStatus: clusterStatus ?? null,
      service: service ?? null,
      ...(images === undefined ? {} : { images }),
    };
  } catch (error) {
    return { role, ref, error: errorMessage(error) };
  }
}
