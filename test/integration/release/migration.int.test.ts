// The migration variant on the real apiserver + moto + Redis, the controller's AWS traffic going
// through the fault proxy: an RDS snapshot first (in moto, its id in status), the maintenance flag
// on in Redis while the migration task runs (the proxy reports the task RUNNING until the test lets
// it stop) and off after the deploy; a migration task exiting 1 (injected into DescribeTasks:
// moto's exit code is always 0) stops the release — flag off, no task set created, Failed.
import { RunTaskCommand } from '@aws-sdk/client-ecs';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { ReleaseStatus } from '../../../reconcilers/release/api.js';
import { startedByFor } from '../../../reconcilers/release/plan/migration.js';
import { createTestNamespace } from '../../env/fixtures.js';
import type { SeededLatticeDb } from '../../fixtures/moto/seed.js';
import { awsvpc } from '../../fixtures/moto/seed-ecs.js';
import {
  annotateRelease,
  createRelease,
  getRelease,
  installCrd,
  motoClients,
  MotoView,
  waitForRelease,
} from './support.js';
import {
  canarySpec,
  motoSnapshot,
  seedWorld,
  sleep,
  startProxiedController,
  storedFlag,
  type ProxiedController,
} from './scenario.js';

let running: ProxiedController | undefined;
let view: MotoView | undefined;

beforeAll(async () => {
  await installCrd();
});

afterEach(async () => {
  await running?.stop();
  running = undefined;
  view?.destroy();
});

const COMMAND = ['latticedb-migrate', '--to', 'latest'];

interface DescribedTasks {
  tasks?: {
    lastStatus?: string;
    stoppedReason?: string;
    containers?: { exitCode?: number; lastStatus?: string }[];
  }[];
}

/** DescribeTasks answers: RUNNING while `hold` is set; once STOPPED, the containers exit `exitCode`. */
class MigrationTaskDouble {
  hold = false;
  exitCode = 0;
  readonly rule = {
    service: 'ecs',
    operation: 'DescribeTasks',
    fault: 'rewrite',
    transformJson: (body: unknown) => this.#rewrite(body as DescribedTasks),
  } as const;

  #rewrite(body: DescribedTasks): DescribedTasks {
    for (const task of body.tasks ?? []) {
      if (this.hold) {
        task.lastStatus = 'RUNNING';
        delete task.stoppedReason;
        for (const c of task.containers ?? []) {
          c.lastStatus = 'RUNNING';
          delete c.exitCode;
        }
      } else if (task.lastStatus === 'STOPPED') {
        for (const c of task.containers ?? []) c.exitCode = this.exitCode;
      }
    }
    return body;
  }
}

function migrationSpec(s: SeededLatticeDb, flag: string) {
  return canarySpec(
    s,
    { steps: [{ setWeight: 50 }] },
    {
      migration: {
        snapshot: { dbInstanceIdentifier: s.database?.instanceIdentifier ?? '' },
        maintenanceFlag: flag,
        task: { command: COMMAND, timeout: '1m' },
        reversible: true,
      },
    },
  );
}

const condition = (status: ReleaseStatus, type: string) =>
  status.conditions?.find((c) => c.type === type);

describe('Release with a database migration', () => {
  it('snapshots, holds the maintenance flag on while the task runs, deploys, then turns it off', async () => {
    const s = await seedWorld();
    view = new MotoView(s);
    const ns = await createTestNamespace('rel-mig');
    const flag = `maintenance.${ns}`;
    const task = new MigrationTaskDouble();
    task.hold = true;
    running = await startProxiedController(ns);
    running.proxy.setRules([task.rule]);
    await createRelease(ns, 'ldb', migrationSpec(s, flag));

    const migrating = await waitForRelease(
      ns,
      'ldb',
      (st) => st.migration?.phase === 'Running' && st.migration.taskArn !== undefined,
      'the migration task running',
    );
    expect(migrating.phase).toBe('Migrating');
    const snapshotId = migrating.migration?.snapshotId ?? '';
    expect(snapshotId).toMatch(/^ldb-r1-[0-9a-f]{6}$/);
    expect(await motoSnapshot(snapshotId)).toMatchObject({
      DBSnapshotIdentifier: snapshotId,
      DBInstanceIdentifier: s.database?.instanceIdentifier,
      SnapshotType: 'manual',
      Status: 'available',
    });
    expect(await storedFlag(flag)).toEqual({ enabled: true, basisPoints: 10_000 });
    // Nothing is deployed while the migration runs.
    expect((await view.taskSets()).map((t) => t.externalId)).toEqual([s.canary.primaryExternalId]);

    await sleep(1_000);
    expect((await getRelease(ns, 'ldb')).status?.migration?.phase).toBe('Running');
    expect(await storedFlag(flag)).toEqual({ enabled: true, basisPoints: 10_000 });

    task.hold = false;
    const healthy = await waitForRelease(ns, 'ldb', (st) => st.phase === 'Healthy', 'Healthy');
    expect(healthy.migration).toMatchObject({ phase: 'Succeeded', exitCode: 0, snapshotId });
    expect(condition(healthy, 'MigrationSucceeded')).toMatchObject({ status: 'True' });
    expect(await storedFlag(flag)).toEqual({ enabled: false, basisPoints: 0 });
    expect(await view.weights()).toEqual({ blue: 0, green: 100 });
    expect(running.proxy.count({ operation: 'RunTask' })).toBe(1);
    expect(running.proxy.count({ operation: 'CreateDBSnapshot' })).toBe(1);
    // The deploy's writes, which the failing case below must not make.
    expect(running.proxy.count({ operation: 'CreateTaskSet' })).toBe(1);
    expect(running.proxy.count({ operation: 'ModifyListener' })).toBeGreaterThan(0);
    const history = healthy.history?.map((h) => h.reason) ?? [];
    const order = ['SnapshotAvailable', 'MaintenanceOn', 'MigrationSucceeded', 'MaintenanceOff'];
    const at = order.map((reason) => history.indexOf(reason));
    expect(at).not.toContain(-1);
    expect(at).toEqual([...at].sort((a, b) => a - b));
  });

  it('stops the release when the migration task exits 1: flag off, no deploy, Failed', async () => {
    const s = await seedWorld();
    view = new MotoView(s);
    const ns = await createTestNamespace('rel-mig-fail');
    const flag = `maintenance.${ns}`;
    const task = new MigrationTaskDouble();
    task.exitCode = 1;
    running = await startProxiedController(ns);
    running.proxy.setRules([task.rule]);
    await createRelease(ns, 'ldb', migrationSpec(s, flag));

    const failed = await waitForRelease(ns, 'ldb', (st) => st.phase === 'Failed', 'Failed');
    expect(failed.migration).toMatchObject({ phase: 'Failed', exitCode: 1 });
    expect(failed.attempt?.rollback).toMatchObject({
      outcome: 'Failed',
      reason: 'MigrationFailed',
    });
    expect(failed.attempt?.rollback?.message).toMatch(/exit code 1/);
    expect(condition(failed, 'MigrationSucceeded')).toMatchObject({
      status: 'False',
      reason: 'MigrationFailed',
    });
    expect(condition(failed, 'Stalled')).toMatchObject({ status: 'True' });
    expect(await storedFlag(flag)).toEqual({ enabled: false, basisPoints: 0 });
    expect(running.proxy.count({ operation: 'RunTask' })).toBe(1);
    // No deploy: no task set was ever created and production traffic never moved.
    expect(running.proxy.count({ operation: 'CreateTaskSet' })).toBe(0);
    expect(running.proxy.count({ operation: 'ModifyListener' })).toBe(0);
    const sets = await view.taskSets();
    expect(sets).toHaveLength(1);
    expect(sets[0]).toMatchObject({ arn: s.canary.primaryTaskSetArn, status: 'PRIMARY' });
    expect(await view.weights()).toEqual({ blue: 100, green: 0 });
  });

  // Issue 9: a task is adopted only when owner AND content match. A task already running under
  // the startedBy this Release's revision 1 will use (its UID, r1) but with the service's old
  // task definition is not taken as the migration: before, the controller's RunTask found it,
  // ran nothing, and took its exit code as the migration of the new image.
  it('does not adopt a task under its startedBy that runs another task definition', async () => {
    const s = await seedWorld();
    view = new MotoView(s);
    const ns = await createTestNamespace('rel-mig-foreign');
    const flag = `maintenance.${ns}`;
    await createRelease(ns, 'ldb', migrationSpec(s, flag));
    const { metadata } = await getRelease(ns, 'ldb');
    const object = { namespace: ns, name: 'ldb', uid: metadata.uid ?? '' };
    const startedBy = startedByFor(object, 1, 0);
    const clients = motoClients();
    let foreignArn: string;
    try {
      const out = await clients.ecs(s.region).send(
        new RunTaskCommand({
          cluster: s.cluster,
          taskDefinition: s.taskDefinitionArn,
          startedBy,
          count: 1,
          launchType: 'FARGATE',
          networkConfiguration: awsvpc(s.network),
        }),
      );
      foreignArn = out.tasks?.[0]?.taskArn ?? '';
    } finally {
      clients.destroy();
    }
    expect(foreignArn).not.toBe('');

    const task = new MigrationTaskDouble();
    task.hold = true;
    running = await startProxiedController(ns);
    running.proxy.setRules([task.rule]);

    const failed = await waitForRelease(ns, 'ldb', (st) => st.phase === 'Failed', 'Failed');
    const revisionTd = failed.revision?.taskDefinitionArn ?? '';
    expect(revisionTd).not.toBe('');
    expect(revisionTd).not.toBe(s.taskDefinitionArn);
    expect(failed.migration).toMatchObject({ phase: 'Failed', startedBy });
    expect(failed.migration?.taskArn).toBeUndefined();
    expect(failed.migration?.exitCode).toBeUndefined();
    expect(failed.attempt?.rollback).toMatchObject({
      outcome: 'Failed',
      reason: 'MigrationFailed',
    });
    const message = failed.attempt?.rollback?.message ?? '';
    expect(message).toContain(foreignArn);
    expect(message).toContain(s.taskDefinitionArn);
    expect(message).toContain(revisionTd);
    expect(message).toContain('aws ecs stop-task');
    expect(condition(failed, 'Stalled')).toMatchObject({ status: 'True' });
    expect(await storedFlag(flag)).toEqual({ enabled: false, basisPoints: 0 });
    // The other task was neither run again nor stopped, and nothing was deployed.
    expect(running.proxy.count({ operation: 'RunTask' })).toBe(0);
    expect(running.proxy.count({ operation: 'StopTask' })).toBe(0);
    expect(running.proxy.count({ operation: 'CreateTaskSet' })).toBe(0);
    expect(await view.weights()).toEqual({ blue: 100, green: 0 });

    // The way out the message names: a retry runs this revision's migration under a new startedBy.
    task.hold = false;
    await annotateRelease(ns, 'ldb', 'retry', '1');
    const healthy = await waitForRelease(ns, 'ldb', (st) => st.phase === 'Healthy', 'Healthy');
    expect(healthy.migration).toMatchObject({
      phase: 'Succeeded',
      exitCode: 0,
      attempt: 1,
      startedBy: startedByFor(object, 1, 1),
    });
    expect(healthy.migration?.taskArn).not.toBe(foreignArn);
    expect(running.proxy.count({ operation: 'RunTask' })).toBe(1);
    expect(await view.weights()).toEqual({ blue: 0, green: 100 });
  });
});
