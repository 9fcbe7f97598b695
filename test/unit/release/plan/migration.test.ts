// The migration stages in decide(): snapshot, flag CAS, RunTask written ahead, exit codes.
import { describe, expect, it } from 'vitest';
import { lastWriteOf } from '../../../../reconcilers/release/plan/found.js';
import { snapshotIdFor } from '../../../../reconcilers/release/plan/migration.js';
import { observationNeeds } from '../../../../reconcilers/release/plan/needs.js';
import {
  canarySpec,
  inFlight,
  iso,
  next,
  OBJECT,
  revisionTd,
  run,
  TD1,
  TD2,
  weights,
} from './fixtures.js';

describe('migration stages', () => {
  const spec = canarySpec({
    migration: {
      snapshot: { dbInstanceIdentifier: 'ldb-prod' },
      maintenanceFlag: 'maintenance_mode',
      task: { command: ['migrate'], timeout: '10m' },
      reversible: true,
    },
  });
  const record = (enabled: boolean, version: number) => ({
    ok: true as const,
    version,
    record: {
      name: 'maintenance_mode',
      enabled,
      basisPoints: enabled ? 10_000 : 0,
      salt: 'maintenance_mode',
      targets: [],
      killSwitch: null,
      version,
      updatedAt: iso(),
      updatedBy: 'x',
    },
  });

  it('Snapshot creates the deterministic snapshot, then waits for it to be available', () => {
    const d = run(inFlight('Snapshot', {}, spec), { snapshot: null }, { spec });
    expect(d.action).toMatchObject({
      type: 'createSnapshot',
      dbInstanceIdentifier: 'ldb-prod',
      snapshotId: expect.stringMatching(/^latticedb-r1-[0-9a-f]{6}$/),
    });
    const creating = run(
      inFlight('Snapshot', {}, spec),
      { snapshot: { id: 'x', dbInstanceIdentifier: 'ldb-prod', status: 'creating' } },
      { spec },
    );
    expect(creating.action).toBeUndefined();
    expect(creating.status.phase).toBe('Migrating');
  });

  it('the flag goes on with a CAS on the observed version; RunTask is written ahead (checkpoint)', () => {
    const on = run(inFlight('MaintenanceOn', {}, spec), { flag: record(false, 4) }, { spec });
    expect(on.action).toMatchObject({
      type: 'setMaintenanceFlag',
      flag: 'maintenance_mode',
      on: true,
      expectedVersion: 4,
      write: { enabled: true, basisPoints: 10_000, updatedBy: 'controller:prod/latticedb' },
    });
    const start = run(
      inFlight('MaintenanceOn', {}, spec),
      { flag: record(true, 5), revisionTaskDefinition: revisionTd(spec) },
      { spec },
    );
    expect(start.checkpoint).toBe(true);
    expect(start.action).toMatchObject({
      type: 'runMigrationTask',
      taskDefinitionArn: TD2,
      command: ['migrate'],
      startedBy: 'ldb-5f0c2a8e11112222-r1',
    });
    expect(start.status.migration).toMatchObject({
      phase: 'Running',
      flagOn: true,
      startedBy: 'ldb-5f0c2a8e11112222-r1',
      startedAt: iso(),
    });
  });

  it('a task not found after the write-ahead is started again (same startedBy); one seen before and gone fails', () => {
    const running = inFlight(
      'Migration',
      {
        migration: {
          phase: 'Running',
          revision: 1,
          attempt: 0,
          startedBy: 'ldb-5f0c2a8e11112222-r1',
          startedAt: iso(),
          flagOn: true,
        },
      },
      spec,
    );
    const again = run(running, { migrationTask: null }, { spec });
    expect(again.action).toMatchObject({
      type: 'runMigrationTask',
      startedBy: 'ldb-5f0c2a8e11112222-r1',
    });
    expect(again.checkpoint).toBeUndefined();
    const seen = structuredClone(running);
    seen.migration!.taskArn = 'arn:task/1';
    const gone = run(seen, { migrationTask: null, flag: record(true, 5) }, { spec });
    expect(gone.status).toMatchObject({
      attempt: { rollback: { outcome: 'Failed', reason: 'MigrationFailed' } },
    });
    expect(gone.action).toMatchObject({ type: 'setMaintenanceFlag', on: false });
  });

  it('exit 0 deploys; exit 1 fails before any traffic moved and turns the flag off', () => {
    const running = inFlight(
      'Migration',
      {
        migration: {
          phase: 'Running',
          revision: 1,
          attempt: 0,
          startedBy: 'ldb-5f0c2a8e11112222-r1',
          startedAt: iso(),
          flagOn: true,
        },
      },
      spec,
    );
    const task = (exitCode: number) => ({
      arn: 'arn:task/1',
      lastStatus: 'STOPPED',
      exitCode,
      taskDefinitionArn: TD2,
    });
    const ok = run(
      running,
      { migrationTask: task(0), weights: weights(0), revisionTaskDefinition: revisionTd(spec) },
      { spec },
    );
    expect(ok.status.migration).toMatchObject({ phase: 'Succeeded', exitCode: 0 });
    expect(ok.action).toMatchObject({ type: 'createTaskSet' });
    const bad = run(running, { migrationTask: task(1), flag: record(true, 5) }, { spec });
    expect(bad.status.migration).toMatchObject({ phase: 'Failed', exitCode: 1 });
    expect(bad.action).toMatchObject({ type: 'setMaintenanceFlag', on: false, expectedVersion: 5 });
    const off = run(next(bad), { migrationTask: task(1), flag: record(false, 6) }, { spec });
    expect(off.status).toMatchObject({ phase: 'Failed', attempt: { outcome: 'Failed' } });
  });

  // Issue 9: adopted only when owner AND content match. The startedBy says whose the task is
  // (UID, revision, attempt); the task definition says what it runs.
  it('a task found under our startedBy running another task definition is not our migration', () => {
    const running = inFlight(
      'Migration',
      {
        migration: {
          phase: 'Running',
          revision: 1,
          attempt: 0,
          startedBy: 'ldb-5f0c2a8e11112222-r1',
          startedAt: iso(),
          flagOn: true,
        },
      },
      spec,
    );
    const other = (lastStatus: string, taskDefinitionArn?: string) => ({
      arn: 'arn:task/other',
      lastStatus,
      exitCode: 0,
      ...(taskDefinitionArn === undefined ? {} : { taskDefinitionArn }),
    });
    const d = run(
      running,
      { migrationTask: other('STOPPED', TD1), flag: record(true, 5) },
      { spec },
    );
    expect(d.status.migration?.phase).toBe('Failed');
    expect(d.status.migration?.taskArn).toBeUndefined();
    expect(d.status.migration?.exitCode).toBeUndefined();
    expect(d.status.attempt?.rollback).toMatchObject({
      outcome: 'Failed',
      reason: 'MigrationFailed',
    });
    const message = d.status.attempt?.rollback?.message ?? '';
    expect(message).toContain('arn:task/other');
    expect(message).toContain(TD1);
    expect(message).toContain(TD2);
    expect(message).toContain('delivery.latticedb.com/retry');
    expect(message).not.toContain('stop-task');
    // Nothing deployed: the maintenance flag goes off, as after a failed migration.
    expect(d.action).toMatchObject({ type: 'setMaintenanceFlag', on: false });

    const live = run(
      running,
      { migrationTask: other('RUNNING', TD1), flag: record(true, 5) },
      { spec },
    );
    // Not ours to stop either: the rollback turns the flag off and leaves the task alone.
    expect(live.action).toMatchObject({ type: 'setMaintenanceFlag', on: false });
    expect(live.status.attempt?.rollback?.message).toContain(
      'aws ecs stop-task --region us-east-1 --cluster',
    );
    // No content reported: not a match either (a check without data never passes).
    const unknown = run(
      running,
      { migrationTask: other('STOPPED'), flag: record(true, 5) },
      { spec },
    );
    expect(unknown.status.migration?.phase).toBe('Failed');
    expect(unknown.status.attempt?.rollback?.message).toContain('(none reported)');
  });
});

// Issue 9 item 2: a write whose answer was lost with the process is told when found done.
describe('migration writes found done after a restart', () => {
  const spec = canarySpec({
    migration: {
      snapshot: { dbInstanceIdentifier: 'ldb-prod' },
      task: { command: ['migrate'] },
      reversible: true,
    },
  });
  const found = (d: ReturnType<typeof run>, reason: string) =>
    d.events.filter((e) => e.reason === reason && e.message.includes('found already done'));

  it('a snapshot created by a controller that died before recording it: SnapshotCreated, once', () => {
    const first = run(inFlight('Snapshot', {}, spec), { snapshot: null }, { spec });
    const id = first.action?.type === 'createSnapshot' ? first.action.snapshotId : '';
    const creating = { snapshot: { id, dbInstanceIdentifier: 'ldb-prod', status: 'creating' } };
    // The status written after CreateDBSnapshot records the id: nothing more to tell.
    expect(found(run(next(first), creating, { spec }), 'SnapshotCreated')).toHaveLength(0);
    // Killed before that status: the id is not recorded, the snapshot is there.
    const lost = run(inFlight('Snapshot', {}, spec), creating, { spec });
    const told = found(lost, 'SnapshotCreated');
    expect(told).toHaveLength(1);
    expect(told[0]?.message).toContain(id);
    expect(found(run(next(lost), creating, { spec }), 'SnapshotCreated')).toHaveLength(0);
  });

  it('a migration task whose RunTask answer was lost: MigrationTaskStarted, once', () => {
    const start = run(
      inFlight('Migration', {}, spec),
      { revisionTaskDefinition: revisionTd(spec) },
      { spec },
    );
    expect(start.action).toMatchObject({ type: 'runMigrationTask' });
    const task = { arn: 'arn:task/1', lastStatus: 'RUNNING', taskDefinitionArn: TD2 };
    // Killed after RunTask: only the write-ahead status (start's) was stored.
    const lost = run(next(start), { migrationTask: task }, { spec });
    const told = found(lost, 'MigrationTaskStarted');
    expect(told).toHaveLength(1);
    expect(told[0]?.message).toContain('arn:task/1');
    expect(
      found(run(next(lost), { migrationTask: task }, { spec }), 'MigrationTaskStarted'),
    ).toHaveLength(0);
    // RunTask returned: the status after it records the write (lastWrite), nothing to tell.
    const returned = { ...next(start), lastWrite: lastWriteOf(start.action!) };
    expect(
      found(run(returned, { migrationTask: task }, { spec }), 'MigrationTaskStarted'),
    ).toHaveLength(0);
  });

  it('the snapshot id carries the owner: a re-created Release of the same name and spec takes its own', () => {
    const revision = { number: 1, specHash: 'abc' };
    const a = snapshotIdFor(OBJECT, revision);
    const b = snapshotIdFor({ ...OBJECT, uid: '0b9e7d3c-aaaa-bbbb-cccc-ddddeeeeffff' }, revision);
    expect(a).not.toBe(b);
    expect(a).toMatch(/^latticedb-r1-[0-9a-f]{6}$/);
  });
});

describe('a failed snapshot and the retry action', () => {
  const spec = canarySpec({
    migration: {
      snapshot: { dbInstanceIdentifier: 'ldb-prod' },
      task: { command: ['migrate'] },
      reversible: true,
    },
  });
  const retry = { 'delivery.latticedb.com/retry': '1' };
  const snapshot = (id: string, status: string) => ({
    snapshot: { id, dbInstanceIdentifier: 'ldb-prod', status },
  });
  const firstId = (): string => {
    const d = run(inFlight('Snapshot', {}, spec), { snapshot: null }, { spec });
    return d.action?.type === 'createSnapshot' ? d.action.snapshotId : '';
  };

  it('fails the revision before any traffic and marks the snapshot failed', () => {
    const id = firstId();
    const d = run(inFlight('Snapshot', {}, spec), snapshot(id, 'failed'), { spec });
    expect(d.status.migration).toMatchObject({
      phase: 'Failed',
      snapshotFailed: true,
      snapshotId: id,
      message: `RDS snapshot ${id} is failed`,
    });
    expect(d.status.attempt?.rollback).toMatchObject({
      outcome: 'Failed',
      reason: 'MigrationFailed',
    });
  });

  it('a retry takes a new snapshot under a new id (RDS keeps the failed one’s id taken)', () => {
    const id = firstId();
    const failed = next(run(inFlight('Snapshot', {}, spec), snapshot(id, 'failed'), { spec }));
    const done = {
      ...failed,
      stage: 'Done' as const,
      attempt: { ...failed.attempt, outcome: 'Failed' as const },
    };
    const retried = next(run(done, { weights: weights(0) }, { spec, annotations: retry }));
    expect(retried.migration).toMatchObject({ phase: 'Pending', snapshotAttempt: 1 });
    expect(retried.migration?.snapshotId).toBeUndefined();
    expect(retried.migration?.snapshotFailed).toBeUndefined();

    const again = run({ ...retried, stage: 'Snapshot' }, { snapshot: null }, { spec });
    expect(again.action).toMatchObject({ type: 'createSnapshot', snapshotId: `${id}-a1` });
    expect(observationNeeds(spec, { ...retried, stage: 'Snapshot' }, OBJECT, 1).snapshotId).toBe(
      `${id}-a1`,
    );
  });

  it('a retry after the migration task failed keeps the snapshot taken before it', () => {
    const id = firstId();
    const taskFailed = inFlight(
      'Done',
      {
        outcome: 'Failed',
        migration: { phase: 'Failed', revision: 1, snapshotId: id, startedBy: 'x', exitCode: 1 },
      },
      spec,
    );
    const retried = next(run(taskFailed, { weights: weights(0) }, { spec, annotations: retry }));
    expect(retried.migration).toMatchObject({ phase: 'Pending', snapshotId: id, attempt: 1 });
    expect(retried.migration?.snapshotAttempt).toBeUndefined();
    const resumed = run({ ...retried, stage: 'Snapshot' }, snapshot(id, 'available'), { spec });
    expect(resumed.action?.type).not.toBe('createSnapshot');
    expect(resumed.status.migration?.snapshotId).toBe(id);
  });
});
