// FailoverPlan's pure decision core (no I/O): what observe, act and the reconciler import.
export { decide, runInFlight } from './decide.js';
export { changeToFollow, needsValidation } from './needs.js';
export { readiness } from './readiness.js';
export {
  DEFAULT_TUNING,
  type Action,
  type ActionResult,
  type CheckResult,
  type DecideInput,
  type Decision,
  type FailoverPlanState,
  type Observed,
  type SiteObserved,
  type Tuning,
} from './types.js';
