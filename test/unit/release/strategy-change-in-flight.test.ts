// A revision is driven and undone with the strategy it started with. Before this rule, a rolling
// spec applied over a canary at 15 % made decide() call the revision healthy with the canary still
// taking traffic; a blue/green spec sent it to an approval gate over a canary task set.
import { describe, expect, it } from 'vitest';
import { validateRelease } from '../../../reconcilers/release/validate.js';
import { blueGreenSpec, canarySpec, rollingSpec } from './support/world.js';

const inFlightCanary = {
  stage: 'Steps',
  strategy: 'Canary',
  revision: { number: 3, specHash: 'h3', image: 'latticedb:v3' },
} as const;

describe('a strategy change while a revision is in flight', () => {
  it('is refused on spec.strategy, saying how to go on', () => {
    for (const spec of [rollingSpec(), blueGreenSpec()]) {
      expect(validateRelease({ spec, status: inFlightCanary })).toEqual([
        {
          field: 'spec.strategy',
          message:
            'revision 3 is in flight as Canary: restore spec.strategy.canary until it is done ' +
            '(or annotate delivery.latticedb.com/abort=3 once restored), then change the strategy',
        },
      ]);
    }
  });

  it('is refused while the revision rolls back too (undoing needs its listener and task sets)', () => {
    const status = { ...inFlightCanary, stage: 'RollingBack' } as const;
    expect(validateRelease({ spec: rollingSpec(), status }).map((e) => e.field)).toEqual([
      'spec.strategy',
    ]);
  });

  it('is accepted once the revision is done, and for the same strategy in flight', () => {
    const done = { ...inFlightCanary, stage: 'Done' } as const;
    expect(validateRelease({ spec: rollingSpec(), status: done })).toEqual([]);
    expect(validateRelease({ spec: canarySpec(), status: inFlightCanary })).toEqual([]);
    expect(validateRelease({ spec: rollingSpec() })).toEqual([]);
  });
});
