// Playbook "Database Migration": RDS snapshot, maintenance_mode on in Redis, the migration as an
// ECS task with the new image, then a canary (10 % → 50 %, analysis) that waits at its last step
// for the promote action, which this scenario gives as an operator would:
//   kubectl annotate release/latticedb-metadata-schema-v42 delivery.latticedb.com/promote=<revision>
import type { Dimension } from '@aws-sdk/client-cloudwatch';
import {
  elbArnRewrites,
  elbDimension,
  loadExample,
  rewriteStrings,
  specAt,
  useDemoAnalysisTimings,
} from '../examples.js';
import type { Scenario, ScenarioContext } from '../scenario.js';
import { albTraffic, followFlag, seedService, serveChecks } from '../world.js';
import { RELEASE_FINAL_PHASES } from './canary.js';

const PROMOTE = 'delivery.latticedb.com/promote';

export const releaseDatabaseMigration: Scenario = {
  name: 'release-database-migration',
  kind: 'Release',
  summary: 'snapshot → maintenance flag → migration task → canary → promote annotation → flag off',
  async prepare(ctx) {
    const example = loadExample('release-database-migration.yaml');
    const seeded = await seedService(ctx, {
      name: 'latticedb-metadata',
      imageTags: ['v2.9.1', 'v3.0.0'],
      database: true,
    });
    const alb = specAt(example, 'strategy', 'canary', 'trafficRouting', 'alb') as Record<
      string,
      string
    >;
    const release = rewriteStrings(
      example,
      new Map([
        ...elbArnRewrites(alb.listenerArn ?? '', seeded.alb.listenerArn),
        ...elbArnRewrites(alb.stableTargetGroupArn ?? '', seeded.alb.blueTargetGroupArn),
        ...elbArnRewrites(alb.canaryTargetGroupArn ?? '', seeded.alb.greenTargetGroupArn),
      ]),
    );
    release.spec.target = {
      region: seeded.region,
      cluster: seeded.cluster,
      service: seeded.canary.ref.service,
      container: seeded.containerName,
    };
    release.spec.image = `${seeded.ecr.repositoryUri}:v3.0.0`;
    const migration = specAt(release, 'migration');
    migration.snapshot = { dbInstanceIdentifier: seeded.database?.instanceIdentifier };
    specAt(release, 'migration', 'task').timeout = '2m';
    useDemoTimings(release);
    serveChecks(ctx, specAt(release, 'checks').smoke, '/metadata', () => ({ version: 42 }));
    ctx.note(
      `seeded ${seeded.canary.ref.service} (v2.9.1) and RDS ${seeded.database?.instanceIdentifier ?? ''}`,
    );
    const canaryGroup: Dimension[] = [
      { Name: 'TargetGroup', Value: elbDimension(seeded.alb.greenTargetGroupArn) ?? '' },
    ];
    const name = release.metadata.name;
    const lastStep =
      (release.spec.strategy as { canary: { steps: unknown[] } }).canary.steps.length - 1;
    return {
      objects: [release],
      async drive() {
        await Promise.all([
          albTraffic(ctx, [canaryGroup], () => ({
            requests: 400,
            errorPercent: 0.1,
            latencySeconds: 0.08,
          })),
          followFlag(ctx, String(migration.maintenanceFlag)),
          operator(ctx, name, lastStep),
        ]);
      },
    };
  },
};

const stepIndexOf = (status: Record<string, unknown>): unknown =>
  (status.attempt as { currentStepIndex?: number } | undefined)?.currentStepIndex;

/** The operator's part: at the indefinite pause of the last step, promote the revision once. */
async function operator(ctx: ScenarioContext, name: string, lastStep: number): Promise<void> {
  let promoted = false;
  do {
    const status = (await ctx.kube.get('Release', name))?.status ?? {};
    if (RELEASE_FINAL_PHASES.includes(status.phase ?? '')) {
      ctx.note(`release ended ${status.phase ?? ''} (expected: Healthy, maintenance flag off)`);
      return;
    }
    if (!promoted && status.phase === 'Paused' && stepIndexOf(status) === lastStep) {
      const revision = (status.revision as { number?: number } | undefined)?.number;
      if (revision === undefined) {
        ctx.note('paused at the last step, but status.revision.number is missing: cannot promote');
        return;
      }
      if (!(await ctx.sleep(3_000))) return; // let the viewer see the pause
      ctx.note(`operator: kubectl annotate release/${name} ${PROMOTE}=${revision}`);
      await ctx.kube.annotate('Release', name, PROMOTE, String(revision));
      promoted = true;
    }
  } while (await ctx.sleep(1_000));
}

/** Pauses of 5 and 10 minutes become 4 and 6 seconds; analysis every 2 s over 10 s windows. */
function useDemoTimings(release: ReturnType<typeof loadExample>): void {
  const canary = specAt(release, 'strategy', 'canary') as { steps: Record<string, unknown>[] };
  const seconds = ['4s', '6s'];
  for (const step of canary.steps) {
    const pause = step.pause as { duration?: string } | undefined;
    if (pause?.duration !== undefined) pause.duration = seconds.shift() ?? '4s';
  }
  useDemoAnalysisTimings(release);
}
