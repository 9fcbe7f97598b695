import { describe, expect, it } from 'vitest';
import type {
  MetricCheck,
  MetricMeasurement,
  Verdict,
} from '../../../reconcilers/shared/api/metric-check.js';
import {
  type AnalysisRecord,
  analyze,
  appendBounded,
  assess,
  assessAll,
  assessTally,
  tally,
  tallyFor,
} from '../../../reconcilers/shared/analysis/index.js';
import { byMetric, FakeMetricSource, unavailable } from './fake-metric-source.js';

const T0 = Date.parse('2026-11-26T10:00:00Z');
const at = (seconds: number): Date => new Date(T0 + seconds * 1000);
const iso = (seconds: number): string => at(seconds).toISOString().replace('.000Z', 'Z');

const check = (name: string, extra: Partial<MetricCheck> = {}): MetricCheck => ({
  name,
  cloudWatch: { metric: { namespace: 'App', metricName: name, stat: 'Sum' } },
  successCondition: '< 1',
  failureCondition: '> 5',
  interval: '1m',
  ...extra,
});

const m = (metric: string, verdict: Verdict, seconds: number): MetricMeasurement => ({
  metric,
  verdict,
  at: iso(seconds),
});

describe('assess one check', () => {
  it('with no measurements is Running and due now', () => {
    const a = assess(check('err'), [], at(0));
    expect(a).toMatchObject({ phase: 'Running', successful: 0, nextMeasurementAt: at(0) });
  });

  it('is Running until count successes, measured every interval after the latest', () => {
    const c = check('err', { count: 3 });
    const ms = [m('err', 'Successful', 0), m('err', 'Successful', 60), m('other', 'Failed', 100)];
    const a = assess(c, ms, at(61));
    expect(a).toMatchObject({ phase: 'Running', successful: 2, failed: 0 });
    expect(a.nextMeasurementAt).toEqual(at(120));
    expect(assess(c, [...ms, m('err', 'Successful', 120)], at(121))).toMatchObject({
      phase: 'Successful',
      message: '3 of 3 successful',
    });
    expect(
      assess(c, [...ms, m('err', 'Successful', 120)], at(121)).nextMeasurementAt,
    ).toBeUndefined();
  });

  it('fails on the first failure with failureLimit 0', () => {
    const a = assess(
      check('err', { count: 5 }),
      [m('err', 'Successful', 0), m('err', 'Failed', 60)],
      at(60),
    );
    expect(a).toMatchObject({ phase: 'Failed', failed: 1, message: '1 failed, limit 0' });
  });

  it('tolerates failureLimit failures, fails on one more', () => {
    const c = check('err', { count: 5, failureLimit: 2 });
    const two = [m('err', 'Failed', 0), m('err', 'Failed', 60)];
    expect(assess(c, two, at(60)).phase).toBe('Running');
    expect(assess(c, [...two, m('err', 'Failed', 120)], at(120)).phase).toBe('Failed');
  });

  it('is Inconclusive past inconclusiveLimit, and Failed wins over it', () => {
    const c = check('err', { count: 2, inconclusiveLimit: 1 });
    const one = [m('err', 'Inconclusive', 0)];
    expect(assess(c, one, at(0)).phase).toBe('Running');
    const two = [...one, m('err', 'Inconclusive', 60)];
    expect(assess(c, two, at(60))).toMatchObject({
      phase: 'Inconclusive',
      message: '2 inconclusive, limit 1',
    });
    expect(assess(c, [...two, m('err', 'Failed', 120)], at(120)).phase).toBe('Failed');
  });

  it('a tolerated inconclusive measurement does not count towards success', () => {
    const c = check('err', { count: 2, inconclusiveLimit: 3 });
    const ms = [m('err', 'Successful', 0), m('err', 'Inconclusive', 60)];
    expect(assess(c, ms, at(60))).toMatchObject({
      phase: 'Running',
      successful: 1,
      inconclusive: 1,
    });
  });

  it('uses the latest measurement whatever the order in status', () => {
    const c = check('err', { count: 3, interval: '30s' });
    const ms = [m('err', 'Successful', 90), m('err', 'Successful', 30)];
    expect(assess(c, ms, at(95)).nextMeasurementAt).toEqual(at(120));
  });
});

describe('assessAll', () => {
  const checks = [check('err', { count: 2 }), check('lat', { interval: '5m' })];

  it('Running: only the due checks are named; next time is the earliest', () => {
    const ms = [m('err', 'Successful', 0), m('lat', 'Successful', 0)];
    const early = assessAll(checks, { measurements: ms }, at(30));
    expect(early).toMatchObject({ phase: 'Running', due: [] });
    expect(early.nextMeasurementAt).toEqual(at(60));
    expect(assessAll(checks, { measurements: ms }, at(60)).due).toEqual(['err']);
  });

  it('Successful only when every check is', () => {
    const ms = [m('err', 'Successful', 0), m('err', 'Successful', 60), m('lat', 'Successful', 0)];
    const a = assessAll(checks, { measurements: ms }, at(60));
    expect(a.phase).toBe('Successful');
    expect(a.nextMeasurementAt).toBeUndefined();
  });

  it('Failed if any check failed, naming it; nothing is due any more', () => {
    const a = assessAll(checks, { measurements: [m('lat', 'Failed', 0)] }, at(0));
    expect(a).toMatchObject({
      phase: 'Failed',
      due: [],
      message: 'lat: Failed (1 failed, limit 0)',
    });
  });

  it('names what the deciding measurement measured against what limit', () => {
    const failed = { ...m('lat', 'Failed', 0), value: 7, message: '7 > 5 (failure condition)' };
    const a = assessAll(checks, { measurements: [failed] }, at(0));
    expect(a.message).toBe('lat: Failed, 7 > 5 (failure condition) (1 failed, limit 0)');
  });

  it('Inconclusive if any is and none failed', () => {
    const a = assessAll(
      checks,
      { measurements: [m('err', 'Inconclusive', 0), m('lat', 'Successful', 0)] },
      at(0),
    );
    expect(a.phase).toBe('Inconclusive');
  });

  it('an empty set of checks is Successful', () => {
    expect(assessAll([], {}, at(0))).toMatchObject({ phase: 'Successful', message: 'no checks' });
  });
});

describe('appendBounded', () => {
  it('drops the oldest beyond max', () => {
    const ms = [m('a', 'Successful', 0), m('a', 'Successful', 1)];
    expect(appendBounded(ms, m('a', 'Failed', 2), 2)).toEqual([ms[1], m('a', 'Failed', 2)]);
    expect(appendBounded(ms, m('a', 'Failed', 2), 5)).toHaveLength(3);
    expect(ms).toHaveLength(2);
    expect(() => appendBounded(ms, m('a', 'Failed', 2), 0)).toThrow(RangeError);
  });
});

describe('analyze', () => {
  const checks = [
    check('err', { count: 2 }),
    check('lat', { interval: '5m', successCondition: '< 500', failureCondition: undefined }),
  ];
  const source = (): FakeMetricSource =>
    new FakeMetricSource(byMetric({ 'err/Sum': [0], 'lat/Sum': [120] }));

  it('measures only due checks and reports where the analysis stands', async () => {
    const fake = source();
    const first = await analyze(
      checks,
      {},
      {
        now: at(0),
        source: fake,
        defaultRegion: 'us-east-1',
      },
    );
    expect(first.taken.map((x) => [x.metric, x.verdict])).toEqual([
      ['err', 'Successful'],
      ['lat', 'Successful'],
    ]);
    expect(first.assessment).toMatchObject({ phase: 'Running' });
    expect(first.assessment.nextMeasurementAt).toEqual(at(60));

    const idle = await analyze(checks, first, {
      now: at(30),
      source: fake,
      defaultRegion: 'us-east-1',
    });
    expect(idle.taken).toEqual([]);
    expect(fake.requests).toHaveLength(2);

    const second = await analyze(checks, first, {
      now: at(60),
      source: fake,
      defaultRegion: 'us-east-1',
    });
    expect(second.taken.map((x) => x.metric)).toEqual(['err']);
    expect(second.measurements).toHaveLength(3);
    expect(second.assessment.phase).toBe('Successful');
  });

  it('keeps running totals, so dropping old measurements never hides a failure', async () => {
    const fake = new FakeMetricSource(byMetric({ 'err/Sum': [9] }));
    const failing = [check('err', { failureLimit: 2 })];
    let record: AnalysisRecord = {};
    const phases: string[] = [];
    for (let i = 0; i < 3; i++) {
      const deps = { now: at(60 * i), source: fake, defaultRegion: 'r', maxMeasurements: 1 };
      const r = await analyze(failing, record, deps);
      record = r;
      phases.push(r.assessment.phase);
    }
    expect(phases).toEqual(['Running', 'Running', 'Failed']);
    expect(record.measurements).toHaveLength(1);
    expect(record.results).toEqual([
      {
        metric: 'err',
        successful: 0,
        failed: 3,
        inconclusive: 0,
        lastMeasuredAt: iso(120),
        verdict: 'Failed',
      },
    ]);
  });

  it('resumes from stored totals (status written by an earlier reconcile)', async () => {
    const fake = source();
    const stored: AnalysisRecord = {
      results: [
        { metric: 'err', successful: 1, failed: 0, inconclusive: 0, lastMeasuredAt: iso(0) },
        { metric: 'lat', successful: 1, failed: 0, inconclusive: 0, verdict: 'Successful' },
      ],
      measurements: [],
    };
    const early = await analyze(checks, stored, { now: at(59), source: fake, defaultRegion: 'r' });
    expect(early.taken).toEqual([]);
    expect(early.assessment.nextMeasurementAt).toEqual(at(60));
    const due = await analyze(checks, stored, { now: at(60), source: fake, defaultRegion: 'r' });
    expect(due.taken.map((x) => x.metric)).toEqual(['err']);
    expect(due.assessment.phase).toBe('Successful');
    expect(due.results.map((r) => [r.metric, r.successful, r.verdict])).toEqual([
      ['err', 2, 'Successful'],
      ['lat', 1, 'Successful'],
    ]);
  });

  it('a retryable source error propagates and records nothing', async () => {
    const fake = source();
    fake.failWith = unavailable(true);
    await expect(
      analyze(checks, {}, { now: at(0), source: fake, defaultRegion: 'us-east-1' }),
    ).rejects.toThrow('Rate exceeded');
  });
});

describe('tallies', () => {
  it('tally counts one metric and finds its latest measurement', () => {
    const ms = [
      m('a', 'Successful', 60),
      m('a', 'Failed', 0),
      m('b', 'Failed', 120),
      m('a', 'Inconclusive', 30),
    ];
    expect(tally('a', ms)).toEqual({
      metric: 'a',
      successful: 1,
      failed: 1,
      inconclusive: 1,
      lastMeasuredAt: iso(60),
    });
    expect(tally('c', ms)).toEqual({ metric: 'c', successful: 0, failed: 0, inconclusive: 0 });
  });

  it('stored totals win over the measurement list; the list supplies a missing time', () => {
    const record: AnalysisRecord = {
      results: [{ metric: 'a', successful: 4, failed: 0, inconclusive: 0 }],
      measurements: [m('a', 'Failed', 30), m('a', 'Successful', 90)],
    };
    expect(tallyFor('a', record)).toEqual({
      metric: 'a',
      successful: 4,
      failed: 0,
      inconclusive: 0,
      lastMeasuredAt: iso(90),
    });
    // A metric absent from stored results starts from zero, whatever the list holds.
    expect(tallyFor('b', { results: [], measurements: [m('b', 'Failed', 0)] }).failed).toBe(0);
    expect(
      assessTally(check('a', { count: 5 }), tallyFor('a', record), at(100)).nextMeasurementAt,
    ).toEqual(at(150));
  });
});
