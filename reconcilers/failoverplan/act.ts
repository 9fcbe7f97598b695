// Executes the one action `decide` chose. Each is recognisable afterwards (the target's desired
// count, the record's value, the flag's state, the restore's owner tag, the task's startedBy),
// so after a crash the next decision sees it done and never repeats it. What the UPSERT (its
// change id, followed to INSYNC), the validation task (its ARN) and the read-only flag's
// compare-and-set (written, or a lost race) answer is returned for the decision's `afterAction`
// (plan/action-result.ts).
import type { EventSpec } from '../../controller/index.js';
import type { Acted } from '../shared/kit/index.js';
import type { Action, ActionResult } from './plan/index.js';
import type { FailoverPlanObject, FailoverPlanPorts } from './ports.js';

export async function act(
  action: Action,
  plan: FailoverPlanObject,
  ports: FailoverPlanPorts,
): Promise<EventSpec | Acted<ActionResult>> {
  switch (action.type) {
    case 'setReadOnly': {
      const found = await ports.flags(plan);
      if ('problem' in found) throw new Error(`read-only flag ${action.flag}: ${found.problem}`);
      const result = await found.store.compareAndSet(action.flag, action.expectedVersion, {
        enabled: action.on,
        basisPoints: 10_000,
        salt: action.salt,
        targets: [],
        killSwitch: null,
        updatedBy: action.updatedBy,
      });
      if (!result.ok) {
        // Another writer moved the flag since it was read: a lost race, told to the decision
        // (nothing recorded, decided afresh from a new read), not an error with backoff.
        return { result: { type: 'flagConflict', currentVersion: result.conflict.currentVersion } };
      }
      const handBack =
        action.handBackTo === undefined ? '' : `, handed back to ${action.handBackTo}`;
      return {
        event: {
          type: action.on ? 'Warning' : 'Normal',
          reason: action.on ? 'ReadOnlyOn' : 'ReadOnlyOff',
          message: `${action.flag} ${action.on ? 'on' : 'off'} (${action.updatedBy}${action.reason === '' ? '' : `: ${action.reason}`}${handBack})`,
        },
        result: { type: 'flagWritten', version: result.version },
      };
    }
    case 'snapshotDatabase': {
      const snapshot = await ports.rds.createSnapshot(
        action.region,
        action.instance,
        action.snapshotId,
      );
      return {
        type: 'Normal',
        reason: 'EvidenceSnapshotTaken',
        message: `RDS snapshot ${snapshot.id} of ${action.instance} (${snapshot.status}): the state at safe mode, kept as evidence`,
      };
    }
    case 'restoreDatabase':
      await ports.rds.restore(action.region, action.snapshotId, action.target, action.ownerUid);
      return {
        type: 'Normal',
        reason: 'RestoreStarted',
        message: `RDS ${action.target} being restored from snapshot ${action.snapshotId} (${action.region})`,
      };
    case 'runValidationTask': {
      // Idempotent by startedBy (written ahead): a task already started with it is returned.
      const task = await ports.ecs.runTask(action.ref, {
        taskDefinitionArn: action.taskDefinitionArn,
        container: action.container,
        command: action.command,
        startedBy: action.startedBy,
        environment: action.environment,
      });
      return {
        event: {
          type: 'Normal',
          reason: 'RestoreValidationStarted',
          message: `validation task ${task.arn} (${action.startedBy}) started in ${action.ref.region} on ${action.taskDefinitionArn}`,
        },
        result: { type: 'taskStarted', taskArn: task.arn },
      };
    }
    case 'setDesiredCount':
      await ports.ecs.setDesiredCount(action.ref, action.count);
      return {
        type: 'Normal',
        reason: 'TargetScaled',
        message: `${action.ref.service} in ${action.ref.region}: desiredCount ${action.from} → ${action.count}`,
      };
    case 'upsertRecord': {
      const changeId = await ports.dns.upsertRecord(
        action.record,
        action.value,
        action.ttl,
        action.comment,
      );
      return {
        event: {
          type: 'Normal',
          reason: 'DnsSwitched',
          message: `UPSERT ${action.record.name} ${action.record.type} → ${action.value} (change ${changeId})`,
        },
        result: { type: 'recordChanged', changeId },
      };
    }
  }
}
