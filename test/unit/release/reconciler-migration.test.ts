// The database-migration variant through the handler: snapshot, maintenance flag, migration task
// (write-ahead, no duplicate after a crash), then the canary; failures before and after the task,
// reversible or Frozen.
import { describe, expect, it } from 'vitest';
import type { ReleaseSpec } from '../../../reconcilers/release/api.js';
import { Harness } from './support/harness.js';
import { canarySpec, ERROR_RATE_CHECK, image, REF, REGION, World } from './support/world.js';

const FLAG = 'maintenance_mode';

function migrationSpec(reversible: boolean, extra: Partial<ReleaseSpec> = {}): ReleaseSpec {
  return canarySpec({
    migration: {
      snapshot: { dbInstanceIdentifier: 'ldb-prod' },
      maintenanceFlag: FLAG,
      task: { command: ['latticedb-migrate', 'up'], timeout: '10m' },
      reversible,
    },
    ...extra,
  });
}

async function flagOn(world: World): Promise<boolean> {
  const obs = await world.flags.read(FLAG);
  return obs.record?.enabled === true;
}

/** Runs until the migration task started, then lets it exit with `code`. */
async function runMigration(h: Harness, code: number): Promise<void> {
  await h.until(() => h.world.ecs.startedTasks().length > 0);
  const [task] = h.world.ecs.startedTasks();
  h.world.ecs.finishTask(task!.arn, code);
}

/** The migration succeeded (reversible or not); the deploy that follows meets a 7 % error rate. */
async function migratedThenFailing(reversible: boolean): Promise<{ world: World; h: Harness }> {
  const world = new World({ kind: 'canary' });
  world.errorRate(7);
  const h = new Harness(
    world,
    migrationSpec(reversible, { analysis: { metrics: [ERROR_RATE_CHECK] } }),
  );
  await runMigration(h, 0);
  return { world, h };
}

describe('migration', () => {
  it('takes the snapshot, holds the flag on during the task, deploys, then turns the flag off', async () => {
    const world = new World({ kind: 'canary' });
    const h = new Harness(world, migrationSpec(true));
    await h.until(() => world.ecs.startedTasks().length > 0);
    expect(world.database.snapshots(REGION)).toMatchObject([
      { id: h.status.migration?.snapshotId, status: 'available' },
    ]);
    expect(await flagOn(world)).toBe(true);
    expect(h.status.phase).toBe('Migrating');
    // written ahead: the registration, the flag going on, then RunTask
    expect(h.checkpoints).toBe(3);
    const [task] = world.ecs.startedTasks();
    expect(task).toMatchObject({
      command: ['latticedb-migrate', 'up'],
      container: 'latticedb',
      startedBy: 'ldb-5f0c2a8e11112222-r1',
    });
    await h.reconcile();
    expect(world.ecs.taskSets(REF)).toHaveLength(1); // nothing deploys while the task runs
    world.ecs.finishTask(task!.arn, 0);
    await h.until((x) => x.status.phase === 'Healthy' && x.status.retiring === undefined);
    expect(await flagOn(world)).toBe(false);
    expect(h.status.migration).toMatchObject({ phase: 'Succeeded', exitCode: 0, flagOn: false });
    expect(h.status.conditions?.find((c) => c.type === 'MigrationSucceeded')?.status).toBe('True');
    expect(world.ecs.startedTasks()).toHaveLength(1);
  });

  it('a controller killed right after RunTask finds the task by startedBy and starts no second one', async () => {
    const world = new World({ kind: 'canary' });
    const h = new Harness(world, migrationSpec(true));
    await h.until(async (x) => (await flagOn(world)) && x.status.stage === 'Migration');
    await h.reconcile({ crash: true }); // RunTask happened; its status write is lost
    expect(world.ecs.startedTasks()).toHaveLength(1);
    expect(h.status.migration?.phase).toBe('Running'); // written ahead
    await h.reconcile();
    await h.reconcile();
    expect(world.ecs.startedTasks()).toHaveLength(1);
    expect(h.status.migration?.taskArn).toBe(world.ecs.startedTasks()[0]?.arn);
  });

  it('a failing migration task stops the release: flag off, nothing deployed, Failed', async () => {
    const world = new World({ kind: 'canary' });
    const h = new Harness(world, migrationSpec(false));
    await runMigration(h, 3);
    await h.until((x) => x.status.phase === 'Failed');
    expect(await flagOn(world)).toBe(false);
    expect(world.ecs.taskSets(REF)).toHaveLength(1);
    expect(world.ecs.log.count('createTaskSet')).toBe(0);
    expect(h.status.migration).toMatchObject({ phase: 'Failed', exitCode: 3 });
    expect(h.status.attempt?.rollback?.reason).toBe('MigrationFailed');
  });

  it('a migration task that exceeds its timeout is stopped and fails the release', async () => {
    const world = new World({ kind: 'canary' });
    const h = new Harness(world, migrationSpec(true));
    await h.until((x) => x.status.phase === 'Failed');
    expect(world.ecs.log.count('stopTask')).toBe(1);
    expect(h.status.migration?.message).toContain('did not finish within 10m');
    expect(await flagOn(world)).toBe(false);
  });

  it('reversible: a deploy failing after the migration rolls back, turns the flag off and names the snapshot', async () => {
    const { world, h } = await migratedThenFailing(true);
    await h.until((x) => x.status.phase === 'RolledBack');
    expect(await flagOn(world)).toBe(false);
    expect(await world.weights()).toEqual({ A: 100, B: 0 });
    expect(h.status.history?.at(-1)?.message).toContain(
      `restore RDS snapshot ${h.status.migration?.snapshotId ?? '?'}`,
    );
  });

  it('not reversible: a deploy failing after the migration freezes — traffic stays, the flag stays on', async () => {
    const { world, h } = await migratedThenFailing(false);
    await h.until((x) => x.status.phase === 'Frozen');
    expect(await flagOn(world)).toBe(true);
    expect(await world.weights()).toEqual({ A: 95, B: 5 });
    expect(h.status.message).toContain('A person decides');
    expect(h.status.conditions?.find((c) => c.type === 'Stalled')?.status).toBe('True');
    const writes = h.writes();
    world.clock.advance(3_600_000);
    await h.reconcile();
    expect(h.writes()).toBe(writes);
    // The person decides: roll back the traffic (the flag stays: the schema is migrated).
    h.annotate('rollback', 1);
    await h.until((x) => x.status.phase === 'RolledBack');
    expect(await world.weights()).toEqual({ A: 100, B: 0 });
    expect(await flagOn(world)).toBe(true);
  });

  it('a flag left on by a Frozen revision goes off when a later revision without a migration completes healthy', async () => {
    const { world, h } = await migratedThenFailing(false);
    await h.until((x) => x.status.phase === 'Frozen');
    expect(h.status.message).toContain(`the next revision turns ${FLAG} off once it is healthy`);
    // A new spec is the person's decision: revision 2 ships without a migration.
    world.errorRate(0.2);
    h.setSpec({ image: image('v3'), migration: undefined });
    await h.until((x) => x.status.revision?.number === 2 && x.status.stage === 'Steps');
    expect(h.status.maintenanceFlagsLeftOn).toEqual([{ flag: FLAG, revision: 1 }]);
    expect(h.eventReasons()).toContain('MaintenanceFlagLeftOn');
    expect(await flagOn(world)).toBe(true); // not before revision 2 is healthy
    await h.until((x) => x.status.revision?.number === 2 && x.status.phase === 'Healthy');
    expect(await flagOn(world)).toBe(false);
    expect(h.status.maintenanceFlagsLeftOn).toBeUndefined();
    expect(h.status.history?.map((e) => e.message)).toContainEqual(
      `maintenance flag ${FLAG} (left on by revision 1) is off: revision 2 completed healthy`,
    );
  });

  it('a revision that fails keeps the flag left on; the next healthy one turns it off', async () => {
    const { world, h } = await migratedThenFailing(false);
    await h.until((x) => x.status.phase === 'Frozen');
    h.annotate('rollback', 1); // traffic back first; the flag stays on (the schema is migrated)
    await h.until((x) => x.status.phase === 'RolledBack');
    h.setSpec({ image: image('v3'), migration: undefined });
    await h.until((x) => x.status.revision?.number === 2 && x.status.phase === 'RolledBack');
    expect(await flagOn(world)).toBe(true);
    expect(h.status.maintenanceFlagsLeftOn).toEqual([{ flag: FLAG, revision: 1 }]);
    world.errorRate(0.2);
    h.setSpec({ image: image('v1') });
    await h.until((x) => x.status.revision?.number === 3 && x.status.phase === 'Healthy');
    expect(await flagOn(world)).toBe(false);
    expect(h.status.maintenanceFlagsLeftOn).toBeUndefined();
  });

  it('without a usable flag store the migration fails before anything is written', async () => {
    const world = new World({ kind: 'canary' });
    const h = new Harness(world, migrationSpec(true), {
      flagProblem: 'RedisNotConfigured: no Redis',
    });
    await h.until((x) => x.status.phase === 'Failed');
    expect(world.ecs.startedTasks()).toHaveLength(0);
    expect(h.status.attempt?.rollback?.message).toContain('RedisNotConfigured');
  });
});
