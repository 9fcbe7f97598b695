// Playbook "Hotfix Deployment": blue/green with approval Auto. Green comes up at full size, the
// smoke tests run against the test listener (here: the stand-in app answers them), traffic
// switches at once, blue is kept for scaleDownDelay (20 s instead of 30 min) and then removed.
import { elbArnRewrites, loadExample, rewriteStrings, specAt } from '../examples.js';
import type { Scenario } from '../scenario.js';
import { createAlarms, followPhase, seedService, serveChecks } from '../world.js';
import { followListenerWeights, RELEASE_FINAL_PHASES } from './canary.js';

export const releaseHotfixBlueGreen: Scenario = {
  name: 'release-hotfix-bluegreen',
  kind: 'Release',
  summary: 'blue/green hotfix, approval Auto: smoke tests, one switch, blue removed after 20 s',
  async prepare(ctx) {
    const example = loadExample('release-hotfix-bluegreen.yaml');
    const seeded = await seedService(ctx, {
      name: 'latticedb-gateway',
      imageTags: ['v2.0.2', 'v2.0.3-hotfix.1'],
    });
    const alb = specAt(example, 'strategy', 'blueGreen', 'trafficRouting', 'alb') as Record<
      string,
      string
    >;
    const release = rewriteStrings(
      example,
      new Map([
        ...elbArnRewrites(alb.listenerArn ?? '', seeded.alb.listenerArn),
        ...elbArnRewrites(alb.testListenerArn ?? '', seeded.alb.testListenerArn ?? ''),
        ...elbArnRewrites(alb.blueTargetGroupArn ?? '', seeded.alb.blueTargetGroupArn),
        ...elbArnRewrites(alb.greenTargetGroupArn ?? '', seeded.alb.greenTargetGroupArn),
      ]),
    );
    release.spec.target = {
      region: seeded.region,
      cluster: seeded.cluster,
      service: seeded.canary.ref.service,
      container: seeded.containerName,
    };
    release.spec.image = `${seeded.ecr.repositoryUri}:v2.0.3-hotfix.1`;
    specAt(release, 'strategy', 'blueGreen').scaleDownDelay = '20s';
    const checks = specAt(release, 'checks');
    serveChecks(ctx, checks.smoke, '/gateway-test', (path) =>
      path.endsWith('/query') ? { rows: [[1]] } : { status: 'ok' },
    );
    await createAlarms(
      ctx,
      (specAt(release, 'checks', 'postDeployment').noAlarmsFiring ?? []) as string[],
    );
    ctx.note(`seeded ${seeded.canary.ref.service} running v2.0.2; hotfix v2.0.3-hotfix.1`);
    const names = new Map([
      [seeded.alb.blueTargetGroupArn, 'blue'],
      [seeded.alb.greenTargetGroupArn, 'green'],
    ]);
    return {
      objects: [release],
      async drive() {
        await Promise.all([
          followListenerWeights(ctx, seeded, names),
          followPhase(ctx, 'Release', release.metadata.name, RELEASE_FINAL_PHASES, (obj) => {
            const phase = obj.status?.phase ?? '';
            if (!RELEASE_FINAL_PHASES.includes(phase)) return;
            const hits =
              ctx.app.hits('/gateway-test/health') + ctx.app.hits('/gateway-test/v1/query');
            ctx.note(`release ended ${phase} (expected: Healthy); smoke requests served: ${hits}`);
          }),
        ]);
      },
    };
  },
};
