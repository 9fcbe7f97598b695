// ScalePolicy's pure decision core (no I/O): what observe, act and the reconciler import.
export { decide } from './decide.js';
export { needsAutoscaling, needsMeasurements, needsReleases } from './needs.js';
export { applied } from './autoscaling.js';
export { isOwnedBy, ownerPrefix, policyName, scheduledActionName } from './names.js';
export {
  DEFAULT_TUNING,
  type Action,
  type AutoscalingObserved,
  type DecideInput,
  type FailoverHoldView,
  type Decision,
  type Observed,
  type ReleaseView,
  type ScalePolicyState,
  type Tuning,
} from './types.js';
