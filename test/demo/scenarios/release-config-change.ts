// Playbook "Configuration Changes" / "Update Secrets": new environment values and secrets ship as
// a new task-definition revision through a rolling update (default ECS deployment controller with
// the circuit breaker). The scenario shows the task definition the ECS service runs, as moto
// stores it. moto never progresses a rolling deployment by itself (aws-emulator.md §3), so what
// the Release reports after UpdateService is the controller's reading of a frozen deployment.
import { DescribeServicesCommand, DescribeTaskDefinitionCommand } from '@aws-sdk/client-ecs';
import type { SeededLatticeDb } from '../../fixtures/moto/seed.js';
import { loadExample, specAt } from '../examples.js';
import type { Scenario, ScenarioContext } from '../scenario.js';
import { createAlarms, followPhase, seedService } from '../world.js';
import { RELEASE_FINAL_PHASES } from './canary.js';

export const releaseConfigChange: Scenario = {
  name: 'release-config-change',
  kind: 'Release',
  summary: 'environment + secrets change as a rolling update: a new task definition on the service',
  async prepare(ctx) {
    const release = loadExample('release-config-change.yaml');
    const seeded = await seedService(ctx, {
      name: 'latticedb-worker',
      imageTags: ['v2.0.9', 'v2.1.0'],
    });
    release.spec.target = {
      region: seeded.region,
      cluster: seeded.cluster,
      service: seeded.rolling.ref.service,
      container: seeded.containerName,
    };
    release.spec.image = `${seeded.ecr.repositoryUri}:v2.1.0`;
    await createAlarms(
      ctx,
      (specAt(release, 'checks', 'postDeployment').noAlarmsFiring ?? []) as string[],
    );
    ctx.note(`seeded ${seeded.rolling.ref.service} (rolling) running v2.0.9`);
    return {
      objects: [release],
      async drive() {
        await Promise.all([
          followTaskDefinition(ctx, seeded),
          followPhase(ctx, 'Release', release.metadata.name, RELEASE_FINAL_PHASES, (obj) => {
            const phase = obj.status?.phase ?? '';
            if (RELEASE_FINAL_PHASES.includes(phase)) ctx.note(`release ended ${phase}`);
          }),
        ]);
      },
    };
  },
};

/** Notes the service's task definition (revision, image, environment) whenever it changes. */
async function followTaskDefinition(ctx: ScenarioContext, seeded: SeededLatticeDb): Promise<void> {
  const ecs = ctx.aws.ecs(seeded.region);
  const { cluster, service } = seeded.rolling.ref;
  let last = '';
  do {
    const out = await ecs.send(new DescribeServicesCommand({ cluster, services: [service] }));
    const arn = out.services?.[0]?.taskDefinition ?? '';
    if (arn !== last) {
      const td = await ecs.send(new DescribeTaskDefinitionCommand({ taskDefinition: arn }));
      const container = td.taskDefinition?.containerDefinitions?.find(
        (c) => c.name === seeded.containerName,
      );
      const env = (container?.environment ?? []).map((e) => `${e.name ?? ''}=${e.value ?? ''}`);
      const secrets = (container?.secrets ?? []).map((s) => s.name ?? '');
      ctx.note(
        `ECS ${service} runs ${arn.split('/').pop() ?? arn}: ${container?.image ?? '?'}` +
          (env.length > 0 ? `, env ${env.join(' ')}` : '') +
          (secrets.length > 0 ? `, secrets ${secrets.join(' ')}` : ''),
      );
      last = arn;
    }
  } while (await ctx.sleep(1_000));
}
