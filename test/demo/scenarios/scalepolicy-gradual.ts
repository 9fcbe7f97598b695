// Playbook "Scaling": a service running 10 tasks gets a ScalePolicy asking for 6 with autoscaling
// bounds 3..10. The policy registers the Application Auto Scaling target and policies, and reaches
// 6 two tasks at a time (every 5 s here instead of 5 min). The scenario shows ECS's desired and
// running counts and the scalable target as moto stores them.
import { DescribeScalableTargetsCommand } from '@aws-sdk/client-application-auto-scaling';
import { DescribeServicesCommand } from '@aws-sdk/client-ecs';
import type { SeededLatticeDb } from '../../fixtures/moto/seed.js';
import { loadExample, specAt } from '../examples.js';
import type { Scenario, ScenarioContext } from '../scenario.js';
import { seedService } from '../world.js';

export const scalePolicyGradual: Scenario = {
  name: 'scalepolicy-gradual',
  kind: 'ScalePolicy',
  summary: 'scale 10 → 8 → 6 tasks, 5 s apart, with autoscaling bounds 3..10 registered',
  async prepare(ctx) {
    const policy = loadExample('scalepolicy-gradual.yaml');
    const seeded = await seedService(ctx, {
      name: 'latticedb-scaling',
      imageTags: ['v2.1.0'],
      desiredCount: 10,
    });
    const { region, cluster, service } = seeded.rolling.ref;
    policy.spec.target = { region, cluster, service };
    specAt(policy, 'scaleDown').interval = '5s';
    ctx.note(`seeded ${service} running 10 tasks`);
    return {
      objects: [policy],
      drive: () =>
        Promise.all([followCounts(ctx, seeded), followScalableTarget(ctx, seeded)]).then(
          () => undefined,
        ),
    };
  },
};

async function followCounts(ctx: ScenarioContext, seeded: SeededLatticeDb): Promise<void> {
  const { region, cluster, service } = seeded.rolling.ref;
  let last = '';
  do {
    const out = await ctx.aws
      .ecs(region)
      .send(new DescribeServicesCommand({ cluster, services: [service] }));
    const s = out.services?.[0];
    const text = `desired ${String(s?.desiredCount)}, running ${String(s?.runningCount)}`;
    if (text !== last) {
      ctx.note(`ECS ${service}: ${text}`);
      last = text;
    }
  } while (await ctx.sleep(1_000));
}

async function followScalableTarget(ctx: ScenarioContext, seeded: SeededLatticeDb): Promise<void> {
  const { region, cluster, service } = seeded.rolling.ref;
  const resourceId = `service/${cluster}/${service}`;
  let last = '';
  do {
    const out = await ctx.aws
      .applicationAutoScaling(region)
      .send(
        new DescribeScalableTargetsCommand({ ServiceNamespace: 'ecs', ResourceIds: [resourceId] }),
      );
    const t = out.ScalableTargets?.[0];
    const text =
      t === undefined ? '' : `min ${String(t.MinCapacity)}, max ${String(t.MaxCapacity)}`;
    if (text !== last) {
      ctx.note(`Application Auto Scaling target ${resourceId}: ${text || 'removed'}`);
      last = text;
    }
  } while (await ctx.sleep(2_000));
}
