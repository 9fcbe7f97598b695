// Semantic validation of a FlagRollout beyond what the CRD schema enforces (and all of it again,
// as defence in depth when an older CRD is installed). Pure; errors name the exact field.
import { validateMetricCheck } from '../shared/analysis/validate.js';
import { decreasingErrors, validateSpec, type FieldError } from '../shared/api/validation.js';
import { FlagRolloutSpec, type FlagRollout } from './api.js';

export function validateFlagRollout(rollout: Pick<FlagRollout, 'spec'>): FieldError[] {
  return validateSpec(FlagRolloutSpec, rollout.spec, (spec) => [
    ...decreasingErrors(
      spec.steps.map((step, i) => ({
        field: `spec.steps[${i}].percentage`,
        value: step.percentage,
      })),
      'percentage',
    ),
    // Periods, windows and conditions the analysis engine could not use mid-rollout.
    ...(spec.analysis?.metrics ?? []).flatMap((check, i) =>
      validateMetricCheck(check, `spec.analysis.metrics[${i}]`),
    ),
  ]);
}
