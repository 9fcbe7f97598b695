// Conditions, computed from scratch each reconcile: the kstatus trio from the situation and
// StandbyReady from the latest standby evaluation.
import type { ConditionInput } from '../../../controller/index.js';
import { condition, conditionsOf } from '../../shared/kit/index.js';
import { FailoverPlanConditionType as Type } from '../api.js';
import type { Situation } from './decide.js';
import type { FailoverPlanState } from './types.js';

export function conditionsFor(status: FailoverPlanState, situation: Situation): ConditionInput[] {
  const standby = status.standby;
  return conditionsOf(
    situation,
    standby === undefined
      ? []
      : [
          condition(
            Type.StandbyReady,
            status.standbyReady === true ? 'True' : 'False',
            standby.reason,
            `${standby.checkedAt}: ${standby.message}`,
          ),
        ],
  );
}
