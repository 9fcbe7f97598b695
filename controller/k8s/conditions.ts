/**
 * metav1.Condition helpers and the kstatus trio (`Ready`, `Reconciling`, `Stalled`).
 *
 * `lastTransitionTime` changes only when a condition's `status` flips (reason or message edits
 * keep it), and is written in whole seconds: metav1.Time has second precision, so sub-second
 * times would make every comparison with the stored object report a change.
 */

export const ConditionStatus = { True: 'True', False: 'False', Unknown: 'Unknown' } as const;
export type ConditionStatus = (typeof ConditionStatus)[keyof typeof ConditionStatus];

/** Condition types the runtime itself sets. Domain conditions are added by each kind. */
export const ConditionType = {
  Ready: 'Ready',
  Reconciling: 'Reconciling',
  Stalled: 'Stalled',
  InvalidSpec: 'InvalidSpec',
} as const;

export interface Condition {
  type: string;
  status: ConditionStatus;
  /** CamelCase, machine-readable. */
  reason: string;
  message: string;
  observedGeneration: number;
  /** RFC 3339, whole seconds (`2026-11-26T10:00:00Z`). */
  lastTransitionTime: string;
}

/** A condition as a handler states it; the runtime fills in the bookkeeping fields. */
export interface ConditionInput {
  type: string;
  status: ConditionStatus;
  reason: string;
  message: string;
  observedGeneration?: number;
  lastTransitionTime?: string;
}

/** RFC 3339 in UTC without fractional seconds. */
export function toRfc3339(date: Date): string {
  return date.toISOString().replace(/\.\d+Z$/, 'Z');
}

export function findCondition<C extends ConditionInput>(
  conditions: readonly C[] | undefined,
  type: string,
): C | undefined {
  return conditions?.find((c) => c.type === type);
}

export function isConditionTrue(
  conditions: readonly ConditionInput[] | undefined,
  type: string,
): boolean {
  return findCondition(conditions, type)?.status === ConditionStatus.True;
}

/**
 * The full condition list for `desired`, in its order: each keeps the previous
 * `lastTransitionTime` when its status did not change; `observedGeneration` is set on all.
 * Conditions absent from `desired` are dropped.
 */
export function normalizeConditions(
  previous: readonly ConditionInput[] | undefined,
  desired: readonly ConditionInput[],
  opts: { readonly now: Date; readonly observedGeneration: number },
): Condition[] {
  const seen = new Set<string>();
  const result: Condition[] = [];
  for (const d of desired) {
    if (seen.has(d.type)) continue; // listType=map: one entry per type, first wins
    seen.add(d.type);
    const prev = findCondition(previous, d.type);
    const kept = prev?.status === d.status ? prev.lastTransitionTime : undefined;
    result.push({
      type: d.type,
      status: d.status,
      reason: d.reason,
      message: d.message,
      observedGeneration: opts.observedGeneration,
      lastTransitionTime: kept ?? toRfc3339(opts.now),
    });
  }
  return result;
}

/** Inserts or replaces conditions by type (pure; order: existing first, then new ones). */
export function upsertConditions<C extends ConditionInput>(
  conditions: readonly C[] | undefined,
  ...updates: readonly C[]
): C[] {
  const result = [...(conditions ?? [])];
  for (const u of updates) {
    const i = result.findIndex((c) => c.type === u.type);
    if (i >= 0) result[i] = u;
    else result.push(u);
  }
  return result;
}

/** Removes conditions by type (pure). */
export function removeConditions<C extends ConditionInput>(
  conditions: readonly C[] | undefined,
  ...types: readonly string[]
): C[] {
  return (conditions ?? []).filter((c) => !types.includes(c.type));
}

/** The three kstatus states. Exactly one of the abnormal-true conditions is True at a time. */
export type KStatusState = 'Ready' | 'Reconciling' | 'Stalled';

/**
 * `Ready`, `Reconciling` and `Stalled` for one state, consistently:
 * - `Ready`: Ready=True, Reconciling=False, Stalled=False
 * - `Reconciling` (work in progress, e.g. a canary step): Ready=False, Reconciling=True, Stalled=False
 * - `Stalled` (cannot progress without a change, e.g. invalid spec): Ready=False, Reconciling=False,
 *   Stalled=True
 * All three carry `reason` and `message`, so `kubectl get -o wide`/`describe` tell the same story.
 */
export function kstatusConditions(
  state: KStatusState,
  reason: string,
  message: string,
): ConditionInput[] {
  const c = (type: string, on: boolean): ConditionInput => ({
    type,
    status: on ? ConditionStatus.True : ConditionStatus.False,
    reason,
    message,
  });
  return [
    c(ConditionType.Ready, state === 'Ready'),
    c(ConditionType.Reconciling, state === 'Reconciling'),
    c(ConditionType.Stalled, state === 'Stalled'),
  ];
}

/** Replaces the kstatus trio in `conditions`, keeping domain conditions. */
export function withKStatus(
  conditions: readonly ConditionInput[] | undefined,
  state: KStatusState,
  reason: string,
  message: string,
): ConditionInput[] {
  return upsertConditions<ConditionInput>(conditions, ...kstatusConditions(state, reason, message));
}
