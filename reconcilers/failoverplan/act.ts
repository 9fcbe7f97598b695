// Executes the one action `decide` chose. Both are recognisable afterwards (the target's desired
// count, the record's value), so after a crash the next decision sees them done and never
// repeats them. The UPSERT's change id is added to the SwitchDns step, to follow it to INSYNC.
import type { EventSpec } from '../../controller/index.js';
import { FailoverStepName } from './api.js';
import type { Action, FailoverPlanState } from './plan/index.js';
import type { FailoverPlanObject, FailoverPlanPorts } from './ports.js';

export interface Acted {
  readonly event: EventSpec;
  /** What the call returned that status records (the decision's status, amended). */
  readonly amend?: (status: FailoverPlanState) => FailoverPlanState;
}

export async function act(
  action: Action,
  plan: FailoverPlanObject,
  ports: FailoverPlanPorts,
): Promise<Acted> {
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
        // Another writer moved the flag since it was read: retried from a fresh read.
        throw new Error(
          `read-only flag ${action.flag} changed meanwhile (version ${result.conflict.currentVersion}, expected ${action.expectedVersion}); retrying`,
        );
      }
      return {
        event: {
          type: action.on ? 'Warning' : 'Normal',
          reason: action.on ? 'ReadOnlyOn' : 'ReadOnlyOff',
          message: `${action.flag} ${action.on ? 'on' : 'off'} (${action.updatedBy}${action.reason === '' ? '' : `: ${action.reason}`})`,
        },
      };
    }
    case 'restoreDatabase':
      await ports.rds.restore(action.region, action.snapshotId, action.target, action.ownerUid);
      return {
        event: {
          type: 'Normal',
          reason: 'RestoreStarted',
          message: `RDS ${action.target} being restored from snapshot ${action.snapshotId} (${action.region})`,
        },
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
        amend: (status) => withTaskArn(status, task.arn),
      };
    }
    case 'setDesiredCount':
      await ports.ecs.setDesiredCount(action.ref, action.count);
      return {
        event: {
          type: 'Normal',
          reason: 'TargetScaled',
          message: `${action.ref.service} in ${action.ref.region}: desiredCount ${action.from} → ${action.count}`,
        },
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
        amend: (status) => withChangeId(status, changeId),
      };
    }
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
  const v = status.safeMode?.validation;
  if (status.safeMode === undefined || v === undefined) return status;
  return { ...status, safeMode: { ...status.safeMode, validation: { ...v, taskArn } } };
}
