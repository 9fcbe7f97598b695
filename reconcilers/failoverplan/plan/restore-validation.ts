// Validation of a restored database, before anyone re-points the application at it: the HTTP
// checks of spec.safeMode.restore.validation (re-run every poll until they pass) and an optional
// ECS task — the data validation queries — whose exit code decides. The task runs on the primary
// service's current task definition with a command override, through the RunTask path Release's
// migration uses: its startedBy is deterministic (the owner's UID and the restore) and written
// ahead, so a controller killed around RunTask finds the task instead of running a second one.
// A failed task is final for that restore; failing HTTP checks are measured again every poll.
import { createHash } from 'node:crypto';
import { parseDuration } from '../../../controller/index.js';
import type { FailoverPlanSpec } from '../api.js';
import type { Action, DecideInput, FailoverPlanState, ObjectIdentity } from './types.js';

type SafeModeStatus = NonNullable<FailoverPlanState['safeMode']>;
export type RestoreValidationRecord = NonNullable<SafeModeStatus['validation']>;

const DEFAULT_TIMEOUT = '30m';
/** ECS limits startedBy to 36 letters, digits, hyphens and underscores. */
export const MAX_STARTED_BY = 36;

const iso = (d: Date): string => d.toISOString().replace(/\.\d{3}Z$/, 'Z');

/** Which restore a validation record belongs to. */
export const restoreKey = (snapshotId: string, target: string): string => `${snapshotId}/${target}`;

/**
 * The validation task's startedBy: `fp-`, 22 hex digits of the owner's UID, `-`, 10 of a hash of
 * the restore (36 characters). Deterministic, so it is the RunTask idempotency key.
 */
export function validationStartedBy(object: ObjectIdentity, key: string): string {
  const uid = object.uid.replace(/[^A-Za-z0-9]/g, '').slice(0, 22);
  const hash = createHash('sha256').update(`${object.uid}\n${key}`).digest('hex').slice(0, 10);
  return `fp-${uid}-${hash}`.slice(0, MAX_STARTED_BY);
}

/** The record of this restore's validation, if the recorded one is about it. */
export function currentRecord(
  status: FailoverPlanState | undefined,
  spec: FailoverPlanSpec,
): RestoreValidationRecord | undefined {
  const restore = spec.safeMode?.restore;
  const rec = status?.safeMode?.validation;
  if (restore?.snapshotIdentifier === undefined || rec === undefined) return undefined;
  return rec.of === restoreKey(restore.snapshotIdentifier, restore.targetInstanceIdentifier)
    ? rec
    : undefined;
}

/** What observe reads for the validation (only once the instance is available). */
export interface RestoreValidationNeeds {
  readonly httpChecks: boolean;
  /** Find the validation task started with this. */
  readonly startedBy?: string;
}

export function restoreValidationNeeds(
  spec: FailoverPlanSpec,
  status: FailoverPlanState | undefined,
): RestoreValidationNeeds {
  const v = spec.safeMode?.restore?.validation;
  if (spec.safeMode?.enabled !== true || v === undefined) return { httpChecks: false };
  const rec = currentRecord(status, spec);
  if (rec?.phase === 'Passed' || (rec?.phase === 'Failed' && isFinal(rec, v.task !== undefined))) {
    return { httpChecks: false };
  }
  const taskPending = v.task !== undefined && rec?.startedBy !== undefined && !taskPassed(rec);
  return {
    httpChecks: (v.httpChecks?.length ?? 0) > 0,
    ...(taskPending ? { startedBy: rec.startedBy } : {}),
  };
}

export type ValidationOutcome =
  | { readonly kind: 'none' }
  | { readonly kind: 'passed'; readonly record: RestoreValidationRecord }
  | {
      readonly kind: 'failed';
      readonly record: RestoreValidationRecord;
      /** Failed for good (the task): not measured again for this restore. */
      readonly final: boolean;
    }
  | {
      /** Input only the world can refuse (a container the task definition lacks). */
      readonly kind: 'invalid';
      readonly record: RestoreValidationRecord;
      readonly field: string;
      readonly message: string;
    }
  | {
      readonly kind: 'running';
      readonly record: RestoreValidationRecord;
      readonly action?: Action;
      /** What it waits for. */
      readonly waiting: string;
      /** Come back at once (a measurement not taken this reconcile). */
      readonly soon?: boolean;
    };

/**
 * The validation of the restore into `target` from `snapshotId`, the instance being available at
 * `endpoint`. Pure: the record comes from status, the task and the checks from observed.
 */
export function validateRestore(
  input: DecideInput,
  snapshotId: string,
  target: string,
  endpoint: string | undefined,
): ValidationOutcome {
  const { spec, status, observed, now, object } = input;
  const v = spec.safeMode?.restore?.validation;
  if (v === undefined) return { kind: 'none' };
  const key = restoreKey(snapshotId, target);
  const prev = currentRecord(status, spec);
  if (prev?.phase === 'Passed') return { kind: 'passed', record: prev };
  if (prev?.phase === 'Failed' && isFinal(prev, v.task !== undefined)) {
    return { kind: 'failed', record: prev, final: true };
  }
  let rec: RestoreValidationRecord = prev ?? { of: key, phase: 'Running', startedAt: iso(now) };
  const parts: string[] = [];
  let taskDone = v.task === undefined;

  // The task: started once (written ahead), then followed to STOPPED. Once seen to exit 0 it
  // is not looked up again (ECS forgets stopped tasks after about an hour; checks may fail longer).
  if (v.task !== undefined && taskPassed(rec)) {
    parts.push('validation task exited with 0');
    taskDone = true;
  } else if (v.task !== undefined) {
    if (rec.startedBy === undefined) {
      const taskDefinition = primaryTaskDefinition(input);
      if (taskDefinition === undefined) {
        return {
          kind: 'running',
          record: rec,
          waiting: `cannot start the validation task: the task definition of ${spec.primary.service} in ${spec.primary.region} is not readable (${observed.primary.error ?? 'no service'})`,
        };
      }
      const containers = observed.primary.images;
      if (containers !== undefined && !(v.task.container in containers)) {
        return {
          kind: 'invalid',
          record: rec,
          field: 'spec.safeMode.restore.validation.task.container',
          message: `no container ${v.task.container} in ${taskDefinition} (containers: ${Object.keys(containers).join(', ') || 'none'}); nothing run`,
        };
      }
      const startedBy = validationStartedBy(object, key);
      rec = { ...rec, phase: 'Running', startedBy, startedAt: iso(now) };
      return {
        kind: 'running',
        record: rec,
        action: runTask(input, taskDefinition, startedBy, target, endpoint),
        waiting: `starting the validation task (${startedBy})`,
      };
    }
    const task = observed.validationTask;
    if (task === undefined) {
      return { kind: 'running', record: rec, waiting: 'the validation task', soon: true };
    }
    if (task === null) {
      if (rec.taskArn === undefined) {
        // Written ahead but never seen: RunTask may not have reached ECS before a crash (the
        // same startedBy, so the same idempotency token).
        const taskDefinition = primaryTaskDefinition(input);
        if (taskDefinition !== undefined) {
          return {
            kind: 'running',
            record: rec,
            action: runTask(input, taskDefinition, rec.startedBy, target, endpoint),
            waiting: `starting the validation task (${rec.startedBy})`,
          };
        }
        return { kind: 'running', record: rec, waiting: 'the validation task (not found yet)' };
      }
      const message = `the validation task ${rec.taskArn} disappeared before it was seen to stop`;
      return failed({ ...rec, taskStatus: 'MISSING' }, message, now);
    }
    rec = { ...rec, taskArn: task.arn, taskStatus: task.lastStatus };
    if (task.lastStatus === 'STOPPED') {
      const code = task.exitCode;
      rec = code === undefined ? rec : { ...rec, exitCode: code };
      if (code !== 0) {
        const message = `validation task exited with ${code ?? 'no exit code'}${task.stoppedReason === undefined ? '' : ` (${task.stoppedReason})`}`;
        // Without an exit code the verdict is final too: the task is gone, there is nothing to wait for.
        return failed({ ...rec, exitCode: code ?? -1 }, message, now);
      }
      parts.push('validation task exited with 0');
      taskDone = true;
    } else {
      const timeout = v.task.timeout ?? DEFAULT_TIMEOUT;
      const deadline = Date.parse(rec.startedAt) + parseDuration(timeout);
      if (now.getTime() >= deadline) {
        return failed(rec, `the validation task did not stop within ${timeout}`, now);
      }
      parts.push(`validation task ${task.lastStatus}`);
    }
  }

  // The HTTP checks: measured this reconcile, else no verdict yet (no data is never a pass).
  const checks = v.httpChecks ?? [];
  if (checks.length > 0) {
    const results = observed.restoreChecks;
    if (results === undefined) {
      return { kind: 'running', record: rec, waiting: 'the HTTP checks', soon: true };
    }
    rec = {
      ...rec,
      checks: results.map((r) => ({
        name: r.name.slice(0, 256),
        passed: r.passed,
        message: r.message.slice(0, 1024),
      })),
    };
    const failing = results.filter((r) => !r.passed);
    if (failing.length > 0) {
      const text = failing.map((r) => `${r.name}: ${r.message}`).join('; ');
      if (taskDone) return { kind: 'failed', record: failedRecord(rec, text, now), final: false };
      parts.push(`HTTP checks failing: ${text}`);
    } else {
      parts.push(`${results.length} HTTP check(s) passed`);
    }
  }
  if (!taskDone) return { kind: 'running', record: rec, waiting: parts.join('; ') };
  const message = parts.join('; ').slice(0, 1024);
  return {
    kind: 'passed',
    record: { ...rec, phase: 'Passed', finishedAt: iso(now), message },
  };
}

const taskPassed = (rec: RestoreValidationRecord | undefined): boolean =>
  rec?.exitCode === 0 && rec.taskStatus === 'STOPPED';

/** A failure by the task (exit code, timeout, vanished) is final; failing checks are not. */
function isFinal(rec: RestoreValidationRecord, hasTask: boolean): boolean {
  if (!hasTask) return false;
  const exited = rec.exitCode !== undefined && rec.exitCode !== 0;
  return exited || (rec.taskStatus !== undefined && rec.taskStatus !== 'STOPPED');
}

function failedRecord(
  rec: RestoreValidationRecord,
  message: string,
  now: Date,
): RestoreValidationRecord {
  return { ...rec, phase: 'Failed', finishedAt: iso(now), message: message.slice(0, 1024) };
}

function failed(rec: RestoreValidationRecord, message: string, now: Date): ValidationOutcome {
  return { kind: 'failed', record: failedRecord(rec, message, now), final: true };
}

/** The primary service's task definition (EXTERNAL: its PRIMARY task set's). */
function primaryTaskDefinition(input: DecideInput): string | undefined {
  const service = input.observed.primary.service;
  if (service === undefined || service === null) return undefined;
  return (
    service.taskDefinitionArn ??
    service.taskSets.find((t) => t.status === 'PRIMARY')?.taskDefinitionArn
  );
}

function runTask(
  input: DecideInput,
  taskDefinitionArn: string,
  startedBy: string,
  target: string,
  endpoint: string | undefined,
): Action {
  const task = input.spec.safeMode?.restore?.validation?.task;
  const [host, port] = splitEndpoint(endpoint);
  return {
    type: 'runValidationTask',
    ref: input.spec.primary,
    taskDefinitionArn,
    container: task?.container ?? '',
    command: task?.command ?? [],
    startedBy,
    environment: {
      RESTORED_DB_INSTANCE: target,
      RESTORED_DB_ENDPOINT: endpoint ?? '',
      RESTORED_DB_HOST: host,
      RESTORED_DB_PORT: port,
    },
  };
}

function splitEndpoint(endpoint: string | undefined): [string, string] {
  if (endpoint === undefined) return ['', ''];
  const at = endpoint.lastIndexOf(':');
  return at < 0 ? [endpoint, ''] : [endpoint.slice(0, at), endpoint.slice(at + 1)];
}
