// decide() with an analysis gate: good metrics promote (only once the hold is up), bad metrics
// roll back, missing metrics hold; the real engine measures a fake metric source.
import { describe, expect, it } from 'vitest';
import type { FlagRolloutState } from '../../../reconcilers/flagrollout/api.js';
import {
  analysisRequest,
  decide,
  type DecideInput,
} from '../../../reconcilers/flagrollout/plan/decide.js';
import { analyze, type AnalyzeResult } from '../../../reconcilers/shared/analysis/index.js';
import { FakeMetricSource } from '../analysis/fake-metric-source.js';
import {
  at,
  condition,
  errorRate,
  flagRecord,
  holding,
  input,
  iso,
  observation,
  withAnalysis,
} from './support/fixtures.js';

const spec = withAnalysis();
const atFive = observation(flagRecord({ basisPoints: 500 }));

/** Measures what `analysisRequest` asks for; `value` undefined = no datapoints. */
async function measure(i: DecideInput, value: number | undefined): Promise<AnalyzeResult> {
  const request = analysisRequest(i);
  if (request === undefined) throw new Error('no analysis requested');
  const source = new FakeMetricSource(() => (value === undefined ? undefined : [value]));
  return analyze(request.checks, request.record, {
    now: i.now,
    source,
    defaultRegion: 'us-east-1',
  });
}

async function decideMeasured(i: DecideInput, value: number | undefined) {
  return decide({ ...i, analysis: await measure(i, value) });
}

describe('analysisRequest', () => {
  it('waits one gate interval after the hold starts, then asks for the checks', () => {
    expect(analysisRequest(input(spec, holding(1), atFive, { now: at(1) }))).toBeUndefined();
    expect(analysisRequest(input(spec, holding(1), atFive, { now: at(2) }))).toEqual({
      checks: [errorRate],
      record: { measurements: [] },
    });
  });

  it.each<[string, Partial<DecideInput>, FlagRolloutState]>([
    ['the flag is not in place', { flag: observation(undefined) }, holding(1)],
    [
      'the kill switch is active',
      { flag: observation(flagRecord({ basisPoints: 500 }), { killed: true }) },
      holding(1),
    ],
    ['suspended', { spec: withAnalysis({ suspend: true }) }, holding(1)],
    ['disabled', { spec: withAnalysis({ enabled: false }) }, holding(1)],
    ['the hold is frozen', {}, holding(1, { nextStepAt: undefined, holdRemainingSeconds: 5 })],
    [
      'rolled back',
      {},
      holding(1, { rollback: { at: iso(0), step: 1, generation: 1, message: 'x' } }),
    ],
  ])('measures nothing when %s', (_why, overrides, status) => {
    expect(
      analysisRequest({ ...input(spec, status, atFive, { now: at(5) }), ...overrides }),
    ).toBeUndefined();
  });

  it('measures nothing without spec.analysis', () => {
    const plain = input(withAnalysis({ analysis: undefined }), holding(1), atFive, { now: at(5) });
    expect(analysisRequest(plain)).toBeUndefined();
  });
});

describe('decide with analysis', () => {
  it('a good measurement before the hold is up passes the round but does not promote yet', async () => {
    const d = await decideMeasured(input(spec, holding(1), atFive, { now: at(2) }), 0.2);
    expect(d.action).toBeUndefined();
    expect(d.status.analysis).toEqual({
      step: 1,
      startedAt: iso(2), // the next round, watching the rest of the hold
      lastRun: iso(2),
      verdict: 'Successful',
      // The tallies the verdict was decided on, until the next round's first run.
      results: [
        {
          metric: 'error-rate',
          successful: 1,
          failed: 0,
          inconclusive: 0,
          verdict: 'Successful',
        },
      ],
      measurements: [{ metric: 'error-rate', value: 0.2, verdict: 'Successful', at: iso(2) }],
    });
    expect(d.status.lastAnalysis).toEqual({
      step: 1,
      verdict: 'Successful',
      at: iso(2),
      summary: 'error-rate: Successful (1 of 1 successful)',
    });
    expect(condition(d.status, 'AnalysisPassed')).toMatchObject({
      status: 'True',
      reason: 'AnalysisSucceeded',
    });
    expect(d.events.map((e) => [e.type, e.reason])).toEqual([['Normal', 'AnalysisSucceeded']]);
    expect(d.requeueAfterMs).toBe(2_000); // next measurement at +4 s, before the hold ends at +10 s
    expect(d.rolloutInfo?.lastAnalysis).toEqual({
      verdict: 'Successful',
      at: iso(2),
      summary: 'error-rate: Successful (1 of 1 successful)',
    });
  });

  it('status.analysis.results count the round the verdict speaks of (two of two successful)', async () => {
    const twice = withAnalysis({
      analysis: { interval: '2s', metrics: [{ ...errorRate, count: 2 }] },
    });
    const one = await decideMeasured(input(twice, holding(1), atFive, { now: at(2) }), 0.2);
    expect(one.status.analysis?.verdict).toBeUndefined();
    expect(one.status.analysis?.results).toMatchObject([{ metric: 'error-rate', successful: 1 }]);
    const two = await decideMeasured(input(twice, one.status, atFive, { now: at(4) }), 0.3);
    expect(two.status.analysis).toMatchObject({
      verdict: 'Successful',
      startedAt: iso(4),
      results: [{ metric: 'error-rate', successful: 2, failed: 0, verdict: 'Successful' }],
    });
    expect(two.status.analysis?.measurements).toHaveLength(2);
    // The next round counts from zero: one more success is 1 of 2, not a third success.
    expect(analysisRequest(input(twice, two.status, atFive, { now: at(6) }))?.record).toMatchObject(
      { results: [{ metric: 'error-rate', successful: 0, failed: 0, inconclusive: 0 }] },
    );
    const three = await decideMeasured(input(twice, two.status, atFive, { now: at(6) }), 0.1);
    expect(three.status.analysis).toMatchObject({
      verdict: 'Successful', // the latest finished round's, still
      startedAt: iso(4),
      lastRun: iso(6),
      results: [{ metric: 'error-rate', successful: 1, failed: 0 }],
    });
    expect(three.status.analysis?.results?.[0]?.verdict).toBeUndefined();
  });

  it('promotes when the hold is up and the latest round passed', async () => {
    const passed = (await decideMeasured(input(spec, holding(1), atFive, { now: at(2) }), 0.2))
      .status;
    const d = await decideMeasured(input(spec, passed, atFive, { now: at(10) }), 0.3);
    expect(d.action).toMatchObject({ reason: 'promote', next: { basisPoints: 2500 } });
    expect(d.status).toMatchObject({ currentStep: 2, lastGoodPercentage: 5, nextStepAt: iso(20) });
  });

  it('does not promote at the end of the hold before any round passed', () => {
    const d = decide(input(spec, holding(1), atFive, { now: at(10) }));
    expect(d.action).toBeUndefined();
    expect(d.status.phase).toBe('Holding');
    expect(condition(d.status, 'AnalysisPassed')).toMatchObject({
      status: 'Unknown',
      reason: 'AnalysisRunning',
    });
  });

  it('a bad measurement rolls back to the last good percentage and stops (Stalled)', async () => {
    const status = holding(2, { flagVersion: 6 });
    const flag = observation(flagRecord({ basisPoints: 2500, version: 6 }));
    const d = await decideMeasured(input(spec, status, flag, { now: at(4) }), 7);
    const message =
      'analysis failed at step 3/5 (25 % + 2 targeted users): error-rate: Failed, 7 > 5 (failure condition) (1 failed, limit 0); flag back to 5 %';
    expect(d.action).toEqual({
      type: 'writeFlag',
      expectedVersion: 6,
      reason: 'rollback',
      next: expect.objectContaining({ enabled: true, basisPoints: 500 }),
    });
    expect(d.checkpoint).toBe(true);
    expect(d.status.rollback).toEqual({
      at: iso(4),
      step: 2,
      generation: 1,
      percentage: 5,
      message,
    });
    expect(d.status).toMatchObject({
      phase: 'RolledBack',
      currentStep: 2,
      percentage: 5,
      flagVersion: 7,
    });
    expect(d.status.nextStepAt).toBeUndefined();
    expect(condition(d.status, 'Stalled')).toMatchObject({ status: 'True', reason: 'RolledBack' });
    expect(condition(d.status, 'AnalysisPassed')).toMatchObject({
      status: 'False',
      reason: 'AnalysisFailed',
    });
    expect(d.events).toEqual([{ type: 'Warning', reason: 'RolledBack', message }]);
    expect(d.requeueAfterMs).toBe(30_000);
  });

  it.each<[string, Parameters<typeof withAnalysis>[0], FlagRolloutState]>([
    ['onFailure: Disable', { onFailure: 'Disable' }, holding(2)],
    ['no good step yet (internal users day)', {}, holding(0)],
  ])('disables the flag on failure with %s', async (_why, overrides, status) => {
    const s = withAnalysis(overrides);
    const flag = observation(
      flagRecord({ basisPoints: (status.currentStep ?? 0) === 2 ? 2500 : 0 }),
    );
    const d = await decideMeasured(input(s, status, flag, { now: at(4) }), 9);
    expect(d.action?.next).toMatchObject({ enabled: false, basisPoints: 0 });
    expect(d.status.rollback?.percentage).toBeUndefined();
    expect(d.status).toMatchObject({
      phase: 'RolledBack',
      percentage: 0,
      exposure: { percentage: 0, targetedUsers: 0 },
    });
  });

  it('stays rolled back, rewrites the rollback state after a flush, retries on a spec edit', async () => {
    const flag = observation(flagRecord({ basisPoints: 2500, version: 6 }));
    const failed = await decideMeasured(
      input(spec, holding(2, { flagVersion: 6 }), flag, { now: at(4) }),
      7,
    );
    const rolledBackFlag = observation(flagRecord({ basisPoints: 500, version: 7 }));

    const resync = decide(input(spec, failed.status, rolledBackFlag, { now: at(60) }));
    expect(resync.action).toBeUndefined();
    expect(resync.events).toEqual([]);
    expect(resync.status.phase).toBe('RolledBack');

    const flushed = decide(input(spec, failed.status, observation(undefined), { now: at(61) }));
    expect(flushed.action).toMatchObject({
      expectedVersion: 0,
      next: { enabled: true, basisPoints: 500 },
    });
    expect(flushed.events.map((e) => e.reason)).toEqual(['FlagRewritten']);

    const edited = decide(
      input(spec, failed.status, rolledBackFlag, { now: at(70), generation: 2 }),
    );
    expect(edited.action).toMatchObject({ reason: 'repair', next: { basisPoints: 2500 } });
    expect(edited.status.rollback).toBeUndefined();
    expect(edited.status.analysis).toEqual({
      step: 2,
      startedAt: iso(70),
      results: [{ metric: 'error-rate', successful: 0, failed: 0, inconclusive: 0 }],
      measurements: [],
    });
    expect(edited.status).toMatchObject({ phase: 'Holding', nextStepAt: iso(80), currentStep: 2 });
    expect(edited.events.map((e) => e.reason)).toEqual(['Retrying']);
  });

  it('missing metrics are inconclusive: holding past the hold, measuring again, never promoting', async () => {
    const first = await decideMeasured(input(spec, holding(1), atFive, { now: at(2) }), undefined);
    expect(first.status.analysis?.verdict).toBe('Inconclusive');
    expect(condition(first.status, 'AnalysisPassed')).toMatchObject({
      status: 'False',
      reason: 'AnalysisInconclusive',
    });
    expect(first.events.map((e) => [e.type, e.reason])).toEqual([
      ['Warning', 'AnalysisInconclusive'],
    ]);

    const late = input(spec, first.status, atFive, { now: at(12) });
    expect(analysisRequest(late)).toBeDefined();
    const still = await decideMeasured(late, undefined);
    expect(still.action).toBeUndefined();
    expect(still.status.phase).toBe('Holding');
    expect(still.events).toEqual([]); // same verdict again: no new event
    expect(still.requeueAfterMs).toBe(2_000);

    const recovered = await decideMeasured(input(spec, still.status, atFive, { now: at(14) }), 0.1);
    expect(recovered.action).toMatchObject({ reason: 'promote', next: { basisPoints: 2500 } });
  });

  it('a failure later in the hold rolls back even after a passed round', async () => {
    const passed = (await decideMeasured(input(spec, holding(1), atFive, { now: at(2) }), 0.2))
      .status;
    const d = await decideMeasured(input(spec, passed, atFive, { now: at(6) }), 6);
    expect(d.action).toMatchObject({ reason: 'rollback', next: { basisPoints: 0, enabled: true } });
  });
});
