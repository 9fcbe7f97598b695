// Playbook "Feature Flag Rollout": new_query_optimizer goes internal users → 5 → 25 → 50 → 100 %
// with 4-second holds instead of a day, each gated by treatment (Variant=on) vs control
// (Variant=off) query error rates, published here every 2 s: treatment 0.30 %, control 0.25 %, a
// difference well under the example's 0.5-point limit. The Redis flag hash follows each step.
import { loadExample, useDemoAnalysisTimings } from '../examples.js';
import type { Scenario } from '../scenario.js';
import { appMetrics, followFlag, followPhase } from '../world.js';

const FINAL = ['Complete', 'RolledBack'];
const ERROR_PERCENT = { on: 0.3, off: 0.25 } as const;

export const flagRolloutRamp: Scenario = {
  name: 'flagrollout-ramp',
  kind: 'FlagRollout',
  summary: 'flag ramp internal → 5 → 25 → 50 → 100 % with 4 s holds, treatment vs control',
  prepare(ctx) {
    const rollout = loadExample('flagrollout-new-query-optimizer.yaml');
    for (const step of rollout.spec.steps as { hold?: string }[])
      if (step.hold !== undefined) step.hold = '4s';
    useDemoAnalysisTimings(rollout);
    const flag = String(rollout.spec.flag);
    return Promise.resolve({
      objects: [rollout],
      async drive() {
        ctx.note(
          `publishing LatticeDB query metrics: ${ERROR_PERCENT.on} % errors with the flag on, ` +
            `${ERROR_PERCENT.off} % off`,
        );
        await Promise.all([
          appMetrics(ctx, 'LatticeDB', () =>
            (['on', 'off'] as const).flatMap((variant) => {
              const dimensions = [
                { Name: 'Service', Value: 'latticedb' },
                { Name: 'Variant', Value: variant },
              ];
              return [
                { name: 'Queries', dimensions, value: 2_000 },
                { name: 'QueryErrors', dimensions, value: 20 * ERROR_PERCENT[variant] },
              ];
            }),
          ),
          followFlag(ctx, flag),
          followPhase(ctx, 'FlagRollout', rollout.metadata.name, FINAL, (obj) => {
            const phase = obj.status?.phase ?? '';
            if (FINAL.includes(phase)) ctx.note(`rollout ended ${phase} (expected: Complete)`);
          }),
        ]);
      },
    });
  },
};
