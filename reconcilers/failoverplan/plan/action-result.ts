// What an action's answer adds to the status that decided it (the kit's `afterAction`), so status
// records it only once the call succeeded: Route 53's change id goes into the SwitchDns step, to
// follow the change to INSYNC; the validation task's ARN into the restore's validation record.
// The read-only flag's compare-and-set that met another writer's version is a lost race, as for
// Release's maintenance flag and FlagRollout's flag: nothing recorded, decided afresh soon.
import type { AfterAction } from '../../shared/kit/index.js';
import { FailoverStepName } from '../api.js';
import type { Action, ActionResult, FailoverPlanState } from './types.js';

/** Whether `action` answers something the decision must fold in (the others need no `afterAction`). */
export function answers(action: Action): boolean {
  return (
    action.type === 'upsertRecord' ||
    action.type === 'runValidationTask' ||
    action.type === 'setReadOnly'
  );
}

/** `status` (the decision's) with what `action` answered; a lost race comes back after `retryMs`. */
export function withResult(
  status: FailoverPlanState,
  action: Action,
  result: ActionResult,
  retryMs: number,
): AfterAction<FailoverPlanState> {
  switch (result.type) {
    case 'recordChanged':
      return { outcome: 'applied', status: withChangeId(status, result.changeId) };
    case 'taskStarted':
      return { outcome: 'applied', status: withTaskArn(status, result.taskArn) };
    case 'flagWritten':
      return { outcome: 'applied', status };
    case 'flagConflict':
      return {
        outcome: 'lost',
        why: `read-only flag ${action.type === 'setReadOnly' ? action.flag : '?'} changed meanwhile (version ${result.currentVersion}, expected ${action.type === 'setReadOnly' ? action.expectedVersion : '?'})`,
        requeueAfterMs: retryMs,
      };
  }
}

function withChangeId(status: FailoverPlanState, changeId: string): FailoverPlanState {
  const run = status.lastFailover;
  const steps = run?.steps ?? [];
  const last = steps.at(-1);
  if (run === undefined || last?.name !== FailoverStepName.SwitchDns) return status;
  return {
    ...status,
    lastFailover: { ...run, steps: [...steps.slice(0, -1), { ...last, changeId }] },
  };
}

function withTaskArn(status: FailoverPlanState, taskArn: string): FailoverPlanState {
  const validation = status.safeMode?.validation;
  if (status.safeMode === undefined || validation === undefined) return status;
  return { ...status, safeMode: { ...status.safeMode, validation: { ...validation, taskArn } } };
}
