// The database-migration variant: an RDS snapshot (awaited), the maintenance flag on, the
// migration as a one-off ECS task with the new image (write-ahead, idempotent by startedBy), and
// the flag off once the deploy succeeded (or rolled back).
import { createHash } from 'node:crypto';
import { parseDuration } from '../../../controller/index.js';
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
import { foundDone } from './found.js';
import { flagAction } from './maintenance-flag.js';
import { checkContent } from './revision.js';
import { failRevision, irreversiblyMigrated } from './rollback-start.js';
import type { OneOffTask } from '../../shared/ports/ecs.js';
import { actionHint } from './action-values.js';
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
 * The hash covers the owner's UID: a Release deleted and re-created under the same name with the
 * same spec must take a snapshot of its own, not adopt the old one (taken before whatever the
 * database went through since).
 */
export function snapshotIdFor(
  object: ObjectIdentity,
  revision: Pick<Revision, 'number' | 'specHash'>,
  attempt = 0,
): string {
  const who = `${object.namespace}/${object.name}/${object.uid}/${revision.specHash}`;
  const hash6 = createHash('sha256').update(who).digest('hex').slice(0, 6);
  const name = object.name
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '');
  const prefix = /^[a-z]/.test(name) ? name : `ldb-${name}`.replace(/-+$/, '');
  return `${prefix.slice(0, 200)}-r${revision.number}-${hash6}${attempt > 0 ? `-a${attempt}` : ''}`;
}

/**
 * RunTask idempotency key: the owner (the Release's UID), revision and attempt. RunTask accepts
 * 128 characters of [A-Za-z0-9/_-], but ListTasks — how the task is found again — and StartTask
 * take at most 36, so the UID (36 characters alone) is shortened to its first 16 hex digits (64
 * bits: another Release's task in the same cluster is not taken for ours): `ldb-<uid16>-r<N>
 * [-a<attempt>]`, 21 characters plus the numbers.
 */
export function startedByFor(object: ObjectIdentity, revision: number, attempt: number): string {
  const uid16 = object.uid.replace(/[^A-Za-z0-9]/g, '').slice(0, 16);
  return `ldb-${uid16}-r${revision}${attempt > 0 ? `-a${attempt}` : ''}`;
}

const revisionOf = (draft: Draft): Pick<Revision, 'number' | 'specHash'> =>
  draft.status.revision ?? { number: 0, specHash: '' };

/** The migration record of the current revision (a record of an older one counts as none). */
function record(draft: Draft) {
  const m = draft.status.migration;
  return m?.revision === draft.status.revision?.number ? m : undefined;
}

export const migrationDone = (draft: Draft): boolean =>
  draft.spec.migration === undefined ||
  draft.status.revision?.fastPath === true ||
  record(draft)?.phase === 'Succeeded';

export function snapshotStage(draft: Draft): StepResult {
  const target = draft.spec.migration?.snapshot;
  if (target === undefined || migrationDone(draft)) return progressed(draft);
  const rec = record(draft);
  const id = snapshotIdFor(draft.object, revisionOf(draft), rec?.snapshotAttempt ?? 0);
  const n = draft.status.revision?.number ?? 0;
  // The id is recorded with the status written after CreateDBSnapshot: a snapshot found without
  // it was created by a controller that died before telling it.
  const recorded = rec?.snapshotId === id;
  draft.status.migration = { ...rec, revision: n, phase: 'Snapshotting', snapshotId: id };
  const snap = draft.observed.snapshot;
  if (snap === undefined) return probe('the snapshot');
  if (snap !== null && !recorded)
    foundDone(
      draft,
      { type: 'createSnapshot', snapshotId: id },
      `created RDS snapshot ${id} of ${target.dbInstanceIdentifier}`,
    );
  if (snap === null) {
    const action: Action = {
      type: 'createSnapshot',
      region: draft.spec.target.region,
      dbInstanceIdentifier: target.dbInstanceIdentifier,
      snapshotId: id,
    };
    return act(action, `creating RDS snapshot ${id} of ${target.dbInstanceIdentifier}`);
  }
  if (snap.status === 'available') {
    note(draft, 'Normal', 'SnapshotAvailable', `RDS snapshot ${id} is available`);
    return progressed(draft);
  }
  if (FAILED_SNAPSHOT.has(snap.status)) {
    const message = `RDS snapshot ${id} is ${snap.status}`;
    draft.status.migration = {
      ...draft.status.migration,
      phase: 'Failed',
      snapshotFailed: true,
      message,
    };
    return failRevision(draft, ReleaseReason.MigrationFailed, message);
  }
  return waitFor('world', `waiting for RDS snapshot ${id} (${snap.status})`);
}

export function maintenanceOnStage(draft: Draft): StepResult {
  const flag = draft.spec.migration?.maintenanceFlag;
  if (flag === undefined || migrationDone(draft)) return progressed(draft);
  const obs = draft.observed.flag;
  if (obs === undefined) return probe('the maintenance flag');
  if (!obs.ok)
    return failRevision(
      draft,
      ReleaseReason.MigrationFailed,
      `maintenance flag ${flag}: ${obs.problem}`,
    );
  const n = draft.status.revision?.number ?? 0;
  // A flag an earlier revision left on is not this revision's to turn off if it fails: it goes
  // off when a revision completes healthy (flags-left-on.ts).
  const leftBy = draft.status.maintenanceFlagsLeftOn?.find((f) => f.flag === flag)?.revision;
  draft.status.migration = {
    ...record(draft),
    revision: n,
    phase: 'Pending',
    flagOn: leftBy === undefined,
    flag,
  };
  if (obs.record?.enabled === true && obs.record.basisPoints === 10_000) {
    note(
      draft,
      'Normal',
      'MaintenanceOn',
      leftBy === undefined
        ? `maintenance flag ${flag} is on`
        : `maintenance flag ${flag} is on (left on by revision ${leftBy}; off once a revision completes healthy)`,
    );
    return progressed(draft);
  }
  // Written ahead (checkpoint): `flagOn` is what makes a rollback turn the flag off. Recorded only
  // once the flag was seen on, an abort or spec change landing before that — or a lost status
  // write, e.g. the 409 an annotation itself causes — would leave maintenance mode on for good.
  // Recorded with the flag still off is harmless: maintenanceOff then finds it off.
  return act(
    flagAction(draft, flag, true, obs.version, obs.record),
    `turning maintenance flag ${flag} on`,
    true,
  );
}

export function migrationStage(draft: Draft): StepResult {
  const spec = draft.spec.migration;
  if (spec === undefined || migrationDone(draft)) return progressed(draft);
  const n = draft.status.revision?.number ?? 0;
  const rec = record(draft);
  if (rec?.phase !== 'Running') {
    const wrong = checkContent(draft);
    if (wrong !== undefined) return wrong;
    const attempt = rec?.attempt ?? 0;
    const startedBy = startedByFor(draft.object, n, attempt);
    draft.status.migration = {
      ...rec,
      revision: n,
      attempt,
      phase: 'Running',
      startedBy,
      startedAt: nowIso(draft),
    };
    note(
      draft,
      'Normal',
      ReleaseReason.MigrationRunning,
      `starting the migration task (${startedBy})`,
    );
    return act(runTask(draft, startedBy), `running the migration task ${startedBy}`, true);
  }
  const startedBy = rec.startedBy ?? startedByFor(draft.object, n, rec.attempt ?? 0);
  const task = draft.observed.migrationTask;
  if (task === undefined) return probe('the migration task');
  if (task === null) {
    // Written ahead but never seen: the RunTask call may not have reached ECS before a crash.
    if (rec.taskArn === undefined)
      return act(runTask(draft, startedBy), `running the migration task ${startedBy}`);
    rec.phase = 'Failed';
    rec.message = `migration task ${rec.taskArn} disappeared before it was seen to stop`;
    return failRevision(draft, ReleaseReason.MigrationFailed, rec.message);
  }
  const foreign = foreignTask(draft, task, startedBy);
  if (foreign !== undefined) {
    rec.phase = 'Failed';
    rec.message = bounded(foreign);
    return failRevision(draft, ReleaseReason.MigrationFailed, foreign);
  }
  // Seen for the first time. A RunTask that returned recorded itself (lastWrite); one whose
  // answer was lost with the process is told now.
  if (rec.taskArn === undefined)
    foundDone(
      draft,
      { type: 'runMigrationTask', startedBy },
      `started the migration task ${task.arn} (${startedBy})`,
    );
  rec.taskArn = task.arn;
  if (task.lastStatus === 'STOPPED') return taskStopped(draft, task.exitCode, task.stoppedReason);
  const timeoutMs = parseDuration(spec.task.timeout ?? DEFAULT_TIMEOUT);
  const deadline = (parseTime(rec.startedAt) ?? draft.now.getTime()) + timeoutMs;
  if (draft.now.getTime() >= deadline) {
    rec.phase = 'Failed';
    rec.message = `the migration task did not finish within ${spec.task.timeout ?? DEFAULT_TIMEOUT}`;
    return failRevision(draft, ReleaseReason.MigrationFailed, rec.message);
  }
  const until = new Date(Math.min(deadline, draft.now.getTime() + draft.tuning.pollMs));
  return waitFor('time', `migration task ${task.arn} is ${task.lastStatus}`, until);
}

/** The task runs this revision's task definition (no task definition reported: it does not). */
export const runsThisRevision = (draft: Draft, task: OneOffTask): boolean =>
  task.taskDefinitionArn !== undefined &&
  task.taskDefinitionArn === draft.status.revision?.taskDefinitionArn;

/**
 * The task found under this revision's `startedBy` is adopted only when it also runs this
 * revision's task definition: the owner (UID) and revision number in `startedBy` say whose it is,
 * not what it runs — a status lost after RunTask and a spec changed since can leave a task with
 * our key and older content, and its exit code would be taken as this revision's migration.
 * A mismatch fails the revision (MigrationFailed, before any traffic moved) rather than waiting
 * Stalled: nothing the controller can wait for makes that task ours (ECS lists it under the same
 * startedBy for an hour after it stops), while the retry action runs this revision's migration
 * under a new startedBy, and the task and both task definitions are named so a person can stop
 * the other one first if it is still migrating the same database. Undefined: the task is ours.
 */
function foreignTask(draft: Draft, task: OneOffTask, startedBy: string): string | undefined {
  if (runsThisRevision(draft, task)) return undefined;
  const want = draft.status.revision?.taskDefinitionArn;
  const running =
    task.lastStatus === 'STOPPED'
      ? ''
      : ` It is ${task.lastStatus}: stop it first (aws ecs stop-task --region ${draft.spec.target.region} --cluster ${draft.spec.target.cluster} --task ${task.arn}) if it migrates the same database.`;
  return (
    `the migration task ${task.arn} found under startedBy ${startedBy} runs task definition ` +
    `${task.taskDefinitionArn ?? '(none reported)'}, not this revision's ${want ?? '(none recorded)'}, ` +
    `so it is not taken as this revision's migration.${running} ` +
    `Retry to run the migration under a new startedBy: ${actionHint(draft, 'retry')}`
  );
}

function taskStopped(
  draft: Draft,
  exitCode: number | undefined,
  reason: string | undefined,
): StepResult {
  const rec = draft.status.migration ?? { phase: 'Running' as const };
  rec.finishedAt = nowIso(draft);
  if (exitCode !== undefined) rec.exitCode = exitCode;
  if (exitCode === 0) {
    rec.phase = 'Succeeded';
    note(draft, 'Normal', ReleaseReason.MigrationSucceeded, 'the migration task exited with 0');
    return progressed(draft);
  }
  rec.phase = 'Failed';
  // ECS's own stoppedReason (image pull, secrets) can be long: bounded as the schema requires.
  rec.message = bounded(
    `the migration task stopped with exit code ${exitCode ?? 'unknown'}${reason === undefined ? '' : ` (${reason})`}`,
  );
  return failRevision(draft, ReleaseReason.MigrationFailed, rec.message);
}

function runTask(draft: Draft, startedBy: string): Action {
  return {
    type: 'runMigrationTask',
    ref: serviceRef(draft.spec),
    taskDefinitionArn: draft.status.revision?.taskDefinitionArn ?? '',
    container: draft.spec.target.container,
    command: draft.spec.migration?.task.command ?? [],
    startedBy,
  };
}

/**
 * Turns the maintenance flag off if this revision turned it on — unless an irreversible migration
 * succeeded and the deploy did not: then the flag is a person's decision. Undefined when done.
 */
export function maintenanceOff(draft: Draft): StepResult | undefined {
  const flag = draft.spec.migration?.maintenanceFlag;
  const rec = record(draft);
  if (flag === undefined || rec?.flagOn !== true) return undefined;
  if (draft.status.stage === ReleaseStage.RollingBack && irreversiblyMigrated(draft))
    return undefined;
  const obs = draft.observed.flag;
  if (obs === undefined) return probe('the maintenance flag');
  if (!obs.ok) return waitFor('world', `cannot turn maintenance flag ${flag} off: ${obs.problem}`);
  if (obs.record?.enabled !== true) {
    rec.flagOn = false;
    note(draft, 'Normal', 'MaintenanceOff', `maintenance flag ${flag} is off`);
    return undefined;
  }
  return act(
    flagAction(draft, flag, false, obs.version, obs.record),
    `turning maintenance flag ${flag} off`,
  );
}

export function maintenanceOffStage(draft: Draft): StepResult {
  return maintenanceOff(draft) ?? turnOffFlagsLeftOn(draft) ?? progressed(draft);
}
