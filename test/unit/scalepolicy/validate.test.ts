// ScalePolicy input the CRD cannot refuse: InvalidSpec naming the field.
import { describe, expect, it } from 'vitest';
import { validateScalePolicy } from '../../../reconcilers/scalepolicy/validate.js';
import { REF } from './world.js';

describe('validateScalePolicy beyond the CRD', () => {
  it('refuses a time zone AWS does not know', () => {
    const spec = {
      target: REF,
      autoscaling: {
        minCapacity: 1,
        maxCapacity: 4,
        scheduled: [
          { name: 'n', schedule: 'rate(1 hour)', timezone: 'Mars/Olympus', minCapacity: 2 },
        ],
      },
    };
    expect(validateScalePolicy({ spec })).toEqual([
      {
        field: 'spec.autoscaling.scheduled[0].timezone',
        message: 'Mars/Olympus is not an IANA time zone (e.g. America/New_York, UTC)',
      },
    ]);
    spec.autoscaling.scheduled[0]!.timezone = 'Europe/Berlin';
    expect(validateScalePolicy({ spec })).toEqual([]);
  });

  it('refuses scaleDown without a desiredCount to step toward', () => {
    expect(
      validateScalePolicy({
        spec: {
          target: REF,
          autoscaling: { minCapacity: 1, maxCapacity: 4 },
          scaleDown: { step: 2 },
        },
      }).map((e) => e.field),
    ).toEqual(['spec.scaleDown']);
  });

  it('checks health metrics with the analysis engine, naming the metric', () => {
    const errors = validateScalePolicy({
      spec: {
        target: REF,
        desiredCount: 3,
        scaleDown: {
          analysis: [
            {
              name: 'cpu',
              cloudWatch: {
                metric: {
                  namespace: 'AWS/ECS',
                  metricName: 'CPUUtilization',
                  stat: 'Average',
                  period: '1m',
                },
              },
              successCondition: 'below sixty',
            },
          ],
        },
      },
    });
    expect(errors.map((e) => e.field)).toEqual([
      expect.stringMatching(/^spec\.scaleDown\.analysis\[0\]/),
    ]);
  });
});
