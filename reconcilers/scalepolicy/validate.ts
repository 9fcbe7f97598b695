// Semantic validation of a ScalePolicy beyond what the CRD schema enforces (and all of it again,
// as defence in depth when an older CRD is installed). Pure; errors name the exact field.
import { validateMetricCheck } from '../shared/analysis/index.js';
import { validateSpec, type FieldError } from '../shared/api/validation.js';
import { ScalePolicySpec, type ScalePolicy } from './api.js';

export function validateScalePolicy(policy: Pick<ScalePolicy, 'spec'>): FieldError[] {
  return validateSpec(ScalePolicySpec, policy.spec, (spec) => [
    ...(spec.autoscaling?.scheduled ?? []).flatMap((action, i) => [
      ...cronErrors(action.schedule, `spec.autoscaling.scheduled[${i}].schedule`),
      ...timezoneErrors(action.timezone, `spec.autoscaling.scheduled[${i}].timezone`),
    ]),
    ...(spec.scaleDown?.analysis ?? []).flatMap((check, i) =>
      validateMetricCheck(check, `spec.scaleDown.analysis[${i}]`),
    ),
    // Every field has an effect: steps need a count to step toward.
    ...(spec.scaleDown !== undefined && spec.desiredCount === undefined
      ? [
          {
            field: 'spec.scaleDown',
            message:
              'scaleDown steps toward spec.desiredCount, which is not set (with autoscaling alone the autoscaler moves the count)',
          },
        ]
      : []),
  ]);
}

// Application Auto Scaling cron has six fields (minutes hours day-of-month month day-of-week
// year), unlike Unix cron's five; the pattern cannot count them, AWS would refuse at apply time.
function cronErrors(schedule: string, field: string): FieldError[] {
  const match = /^cron\((.*)\)$/.exec(schedule);
  if (!match) return [];
  const fields = (match[1] ?? '').trim().split(/\s+/);
  return fields.length === 6
    ? []
    : [
        {
          field,
          message: `cron() needs 6 fields (minutes hours day-of-month month day-of-week year), got ${fields.length}`,
        },
      ];
}

// The pattern admits any name-shaped string; AWS accepts only IANA zones (as Node's ICU knows them).
function timezoneErrors(timezone: string | undefined, field: string): FieldError[] {
  if (timezone === undefined) return [];
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: timezone });
    return [];
  } catch {
    return [
      { field, message: `${timezone} is not an IANA time zone (e.g. America/New_York, UTC)` },
    ];
  }
}
