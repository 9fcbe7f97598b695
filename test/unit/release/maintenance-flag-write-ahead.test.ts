// The maintenance flag is written ahead: the reconcile that turns it on records first that this
// revision owns it (migration.flagOn), so an abort, a spec change or a failure that lands before
// the next reconcile — or a status write lost to the 409 that the abort annotation itself causes —
// still turns it off. Before the fix, flagOn was recorded only when the flag was next observed on,
// and such a rollback left the application in maintenance mode for good (and not even remembered in
// maintenanceFlagsLeftOn).
import { describe, expect, it } from 'vitest';
import { Harness } from './support/harness.js';
import { canarySpec, image, REGION, World } from './support/world.js';

const FLAG = 'maintenance_mode';

const spec = () =>
  canarySpec({
    migration: {
      snapshot: { dbInstanceIdentifier: 'ldb-prod' },
      maintenanceFlag: FLAG,
      task: { command: ['latticedb-migrate', 'up'], timeout: '10m' },
      reversible: true,
    },
  });

async function flagOn(world: World): Promise<boolean> {
  return (await world.flags.read(FLAG)).record?.enabled === true;
}

/**
 * Reconciles up to the one that turns the flag on (the snapshot is available: the same reconcile
 * enters MaintenanceOn and writes the flag); `lose` drops its status write, as a controller killed
 * right after the write — or a 409 — would (a checkpoint written ahead is kept).
 */
async function turnFlagOn(h: Harness, lose: boolean): Promise<void> {
  await h.until(() => h.world.database.snapshots(REGION)[0]?.status === 'available');
  expect(await flagOn(h.world)).toBe(false);
  await h.reconcile({ crash: lose });
  expect(await flagOn(h.world)).toBe(true);
}

describe('maintenance flag write-ahead', () => {
  it.each([
    ['abort right after the flag went on', false, 'abort'],
    ['abort after a lost status write', true, 'abort'],
    ['a spec change right after the flag went on', false, 'spec'],
    ['a spec change after a lost status write', true, 'spec'],
  ] as const)('%s: the flag is turned off again', async (_, lose, what) => {
    const world = new World({ kind: 'canary' });
    const h = new Harness(world, spec());
    await turnFlagOn(h, lose);
    expect(h.status.migration).toMatchObject({ flagOn: true, flag: FLAG });
    if (what === 'abort') h.annotate('abort', 1);
    else h.setSpec({ image: image('v3'), migration: undefined });
    await h.until(
      (x) =>
        x.status.stage === 'Done' &&
        (what === 'abort' || (x.status.revision?.number === 2 && x.status.phase === 'Healthy')),
    );
    expect(await flagOn(world)).toBe(false);
    expect(world.ecs.startedTasks()).toHaveLength(0);
  });
});
