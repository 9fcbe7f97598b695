// What observe.ts reads beyond the two sites and the record, decided from spec and status alone.
import type { FailoverPlanSpec } from '../api.js';
import { FailoverStepName } from '../api.js';
import { runInFlight } from './decide.js';
import type { FailoverPlanState } from './types.js';

/** The failover step in flight, if any. */
function currentStep(status: FailoverPlanState | undefined) {
  return runInFlight(status)?.steps?.at(-1);
}

/** Validation runs only while a failover is at its Validate step. */
export function needsValidation(
  spec: FailoverPlanSpec,
  status: FailoverPlanState | undefined,
): boolean {
  return (
    (spec.validation?.length ?? 0) > 0 && currentStep(status)?.name === FailoverStepName.Validate
  );
}

/** The Route 53 change to follow: the SwitchDns step's, until it is done. */
export function changeToFollow(status: FailoverPlanState | undefined): string | undefined {
  const step = currentStep(status);
  return step?.name === FailoverStepName.SwitchDns ? step.changeId : undefined;
}
