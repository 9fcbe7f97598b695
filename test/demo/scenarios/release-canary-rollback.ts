// The same canary with a bad build: healthy at 5 %, then, once the canary takes 25 % of the
// traffic, 7 % of its requests fail. The analysis (error rate > 5 % fails) must roll it back: all
// traffic to stable, the canary task set scaled down. Explicit steps instead of the shorthand: the
// pause at 25 % (12 s) outlasts the 10 s analysis window, so the analysis that follows judges the
// failing build alone, not a window half before the failure (which is inconclusive and holds).
import type { Scenario } from '../scenario.js';
import { albTraffic, statusNumber } from '../world.js';
import {
  canaryGroupNames,
  followListenerWeights,
  prepareCanaryRelease,
  RELEASE_FINAL_PHASES,
} from './canary.js';

const BAD_FROM_WEIGHT = 25;
const STEPS = [
  { setWeight: 5 },
  { pause: { duration: '4s' } },
  { analysis: {} },
  { setWeight: BAD_FROM_WEIGHT },
  { pause: { duration: '12s' } },
  { analysis: {} },
  { setWeight: 50 },
  { pause: { duration: '4s' } },
  { analysis: {} },
];

export const releaseCanaryRollback: Scenario = {
  name: 'release-canary-rollback',
  kind: 'Release',
  summary: `canary of a bad build: 7 % 5xx from ${BAD_FROM_WEIGHT} % on → rolled back to stable`,
  async prepare(ctx) {
    const world = await prepareCanaryRelease(ctx, {
      name: 'latticedb-bad-build',
      seedName: 'latticedb-rollback',
      fromTag: 'v2.1.0',
      toTag: 'v2.2.0-rc.1',
      steps: STEPS,
    });
    ctx.note(`seeded ${world.seeded.canary.ref.service} running v2.1.0; releasing v2.2.0-rc.1`);
    const canaryGroup = world.canaryDimensions.find((d) => d.Name === 'TargetGroup')?.Value;
    let failing = false;
    return {
      objects: [world.release],
      async drive() {
        await Promise.all([
          albTraffic(ctx, [world.canaryDimensions, world.stableDimensions], (dims) => {
            const canary = dims.some((d) => d.Name === 'TargetGroup' && d.Value === canaryGroup);
            return {
              requests: 500,
              errorPercent: failing && canary ? 7 : 0.2,
              latencySeconds: 0.1 + Math.random() * 0.04,
            };
          }),
          followListenerWeights(ctx, world.seeded, canaryGroupNames(world.seeded)),
          watchWeight(),
        ]);
      },
    };

    async function watchWeight(): Promise<void> {
      do {
        const release = await ctx.kube.get('Release', world.release.metadata.name);
        const weight = statusNumber(release, 'currentWeight') ?? 0;
        if (!failing && weight >= BAD_FROM_WEIGHT) {
          failing = true;
          ctx.note(
            `canary at ${weight} %: the new build starts failing, 7 % 5xx on its target group`,
          );
        }
        const phase = release?.status?.phase ?? '';
        if (RELEASE_FINAL_PHASES.includes(phase)) {
          ctx.note(`release ended ${phase} (expected: RolledBack)`);
          return;
        }
      } while (await ctx.sleep(1_000));
    }
  },
};
