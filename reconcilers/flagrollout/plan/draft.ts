// The working state of one `decide` call: the inputs (read-only, normalised) and the next status,
// action, events and wake-up times being built. Only decide.ts and its helpers touch it.
import { ConditionStatus, findCondition, type EventSpec } from '../../../controller/index.js';
import { HELD_BY_FAILOVER_PLAN, handedBack } from '../../shared/interlock/index.js';
import type { AnalyzeResult } from '../../shared/analysis/index.js';
import type { FlagWrite } from '../../../flags/model.js';
import type { FlagObservation } from '../../../flags/store.js';
import { FlagRolloutReason, type FlagRolloutSpec, type FlagRolloutState } from '../api.js';
import {
  describeTarget,
  flagWrite,
  Ownership,
  ownershipOf,
  sameContent,
  type FlagTarget,
} from './flag-content.js';
import { gateOf, type Gate } from './gate.js';

export interface DecideInput {
  /** The spec as stored (CRD defaults applied; absent defaults are read as the CRD's). */
  readonly spec: FlagRolloutSpec;
  readonly status: FlagRolloutState | undefined;
  /** `metadata.generation`: a spec edit acknowledges a rollback and retries the step. */
  readonly generation: number;
  /** `controller:<namespace>/<name>`, the `updatedBy` of our writes. */
  readonly identity: string;
  readonly flag: FlagObservation;
  /** Measurements taken in this reconcile (only when `analysisRequest` asked for them). */
  readonly analysis?: AnalyzeResult;
  readonly now: Date;
  /**
   * When the spec's kill switch was seen turning active (by the change source's kill-switch watch,
   * before this reconcile ran): the hold freezes at that moment, so no killed time counts as held.
   */
  readonly killSwitchSeenAt?: Date;
  /** Longest sleep: Redis changes (flush, CLI, kill switch) are only seen by polling. */
  readonly pollMs: number;
  /**
   * `<namespace>/<name>` of the FlagRollout the stored rollout info names (the last one that
   * managed the flag, or the one `latticedb-flags hand-over` named): who keeps a flag the CLI
   * wrote last (modes.ts).
   */
  readonly claimedBy?: string;
}

export const WriteReason = {
  Start: 'start',
  Adopt: 'adopt',
  Promote: 'promote',
  Rollback: 'rollback',
  Disable: 'disable',
  Repair: 'repair',
} as const;
export type WriteReason = (typeof WriteReason)[keyof typeof WriteReason];

/** The one compare-and-set a decision may ask for: the flag to `next`, if still at `expectedVersion`. */
export interface WriteFlag {
  readonly type: 'writeFlag';
  readonly expectedVersion: number;
  readonly next: FlagWrite;
  readonly reason: WriteReason;
}

export interface SyncState {
  readonly status: ConditionStatus;
  readonly reason: string;
  readonly message: string;
}

export interface Ctx {
  readonly spec: FlagRolloutSpec;
  readonly prev: FlagRolloutState;
  readonly generation: number;
  readonly identity: string;
  readonly flag: FlagObservation;
  readonly ownership: Ownership;
  /** The spec's kill-switch group is active. */
  readonly killed: boolean;
  /** When the flag stopped being served because of the kill switch (≤ nowMs; nowMs if unknown). */
  readonly killedAtMs: number;
  readonly nowMs: number;
  readonly analysis: AnalyzeResult | undefined;
  readonly gate: Gate | undefined;
  readonly lastStep: number;
  readonly pollMs: number;
  readonly claimedBy: string | undefined;
}

export interface Draft {
  readonly ctx: Ctx;
  /** Domain fields of the next status; conditions, phase and message are added at the end. */
  readonly status: FlagRolloutState;
  action: WriteFlag | undefined;
  /** Persist status before the write: it consumed measurements that cannot be observed again. */
  checkpoint: boolean;
  readonly events: EventSpec[];
  sync: SyncState;
  /** A Stalled state imposed by the flag's situation (not derived from the phase). */
  stalled: { readonly reason: string; readonly message: string } | undefined;
  /** A frozen hold was resumed in this reconcile (its remaining time is kept, not restarted). */
  resumed: boolean;
  /** The history entry of this reconcile's transition, when the phase's own says too little. */
  note: { readonly reason: string; readonly message: string } | undefined;
  readonly wakeAt: number[];
}

export function contextOf(input: DecideInput): Ctx {
  const { spec, flag } = input;
  const nowMs = input.now.getTime();
  const seenMs = input.killSwitchSeenAt?.getTime();
  return {
    spec,
    prev: input.status ?? {},
    generation: input.generation,
    identity: input.identity,
    flag,
    ownership: handedBackToUs(input) ? Ownership.Ours : ownershipOf(flag, input.identity),
    killed:
      spec.killSwitch !== undefined &&
      flag.killSwitch?.group === spec.killSwitch &&
      flag.killSwitch.active,
    // An observation after now is clock skew between the watch and the reconcile: not used.
    killedAtMs: seenMs !== undefined && seenMs <= nowMs ? seenMs : nowMs,
    nowMs,
    analysis: input.analysis,
    gate: gateOf(spec),
    lastStep: spec.steps.length - 1,
    pollMs: input.pollMs,
    claimedBy: input.claimedBy,
  };
}

/**
 * The flag was handed back by the FailoverPlan that held this rollout (shared/interlock): that
 * plan turned it off under its own name when its safe mode ended. It is ours again: the step's
 * split is rewritten and the rollout goes on.
 */
function handedBackToUs(input: DecideInput): boolean {
  const held = findCondition(input.status?.conditions, 'Reconciling');
  if (held?.reason !== HELD_BY_FAILOVER_PLAN) return false;
  const namespace = input.identity.replace(/^controller:/, '').split('/')[0] ?? '';
  return handedBack(input.flag.record, namespace, held.message);
}

/** Starts from the previous status (runtime- and view-owned fields dropped, step clamped). */
export function newDraft(ctx: Ctx): Draft {
  const {
    conditions: _c,
    observedGeneration: _g,
    phase: _p,
    message: _m,
    ...domain
  } = structuredClone(ctx.prev);
  const status: FlagRolloutState = domain;
  // Steps removed by a spec edit: stay on the (new) last one.
  if (status.currentStep !== undefined && status.currentStep > ctx.lastStep) {
    status.currentStep = ctx.lastStep;
  }
  return {
    ctx,
    status,
    action: undefined,
    checkpoint: false,
    events: [],
    sync: {
      status: ConditionStatus.Unknown,
      reason: FlagRolloutReason.Pending,
      message: 'not written yet',
    },
    stalled: undefined,
    resumed: false,
    note: undefined,
    wakeAt: [],
  };
}

/**
 * The split step `step` serves: the spec's, except for the step an adoption started at, which
 * serves the higher split the flag already had until its hold passes (adoption.ts).
 */
export function stepPercentage(
  ctx: Ctx,
  status: Pick<FlagRolloutState, 'adopted'>,
  step: number,
): number {
  const own = ctx.spec.steps[step]?.percentage ?? 0;
  const adopted = status.adopted;
  return adopted?.step === step ? Math.max(own, adopted.percentage) : own;
}

export function stepTarget(
  ctx: Ctx,
  status: Pick<FlagRolloutState, 'adopted'>,
  step: number,
): FlagTarget {
  return { enabled: true, percentage: stepPercentage(ctx, status, step) };
}

export function targetedUsers(ctx: Ctx): number {
  return new Set(ctx.spec.targeting?.users ?? []).size;
}

/** `step 2/5 (5 % + 3 targeted users)`; an adopted split says so: `(30 % …, adopted; step 25 %)`. */
export function describeStep(
  ctx: Ctx,
  status: Pick<FlagRolloutState, 'adopted'>,
  step: number,
): string {
  const target = stepTarget(ctx, status, step);
  const own = ctx.spec.steps[step]?.percentage ?? 0;
  const adopted = target.percentage === own ? '' : `, adopted; step ${own} %`;
  const what = describeTarget(target, targetedUsers(ctx));
  return `step ${step + 1}/${ctx.spec.steps.length} (${what}${adopted})`;
}

/** True when the store holds exactly what we would write for `target`, written by us. */
export function holdsTarget(ctx: Ctx, target: FlagTarget): boolean {
  const record = ctx.flag.record;
  return (
    ctx.ownership === Ownership.Ours &&
    record !== undefined &&
    sameContent(record, flagWrite(ctx.spec, ctx.identity, target))
  );
}

export function wake(draft: Draft, atMs: number): void {
  draft.wakeAt.push(atMs);
}
