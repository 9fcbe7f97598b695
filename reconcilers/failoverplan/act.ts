// Executes the one action `decide` chose. Both are recognisable afterwards (the target's desired
// count, the record's value), so after a crash the next decision sees them done and never
// repeats them. The UPSERT's change id is added to the SwitchDns step, to follow it to INSYNC.
import type { EventSpec } from '../../controller/index.js';
import { FailoverStepName } from './api.js';
import type { Action, FailoverPlanState } from './plan/index.js';
import type { FailoverPlanPorts } from './ports.js';

export interface Acted {
  readonly event: EventSpec;
  /** What the call returned that status records (the decision's status, amended). */
  readonly amend?: (status: FailoverPlanState) => FailoverPlanState;
}

export async function act(action: Action, ports: FailoverPlanPorts): Promise<Acted> {
  switch (action.type) {
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
