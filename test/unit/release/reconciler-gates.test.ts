// Gates and checks of the canary through the handler against the fakes: an inconclusive hold keeps
// measuring (resumes on good metrics, rolls back on bad ones, stays bounded), one AnalysisFailed
// Event per failure, the post-promotion smoke tests, post-deployment checks and analysis of a
// canary, and the kind's Prometheus metrics.
import { describe, expect, it } from 'vitest';
import { RuntimeMetrics } from '../../../controller/observability/metrics.js';
import type { ReleaseSpec } from '../../../reconcilers/release/api.js';
import { MAX_MEASUREMENTS } from '../../../reconcilers/shared/api/analysis.js';
import { releaseMetrics } from '../../../reconcilers/release/metrics.js';
import { Harness } from './support/harness.js';
import { canarySpec, ERROR_RATE_CHECK, REF, TG_A, World } from './support/world.js';

const withAnalysis = (extra: Partial<ReleaseSpec> = {}) =>
  canarySpec({ analysis: { metrics: [ERROR_RATE_CHECK] }, ...extra });
const healthy = (h: Harness) => h.status.phase === 'Healthy' && h.status.retiring === undefined;
const count = (h: Harness, reason: string) => h.eventReasons().filter((r) => r === reason).length;

describe('canary gates through the handler', () => {
  it('missing metrics hold the canary and keep being measured; good metrics resume it without promote', async () => {
    const world = new World({ kind: 'canary' });
    world.errorRate(undefined);
    const h = new Harness(world, withAnalysis());
    await h.until((x) => x.status.phase === 'Paused');
    expect(h.status.attempt?.pause?.reason).toBe('AnalysisInconclusive');
    const requests = world.metrics.requests.length;
    for (let i = 0; i < 3; i++) {
      world.clock.advance(60_000);
      await h.reconcile();
    }
    expect(world.metrics.requests.length).toBeGreaterThanOrEqual(requests + 3);
    expect(await world.weights()).toEqual({ A: 95, B: 5 });
    expect(h.status.phase).toBe('Paused');

    world.errorRate(0.2);
    await h.until(healthy);
    expect(h.status.actions?.promote).toBeUndefined();
    // The Events keep it (status.history keeps only the newest transitions).
    expect(h.events.map((e) => e.message)).toContainEqual(
      expect.stringContaining('after being inconclusive: resuming'),
    );
    expect(await world.weights()).toEqual({ A: 0, B: 100 });
  });

  it('missing, then bad metrics roll the held canary back — with one AnalysisFailed Event', async () => {
    const world = new World({ kind: 'canary' });
    world.errorRate(undefined);
    const h = new Harness(world, withAnalysis());
    await h.until((x) => x.status.phase === 'Paused');
    world.errorRate(7);
    await h.until((x) => x.status.phase === 'RolledBack');
    expect(h.status.attempt?.rollback).toMatchObject({
      reason: 'AnalysisFailed',
      fromStage: 'Steps',
    });
    expect(await world.weights()).toEqual({ A: 100, B: 0 });
    expect(count(h, 'AnalysisFailed')).toBe(1);
  });

  it('a long hold keeps the stored measurements bounded', async () => {
    const world = new World({ kind: 'canary' });
    world.errorRate(undefined);
    const h = new Harness(world, withAnalysis());
    await h.until((x) => x.status.phase === 'Paused');
    for (let i = 0; i < 130; i++) {
      world.clock.advance(h.last?.requeueAfterMs ?? 60_000);
      await h.reconcile();
    }
    expect(world.metrics.requests.length).toBeGreaterThan(130);
    expect(h.status.attempt?.analysis?.measurements).toHaveLength(MAX_MEASUREMENTS);
    // What `kubectl describe` shows stays small after a long hold (measured: see the report).
    expect(JSON.stringify(h.status).length).toBeLessThan(16_384);
    expect(h.status.phase).toBe('Paused');
    expect(count(h, 'AnalysisInconclusive')).toBe(1);
  });

  it('one AnalysisFailed Event when a canary fails its analysis', async () => {
    const world = new World({ kind: 'canary' });
    world.errorRate(0.2);
    const h = new Harness(world, withAnalysis());
    await h.until((x) => (x.status.currentWeight ?? 0) >= 15);
    world.errorRate(7);
    await h.until((x) => x.status.phase === 'RolledBack');
    expect(count(h, 'AnalysisFailed')).toBe(1);
    expect(h.status.history?.filter((e) => e.reason === 'AnalysisFailed')).toHaveLength(1);
  });
});

describe('post-promotion checks of a canary (as blue/green and rolling)', () => {
  const checks = {
    smoke: [{ name: 'health', url: 'https://ldb.test/health', retries: 0 }],
    postDeployment: { noAlarmsFiring: ['ldb-5xx'] },
  };

  it('runs the smoke tests again after promotion, the post-deployment checks and a last analysis', async () => {
    const world = new World({ kind: 'canary' });
    world.errorRate(0.2);
    const h = new Harness(world, withAnalysis({ checks }));
    await h.until(healthy);
    expect(h.status.attempt?.smoke?.phase).toBe('PostPromotion');
    expect(h.status.attempt?.postDeployment?.results).toMatchObject([
      { name: 'allTasksRunning', outcome: 'Passed' },
      { name: 'noAlarmsFiring', outcome: 'Passed' },
    ]);
    // The post-promotion gate is keyed after the last step (21 steps in the shorthand).
    expect(h.status.attempt?.analysis).toMatchObject({ step: 21, verdict: 'Successful' });
    expect(count(h, 'SmokeTestsPassed')).toBe(2);
    expect(count(h, 'PostDeploymentChecksPassed')).toBe(1);
  });

  it.each([
    ['a firing alarm', 'PostDeploymentCheckFailed'],
    ['a failing smoke test', 'SmokeTestFailed'],
    ['bad metrics', 'AnalysisFailed'],
  ])('%s after promotion rolls back to the old stable task set', async (_what, reason) => {
    const world = new World({ kind: 'canary' });
    world.errorRate(0.2);
    const h = new Harness(world, withAnalysis({ checks }));
    await h.until((x) => x.status.stage === 'PostChecks');
    if (reason === 'PostDeploymentCheckFailed') world.alarms.firing.add('ldb-5xx');
    if (reason === 'SmokeTestFailed') h.smokeStatus = 503;
    if (reason === 'AnalysisFailed') world.errorRate(7);
    await h.until((x) => x.status.phase === 'RolledBack');
    expect(h.status.attempt?.rollback).toMatchObject({ reason, fromStage: 'PostChecks' });
    expect(await world.weights()).toEqual({ A: 100, B: 0 });
    expect(world.ecs.taskSets(REF)).toMatchObject([{ status: 'PRIMARY', targetGroupArns: [TG_A] }]);
    expect(count(h, reason)).toBe(1);
  });

  it('with analysis steps of its own, a canary gets no extra analysis after promotion', async () => {
    const world = new World({ kind: 'canary' });
    world.errorRate(0.2);
    const routing = canarySpec().strategy.canary!.trafficRouting;
    const h = new Harness(
      world,
      withAnalysis({
        strategy: {
          canary: { steps: [{ setWeight: 50 }, { analysis: {} }], trafficRouting: routing },
        },
      }),
    );
    await h.until(healthy);
    // The last analysis is the step's (index 1); a post-promotion gate would be keyed 2.
    expect(h.status.attempt?.analysis).toMatchObject({ step: 1, verdict: 'Successful' });
  });
});

describe('Release metrics', () => {
  it('counts step transitions by result, measurements by verdict and rollbacks by reason', async () => {
    const runtime = new RuntimeMetrics({ defaultMetrics: false });
    const world = new World({ kind: 'canary' });
    world.errorRate(0.2);
    const routing = canarySpec().strategy.canary!.trafficRouting;
    const spec = withAnalysis({
      strategy: {
        canary: {
          steps: [{ setWeight: 20 }, { pause: {} }, { setWeight: 40 }, { pause: {} }],
          trafficRouting: routing,
        },
      },
    });
    const h = new Harness(world, spec, { metrics: releaseMetrics(runtime.domain) });
    await h.until((x) => x.status.attempt?.pause?.reason === 'StepPaused');
    h.annotate('promote', '1');
    await h.until((x) => (x.status.currentWeight ?? 0) === 40);
    world.errorRate(7);
    await h.until((x) => x.status.phase === 'RolledBack');

    const values = async (name: string) => {
      const metric = runtime.registry.getSingleMetric(name);
      if (metric === undefined) throw new Error(`${name} is not registered`);
      return (await metric.get()).values.map((v): Record<string, string | number> => ({
        ...v.labels,
        value: v.value,
      }));
    };
    const transitions = await values('latticedb_release_step_transitions_total');
    expect(transitions).toContainEqual({ strategy: 'Canary', result: 'promoted', value: 1 });
    expect(transitions).toContainEqual({ strategy: 'Canary', result: 'failed', value: 1 });
    expect(transitions).toContainEqual({ strategy: 'BlueGreen', result: 'completed', value: 0 });
    const completed = transitions.find((t) => t.strategy === 'Canary' && t.result === 'completed');
    // Cleanup … Smoke (7 stages) and the first setWeight at least.
    expect(completed?.value).toBeGreaterThanOrEqual(8);
    expect(await values('latticedb_release_rollbacks_total')).toEqual([
      { strategy: 'Canary', reason: 'AnalysisFailed', value: 1 },
    ]);
    const measured = await values('latticedb_release_analysis_measurements_total');
    expect(measured).toContainEqual({ metric: 'error-rate', verdict: 'Failed', value: 1 });
    expect(measured.find((m) => m.verdict === 'Successful')?.value).toBeGreaterThanOrEqual(1);
    // Bounded labels: nothing names the object.
    const labels = [...transitions, ...measured].flatMap((v) => Object.values(v).map(String));
    expect(labels.join(' ')).not.toMatch(/latticedb\b|prod/);
  });
});

describe('Release metrics when status writes are lost', () => {
  const counters = async (runtime: RuntimeMetrics) => {
    const out: Record<string, number> = {};
    for (const name of [
      'latticedb_release_step_transitions_total',
      'latticedb_release_rollbacks_total',
    ]) {
      const metric = runtime.registry.getSingleMetric(name);
      for (const v of (await metric?.get())?.values ?? [])
        out[`${name}${JSON.stringify(v.labels)}`] = v.value;
    }
    return out;
  };
  const run = async (crash: boolean, errorRate: number, done: (h: Harness) => boolean) => {
    const runtime = new RuntimeMetrics({ defaultMetrics: false });
    const world = new World({ kind: 'canary' });
    world.errorRate(errorRate);
    const h = new Harness(world, withAnalysis(), { metrics: releaseMetrics(runtime.domain) });
    await h.until(done, crash ? { crash: 'ifActed' } : {});
    return { counts: await counters(runtime), crashes: h.crashes };
  };

  it('a controller killed after every action counts each transition once, as an uninterrupted one', async () => {
    const calm = await run(false, 0.2, healthy);
    const killed = await run(true, 0.2, healthy);
    expect(killed.crashes).toBeGreaterThan(5);
    expect(killed.counts).toEqual(calm.counts);
  });

  it('a rollback decided in a reconcile whose status write is lost counts once', async () => {
    const rolledBack = (h: Harness) => h.status.phase === 'RolledBack';
    const calm = await run(false, 7, rolledBack);
    const killed = await run(true, 7, rolledBack);
    expect(killed.crashes).toBeGreaterThan(0);
    expect(killed.counts).toEqual(calm.counts);
    expect(
      Object.entries(killed.counts).filter(([k, v]) => k.includes('rollbacks') && v > 0),
    ).toEqual([
      ['latticedb_release_rollbacks_total{"strategy":"Canary","reason":"AnalysisFailed"}', 1],
    ]);
  });
});
