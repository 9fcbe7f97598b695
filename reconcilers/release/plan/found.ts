// "Every AWS write is an Event", also when the controller died right after a write: the Event is
// emitted once the call returned, so a crash (or a lost status write) between the answer and the
// status write loses it. The status written after a successful write records which write it was
// (`status.lastWrite`); a later reconcile that finds a write's effect without that record tells it
// then, saying it was found done.
import { createHash } from 'node:crypto';
import type { TargetGroupWeight } from '../../shared/ports/traffic.js';
import type { Draft } from './draft.js';
import { note } from './history.js';
import type { Action } from './types.js';

/** Event reasons for the actions, in the past tense: they are emitted once the call returned. */
export const ACTION_REASON: Record<Action['type'], string> = {
  registerTaskDefinition: 'TaskDefinitionRegistered',
  createTaskSet: 'TaskSetCreated',
  scaleTaskSet: 'TaskSetScaled',
  setWeights: 'TrafficShifted',
  setPrimary: 'PrimaryTaskSetChanged',
  deleteTaskSet: 'TaskSetDeleted',
  updateService: 'ServiceUpdated',
  createSnapshot: 'SnapshotCreated',
  setMaintenanceFlag: 'MaintenanceFlagSet',
  runMigrationTask: 'MigrationTaskStarted',
  stopTask: 'MigrationTaskStopped',
  claimService: 'ServiceClaimed',
};

/** What identifies a write whose effect can be found afterwards. */
export type WriteId =
  | { readonly type: 'createTaskSet'; readonly externalId: string }
  | {
      readonly type: 'setWeights';
      readonly listenerArn: string;
      readonly weights: readonly TargetGroupWeight[];
    }
  | { readonly type: 'setPrimary'; readonly taskSetArn: string }
  | { readonly type: 'createSnapshot'; readonly snapshotId: string }
  | { readonly type: 'updateService'; readonly taskDefinitionArn: string }
  | { readonly type: 'runMigrationTask'; readonly startedBy: string };

const digest = (value: unknown): string =>
  createHash('sha256').update(JSON.stringify(value)).digest('hex').slice(0, 16);

function idOf(write: WriteId): string {
  switch (write.type) {
    case 'createTaskSet':
      return `${write.type} ${digest(write.externalId)}`;
    case 'setWeights':
      return `${write.type} ${digest([write.listenerArn, write.weights.map((w) => [w.targetGroupArn, w.weight])])}`;
    case 'setPrimary':
      return `${write.type} ${digest(write.taskSetArn)}`;
    case 'createSnapshot':
      return `${write.type} ${digest(write.snapshotId)}`;
    case 'updateService':
      return `${write.type} ${digest(write.taskDefinitionArn)}`;
    case 'runMigrationTask':
      return `${write.type} ${digest(write.startedBy)}`;
  }
}

/** `status.lastWrite` after `action` succeeded (undefined: not one that is looked for). */
export function lastWriteOf(action: Action): string | undefined {
  return action.type === 'createTaskSet' ||
    action.type === 'setWeights' ||
    action.type === 'setPrimary' ||
    action.type === 'createSnapshot' ||
    action.type === 'updateService' ||
    action.type === 'runMigrationTask'
    ? idOf(action)
    : undefined;
}

/**
 * How an Event of a write found done says so. Routine, not a crash: the status write after the
 * action did not land (a 409 race, a restart), so the next reconcile saw the effect and recorded
 * it. It says the write happened and that it was found, not answered.
 */
export const CONFIRMED_NEXT_RECONCILE =
  'confirmed on the next reconcile, found already done: the status write after it had not landed';

/** The effect of `write` is seen for the first time: tell it, unless status says we made it. */
export function foundDone(draft: Draft, write: WriteId, message: string): void {
  if (draft.status.lastWrite === idOf(write)) return;
  note(draft, 'Normal', ACTION_REASON[write.type], `${message} (${CONFIRMED_NEXT_RECONCILE})`);
}
