// Playbook "Standard Production Release": a canary of v2.1.0 on healthy traffic walks up the
// weights (the ALB listener follows) and is promoted.
import type { Scenario } from '../scenario.js';
import { albTraffic, followPhase } from '../world.js';
import {
  canaryGroupNames,
  followListenerWeights,
  prepareCanaryRelease,
  RELEASE_FINAL_PHASES,
} from './canary.js';

export const releaseCanary: Scenario = {
  name: 'release-canary',
  kind: 'Release',
  summary: 'canary 5 → 25 → … → 85 → 95 % → promoted on healthy metrics; the ALB weights follow',
  async prepare(ctx) {
    const world = await prepareCanaryRelease(ctx, {
      name: 'latticedb-production',
      seedName: 'latticedb-production',
      fromTag: 'v2.0.9',
      toTag: 'v2.1.0',
    });
    ctx.note(`seeded ${world.seeded.canary.ref.service} running v2.0.9; releasing v2.1.0`);
    return {
      objects: [world.release],
      async drive() {
        ctx.note('publishing healthy traffic: 0.2 % 5xx, ~120 ms, on both target groups');
        await Promise.all([
          albTraffic(ctx, [world.canaryDimensions, world.stableDimensions], () => ({
            requests: 500,
            errorPercent: 0.2,
            latencySeconds: 0.1 + Math.random() * 0.04,
          })),
          followListenerWeights(ctx, world.seeded, canaryGroupNames(world.seeded)),
          followPhase(ctx, 'Release', world.release.metadata.name, RELEASE_FINAL_PHASES, (obj) => {
            const phase = obj.status?.phase ?? '';
            if (RELEASE_FINAL_PHASES.includes(phase))
              ctx.note(`release ended ${phase} (expected: Healthy)`);
          }),
        ]);
      },
    };
  },
};
