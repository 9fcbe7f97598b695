// Semantic checks of each kind's validate() that go beyond the admission table.
import { describe, expect, it } from 'vitest';
import { validateFailoverPlan } from '../../../reconcilers/failoverplan/validate.js';
import { validateFlagRollout } from '../../../reconcilers/flagrollout/validate.js';
import type { ReleaseSpec } from '../../../reconcilers/release/api.js';
import { validateRelease } from '../../../reconcilers/release/validate.js';
import { validateScalePolicy } from '../../../reconcilers/scalepolicy/validate.js';
import { example } from '../../integration/crds/examples.js';

const releaseSpec = (name: string): ReleaseSpec => example(name).spec as ReleaseSpec;

describe('validateRelease', () => {
  it('refuses a missing spec', () => {
    expect(validateRelease({ spec: undefined as never })).toEqual([
      { field: 'spec', message: 'Required value' },
    ]);
  });

  it('names ALB ARNs from another region than the service', () => {
    const release = releaseSpec('release-canary');
    release.target.region = 'us-west-2';
    expect(validateRelease({ spec: release }).map((e) => e.field)).toEqual([
      'spec.strategy.canary.trafficRouting.alb.listenerArn',
      'spec.strategy.canary.trafficRouting.alb.stableTargetGroupArn',
      'spec.strategy.canary.trafficRouting.alb.canaryTargetGroupArn',
    ]);
  });

  it('checks blue/green ARNs too, including the test listener', () => {
    const release = releaseSpec('release-hotfix-bluegreen');
    const alb = release.strategy.blueGreen?.trafficRouting.alb;
    if (!alb) throw new Error('example changed');
    alb.testListenerArn = alb.testListenerArn?.replace(':us-east-1:', ':eu-west-1:');
    expect(validateRelease({ spec: release })).toEqual([
      {
        field: 'spec.strategy.blueGreen.trafficRouting.alb.testListenerArn',
        message: 'is in eu-west-1, but target.region is us-east-1',
      },
    ]);
  });

  it('accepts equal consecutive weights and reports each unknown metric of a step', () => {
    const release = releaseSpec('release-database-migration');
    release.strategy.canary?.steps?.splice(1, 0, { setWeight: 10 });
    release.strategy.canary?.steps?.push({
      analysis: { metrics: ['error-rate', 'latency', 'cpu'] },
    });
    expect(validateRelease({ spec: release }).map((e) => e.field)).toEqual([
      'spec.strategy.canary.steps[8].analysis.metrics[1]',
      'spec.strategy.canary.steps[8].analysis.metrics[2]',
    ]);
  });
});

describe('validateFlagRollout', () => {
  it('accepts sub-percent steps and equal neighbours', () => {
    const rollout = example('flagrollout-new-query-optimizer').spec;
    rollout.steps = [{ percentage: 0.05, hold: '1h' }, { percentage: 0.05 }, { percentage: 12.5 }];
    expect(validateFlagRollout({ spec: rollout as never })).toEqual([]);
  });

  it('reports every step that goes down', () => {
    const rollout = example('flagrollout-new-query-optimizer').spec;
    rollout.steps = [
      { percentage: 50, hold: '1h' },
      { percentage: 5 },
      { percentage: 100 },
      { percentage: 1 },
    ];
    expect(validateFlagRollout({ spec: rollout as never }).map((e) => e.field)).toEqual([
      'spec.steps[1].percentage',
      'spec.steps[3].percentage',
    ]);
  });
});

describe('validateScalePolicy', () => {
  it('wants six cron fields (Application Auto Scaling, not Unix cron)', () => {
    const policy = example('scalepolicy-gradual').spec as {
      autoscaling: { scheduled: { schedule: string }[] };
    };
    const [first] = policy.autoscaling.scheduled;
    if (!first) throw new Error('example changed');
    first.schedule = 'cron(0 8 * * 1-5)';
    expect(validateScalePolicy({ spec: policy as never })).toEqual([
      {
        field: 'spec.autoscaling.scheduled[0].schedule',
        message: 'cron() needs 6 fields (minutes hours day-of-month month day-of-week year), got 5',
      },
    ]);
  });

  it('accepts rate() and at() schedules', () => {
    const policy = example('scalepolicy-gradual').spec as {
      autoscaling: { scheduled: { schedule: string }[] };
    };
    policy.autoscaling.scheduled = [
      { name: 'a', schedule: 'rate(5 minutes)', minCapacity: 3 },
      { name: 'b', schedule: 'at(2026-12-24T18:00:00)', maxCapacity: 4 },
    ] as never;
    expect(validateScalePolicy({ spec: policy as never })).toEqual([]);
  });
});

describe('validateFailoverPlan', () => {
  it('refuses a CNAME that points at its own name', () => {
    const plan = example('failoverplan-regional-dr').spec as { dns: Record<string, unknown> };
    plan.dns.secondaryValue = 'Prod.LatticeDB.com.';
    expect(validateFailoverPlan({ spec: plan as never })).toEqual([
      {
        field: 'spec.dns.secondaryValue',
        message: 'must not be the record name itself (a CNAME loop)',
      },
    ]);
  });

  it('refuses two checks with one name', () => {
    const plan = example('failoverplan-regional-dr').spec as { validation: unknown[] };
    plan.validation = [
      { name: 'health', url: 'https://prod.latticedb.com/health' },
      { url: 'https://prod.latticedb.com/ready' },
      { name: 'health', url: 'https://prod.latticedb.com/v1/ping' },
    ];
    expect(validateFailoverPlan({ spec: plan as never })).toEqual([
      { field: 'spec.validation[2].name', message: 'Duplicate value: "health"' },
    ]);
  });
});
