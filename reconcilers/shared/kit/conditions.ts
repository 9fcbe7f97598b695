// Condition builders every kind uses: the kstatus trio (Ready / Reconciling / Stalled, exactly one
// True) from one verdict, and domain conditions one function each. Conditions are computed from
// scratch every reconcile; the runtime keeps lastTransitionTime unless a status flips.
import {
  kstatusConditions,
  type ConditionInput,
  type KStatusState,
} from '../../../controller/index.js';
import { bounded } from './history.js';

export type ConditionStatus = ConditionInput['status'];

/** One condition (message bounded for the CRD). */
export function condition(
  type: string,
  status: ConditionStatus,
  reason: string,
  message: string,
): ConditionInput {
  return { type, status, reason, message: bounded(message) };
}

/** Where the object stands, in kstatus terms: the one verdict the three conditions express. */
export interface Verdict {
  readonly state: KStatusState;
  readonly reason: string;
  readonly message: string;
}

/** Ready / Reconciling / Stalled from one verdict, then the kind's domain conditions. */
export function conditionsOf(
  verdict: Verdict,
  domain: readonly ConditionInput[],
): ConditionInput[] {
  return [...kstatusConditions(verdict.state, verdict.reason, bounded(verdict.message)), ...domain];
}
