// The FailoverPlan handler: observe → pure decide → act → status, as the kit's driver does, with
// one addition the kit lacks: an action's result (the Route 53 change id) amends the status the
// decision built, so the change can be followed to INSYNC.
import type {
  CustomObject,
  EventSpec,
  HandlerContext,
  KindHandler,
  Outcome,
} from '../../controller/index.js';
import { FailoverPlanPhase, type FailoverPlanSpec } from './api.js';
import { act } from './act.js';
import type { FailoverPlanMetrics } from './metrics.js';
import { observe } from './observe.js';
import { decide, type FailoverPlanState, type Tuning } from './plan/index.js';
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
    reconcile: async (
      obj: CustomObject<FailoverPlanSpec, FailoverPlanState>,
      ctx: HandlerContext<FailoverPlanState>,
    ): Promise<Outcome<FailoverPlanState>> => {
      const io = { now: ctx.now(), signal: ctx.signal };
      const observed = await observe(obj, ports, io);
      const decision = decide({
        object: {
          namespace: obj.metadata.namespace ?? '',
          name: obj.metadata.name ?? '',
          uid: obj.metadata.uid ?? '',
        },
        spec: obj.spec,
        status: obj.status,
        annotations: obj.metadata.annotations ?? {},
        observed,
        now: io.now,
        tuning,
      });
      const events: EventSpec[] = [...decision.events];
      let status = decision.status;
      if (decision.action !== undefined) {
        if (decision.checkpoint === true) await ctx.checkpoint(decision.status);
        const acted = await act(decision.action, obj, ports);
        events.push(acted.event);
        ctx.log.info({ action: decision.action.type }, acted.event.message);
        status = acted.amend?.(status) ?? status;
      }
      const key = `${obj.metadata.namespace ?? ''}/${obj.metadata.name ?? ''}`;
      return {
        status,
        events,
        afterStatusWrite: () => {
          metrics.recorded(key, obj.status, status);
        },
        ...(decision.requeueAfterMs === undefined
          ? {}
          : { requeueAfterMs: decision.requeueAfterMs }),
      };
    },
  };
}
