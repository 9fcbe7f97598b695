// The interlock: while a FailoverPlan fails over (or back) or holds safe mode, the other kinds
// leave the services and flags it involves alone — Releases and FlagRollouts hold at their
// current step, ScalePolicy scale-downs wait — and resume once it is done. A kind asks through
// its observe with what it touches (a port over `interlockHold`); the answer names the
// FailoverPlan, and the kind's pure plan decides what holding means for it. A kind that must
// resume at once (not at its next poll) watches FailoverPlans with `failoverPlanWatch`.
// FailoverPlans are read through their spec and status only (no import of the kind), from the
// apiserver.
import {
  isForbidden,
  isNotFound,
  type CustomObject,
  type ExtraWatch,
  type KubeClient,
  type KubeObject,
  type Request,
} from '../../../controller/index.js';
import { API_GROUP, API_VERSION } from '../api/kind.js';
import type { ServiceRef } from '../ports/ecs.js';

/** A Paused / held condition reason every kind uses for the interlock. */
export const HELD_BY_FAILOVER_PLAN = 'HeldByFailoverPlan';

export interface Touches {
  readonly services?: readonly ServiceRef[];
  readonly flags?: readonly string[];
}

/** Why something must hold: the FailoverPlan and what it is doing. */
export interface Hold {
  readonly plan: string;
  readonly message: string;
}

type PlanLike = CustomObject<
  {
    primary?: Partial<ServiceRef>;
    secondary?: Partial<ServiceRef>;
    safeMode?: { enabled?: boolean; readOnlyFlag?: string };
  },
  {
    activeRegion?: string;
    lastFailover?: { from?: string; to?: string; completedAt?: string };
    safeMode?: { active?: boolean; flag?: string };
  }
>;

export interface InterlockOptions {
  /**
   * Also hold a plan's secondary service while the plan serves from it (after a failover, until
   * it fails back): for whoever would otherwise move that standby's count back (ScalePolicy).
   */
  readonly standbyServing?: boolean;
}

/** The FailoverPlans, as the other kinds list and watch them. */
export const FAILOVER_PLANS = {
  group: API_GROUP,
  version: API_VERSION,
  plural: 'failoverplans',
} as const;

/** The hold while FailoverPlans cannot be read (403). */
const FORBIDDEN =
  'held: FailoverPlans cannot be read (403 forbidden), so whether a FailoverPlan is failing over or in safe mode is unknown; ' +
  'grant the controller get, list and watch on failoverplans.delivery.latticedb.com (the shipped ClusterRole has them)';

/** A plan's read-only flag when its spec names none (the FailoverPlan API's default). */
const DEFAULT_READ_ONLY_FLAG = 'read_only_mode';

const same = (a: Partial<ServiceRef> | undefined, b: ServiceRef): boolean =>
  a?.region === b.region && a.cluster === b.cluster && a.service === b.service;

/** The first FailoverPlan in `namespace` that holds what `touches` names, if any. */
export async function interlockHold(
  kube: Pick<KubeClient, 'list'>,
  namespace: string,
  touches: Touches,
  options: InterlockOptions = {},
): Promise<Hold | undefined> {
  let plans: PlanLike[];
  try {
    plans = (await kube.list<PlanLike>(FAILOVER_PLANS, { namespace })).items;
  } catch (error) {
    // The FailoverPlan CRD is not installed: no plan can exist, so nothing can hold.
    if (isNotFound(error)) return undefined;
    // RBAC forbids reading them: whether a failover or safe mode is in flight is unknown. Held
    // (the safe side: a scale-down or flag write during a failover is what the interlock is for),
    // with what to fix, rather than a reconcile error retried forever or a guess that none is.
    if (isForbidden(error)) return { plan: '(unreadable)', message: FORBIDDEN };
    throw error;
  }
  for (const plan of plans) {
    const run = plan.status?.lastFailover;
    const failingOver = run !== undefined && run.completedAt === undefined;
    const safeMode = plan.spec.safeMode?.enabled === true || plan.status?.safeMode?.active === true;
    const standby = options.standbyServing === true ? servingStandby(plan, touches) : undefined;
    if (!failingOver && !safeMode) {
      if (standby !== undefined) return { plan: plan.metadata.name ?? '', message: standby };
      continue;
    }
    const services = (touches.services ?? []).some(
      (ref) => same(plan.spec.primary, ref) || same(plan.spec.secondary, ref),
    );
    const flag =
      plan.status?.safeMode?.flag ?? plan.spec.safeMode?.readOnlyFlag ?? DEFAULT_READ_ONLY_FLAG;
    const flags = safeMode && (touches.flags ?? []).includes(flag);
    if (!services && !flags) continue;
    const what = failingOver
      ? `failover ${run.from ?? '?'} → ${run.to ?? '?'} in flight`
      : 'safe mode (data corruption) on';
    return { plan: plan.metadata.name ?? '', message: holdMessage(plan.metadata.name ?? '', what) };
  }
  return undefined;
}

/** Whether `plan` serves from its secondary and `touches` names that service: why, if so. */
function servingStandby(plan: PlanLike, touches: Touches): string | undefined {
  const secondary = plan.spec.secondary;
  const active = plan.status?.activeRegion;
  if (secondary?.region === undefined || active !== secondary.region) return undefined;
  if (!(touches.services ?? []).some((ref) => same(secondary, ref))) return undefined;
  return holdMessage(
    plan.metadata.name ?? '',
    `it serves from ${active} on this service (its standby) until it fails back`,
  );
}

/** Every hold's message starts with this, naming the plan: `held by FailoverPlan <name>: <what>`. */
const HOLD_PREFIX = 'held by FailoverPlan ';

function holdMessage(plan: string, what: string): string {
  return `${HOLD_PREFIX}${plan}: ${what}`;
}

/**
 * The FailoverPlan named by a held condition's message (a kind's condition built from a Hold's
 * message, which starts `held by FailoverPlan <name>:`), or undefined.
 */
export function holdingPlanOf(message: string | undefined): string | undefined {
  if (message?.startsWith(HOLD_PREFIX) !== true) return undefined;
  const name = message.slice(HOLD_PREFIX.length).split(':')[0] ?? '';
  return name === '' ? undefined : name;
}

/**
 * Whether a flag was handed back to the rollout whose last condition said it was held (the
 * message of its `HeldByFailoverPlan` condition): the plan that held it turned it off, writing
 * under its own name (`controller:<namespace>/<plan>`, flags/CONTRACT.md §2), when its safe mode
 * ended. A flag that plan left on (the plan deleted during safe mode) is not handed back: a
 * person decides whether read-only mode ends.
 */
export function handedBack(
  flag: { readonly enabled: boolean; readonly updatedBy: string } | undefined,
  namespace: string,
  heldMessage: string | undefined,
): boolean {
  const plan = holdingPlanOf(heldMessage);
  return (
    plan !== undefined &&
    flag?.enabled === false &&
    flag.updatedBy === `controller:${namespace}/${plan}`
  );
}

/** What a FailoverPlan can hold: its two services and its read-only flag. */
export interface Involved {
  readonly services: readonly Partial<ServiceRef>[];
  readonly flags: readonly string[];
}

/**
 * What `plan` can hold, whatever it is doing now (a watch wakes on every change, the end of a
 * hold included): both services, and the read-only flag as recorded and as declared (they
 * differ while a spec edit of the flag is not yet acted on).
 */
export function involvedIn(plan: KubeObject): Involved {
  const { spec, status } = plan as PlanLike;
  const declared = spec.safeMode?.readOnlyFlag ?? DEFAULT_READ_ONLY_FLAG;
  const recorded = status?.safeMode?.flag;
  return {
    services: [spec.primary ?? {}, spec.secondary ?? {}],
    flags: recorded === undefined || recorded === declared ? [declared] : [recorded, declared],
  };
}

/**
 * The watch on FailoverPlans of a kind that holds by the interlock: when a plan changes (a
 * failover starts or ends, safe mode turns on or off), `wake` names the kind's objects in the
 * plan's namespace that touch what it involves, so they observe the hold, or its end, at once.
 */
export function failoverPlanWatch(
  wake: (namespace: string, involved: Involved) => Request[],
): ExtraWatch {
  return {
    resource: FAILOVER_PLANS,
    mapToRequests: (plan) => wake(plan.metadata?.namespace ?? '', involvedIn(plan)),
    // Only a wake-up: the hold itself is read from the API on every reconcile (interlockHold), so
    // a missing FailoverPlan CRD or a 403 on it does not keep the kind from starting.
    optional: true,
  };
}
