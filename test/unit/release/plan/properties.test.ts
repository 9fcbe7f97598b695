// Property tests: the Release handler (observe → pure decide → act) driven through randomised
// histories against the port fakes, a world that applies each decided action — reconciles, lost
// status writes (a controller killed after its action), time passing, operator annotations, spec
// changes, failing smoke tests and analysis, rolling deployments finishing or failing, throttled
// AWS calls (the reconcile throws; nothing is recorded). After every reconcile these must hold:
//   - at most one AWS/Redis write per reconcile (never two actions per decision);
//   - the production listener's weights sum to 100, and the canary's share only moves to the
//     plan's next weight or back to 0 (stable);
//   - a revision is Healthy only when the serving task set (or the rolling service) runs its
//     task definition;
//   - the phase agrees with the conditions: exactly one of Ready / Reconciling / Stalled is True,
//     Ready for Healthy, Stalled for the stopped phases.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { ReleaseSpec } from '../../../../reconcilers/release/api.js';
import type { EcsOp } from '../../../fixtures/aws/fake-ecs.js';
import type { TrafficOp } from '../../../fixtures/aws/fake-traffic.js';
import { Harness } from '../support/harness.js';
import {
  blueGreenSpec,
  canarySpec,
  ERROR_RATE_CHECK,
  image,
  LISTENER,
  REF,
  REGION,
  rollingSpec,
  TG_A,
  TG_B,
  World,
} from '../support/world.js';

type Strategy = 'canary' | 'canarySteps' | 'blueGreen' | 'rolling';
type Op =
  | { readonly kind: 'reconcile' }
  | { readonly kind: 'crash' }
  | { readonly kind: 'wait'; readonly ms: number }
  | {
      readonly kind: 'annotate';
      readonly action: 'abort' | 'promote' | 'approve' | 'retry' | 'rollback';
    }
  | { readonly kind: 'image'; readonly tag: 'v1' | 'v2' | 'v3' }
  | { readonly kind: 'smoke'; readonly status: 200 | 503 }
  | { readonly kind: 'errorRate'; readonly percent: number | undefined }
  | { readonly kind: 'deployment'; readonly ends: 'complete' | 'fail' }
  | { readonly kind: 'fault'; readonly on: EcsOp | TrafficOp };

const SMOKE = [{ name: 'health', url: 'https://ldb.test/health', retries: 0 }];

/** The spec of a strategy, and the canary weights its plan sets (100 implied at the end). */
function specOf(strategy: Strategy, analysis: boolean): { spec: ReleaseSpec; plan: number[] } {
  const checks = { smoke: SMOKE };
  const withAnalysis = analysis ? { analysis: { metrics: [ERROR_RATE_CHECK] } } : {};
  switch (strategy) {
    case 'canary':
      return {
        spec: { ...canarySpec({ checks, ...withAnalysis }) },
        plan: [5, 15, 25, 35, 45, 55, 65, 75, 85, 95, 100],
      };
    case 'canarySteps': {
      const base = canarySpec({ checks, ...withAnalysis });
      const trafficRouting = base.strategy.canary!.trafficRouting;
      return {
        spec: {
          ...base,
          strategy: {
            canary: {
              steps: [
                { setWeight: 20 },
                { pause: {} },
                { setWeight: 50 },
                { pause: { duration: '2m' } },
              ],
              trafficRouting,
            },
          },
        },
        plan: [20, 50, 100],
      };
    }
    case 'blueGreen':
      return {
        spec: { ...blueGreenSpec({ approval: 'Required' }), checks, ...withAnalysis },
        plan: [100],
      };
    case 'rolling':
      return { spec: rollingSpec({ checks, ...withAnalysis }), plan: [] };
  }
}

const FAULTS = [
  'describeService',
  'registerDerivedTaskDefinition',
  'createTaskSet',
  'updateTaskSetScale',
  'setPrimaryTaskSet',
  'deleteTaskSet',
  'updateService',
  'getWeights',
  'setWeights',
] as const satisfies readonly (EcsOp | TrafficOp)[];
const TRAFFIC_OPS: ReadonlySet<string> = new Set(['getWeights', 'setWeights']);

const op: fc.Arbitrary<Op> = fc.oneof(
  {
    weight: 1,
    arbitrary: fc.constantFrom(...FAULTS).map((on) => ({ kind: 'fault', on }) as const),
  },
  {
    weight: 2,
    arbitrary: fc
      .constantFrom('complete', 'complete', 'fail')
      .map((ends) => ({ kind: 'deployment', ends }) as const),
  },
  { weight: 8, arbitrary: fc.constant({ kind: 'reconcile' } as const) },
  { weight: 1, arbitrary: fc.constant({ kind: 'crash' } as const) },
  {
    weight: 3,
    arbitrary: fc
      .integer({ min: 0, max: 20 * 60_000 })
      .map((ms) => ({ kind: 'wait', ms }) as const),
  },
  {
    weight: 2,
    arbitrary: fc
      .constantFrom('abort', 'promote', 'approve', 'retry', 'rollback')
      .map((action) => ({ kind: 'annotate', action }) as const),
  },
  {
    weight: 1,
    arbitrary: fc.constantFrom('v1', 'v2', 'v3').map((tag) => ({ kind: 'image', tag }) as const),
  },
  {
    weight: 1,
    arbitrary: fc.constantFrom(200, 503).map((status) => ({ kind: 'smoke', status }) as const),
  },
  {
    weight: 1,
    arbitrary: fc
      .constantFrom(0, 10, undefined)
      .map((percent) => ({ kind: 'errorRate', percent }) as const),
  },
);

const STRATEGIES: readonly Strategy[] = ['canary', 'canarySteps', 'blueGreen', 'rolling'];
const SEED = Number(process.env['FC_SEED'] ?? 20_261_206);
const RUNS = Number(process.env['FC_RUNS'] ?? 40);
/** `strategy:phase` reached (and `strategy:write`), so a run that explores nothing fails. */
const SEEN = new Set<string>();
/** Strategies whose histories met an AWS error (a reconcile that threw). */
const FAILED = new Set<string>();
const STOPPED = new Set(['RolledBack', 'Aborted', 'Failed', 'Frozen', 'Degraded']);

/** Share of the production listener's traffic not on `stableTg`; the total on the listener. */
async function canaryShare(
  world: World,
  stableTg: string,
): Promise<{ share: number; total: number }> {
  const weights = await unfaulted(
    () => world.traffic.getWeights(REGION, LISTENER),
    () => {
      world.traffic.failNext('getWeights');
    },
  );
  const total = weights.reduce((sum, w) => sum + w.weight, 0);
  const stable = weights.find((w) => w.targetGroupArn === stableTg)?.weight ?? 0;
  return { share: total - stable, total };
}

/** The task definition the service serves with: its PRIMARY task set's, or (rolling) its own. */
async function servingTaskDefinition(
  world: World,
  strategy: Strategy,
): Promise<string | undefined> {
  const service = await describeServiceOf(world);
  if (service === undefined) return undefined;
  if (strategy === 'rolling') return service.taskDefinitionArn;
  return service.taskSets.find((t) => t.status === 'PRIMARY')?.taskDefinitionArn;
}

async function check(
  h: Harness,
  strategy: Strategy,
  plan: readonly number[],
  before: { writes: number; share: number; stableTg: string; fastPath: boolean },
  crashed: boolean,
): Promise<void> {
  const where = `phase ${h.status.phase ?? '-'} stage ${h.status.stage ?? '-'}: ${h.status.message ?? ''}`;
  expect(h.writes() - before.writes, `one write at most (${where})`).toBeLessThanOrEqual(1);

  if (strategy !== 'rolling') {
    const { share, total } = await canaryShare(h.world, before.stableTg);
    expect(total, 'weights sum to 100').toBe(100);
    if (share !== before.share) {
      const allowed = before.fastPath ? [100] : plan;
      const nextWeight = allowed.find((w) => w > before.share);
      expect(
        [0, nextWeight],
        `the canary share moved ${before.share} → ${share}: only to the plan's next weight or back to stable (${where})`,
      ).toContain(share);
    }
  }
  if (crashed) return;

  const status = h.status;
  if (status.phase === 'Healthy') {
    const serving = await servingTaskDefinition(h.world, strategy);
    expect(serving, `Healthy while the service serves ${serving ?? 'nothing'}`).toBe(
      status.revision?.taskDefinitionArn,
    );
    expect(status.stableRevision?.taskDefinitionArn).toBe(status.revision?.taskDefinitionArn);
  }
  const trio = ['Ready', 'Reconciling', 'Stalled'].map(
    (type) => status.conditions?.find((c) => c.type === type)?.status,
  );
  expect(
    trio.filter((s) => s === 'True'),
    `exactly one of the trio (${where})`,
  ).toHaveLength(1);
  const [ready, , stalled] = trio;
  expect(ready === 'True', `Ready ⇔ Healthy (${where})`).toBe(status.phase === 'Healthy');
  expect(stalled === 'True', `Stalled ⇔ stopped (${where})`).toBe(STOPPED.has(status.phase ?? ''));
}

async function play(strategy: Strategy, analysis: boolean, ops: readonly Op[]): Promise<void> {
  const { spec, plan } = specOf(strategy, analysis);
  const world = new World({ kind: strategy === 'rolling' ? 'rolling' : 'canary' });
  world.errorRate(0);
  const h = new Harness(world, structuredClone(spec));
  let asked = 0;
  for (const step of ops) {
    switch (step.kind) {
      case 'wait':
        world.clock.advance(step.ms);
        continue;
      case 'annotate':
        // A new request each time (`<revision>.<n>`): the same value is handled once.
        h.annotate(step.action, `${h.status.revision?.number ?? 0}.${++asked}`);
        continue;
      case 'image':
        h.setSpec({ image: image(step.tag) });
        continue;
      case 'smoke':
        h.smokeStatus = step.status;
        continue;
      case 'errorRate':
        world.errorRate(step.percent);
        continue;
      case 'fault':
        // The next call of that operation is throttled (the runtime retries the reconcile).
        if (TRAFFIC_OPS.has(step.on)) world.traffic.failNext(step.on as TrafficOp);
        else world.ecs.failNext(step.on as EcsOp);
        continue;
      case 'deployment':
        // ECS's deployment controller (rolling) finishes or fails the newest deployment.
        if (strategy === 'rolling' && (await hasDeployment(world))) {
          if (step.ends === 'complete') world.ecs.completeDeployment(REF);
          else world.ecs.failDeployment(REF);
        }
        continue;
      case 'reconcile':
      case 'crash':
        await reconcileAndCheck(h, strategy, plan, step.kind === 'crash');
    }
  }
  // Then calm: checks pass, a person answers each wait, until the revision settles (so every run
  // also reaches an end, and the invariants are checked on the way there).
  h.smokeStatus = 200;
  world.errorRate(0);
  for (let i = 0; i < SETTLE && !SETTLED.has(h.status.phase ?? ''); i++) {
    if (h.status.phase === 'Paused')
      h.annotate('promote', `${h.status.revision?.number ?? 0}.${++asked}`);
    if (h.status.phase === 'AwaitingApproval')
      h.annotate('approve', `${h.status.revision?.number ?? 0}.${++asked}`);
    if (strategy === 'rolling' && (await hasDeployment(world))) world.ecs.completeDeployment(REF);
    await reconcileAndCheck(h, strategy, plan, false);
  }
}

/** The rolling service has a deployment for ECS to finish (the fake's are finished by hand). */
const hasDeployment = async (world: World): Promise<boolean> =>
  ((await describeServiceOf(world))?.deployments.length ?? 0) > 0;

/** The test's own reads do not take a fault meant for the controller: one that hit is re-queued. */
async function unfaulted<T>(read: () => Promise<T>, requeue: () => void): Promise<T> {
  for (let consumed = 0; ; consumed++) {
    try {
      const value = await read();
      for (let i = 0; i < consumed; i++) requeue();
      return value;
    } catch (error) {
      if (consumed > 100) throw error;
    }
  }
}

const describeServiceOf = (world: World) =>
  unfaulted(
    () => world.ecs.describeService(REF),
    () => {
      world.ecs.failNext('describeService');
    },
  );

const SETTLE = 200;
const SETTLED = new Set(['Healthy', 'RolledBack', 'Aborted', 'Failed', 'Frozen']);

/** One reconcile (its status write lost when `crash`), the invariants, then the requeue's wait. */
async function reconcileAndCheck(
  h: Harness,
  strategy: Strategy,
  plan: readonly number[],
  crash: boolean,
): Promise<void> {
  const stableTg = h.status.stableTargetGroupArn ?? TG_A;
  const before = {
    writes: h.writes(),
    share: strategy === 'rolling' ? 0 : (await canaryShare(h.world, stableTg)).share,
    stableTg,
    fastPath: h.status.revision?.fastPath === true,
  };
  let requeueAfterMs: number | undefined;
  let failed = false;
  try {
    requeueAfterMs = (await h.reconcile({ crash })).requeueAfterMs;
  } catch {
    // An AWS error: the runtime writes nothing and retries with backoff.
    failed = true;
    FAILED.add(strategy);
  }
  await check(h, strategy, plan, before, crash || failed);
  SEEN.add(`${strategy}:${h.status.phase ?? '-'}`);
  if (h.writes() > before.writes) SEEN.add(`${strategy}:write`);
  h.world.clock.advance(failed ? 1_000 : (requeueAfterMs ?? 600_000));
}

describe('Release decide: invariants over randomised histories', () => {
  it.each(STRATEGIES)(
    '%s',
    async (strategy) => {
      await fc.assert(
        fc.asyncProperty(
          fc.boolean(),
          fc.array(op, { minLength: 10, maxLength: 120 }),
          (analysis, ops) => play(strategy, analysis, ops),
        ),
        // A fixed seed keeps CI reproducible; FC_SEED=<n> (and FC_RUNS) explore other histories.
        { numRuns: RUNS, seed: SEED },
      );
    },
    120_000,
  );

  it('the histories reach a healthy revision, a rollback and an abort for every strategy', () => {
    for (const strategy of STRATEGIES) {
      for (const phase of ['Healthy', 'RollingBack', 'RolledBack', 'Aborted', 'write']) {
        expect(SEEN, `${strategy} never reached ${phase}`).toContain(`${strategy}:${phase}`);
      }
      expect(FAILED, `${strategy} never met an AWS error`).toContain(strategy);
    }
  });
  it('the checks bite: a world whose listener weights do not sum to 100 is refused', async () => {
    const world = new World({ kind: 'canary' });
    await world.traffic.setWeights(REGION, LISTENER, [
      { targetGroupArn: TG_A, weight: 90 },
      { targetGroupArn: TG_B, weight: 20 },
    ]);
    expect((await canaryShare(world, TG_A)).total).not.toBe(100);
  });
});
