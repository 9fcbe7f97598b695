// An analysis step names at least one metric. `metrics: []` used to pass validation and the CRD
// (no minItems): the gate then had no checks, the engine judged "no checks" Successful, and the
// step promoted the canary without a single measurement.
import { Value } from '@sinclair/typebox/value';
import { describe, expect, it } from 'vitest';
import { CanaryStep, type ReleaseSpec } from '../../../reconcilers/release/api.js';
import { validateRelease } from '../../../reconcilers/release/validate.js';
import { canarySpec, ERROR_RATE_CHECK } from './support/world.js';

function withSteps(steps: NonNullable<ReleaseSpec['strategy']['canary']>['steps']): ReleaseSpec {
  const base = canarySpec();
  return canarySpec({
    analysis: { metrics: [ERROR_RATE_CHECK] },
    strategy: { canary: { steps, trafficRouting: base.strategy.canary!.trafficRouting } },
  });
}

describe('analysis step metrics', () => {
  it('an empty list is refused, naming the step', () => {
    const errors = validateRelease({
      spec: withSteps([{ setWeight: 10 }, { analysis: { metrics: [] } }, { setWeight: 50 }]),
    });
    expect(errors.map((e) => e.field)).toEqual(['spec.strategy.canary.steps[1].analysis.metrics']);
  });

  it('absent (all metrics) or named metrics are accepted', () => {
    expect(validateRelease({ spec: withSteps([{ setWeight: 10 }, { analysis: {} }]) })).toEqual([]);
    expect(
      validateRelease({
        spec: withSteps([{ setWeight: 10 }, { analysis: { metrics: ['error-rate'] } }]),
      }),
    ).toEqual([]);
  });

  it('the CRD schema says so too (minItems)', () => {
    expect(Value.Check(CanaryStep, { analysis: { metrics: [] } })).toBe(false);
    expect(Value.Check(CanaryStep, { analysis: { metrics: ['error-rate'] } })).toBe(true);
  });
});
