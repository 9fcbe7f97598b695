// Playbook "Data Corruption (safe mode)": read_only_mode goes on in Redis, a snapshot records the
// corrupt state, and the database is restored to a new instance from the snapshot the spec names
// (made here as the on-call engineer would have, before the incident's corruption window).
import { CreateDBSnapshotCommand, DescribeDBInstancesCommand } from '@aws-sdk/client-rds';
import { loadExample, specAt } from '../examples.js';
import type { Scenario, ScenarioContext } from '../scenario.js';
import { followFlag } from '../world.js';
import { seedTwoRegions, templatePlan } from './regions.js';

export const failoverPlanSafeMode: Scenario = {
  name: 'failoverplan-safe-mode',
  kind: 'FailoverPlan',
  summary:
    'safe mode: read_only_mode on, snapshot, restore to a new RDS instance, validated, safe mode off',
  async prepare(ctx) {
    const plan = loadExample('failoverplan-safe-mode.yaml');
    const world = await seedTwoRegions(ctx, {
      name: 'latticedb-meta',
      zone: 'latticedb.com',
      standbyTasks: 2,
      database: true,
    });
    await templatePlan(ctx, plan, world);
    const db = world.primary.database?.instanceIdentifier ?? '';
    const goodSnapshot = `${db}-before-inc-4711`;
    await ctx.aws.rds(world.primary.region).send(
      new CreateDBSnapshotCommand({
        DBInstanceIdentifier: db,
        DBSnapshotIdentifier: goodSnapshot,
      }),
    );
    const safeMode = specAt(plan, 'safeMode');
    specAt(plan, 'safeMode', 'snapshot').dbInstanceIdentifier = db;
    Object.assign(specAt(plan, 'safeMode', 'restore'), {
      dbInstanceIdentifier: db,
      snapshotIdentifier: goodSnapshot,
      targetInstanceIdentifier: `${db}-restored`,
    });
    ctx.note(`seeded RDS ${db} and snapshot ${goodSnapshot}`);
    return {
      objects: [plan],
      drive: async () => {
        await Promise.all([
          followFlag(ctx, String(safeMode.readOnlyFlag)),
          followInstance(ctx, world.primary.region, `${db}-restored`),
          operator(ctx, plan.metadata.name),
        ]);
      },
    };
  },
};

/**
 * Once the restored instance has passed its validation (the data validation task exited 0; status
 * says to re-point only then), the operator re-points the application with a Release
 * configuration change and turns safe mode off: read_only_mode goes off again. A failed validation
 * leaves safe mode on, as an on-call engineer would.
 */
async function operator(ctx: ScenarioContext, name: string): Promise<void> {
  do {
    const status = (await ctx.kube.get('FailoverPlan', name))?.status;
    const safe = status?.safeMode as
      { endpoint?: string; validation?: { phase?: string; message?: string } } | undefined;
    const validation = safe?.validation;
    if (validation?.phase === 'Failed') {
      ctx.note(
        `restore validation failed (${validation.message ?? 'no message'}): safe mode stays on`,
      );
      return;
    }
    if (validation?.phase === 'Passed') {
      ctx.note(
        `restore validated; operator re-points the app at ${safe?.endpoint ?? '?'} (a Release config change), then turns safe mode off`,
      );
      await ctx.kube.patchSpec('FailoverPlan', name, { safeMode: { enabled: false } });
      return;
    }
  } while (await ctx.sleep(1_000));
}

/** Notes when the restored instance appears and its status changes. */
async function followInstance(ctx: ScenarioContext, region: string, id: string): Promise<void> {
  let last = '';
  do {
    const out = await ctx.aws
      .rds(region)
      .send(new DescribeDBInstancesCommand({ DBInstanceIdentifier: id }))
      .catch((err: unknown) => {
        if ((err as { name?: string }).name === 'DBInstanceNotFoundFault') return undefined;
        throw err;
      });
    const status = out?.DBInstances?.[0]?.DBInstanceStatus ?? '';
    if (status !== last) {
      ctx.note(`RDS ${id}: ${status}`);
      last = status;
    }
  } while (await ctx.sleep(2_000));
}
