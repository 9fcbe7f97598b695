// The Release decision core: pure functions only (see decide.ts).
export { decide } from './decide.js';
export { CLAIM_TAG, claimNeedsOwnerCheck, claimOf, claimValue, type ClaimView } from './claim.js';
export { derivePhase, isTerminal } from './phase.js';
export { observationNeeds, type ObservationNeeds } from './needs.js';
export { SPEC_HASH_TAG, specHash } from './revision.js';
export { canarySteps, expandShorthand, stepDisplay, type PlanStep } from './steps.js';
export {
  externalIdFor,
  familyOf,
  currentTaskDefinitionArn,
  routingOf,
  serviceRef,
} from './world.js';
export {
  DEFAULT_TUNING,
  type Action,
  type ActionResult,
  type ActionType,
  type DecideInput,
  type Decision,
  type DecisionFacts,
  type FlagState,
  type ObjectIdentity,
  type Observed,
  type TransitionResult,
  type Tuning,
} from './types.js';
export type { ReleaseState } from './types.js';
