// The reconciler kit: the pieces every kind is built from (see reconcilers/README.md).
export { earliest, type ActionShape, type AfterAction, type Decision } from './decision.js';
export { readAll, wasRead, type Observation } from './observation.js';
export { bounded, MAX_MESSAGE, transition, type HistoryEntry } from './history.js';
export { condition, conditionsOf, type ConditionStatus, type Verdict } from './conditions.js';
export { reconcileWith, type Acted, type Io, type KindParts } from './driver.js';
export { identityOf, type ObjectIdentity } from './identity.js';
export {
  observeFailedStatus,
  observeProblem,
  ObserveFailure,
  type ObserveProblem,
} from './observe-failure.js';
