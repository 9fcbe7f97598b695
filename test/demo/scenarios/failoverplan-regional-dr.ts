// Playbook "Disaster Recovery (regional failover)": the plan keeps checking that us-west-2 could
// take over. Once it reports the standby ready, this scenario fails over as an operator would in
// Git (spec.activeRegion: us-west-2); the controller scales the standby to 10 tasks, switches
// prod.latticedb.com to the us-west-2 ALB and validates that the name now answers from us-west-2.
import { DescribeServicesCommand } from '@aws-sdk/client-ecs';
import { loadExample, specAt } from '../examples.js';
import type { Scenario, ScenarioContext } from '../scenario.js';
import { followPhase } from '../world.js';
import {
  PRIMARY_REGION,
  resolveRegion,
  seedTwoRegions,
  STANDBY_REGION,
  templatePlan,
  type TwoRegions,
} from './regions.js';

const FINAL = ['FailedOver', 'Degraded'];
const READY_FOR_MS = 6_000;

export const failoverPlanRegionalDr: Scenario = {
  name: 'failoverplan-regional-dr',
  kind: 'FailoverPlan',
  summary: 'standby checked continuously; failover to us-west-2: scale, DNS switch, validation',
  async prepare(ctx) {
    const plan = loadExample('failoverplan-regional-dr.yaml');
    const world = await seedTwoRegions(ctx, {
      name: 'latticedb-dr',
      zone: 'latticedb.com',
      standbyTasks: 2,
    });
    await templatePlan(ctx, plan, world);
    const recordName = String(specAt(plan, 'dns').recordName);
    const standbyHealth = ctx.app.route('GET', '/dr/standby/health', () => ({
      status: 200,
      body: { status: 'ok', region: STANDBY_REGION },
    }));
    for (const check of plan.spec.healthChecks as Record<string, unknown>[])
      check.url = standbyHealth;
    const prodHealth = ctx.app.route('GET', '/dr/prod/health', async () => ({
      status: 200,
      body: { status: 'ok', region: (await resolveRegion(ctx, world, recordName)) ?? 'unknown' },
    }));
    for (const check of plan.spec.validation as Record<string, unknown>[]) check.url = prodHealth;
    ctx.note(
      `seeded latticedb-dr in ${PRIMARY_REGION} and ${STANDBY_REGION} (2 tasks), ${recordName} → ${PRIMARY_REGION}`,
    );
    return {
      objects: [plan],
      drive: async () => {
        await Promise.all([
          operator(ctx, plan.metadata.name),
          followStandby(ctx, world, recordName),
          followPhase(ctx, 'FailoverPlan', plan.metadata.name, FINAL, (obj) => {
            const phase = obj.status?.phase ?? '';
            if (!FINAL.includes(phase)) return;
            const rto = (obj.status?.lastFailover as { rtoSeconds?: number } | undefined)
              ?.rtoSeconds;
            ctx.note(`failover ended ${phase} (expected: FailedOver), RTO ${rto ?? '?'} s`);
          }),
        ]);
      },
    };
  },
};

/** Fails over once the plan has reported the standby ready for a few seconds. */
async function operator(ctx: ScenarioContext, name: string): Promise<void> {
  let readySince: number | undefined;
  let told = false;
  do {
    const status = (await ctx.kube.get('FailoverPlan', name))?.status;
    const ready = status?.standbyReady === true;
    const now = ctx.clock.now().getTime();
    readySince = ready ? (readySince ?? now) : undefined;
    if (!ready && !told) {
      ctx.note('operator waits for status.standbyReady before failing over');
      told = true;
    }
    if (readySince !== undefined && now - readySince >= READY_FOR_MS) {
      ctx.note(`operator fails over: spec.activeRegion ${PRIMARY_REGION} → ${STANDBY_REGION}`);
      await ctx.kube.patchSpec('FailoverPlan', name, { activeRegion: STANDBY_REGION });
      return;
    }
  } while (await ctx.sleep(1_000));
}

/** Notes the standby's task count and where the record points, as moto stores them. */
async function followStandby(
  ctx: ScenarioContext,
  world: TwoRegions,
  recordName: string,
): Promise<void> {
  const { region, cluster, service } = world.standby.rolling.ref;
  let last = '';
  do {
    const out = await ctx.aws
      .ecs(region)
      .send(new DescribeServicesCommand({ cluster, services: [service] }));
    const text =
      `${recordName} → ${(await resolveRegion(ctx, world, recordName)) ?? 'unknown'}; ` +
      `${STANDBY_REGION} desired ${String(out.services?.[0]?.desiredCount)} tasks`;
    if (text !== last) {
      ctx.note(text);
      last = text;
    }
  } while (await ctx.sleep(1_000));
}
