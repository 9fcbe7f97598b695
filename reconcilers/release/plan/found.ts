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
import { liveTaskSets } from './world.js';

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
  | { readonly type: 'runMigrationTask'; readonly startedBy: string }
  | { readonly type: 'scaleTaskSet'; readonly taskSetArn: string; readonly scalePercent: number }
  | { readonly type: 'deleteTaskSet'; readonly taskSetArn: string }
  | { readonly type: 'stopTask'; readonly taskArn: string }
  | { readonly type: 'setMaintenanceFlag'; readonly flag: string; readonly on: boolean };

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
    case 'scaleTaskSet':
      return `${write.type} ${digest([write.taskSetArn, write.scalePercent])}`;
    case 'deleteTaskSet':
      return `${write.type} ${digest(write.taskSetArn)}`;
    case 'stopTask':
      return `${write.type} ${digest(write.taskArn)}`;
    case 'setMaintenanceFlag':
      return `${write.type} ${digest([write.flag, write.on])}`;
  }
}

/** `status.lastWrite` after `action` succeeded (undefined: not one that is looked for). */
export function lastWriteOf(action: Action): string | undefined {
  return action.type === 'createTaskSet' ||
    action.type === 'setWeights' ||
    action.type === 'setPrimary' ||
    action.type === 'createSnapshot' ||
    action.type === 'updateService' ||
    action.type === 'runMigrationTask' ||
    action.type === 'scaleTaskSet' ||
    action.type === 'deleteTaskSet' ||
    action.type === 'stopTask' ||
    action.type === 'setMaintenanceFlag'
    ? idOf(action)
    : undefined;
}

// Writes whose effect leaves no trace in status that a later reconcile could tell apart from the
// world as it was (a scale reached, a task set or task gone, a flag on or off): they are written
// ahead with `status.lastWrite` = `pending <id>`, and the status written once the call returned
// replaces it with `<id>`. A reconcile that still finds the pending mark and the write's effect in
// the world tells the write then, as found done.
const PENDING = 'pending ';

const WRITTEN_AHEAD: ReadonlySet<Action['type']> = new Set([
  'scaleTaskSet',
  'deleteTaskSet',
  'stopTask',
  'setMaintenanceFlag',
]);

/** The write-ahead `status.lastWrite` for `action` (undefined: not one written ahead). */
export function pendingWriteOf(action: Action): string | undefined {
  if (!WRITTEN_AHEAD.has(action.type)) return undefined;
  const id = lastWriteOf(action);
  return id === undefined ? undefined : `${PENDING}${id}`;
}

/**
 * The write `status.lastWrite` marks as pending (the controller stopped between the call and the
 * status after it), when its effect is seen in this observation: its Event, said found done, and
 * the mark becomes the write's own id so it is told once (true). Not seen (the call never reached the
 * other side, or the world is not read this time): nothing is said, and the next decision decides
 * afresh.
 */
export function tellPendingWrite(draft: Draft): boolean {
  const mark = draft.status.lastWrite;
  if (mark?.startsWith(PENDING) !== true) return false;
  const pending = mark.slice(PENDING.length);
  const seen = effectSeen(draft, pending);
  if (seen === undefined) return false;
  foundDone(draft, seen.write, seen.message);
  draft.status.lastWrite = pending;
  return true;
}

function effectSeen(
  draft: Draft,
  pending: string,
): { readonly write: WriteId; readonly message: string } | undefined {
  const type = pending.split(' ')[0];
  const service = draft.observed.service;
  if (type === 'scaleTaskSet' && service !== null) {
    for (const ts of service.taskSets) {
      const write: WriteId = { type, taskSetArn: ts.arn, scalePercent: ts.scalePercent };
      if (idOf(write) === pending)
        return { write, message: `task set ${ts.id} scaled to ${ts.scalePercent}%` };
    }
  }
  if (type === 'deleteTaskSet' && service !== null) {
    // Gone, or on its way out: the id cannot be matched against a task set ECS no longer lists.
    if (liveTaskSets(service).some((ts) => idOf({ type, taskSetArn: ts.arn }) === pending))
      return undefined;
    const ts = service.taskSets.find((t) => idOf({ type, taskSetArn: t.arn }) === pending);
    return {
      write: { type, taskSetArn: ts?.arn ?? '' },
      message: `deleted task set ${ts?.id ?? '(no longer listed by ECS)'}`,
    };
  }
  const task = draft.observed.migrationTask;
  if (type === 'stopTask' && task !== undefined && task !== null) {
    const write: WriteId = { type, taskArn: task.arn };
    if (
      idOf(write) === pending &&
      (task.desiredStatus === 'STOPPED' || task.lastStatus === 'STOPPED')
    )
      return { write, message: `stopped the migration task ${task.arn}` };
  }
  if (type === 'setMaintenanceFlag') {
    const flags = [
      { flag: draft.spec.migration?.maintenanceFlag, state: draft.observed.flag },
      { flag: draft.status.maintenanceFlagsLeftOn?.[0]?.flag, state: draft.observed.flagLeftOn },
    ];
    for (const { flag, state } of flags) {
      if (flag === undefined || state?.ok !== true) continue;
      const on = state.record?.enabled === true && state.record.basisPoints === 10_000;
      const off = state.record?.enabled !== true;
      // Written by this Release (updatedBy), not by a writer whose version beat its CAS.
      const ours =
        state.record?.updatedBy === `controller:${draft.object.namespace}/${draft.object.name}`;
      const write: WriteId = { type, flag, on };
      if (idOf(write) === pending && ours && (on || off))
        return { write, message: `turned maintenance flag ${flag} ${on ? 'on' : 'off'}` };
    }
  }
  return undefined;
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
