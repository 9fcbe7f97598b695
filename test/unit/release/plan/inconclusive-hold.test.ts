// An Inconclusive gate holds the canary at its weight but keeps measuring it, in rounds counted
// from the hold: a success resumes by itself, a failure rolls back (a canary left at its weight is
// still watched), inconclusive goes on holding; promote still lets it pass. One AnalysisFailed
// Event per failure (the rollback's), not two.
import { describe, expect, it } from 'vitest';
import { analyze, type AnalysisRecord } from '../../../../reconcilers/shared/analysis/index.js';
import type { MetricCheck } from '../../../../reconcilers/shared/api/metric-check.js';
import { observationNeeds, type ReleaseState } from '../../../../reconcilers/release/plan/index.js';
import { FakeMetricSource } from '../../analysis/fake-metric-source.js';
import {
  canarySpec,
  canaryTaskSet,
  ERROR_RATE_CHECK,
  inFlight,
  iso,
  next,
  NOW,
  OBJECT,
  run,
  service,
  stableTaskSet,
  weights,
} from './fixtures.js';

const MINUTE = 60_000;
const at = (offsetMs: number) => new Date(NOW.getTime() + offsetMs);
const check = { ...(ERROR_RATE_CHECK as unknown as MetricCheck), count: 2 };
const spec = canarySpec({ analysis: { metrics: [check] } });

/** The record observe.ts measures for gate 0, as needs.ts derives it from status. */
const recordOf = (status: ReleaseState): AnalysisRecord =>
  observationNeeds(spec, status, OBJECT, 600_000).analysis?.record ?? {};

/** What observe.ts hands over at `now` when the canary reports `rate` % errors (undefined: none). */
async function measured(rate: number | undefined, record: AnalysisRecord, now: Date) {
  const source = new FakeMetricSource((q) =>
    rate === undefined ? [] : q.metricName === 'Errors' ? [rate] : [100],
  );
  const result = await analyze([check], record, { now, source, defaultRegion: 'us-east-1' });
  return { step: 0, result };
}

const world = { service: service([stableTaskSet(), canaryTaskSet(5)]), weights: weights(5) };
const reasons = (d: { events: { reason: string }[] }) => d.events.map((e) => e.reason);

/** At step 2 (weight 15 next), gate 0 had one success, then missing metrics made it inconclusive. */
async function held() {
  const start = inFlight(
    'Steps',
    {
      currentStepIndex: 2,
      currentWeight: 5,
      analysis: { step: 0, startedAt: iso(-2 * MINUTE), verdict: 'Running' },
    },
    spec,
  );
  const good = run(
    start,
    { ...world, analysis: await measured(0.2, {}, at(-MINUTE)) },
    {
      spec,
      now: at(-MINUTE),
    },
  );
  expect(good.status.attempt?.analysis?.verdict).toBe('Running');
  const missing = await measured(undefined, recordOf(good.status), NOW);
  return run(next(good), { ...world, analysis: missing }, { spec });
}

describe('an inconclusive gate is measured again while it holds', () => {
  it('holds at the weight, starts a new round from zero and comes back on the check interval', async () => {
    const d = await held();
    expect(d.status.attempt?.pause).toEqual({ reason: 'AnalysisInconclusive', since: iso() });
    expect(d.status.phase).toBe('Paused');
    expect(d.action).toBeUndefined();
    expect(d.status.attempt?.analysis).toMatchObject({
      verdict: 'Inconclusive',
      results: [{ metric: 'error-rate', successful: 0, failed: 0, inconclusive: 0 }],
    });
    expect(d.status.attempt?.analysis?.measurements).toHaveLength(2);
    expect(reasons(d).filter((r) => r === 'AnalysisInconclusive')).toHaveLength(1);
    expect(d.requeueAfterMs).toBe(MINUTE + 1);
    expect(d.status.message).toMatch(
      /measuring again .*to go on anyway: kubectl -n prod annotate release\/latticedb delivery\.latticedb\.com\/promote=1 --overwrite; to stop: kubectl -n prod annotate release\/latticedb delivery\.latticedb\.com\/abort=1 --overwrite/,
    );
    // The next reconcile (a minute later) measures the gate again.
    expect(observationNeeds(spec, next(d), OBJECT, 600_000).analysis?.step).toBe(0);
  });

  it('a later success counts only from the hold on: the canary resumes without promote', async () => {
    let status = next(await held());
    // One success after the hold: with count 2 (and the success before the hold not counted) it
    // still holds, measuring again.
    const one = run(
      status,
      { ...world, analysis: await measured(0.2, recordOf(status), at(MINUTE)) },
      { spec, now: at(MINUTE) },
    );
    expect(one.status.attempt?.pause?.reason).toBe('AnalysisInconclusive');
    expect(one.status.attempt?.analysis?.verdict).toBe('Inconclusive');
    expect(one.action).toBeUndefined();
    expect(one.events).toEqual([]);
    status = next(one);
    const two = run(
      status,
      { ...world, analysis: await measured(0.2, recordOf(status), at(2 * MINUTE)) },
      { spec, now: at(2 * MINUTE) },
    );
    expect(two.status.attempt?.analysis?.verdict).toBe('Successful');
    expect(two.status.attempt?.pause).toBeUndefined();
    expect(two.status.phase).toBe('Progressing');
    expect(two.status.attempt?.lastProgressAt).toBe(iso(2 * MINUTE));
    expect(two.action).toMatchObject({ type: 'scaleTaskSet', scalePercent: 15 });
    expect(two.events).toContainEqual(
      expect.objectContaining({
        reason: 'AnalysisSuccessful',
        message: expect.stringContaining('after being inconclusive: resuming'),
      }),
    );
  });

  it('a failure while held rolls back, with one AnalysisFailed Event', async () => {
    const status = next(await held());
    const d = run(
      status,
      { ...world, analysis: await measured(7, recordOf(status), at(MINUTE)) },
      { spec, now: at(MINUTE) },
    );
    expect(d.status).toMatchObject({
      stage: 'RollingBack',
      attempt: { rollback: { reason: 'AnalysisFailed', outcome: 'RolledBack' } },
    });
    expect(d.action).toMatchObject({
      type: 'setWeights',
      weights: [{ weight: 100 }, { weight: 0 }],
    });
    expect(reasons(d).filter((r) => r === 'AnalysisFailed')).toHaveLength(1);
    expect(d.events.find((e) => e.reason === 'AnalysisFailed')?.message).toMatch(
      /^analysis at step 1\/\d+ failed: error-rate: Failed, [0-9.]+ > [0-9.]+ \(failure condition\) \(1 failed, limit 0\)/,
    );
  });

  it('inconclusive again: still holding, a new round, no new Event', async () => {
    const status = next(await held());
    const d = run(
      status,
      { ...world, analysis: await measured(undefined, recordOf(status), at(MINUTE)) },
      { spec, now: at(MINUTE) },
    );
    expect(d.status.attempt?.pause?.since).toBe(iso());
    expect(d.status.attempt?.analysis?.results?.[0]).toMatchObject({ inconclusive: 0 });
    expect(d.status.attempt?.analysis?.measurements).toHaveLength(3);
    expect(d.events).toEqual([]);
    expect(d.requeueAfterMs).toBe(MINUTE + 1);
  });

  it('promote still lets the held gate pass, and progressDeadline counts from the promote', async () => {
    const status = next(await held());
    const hourLater = at(60 * MINUTE);
    const stillMissing = await measured(undefined, recordOf(status), hourLater);
    const d = run(
      status,
      { ...world, analysis: stillMissing },
      {
        spec: { ...spec, progressDeadline: '30m' },
        now: hourLater,
        annotations: { 'delivery.latticedb.com/promote': '1' },
      },
    );
    expect(d.status.attempt?.promotedGate).toBe(0);
    expect(d.status.attempt?.pause).toBeUndefined();
    expect(d.status.attempt?.lastProgressAt).toBe(iso(60 * MINUTE));
    expect(d.action).toMatchObject({ type: 'scaleTaskSet', scalePercent: 15 });
  });
});
