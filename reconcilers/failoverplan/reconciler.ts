// The FailoverPlan handler: the kit's driver over this kind's observe, pure decide and act. What
// an action answers (the Route 53 change id, the validation task's ARN) is folded into status by
// the decision's `afterAction` (plan/action-result.ts); the metrics count each stored decision
// once, through the driver's `recorded` (the checkpoint, since every action is written ahead).
import type { KindHandler } from '../../controller/index.js';
import { identityOf, reconcileWith } from '../shared/kit/index.js';
import { FailoverPlanPhase, type FailoverPlanSpec } from './api.js';
import { act } from './act.js';
import type { FailoverPlanMetrics } from './metrics.js';
import { observe } from './observe.js';
import {
  decide,
  type Action,
  type ActionResult,
  type FailoverPlanState,
  type Observed,
  type Tuning,
} from './plan/index.js';
import type { FailoverPlanPorts } from './ports.js';
import { validateFailoverPlan } from './validate.js';

export function failoverPlanHandler(
  ports: FailoverPlanPorts,
  tuning: Tuning,
  metrics: FailoverPlanMetrics,
): KindHandler<FailoverPlanSpec, FailoverPlanState> {
  return {
    validate: (obj) => validateFailoverPlan(obj),
    stalledPhase: FailoverPlanPhase.Degraded,
    reconcile: reconcileWith<FailoverPlanSpec, FailoverPlanState, Action, Observed, ActionResult>({
      observe: (obj, io) => observe(obj, ports, io),
      decide: (obj, observed, now) =>
        decide({
          object: identityOf(obj),
          spec: obj.spec,
          status: obj.status,
          annotations: obj.metadata.annotations ?? {},
          observed,
          now,
          tuning,
        }),
      act: (action, obj) => act(action, obj, ports),
      recorded: (decision, _observed, obj) => {
        const key = `${obj.metadata.namespace ?? ''}/${obj.metadata.name ?? ''}`;
        metrics.recorded(key, obj.status, decision.status);
      },
    }),
  };
}
