// Review regressions: a gate whose round is already decided when it is measured (limits edited
// mid-hold), and the crash safety of a hold restarted by a repair write.
import { describe, expect, it } from 'vitest';
import type { FlagRolloutState } from '../../../reconcilers/flagrollout/api.js';
import { analysisRequest, decide } from '../../../reconcilers/flagrollout/plan/decide.js';
import { analyze } from '../../../reconcilers/shared/analysis/index.js';
import { FakeMetricSource } from '../analysis/fake-metric-source.js';
import {
  at,
  errorRate,
  flagRecord,
  holding,
  input,
  iso,
  observation,
  withAnalysis,
} from './support/fixtures.js';

const atFive = observation(flagRecord({ basisPoints: 500 }));

/** Step 1's round with the given tallies, last measured at +2 s. */
function roundWith(tally: { successful: number; failed: number; inconclusive: number }) {
  return holding(1, {
    analysis: {
      step: 1,
      startedAt: iso(0),
      lastRun: iso(2),
      verdict: 'Inconclusive',
      results: [{ metric: 'error-rate', ...tally }],
      measurements: [{ metric: 'error-rate', verdict: 'Failed', value: 7, at: iso(2) }],
    },
  } satisfies Partial<FlagRolloutState>);
}

describe('a round decided by a spec edit, with nothing left to measure', () => {
  it('failureLimit lowered below the failures counted: rolls back instead of spinning', async () => {
    // Two failures were tolerated with failureLimit 2; the edit to 1 makes the round Failed.
    const spec = withAnalysis({
      analysis: { interval: '2s', metrics: [{ ...errorRate, failureLimit: 1 }] },
    });
    const i = input(spec, roundWith({ successful: 0, failed: 2, inconclusive: 0 }), atFive, {
      now: at(5),
    });
    const request = analysisRequest(i);
    expect(request).toBeDefined();
    if (request === undefined) return;
    const source = new FakeMetricSource(() => [0.1]);
    const analysis = await analyze(request.checks, request.record, {
      now: i.now,
      source,
      defaultRegion: 'us-east-1',
    });
    expect(analysis.taken).toEqual([]);
    const d = decide({ ...i, analysis });
    expect(d.action).toMatchObject({ reason: 'rollback', next: { basisPoints: 0 } });
    expect(d.status.phase).toBe('RolledBack');
  });

  it('count lowered to the successes counted: the round passes, no 100 ms requeue loop', async () => {
    const spec = withAnalysis({
      analysis: { interval: '2s', metrics: [{ ...errorRate, count: 2, failureLimit: 3 }] },
    });
    const i = input(spec, roundWith({ successful: 2, failed: 1, inconclusive: 0 }), atFive, {
      now: at(5),
    });
    const request = analysisRequest(i);
    if (request === undefined) throw new Error('no analysis requested');
    const analysis = await analyze(request.checks, request.record, {
      now: i.now,
      source: new FakeMetricSource(() => [0.1]),
      defaultRegion: 'us-east-1',
    });
    const d = decide({ ...i, analysis });
    expect(d.status.analysis).toMatchObject({ verdict: 'Successful', startedAt: iso(5) });
    expect(d.requeueAfterMs).toBeGreaterThanOrEqual(1_000);
    // And with the hold up, the passed round promotes.
    const later = decide(input(spec, d.status, atFive, { now: at(10) }));
    expect(later.action).toMatchObject({ reason: 'promote', next: { basisPoints: 2500 } });
  });
});

describe('a repair that restarts the hold', () => {
  it('is written ahead, so a crash after the write cannot shorten the restarted hold', () => {
    const hold1 = holding(1);
    const repaired = decide(input(withAnalysis(), hold1, observation(undefined), { now: at(8) }));
    expect(repaired.action).toMatchObject({ reason: 'repair', expectedVersion: 0 });
    expect(repaired.status.nextStepAt).toBe(iso(18));
    expect(repaired.checkpoint).toBe(true);
  });

  it('a write that leaves the split alone (targets edited) keeps the hold and is not checkpointed', () => {
    const spec = withAnalysis({ targeting: { users: ['u-qa'] } });
    const d = decide(input(spec, holding(1), atFive, { now: at(4) }));
    expect(d.action).toMatchObject({ reason: 'repair' });
    expect(d.status.nextStepAt).toBe(iso(10));
    expect(d.checkpoint).toBe(false);
  });
});
