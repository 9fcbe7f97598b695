// Semantic validation of a ScalePolicy beyond what the CRD schema enforces (and all of it again,
// as defence in depth when an older CRD is installed). Pure; errors name the exact field.
import { validateSpec, type FieldError } from '../shared/api/validation.js';
import { ScalePolicySpec, type ScalePolicy } from './api.js';

export function validateScalePolicy(policy: Pick<ScalePolicy, 'spec'>): FieldError[] {
  return validateSpec(ScalePolicySpec, policy.spec, (spec) =>
    (spec.autoscaling?.scheduled ?? []).flatMap((action, i) =>
      cronErrors(action.schedule, `spec.autoscaling.scheduled[${i}].schedule`),
    ),
  );
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
