// The FailoverPlan interlock for FlagRollouts (reconcilers/shared/interlock). A FlagRollout whose
// flag a FailoverPlan involves holds at its current step — no flag write of any kind, the step's
// hold clock frozen (its remaining time kept, as for a suspended rollout) — with Reconciling
// naming the plan, and resumes when the plan is done. "Involved" means the read-only flag
// (default read_only_mode) of a plan in safe mode: the plan owns that flag then, and a rollout
// re-writing its step's split would undo the safe mode. A failover involves services, not flags.
// Kept in one file with one call site (setup.ts) so it can move with the kind.
import {
  findCondition,
  withKStatus,
  type CustomObject,
  type ExtraWatch,
  type KindRegistration,
  type KubeClient,
  type Outcome,
} from '../../controller/index.js';
import { API_GROUP, API_VERSION } from '../shared/api/kind.js';
import { HELD_BY_FAILOVER_PLAN, interlockHold, type Hold } from '../shared/interlock/index.js';
import type { FlagRolloutSpec, RolloutStatus } from './api.js';

/**
 * PURE: the status of a rollout held by `hold` at `nowMs` — the previous status with the running
 * hold frozen and Reconciling=True (HeldByFailoverPlan) naming the plan; an Event when it starts.
 */
export function heldByFailoverPlan(
  status: RolloutStatus | undefined,
  hold: Hold,
  nowMs: number,
  pollMs: number,
): Outcome<RolloutStatus> {
  const step = status?.currentStep;
  const message = `${hold.message}: holding${step === undefined ? '' : ` at step ${step}`}, no flag write until it is done`;
  const next = Date.parse(status?.nextStepAt ?? '');
  const frozen = Number.isNaN(next)
    ? {}
    : { holdRemainingSeconds: Math.max(0, Math.ceil((next - nowMs) / 1000)) };
  const { nextStepAt: _running, ...rest } = status ?? {};
  const was = findCondition(status?.conditions, 'Reconciling');
  const newly = was?.status !== 'True' || was.reason !== HELD_BY_FAILOVER_PLAN;
  return {
    status: {
      ...rest,
      ...frozen,
      conditions: withKStatus(status?.conditions, 'Reconciling', HELD_BY_FAILOVER_PLAN, message),
      message,
    },
    events: newly ? [{ type: 'Normal', reason: HELD_BY_FAILOVER_PLAN, message }] : [],
    requeueAfterMs: pollMs,
  };
}

type PlanLike = CustomObject<{ safeMode?: { readOnlyFlag?: string } }>;
const FAILOVER_PLANS = { group: API_GROUP, version: API_VERSION, plural: 'failoverplans' } as const;
const DEFAULT_READ_ONLY_FLAG = 'read_only_mode';

/** The registration with the interlock: asked before each reconcile, FailoverPlans watched. */
export function withFailoverInterlock(
  registration: KindRegistration<FlagRolloutSpec, RolloutStatus>,
  kube: Pick<KubeClient, 'list'>,
  pollMs: number,
): KindRegistration<FlagRolloutSpec, RolloutStatus> {
  // Which rollouts drive which flag, learnt from their reconciles (a FailoverPlan names a flag).
  const byFlag = new Map<string, Set<string>>();
  const key = (namespace: string, flag: string) => `${namespace}\u0000${flag}`;
  const handler = registration.handler;
  const watch: ExtraWatch = {
    resource: FAILOVER_PLANS,
    mapToRequests: (plan) => {
      const namespace = plan.metadata?.namespace ?? '';
      const flag = (plan as PlanLike).spec.safeMode?.readOnlyFlag ?? DEFAULT_READ_ONLY_FLAG;
      return [...(byFlag.get(key(namespace, flag)) ?? [])].map((name) => ({ namespace, name }));
    },
  };
  return {
    ...registration,
    handler: {
      ...handler,
      reconcile: async (obj, ctx) => {
        const namespace = obj.metadata.namespace ?? '';
        const names = byFlag.get(key(namespace, obj.spec.flag)) ?? new Set<string>();
        byFlag.set(key(namespace, obj.spec.flag), names.add(obj.metadata.name ?? ''));
        const hold = await interlockHold(kube, namespace, { flags: [obj.spec.flag] });
        return hold === undefined
          ? handler.reconcile(obj, ctx)
          : heldByFailoverPlan(obj.status, hold, ctx.now().getTime(), pollMs);
      },
    },
    watches: [...(registration.watches ?? []), watch],
  };
}
