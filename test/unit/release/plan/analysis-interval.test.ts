// spec.analysis.interval paces a Release's gates (issue 9, item 6): seen, `interval: 2s` with no
// per-metric interval was measured once a minute, the metric's own default.
import { describe, expect, it } from 'vitest';
import { activeGate } from '../../../../reconcilers/release/plan/analysis.js';
import {
  canarySpec,
  canaryTaskSet,
  ERROR_RATE_CHECK,
  inFlight,
  iso,
  run,
  service,
  stableTaskSet,
  weights,
} from './fixtures.js';

const { interval: _own, ...rest } = ERROR_RATE_CHECK;
const noInterval = { ...rest, count: 3 };

/** A background gate of step 0 whose last measurement was taken `agoMs` ago. */
const gateRunning = (spec: ReturnType<typeof canarySpec>, agoMs: number) =>
  inFlight(
    'Steps',
    {
      currentStepIndex: 2,
      currentWeight: 5,
      analysis: {
        step: 0,
        startedAt: iso(-agoMs),
        verdict: 'Running',
        measurements: [
          { metric: 'error-rate', value: 0.1, verdict: 'Successful', at: iso(-agoMs) },
        ],
      },
    },
    spec,
  );

describe('spec.analysis.interval in a Release', () => {
  it('is the interval of each metric without its own', () => {
    const spec = canarySpec({ analysis: { interval: '2s', metrics: [noInterval] } });
    expect(activeGate(spec, gateRunning(spec, 0))?.checks[0]?.interval).toBe('2s');
  });

  it('a metric with a longer interval of its own keeps it; a shorter one is paced by the gate', () => {
    const longer = canarySpec({ analysis: { interval: '2s', metrics: [ERROR_RATE_CHECK] } });
    expect(activeGate(longer, gateRunning(longer, 0))?.checks[0]?.interval).toBe('1m');
    const shorter = canarySpec({
      analysis: { interval: '30s', metrics: [{ ...ERROR_RATE_CHECK, interval: '10s' }] },
    });
    expect(activeGate(shorter, gateRunning(shorter, 0))?.checks[0]?.interval).toBe('30s');
  });

  it('a running gate comes back after the gate interval, not the metric default of a minute', () => {
    const spec = canarySpec({ analysis: { interval: '2s', metrics: [noInterval] } });
    const d = run(
      gateRunning(spec, 1_000),
      { service: service([stableTaskSet(), canaryTaskSet(5)]), weights: weights(5) },
      { spec },
    );
    expect(d.requeueAfterMs).toBeLessThanOrEqual(2_000);
  });
});
