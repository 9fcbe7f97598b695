// What an action's answer makes of the reconcile that performed it (the kit's `afterAction`):
// status records the write only once the call returned, with what the answer told.
import type { AfterAction } from '../../shared/kit/index.js';
import { lastWriteOf } from './found.js';
import type { Action, ActionResult, ReleaseState } from './types.js';

/**
 * `status` as it stands once `action` returned `result`: which write it was (`lastWrite`, see
 * found.ts) and the registered task definition's ARN as soon as RegisterTaskDefinition returned
 * it (the write happened), so the next reconcile reads it by ARN instead of searching the family
 * by tag. A maintenance-flag compare-and-set that met another writer's version is a lost race:
 * nothing is recorded and the next reconcile reads the flag afresh.
 */
export function afterReleaseAction(
  status: ReleaseState,
  action: Action,
  result: ActionResult,
  retryMs: number,
): AfterAction<ReleaseState> {
  if (result.flagConflict !== undefined && action.type === 'setMaintenanceFlag') {
    return {
      outcome: 'lost',
      why: `maintenance flag ${action.flag} changed meanwhile (version ${result.flagConflict.currentVersion}, expected ${action.expectedVersion})`,
      requeueAfterMs: retryMs,
    };
  }
  return { outcome: 'applied', status: withResult(status, action, result) };
}

export function withResult(
  status: ReleaseState,
  action: Action,
  result: ActionResult,
): ReleaseState {
  const lastWrite = lastWriteOf(action);
  if (lastWrite !== undefined) status = { ...status, lastWrite };
  const revision = status.revision;
  const arn = result.taskDefinitionArn;
  if (
    arn === undefined ||
    revision?.registering !== true ||
    revision.taskDefinitionArn !== undefined
  )
    return status;
  const { registering: _registering, ...rest } = revision;
  return { ...status, revision: { ...rest, taskDefinitionArn: arn } };
}
