// FlagRollout's pure decision core (no I/O): what observe, act and the reconciler import.
export { decideInput, decideRollout, storeUnreadable } from './rollout.js';
export {
  analysisRequest,
  decide,
  exposureOf,
  MIN_REQUEUE_MS,
  type AnalysisRequest,
  type FlagDecision,
} from './decide.js';
export { WriteReason, type DecideInput, type WriteFlag } from './draft.js';
export { heldByFailoverPlan } from './failover-hold.js';
export { Ownership, ownershipOf, writerIdentity } from './flag-content.js';
export { phaseOf } from './view.js';
export { withStoreProblem } from './store-problem.js';
export type {
  Action,
  ActionResult,
  Decision,
  Observed,
  PublishRolloutInfo,
  RolloutInput,
} from './types.js';
