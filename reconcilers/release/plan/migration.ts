// The database-migration variant: an RDS snapshot (awaited), the maintenance flag on, the
// migration as a one-off ECS task with the new image (write-ahead, idempotent by startedBy), and
// the flag off once the deploy succeeded (or rolled back).
import { createHash } from 'node:crypto';
import { parseDuration } from '../../../controller/index.js';
import type { FlagWrite } from '../../../flags/index.js';
import { ReleaseReason, ReleaseStage, type Revision } from '../api.js';
import {
  act,
  nowIso,
  parseTime,
  probe,
  progressed,
  waitFor,
  type Draft,
  type StepResult,
} from './draft.js';
import { turnOffFlagsLeftOn } from './flags-left-on.js';
import { bounded, note } from './history.js';
import { checkContent } from './revision.js';
import { failRevision, irreversiblyMigrated } from './rollback-start.js';
import type { Action, ObjectIdentity } from './types.js';
import { serviceRef } from './world.js';

const DEFAULT_TIMEOUT = '30m';
const FAILED_SNAPSHOT = new Set([
  'failed',
  'incompatible-restore',
  'incompatible-parameters',
  'deleted',
]);

/**
 * RDS rules: a letter first, letters/digits/single hyphens, ≤ 255. Deterministic per revision and
 * snapshot attempt, so a crash between CreateDBSnapshot and the status write finds the snapshot.
 */
export function snapshotIdFor(
  object: ObjectIdentity,
  revision: Pick<Revision, 'number' | 'specHash'>,
  attempt = 0,
): string {
  const who = `${object.namespace}/${object.name}/${revision.specHash}`;
  const hash6 = createHash('sha256').update(who).digest('hex').slice(0, 6);
  const name = object.name
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '');
  const prefix = /^[a-z]/.test(name) ? name : `ldb-${name}`.replace(/-+$/, '');
  return `${prefix.slice(0, 200)}-r${revision.number}-${hash6}${attempt > 0 ? `-a${attempt}` : ''}`;
}

/** RunTask idempotency key (ECS startedBy: ≤ 128 of [A-Za-z0-9_-]): object UID, revision, attempt. */
export function startedByFor(object: ObjectIdentity, revision: number, attempt: number): string {
  const uid8 = object.uid.replace(/[^A-Za-z0-9]/g, '').slice(0, 8);
  return `ldb-${uid8}-r${revision}${attempt > 0 ? `-a${attempt}` : ''}`;
}

const revisionOf = (d: Draft): Pick<Revision, 'number' | 'specHash'> =>
  d.status.revision ?? { number: 0, specHash: '' };

/** The migration record of the current revision (a record of an older one counts as none). */
function record(d: Draft) {
  const m = d.status.migration;
  return m?.revision === d.status.revision?.number ? m : undefined;
}

export const migrationDone = (d: Draft): boolean =>
  d.spec.migration === undefined ||
  d.status.revision?.fastPath === true ||
  record(d)?.phase === 'Succeeded';

export function snapshotStage(d: Draft): StepResult {
  const target = d.spec.migration?.snapshot;
  if (target === undefined || migrationDone(d)) return progressed(d);
  const rec = record(d);
  const id = snapshotIdFor(d.object, revisionOf(d), rec?.snapshotAttempt ?? 0);
  const n = d.status.revision?.number ?? 0;
  d.status.migration = { ...rec, revision: n, phase: 'Snapshotting', snapshotId: id };
  const snap = d.observed.snapshot;
  if (snap === undefined) return probe('the snapshot');
  if (snap === null) {
    const action: Action = {
      type: 'createSnapshot',
      region: d.spec.target.region,
      dbInstanceIdentifier: target.dbInstanceIdentifier,
      snapshotId: id,
    };
    return act(action, `creating RDS snapshot ${id} of ${target.dbInstanceIdentifier}`);
  }
  if (snap.status === 'available') {
    note(d, 'Normal', 'SnapshotAvailable', `RDS snapshot ${id} is available`);
    return progressed(d);
  }
  if (FAILED_SNAPSHOT.has(snap.status)) {
    const message = `RDS snapshot ${id} is ${snap.status}`;
    d.status.migration = { ...d.status.migration, phase: 'Failed', snapshotFailed: true, message };
    return failRevision(d, ReleaseReason.MigrationFailed, message);
  }
  return waitFor('world', `waiting for RDS snapshot ${id} (${snap.status})`);
}

export function maintenanceOnStage(d: Draft): StepResult {
  const flag = d.spec.migration?.maintenanceFlag;
  if (flag === undefined || migrationDone(d)) return progressed(d);
  const obs = d.observed.flag;
  if (obs === undefined) return probe('the maintenance flag');
  if (!obs.ok)
    return failRevision(
      d,
      ReleaseReason.MigrationFailed,
      `maintenance flag ${flag}: ${obs.problem}`,
    );
  const n = d.status.revision?.number ?? 0;
  // A flag an earlier revision left on is not this revision's to turn off if it fails: it goes
  // off when a revision completes healthy (flags-left-on.ts).
  const leftBy = d.status.maintenanceFlagsLeftOn?.find((f) => f.flag === flag)?.revision;
  d.status.migration = {
    ...record(d),
    revision: n,
    phase: 'Pending',
    flagOn: leftBy === undefined,
    flag,
  };
  if (obs.record?.enabled === true && obs.record.basisPoints === 10_000) {
    note(
      d,
      'Normal',
      'MaintenanceOn',
      leftBy === undefined
        ? `maintenance flag ${flag} is on`
        : `maintenance flag ${flag} is on (left on by revision ${leftBy}; off once a revision completes healthy)`,
    );
    return progressed(d);
  }
  // Written ahead (checkpoint): `flagOn` is what makes a rollback turn the flag off. Recorded only
  // once the flag was seen on, an abort or spec change landing before that — or a lost status
  // write, e.g. the 409 an annotation itself causes — would leave maintenance mode on for good.
  // Recorded with the flag still off is harmless: maintenanceOff then finds it off.
  return act(
    flagAction(d, flag, true, obs.version, obs.record),
    `turning maintenance flag ${flag} on`,
    true,
  );
}

export function migrationStage(d: Draft): StepResult {
  const spec = d.spec.migration;
  if (spec === undefined || migrationDone(d)) return progressed(d);
  const n = d.status.revision?.number ?? 0;
  const rec = record(d);
  if (rec?.phase !== 'Running') {
    const wrong = checkContent(d);
    if (wrong !== undefined) return wrong;
    const attempt = rec?.attempt ?? 0;
    const startedBy = startedByFor(d.object, n, attempt);
    d.status.migration = {
      ...rec,
      revision: n,
      attempt,
      phase: 'Running',
      startedBy,
      startedAt: nowIso(d),
    };
    note(d, 'Normal', ReleaseReason.MigrationRunning, `starting the migration task (${startedBy})`);
    return act(runTask(d, startedBy), `running the migration task ${startedBy}`, true);
  }
  const startedBy = rec.startedBy ?? startedByFor(d.object, n, rec.attempt ?? 0);
  const task = d.observed.migrationTask;
  if (task === undefined) return probe('the migration task');
  if (task === null) {
    // Written ahead but never seen: the RunTask call may not have reached ECS before a crash.
    if (rec.taskArn === undefined)
      return act(runTask(d, startedBy), `running the migration task ${startedBy}`);
    rec.phase = 'Failed';
    rec.message = `migration task ${rec.taskArn} disappeared before it was seen to stop`;
    return failRevision(d, ReleaseReason.MigrationFailed, rec.message);
  }
  rec.taskArn = task.arn;
  if (task.lastStatus === 'STOPPED') return taskStopped(d, task.exitCode, task.stoppedReason);
  const timeoutMs = parseDuration(spec.task.timeout ?? DEFAULT_TIMEOUT);
  const deadline = (parseTime(rec.startedAt) ?? d.now.getTime()) + timeoutMs;
  if (d.now.getTime() >= deadline) {
    rec.phase = 'Failed';
    rec.message = `the migration task did not finish within ${spec.task.timeout ?? DEFAULT_TIMEOUT}`;
    return failRevision(d, ReleaseReason.MigrationFailed, rec.message);
  }
  const until = new Date(Math.min(deadline, d.now.getTime() + d.tuning.pollMs));
  return waitFor('time', `migration task ${task.arn} is ${task.lastStatus}`, until);
}

function taskStopped(
  d: Draft,
  exitCode: number | undefined,
  reason: string | undefined,
): StepResult {
  const rec = d.status.migration ?? { phase: 'Running' as const };
  rec.finishedAt = nowIso(d);
  if (exitCode !== undefined) rec.exitCode = exitCode;
  if (exitCode === 0) {
    rec.phase = 'Succeeded';
    note(d, 'Normal', ReleaseReason.MigrationSucceeded, 'the migration task exited with 0');
    return progressed(d);
  }
  rec.phase = 'Failed';
  // ECS's own stoppedReason (image pull, secrets) can be long: bounded as the schema requires.
  rec.message = bounded(
    `the migration task stopped with exit code ${exitCode ?? 'unknown'}${reason === undefined ? '' : ` (${reason})`}`,
  );
  return failRevision(d, ReleaseReason.MigrationFailed, rec.message);
}

function runTask(d: Draft, startedBy: string): Action {
  return {
    type: 'runMigrationTask',
    ref: serviceRef(d.spec),
    taskDefinitionArn: d.status.revision?.taskDefinitionArn ?? '',
    container: d.spec.target.container,
    command: d.spec.migration?.task.command ?? [],
    startedBy,
  };
}

/**
 * Turns the maintenance flag off if this revision turned it on — unless an irreversible migration
 * succeeded and the deploy did not: then the flag is a person's decision. Undefined when done.
 */
export function maintenanceOff(d: Draft): StepResult | undefined {
  const flag = d.spec.migration?.maintenanceFlag;
  const rec = record(d);
  if (flag === undefined || rec?.flagOn !== true) return undefined;
  if (d.status.stage === ReleaseStage.RollingBack && irreversiblyMigrated(d)) return undefined;
  const obs = d.observed.flag;
  if (obs === undefined) return probe('the maintenance flag');
  if (!obs.ok) return waitFor('world', `cannot turn maintenance flag ${flag} off: ${obs.problem}`);
  if (obs.record?.enabled !== true) {
    rec.flagOn = false;
    note(d, 'Normal', 'MaintenanceOff', `maintenance flag ${flag} is off`);
    return undefined;
  }
  return act(
    flagAction(d, flag, false, obs.version, obs.record),
    `turning maintenance flag ${flag} off`,
  );
}

export function maintenanceOffStage(d: Draft): StepResult {
  return maintenanceOff(d) ?? turnOffFlagsLeftOn(d) ?? progressed(d);
}

export function flagAction(
  d: Draft,
  flag: string,
  on: boolean,
  expectedVersion: number,
  current: { salt: string; targets: readonly string[]; killSwitch: string | null } | undefined,
): Action {
  const write: FlagWrite = {
    enabled: on,
    basisPoints: on ? 10_000 : 0,
    salt: current?.salt ?? flag,
    targets: current?.targets ?? [],
    killSwitch: current?.killSwitch ?? null,
    updatedBy: `controller:${d.object.namespace}/${d.object.name}`,
  };
  return { type: 'setMaintenanceFlag', flag, on, expectedVersion, write };
}
