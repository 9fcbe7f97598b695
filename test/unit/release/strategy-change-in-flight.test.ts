// A revision is driven and undone with the strategy, listener and target groups it started with.
// Before these rules, a rolling spec applied over a canary at 15 % made decide() call the revision
// healthy with the canary still taking traffic; a blue/green spec sent it to an approval gate over a
// canary task set; another listener left the revision's weights behind on the old one.
import { describe, expect, it } from 'vitest';
import type { ReleaseSpec } from '../../../reconcilers/release/api.js';
import { decide } from '../../../reconcilers/release/plan/index.js';
import { inFlightSpec, validateRelease } from '../../../reconcilers/release/validate.js';
import {
  canaryTaskSet,
  inFlight,
  NOW,
  OBJECT,
  run,
  service,
  stableTaskSet,
  weights,
} from './plan/fixtures.js';
import {
  blueGreenSpec,
  canarySpec,
  LISTENER,
  rollingSpec,
  TEST_LISTENER,
  TG_A,
  TG_B,
} from './support/world.js';

const metadata = { namespace: 'prod', name: 'ldb' };
const inFlightCanary = {
  stage: 'Steps',
  strategy: 'Canary',
  revision: { number: 3, specHash: 'h3', image: 'latticedb:v3' },
} as const;

describe('a strategy change while a revision is in flight', () => {
  it('is refused on spec.strategy, saying how to go on', () => {
    for (const spec of [rollingSpec(), blueGreenSpec()]) {
      expect(validateRelease({ metadata, spec, status: inFlightCanary })).toEqual([
        {
          field: 'spec.strategy',
          message:
            'revision 3 is in flight as Canary: restore spec.strategy.canary until it is done ' +
            '(or undo it now: kubectl -n prod annotate release/ldb delivery.latticedb.com/abort=3 --overwrite), ' +
            'then change the strategy',
        },
      ]);
    }
  });

  it('names the abort value that acts: not one status.actions already handled', () => {
    // abort=3, then retry=3.2: abort=3 again would be a no-op, abort=3.2 acts.
    const retried = { ...inFlightCanary, actions: { abort: '3', retry: '3.2' } };
    expect(validateRelease({ metadata, spec: rollingSpec(), status: retried })).toEqual([
      {
        field: 'spec.strategy',
        message:
          'revision 3 is in flight as Canary: restore spec.strategy.canary until it is done ' +
          '(or undo it now: kubectl -n prod annotate release/ldb delivery.latticedb.com/abort=3.2 --overwrite), ' +
          'then change the strategy',
      },
    ]);
  });

  it('is refused while the revision rolls back too (undoing needs its listener and task sets)', () => {
    const status = { ...inFlightCanary, stage: 'RollingBack' } as const;
    const errors = validateRelease({ metadata, spec: rollingSpec(), status });
    expect(errors.map((e) => e.field)).toEqual(['spec.strategy']);
    // Abort is ignored while rolling back: no hint to give it.
    expect(errors[0]?.message).toBe(
      'revision 3 is in flight as Canary: restore spec.strategy.canary until it is done, then change the strategy',
    );
  });

  it('is accepted once the revision is done, and for the same strategy in flight', () => {
    const done = { ...inFlightCanary, stage: 'Done' } as const;
    expect(validateRelease({ spec: rollingSpec(), status: done })).toEqual([]);
    expect(validateRelease({ spec: canarySpec(), status: inFlightCanary })).toEqual([]);
    expect(validateRelease({ spec: rollingSpec() })).toEqual([]);
  });
});

describe('another listener or target groups while a canary is in flight', () => {
  const routed = {
    ...inFlightCanary,
    trafficRouting: { listenerArn: LISTENER, targetGroupArns: [TG_A, TG_B] },
  };
  const withAlb = (
    alb: Partial<NonNullable<ReleaseSpec['strategy']['canary']>['trafficRouting']['alb']>,
  ) => {
    const spec = canarySpec();
    const canary = spec.strategy.canary!;
    return {
      ...spec,
      strategy: {
        canary: { ...canary, trafficRouting: { alb: { ...canary.trafficRouting.alb, ...alb } } },
      },
    };
  };

  it('is refused on the ALB routing, naming what the revision uses', () => {
    const errors = validateRelease({
      metadata,
      spec: withAlb({ listenerArn: TEST_LISTENER }),
      status: routed,
    });
    expect(errors).toEqual([
      {
        field: 'spec.strategy.canary.trafficRouting.alb',
        message:
          `revision 3 shifts traffic on listener ${LISTENER} between ${TG_A} and ${TG_B}: restore them ` +
          'until it is done (or undo it now: kubectl -n prod annotate release/ldb delivery.latticedb.com/abort=3 --overwrite), ' +
          'then change the traffic routing',
      },
    ]);
    expect(
      validateRelease({
        spec: withAlb({ canaryTargetGroupArn: TG_A.replace('ldb-stable', 'other') }),
        status: routed,
      }),
    ).toHaveLength(1);
  });

  it('accepts the same pair in the other order, and any routing once the revision is done', () => {
    const swapped = withAlb({ stableTargetGroupArn: TG_B, canaryTargetGroupArn: TG_A });
    expect(validateRelease({ spec: swapped, status: routed })).toEqual([]);
    const done = { ...routed, stage: 'Done' } as const;
    expect(
      validateRelease({ spec: withAlb({ listenerArn: TEST_LISTENER }), status: done }),
    ).toEqual([]);
  });

  it('a new revision records the routing it starts with', () => {
    const d = run(
      inFlight('Done', { outcome: 'Succeeded' }),
      {},
      { spec: canarySpec({ image: 'x:v9' }) },
    );
    expect(d.status.revision?.number).toBe(2);
    expect(d.status.trafficRouting).toEqual({
      listenerArn: LISTENER,
      targetGroupArns: [TG_A, TG_B],
    });
    const rolling = run(
      inFlight('Done', { outcome: 'Succeeded', trafficRouting: routed.trafficRouting }),
      {},
      {
        spec: rollingSpec({ image: 'x:v9' }),
      },
    );
    expect(rolling.status.revision?.number).toBe(2);
    expect(rolling.status.trafficRouting).toBeUndefined();
  });
});

describe('operator emergency actions while the spec is refused (issue 9, item 4)', () => {
  const routing = { listenerArn: LISTENER, targetGroupArns: [TG_A, TG_B] };
  const refused = { ...rollingSpec(), image: canarySpec().image };

  it('the revision is undone with its own strategy and routing, from status', () => {
    const status = { ...inFlightCanary, trafficRouting: routing };
    const spec = inFlightSpec({ spec: refused, status });
    expect(spec?.strategy.canary?.trafficRouting.alb).toEqual({
      listenerArn: LISTENER,
      stableTargetGroupArn: TG_A,
      canaryTargetGroupArn: TG_B,
    });
    expect(spec?.image).toBe(refused.image);
    // Nothing in flight, or a spec invalid in itself: no stand-in.
    expect(inFlightSpec({ spec: refused, status: { ...status, stage: 'Done' } })).toBeUndefined();
  });

  it('abort begins the rollback; other actions wait, and nothing else moves', () => {
    const status = inFlight('Steps', {
      currentStepIndex: 1,
      currentWeight: 10,
      trafficRouting: routing,
    });
    const spec = inFlightSpec({ spec: refused, status: { ...status, strategy: 'Canary' } })!;
    const held = (annotations: Record<string, string>) =>
      decide({
        object: OBJECT,
        spec,
        status: { ...status, strategy: 'Canary' },
        annotations,
        observed: { service: service([stableTaskSet(), canaryTaskSet(10)]), weights: weights(10) },
        now: NOW,
        invalid: 'spec.strategy: revision 1 is in flight as Canary',
      });
    const idle = held({ 'delivery.latticedb.com/promote': '1' });
    expect(idle.action).toBeUndefined();
    expect(idle.status.actions?.promote).toBeUndefined(); // left for when the spec is restored
    expect(idle.status.message).toMatch(/the spec is invalid .*abort=1 or rollback=1/);
    const aborted = held({ 'delivery.latticedb.com/abort': '1' });
    expect(aborted.status).toMatchObject({
      stage: 'RollingBack',
      attempt: { rollback: { outcome: 'Aborted' } },
    });
    expect(aborted.action).toMatchObject({ type: 'setWeights', listenerArn: LISTENER });
  });
});
