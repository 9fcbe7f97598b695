// Analysis gates in decide(): both bands of a check (success < 1 %, failure > 5 %, in between
// inconclusive), background gates before each weight increase, analysis steps, promote overrides.
import { describe, expect, it } from 'vitest';
import { analyze, type AnalysisRecord } from '../../../../reconcilers/shared/analysis/index.js';
import type { MetricCheck } from '../../../../reconcilers/shared/api/metric-check.js';
import { FakeMetricSource } from '../../analysis/fake-metric-source.js';
import {
  canarySpec,
  canaryTaskSet,
  ERROR_RATE_CHECK,
  inFlight,
  iso,
  next,
  NOW,
  run,
  service,
  stableTaskSet,
  weights,
} from './fixtures.js';

const spec = canarySpec({ analysis: { metrics: [ERROR_RATE_CHECK] } });
const checks = spec.analysis!.metrics;

/** What observe.ts hands over for gate `step` when the canary reports `rate` % errors. */
async function measured(step: number, rate: number | undefined, record: AnalysisRecord = {}) {
  const source = new FakeMetricSource((q) =>
    rate === undefined ? [] : q.metricName === 'Errors' ? [rate] : [100],
  );
  const result = await analyze(checks, record, { now: NOW, source, defaultRegion: 'us-east-1' });
  return { step, result };
}

// Background gate of step 0 (weight 5 reached), in the pause of step 1, or at step 2 (weight 15).
const atStep = (index: number) =>
  inFlight(
    'Steps',
    {
      currentStepIndex: index,
      currentWeight: 5,
      stepStartedAt: iso(-60_000),
      analysis: { step: 0, startedAt: iso(-60_000), verdict: 'Running' },
    },
    spec,
  );
const world = { service: service([stableTaskSet(), canaryTaskSet(5)]), weights: weights(5) };

describe('analysis gates', () => {
  it.each([
    [0.5, 'Successful', { type: 'scaleTaskSet', scalePercent: 15 }, 'Progressing'],
    [3, 'Inconclusive', undefined, 'Paused'],
    [7, 'Failed', { type: 'setWeights' }, 'RollingBack'],
  ])('%s percent errors: verdict %s', async (rate, verdict, action, phase) => {
    const d = run(atStep(2), { ...world, analysis: await measured(0, rate) }, { spec });
    expect(d.status.attempt?.analysis).toMatchObject({ step: 0, verdict, lastRun: iso() });
    expect(d.status.attempt?.analysis?.measurements).toHaveLength(1);
    expect(d.status.phase).toBe(phase);
    if (action === undefined) expect(d.action).toBeUndefined();
    else expect(d.action).toMatchObject(action);
  });

  it('a failure rolls back at any time, also during a pause: traffic back to stable first', async () => {
    const d = run(atStep(1), { ...world, analysis: await measured(0, 7) }, { spec });
    expect(d.status).toMatchObject({
      stage: 'RollingBack',
      attempt: {
        rollback: { outcome: 'RolledBack', reason: 'AnalysisFailed', fromStage: 'Steps' },
      },
    });
    expect(d.action).toMatchObject({
      type: 'setWeights',
      weights: [{ weight: 100 }, { weight: 0 }],
    });
    expect(d.events.map((e) => [e.type, e.reason])).toContainEqual(['Warning', 'AnalysisFailed']);
  });

  it('missing metrics are inconclusive and hold; the hold survives reconciles; promote lets the gate pass for good', async () => {
    const held = run(atStep(2), { ...world, analysis: await measured(0, undefined) }, { spec });
    expect(held.status.attempt?.pause?.reason).toBe('AnalysisInconclusive');
    expect(held.status.conditions?.find((c) => c.type === 'AnalysisPassed')).toMatchObject({
      status: 'Unknown',
      reason: 'AnalysisInconclusive',
    });
    const again = run(next(held), world, { spec });
    expect(again.action).toBeUndefined();
    const promoted = run(next(held), world, {
      spec,
      annotations: { 'delivery.latticedb.com/promote': '1' },
    });
    expect(promoted.action).toMatchObject({ type: 'scaleTaskSet', scalePercent: 15 });
    expect(promoted.status.attempt?.promotedGate).toBe(0);
    // The scale needs another reconcile; the override is in status, not in the one-shot action.
    const after = run(
      next(promoted),
      { ...world, service: service([stableTaskSet(), canaryTaskSet(15)]) },
      { spec },
    );
    expect(after.action).toMatchObject({ type: 'setWeights' });
  });

  it('a running gate waits for its next measurement before the weight goes up', async () => {
    const record = (await measured(0, 0.5)).result;
    const status = atStep(2);
    const twoNeeded = canarySpec({
      analysis: { metrics: [{ ...(ERROR_RATE_CHECK as unknown as MetricCheck), count: 2 }] },
    });
    status.attempt = {
      ...status.attempt,
      analysis: {
        step: 0,
        startedAt: iso(-60_000),
        verdict: 'Running',
        results: record.results.map(({ lastMeasuredAt: _x, ...r }) => r),
        measurements: record.measurements,
      },
    };
    const d = run(status, world, { spec: twoNeeded, now: new Date(NOW.getTime() + 10_000) });
    expect(d.action).toBeUndefined();
    expect(d.requeueAfterMs).toBe(50_001);
  });

  it('a due measurement that was not observed asks for a quick second look', () => {
    const d = run(atStep(1), world, { spec });
    expect(d.action).toBeUndefined();
    expect(d.requeueAfterMs).toBe(100);
  });

  it('an analysis step gates on its own metrics and completes when they succeed', async () => {
    const stepSpec = canarySpec({
      analysis: spec.analysis!,
      strategy: {
        canary: {
          steps: [{ setWeight: 10 }, { analysis: { metrics: ['error-rate'] } }, { setWeight: 50 }],
          trafficRouting: spec.strategy.canary!.trafficRouting,
        },
      },
    });
    const status = inFlight('Steps', { currentStepIndex: 1 }, stepSpec);
    const w = { service: service([stableTaskSet(), canaryTaskSet(10)]), weights: weights(10) };
    const d = run(status, { ...w, analysis: await measured(1, 0.2) }, { spec: stepSpec });
    expect(d.status).toMatchObject({
      attempt: { currentStepIndex: 2, analysis: { step: 1, verdict: 'Successful' } },
    });
    expect(d.action).toMatchObject({ type: 'scaleTaskSet', scalePercent: 50 });
  });

  it('dimensions naming a target group follow the roles when the new revision runs in the stable group', async () => {
    const { checksFor } = await import('../../../../reconcilers/release/plan/analysis.js');
    const withTg = canarySpec({
      analysis: {
        metrics: [
          {
            ...(ERROR_RATE_CHECK as unknown as MetricCheck),
            cloudWatch: {
              metric: {
                namespace: 'AWS/ApplicationELB',
                metricName: 'X',
                stat: 'Sum',
                dimensions: [
                  { name: 'TargetGroup', value: 'targetgroup/ldb-canary/2453ed029918f21f' },
                ],
              },
            },
          },
        ],
      },
    });
    const swapped = checksFor(withTg, {
      stableTargetGroupArn: withTg.strategy.canary!.trafficRouting.alb.canaryTargetGroupArn,
    });
    expect(swapped[0]?.cloudWatch.metric?.dimensions?.[0]?.value).toBe(
      'targetgroup/ldb-stable/73e2d6bc24d8a067',
    );
    const same = checksFor(withTg, {
      stableTargetGroupArn: withTg.strategy.canary!.trafficRouting.alb.stableTargetGroupArn,
    });
    expect(same[0]?.cloudWatch.metric?.dimensions?.[0]?.value).toBe(
      'targetgroup/ldb-canary/2453ed029918f21f',
    );
  });
});
