// What the rollout does besides progressing, in order of precedence (`modeOf` below):
// 1. the flag belongs to another controller, or the CLI wrote it last while the rollout info names
//    another FlagRollout (the one that managed it, or the one `latticedb-flags hand-over` named)
//    → hands off, Stalled, naming the hand-over command; a plain CLI write never moves a flag
//    from one FlagRollout to another;
// 2. `enabled: false` → emergency disable, written at once whatever the step (even while killed or
//    suspended: an emergency stop must stop);
// 3. kill switch active → nothing written: the evaluator already answers off for everyone
//    (CONTRACT.md §8 checks the switch first), and leaving the flag alone lets clearing the switch
//    restore exactly the previous state; the hold is frozen;
// 4. the flag was disabled by someone else (CLI, hand edit) → respected and reported, hold frozen,
//    whether or not this FlagRollout wrote it before: an operator's disable is an emergency stop
//    that no FlagRollout undoes, not even one taking the flag over (a rollout that never started
//    does not start); re-enabling it (CLI) or toggling spec.enabled resumes;
// 5. rolled back → the flag is kept at the rollback state (rewritten after a flush);
// 6. `suspend: true` → observe only, nothing written, hold frozen;
// 7. otherwise the active rollout (progress.ts).
import { ConditionStatus, findCondition } from '../../../controller/index.js';
import { FlagRolloutReason, type FlagRolloutState } from '../api.js';
import { Ownership, type FlagTarget } from './flag-content.js';
import {
  holdsTarget,
  stepPercentage,
  stepTarget,
  WriteReason,
  type Ctx,
  type Draft,
} from './draft.js';
import { freezeHold } from './hold.js';
import { active, rollbackTarget } from './progress.js';
import { ensureFlag } from './sync.js';

export const Mode = {
  OwnedElsewhere: 'OwnedElsewhere',
  Disabled: 'Disabled',
  Killed: 'Killed',
  ExternallyDisabled: 'ExternallyDisabled',
  RolledBack: 'RolledBack',
  Paused: 'Paused',
  Active: 'Active',
} as const;
export type Mode = (typeof Mode)[keyof typeof Mode];

export function modeOf(ctx: Ctx, status: FlagRolloutState): Mode {
  if (ctx.ownership === Ownership.OtherController || claimedElsewhere(ctx)) {
    return Mode.OwnedElsewhere;
  }
  if (ctx.spec.enabled === false) return Mode.Disabled;
  if (ctx.killed) return Mode.Killed;
  if (isExternallyDisabled(ctx)) return Mode.ExternallyDisabled;
  if (status.rollback !== undefined) return Mode.RolledBack;
  if (ctx.spec.suspend === true) return Mode.Paused;
  return Mode.Active;
}

/** `<namespace>/<name>`: how the rollout info and `hand-over` name this FlagRollout. */
export function ownName(ctx: Ctx): string {
  return ctx.identity.replace(/^controller:/, '');
}

/**
 * Not written by us, and the rollout info names another FlagRollout: that one manages the flag
 * (the CLI wrote it last, e.g. a disable) or was handed it. Taking it over here is what let a
 * second FlagRollout undo an operator's disable of the first one's flag.
 */
function claimedElsewhere(ctx: Ctx): boolean {
  if (ctx.ownership === Ownership.Ours) return false;
  if (ctx.claimedBy !== undefined) return ctx.claimedBy !== ownName(ctx);
  return stillOwnedElsewhere(ctx);
}

/**
 * Unclaimed (the manager had published no rollout info yet, e.g. right after a promotion), but
 * this FlagRollout was already leaving the flag to another writer: the CLI's write does not hand
 * it over either (else it races the manager for the flag).
 */
function stillOwnedElsewhere(ctx: Ctx): boolean {
  const stalled = findCondition(ctx.prev.conditions, 'Stalled');
  return (
    ctx.ownership === Ownership.External &&
    stalled?.status === ConditionStatus.True &&
    stalled.reason === FlagRolloutReason.FlagOwnedElsewhere
  );
}

/**
 * Someone else (the CLI, a hand edit) disabled the flag: respected even on a flag this rollout
 * never wrote (a takeover, a hand-over): no FlagRollout turns a disabled flag back on.
 */
function isExternallyDisabled(ctx: Ctx): boolean {
  return ctx.ownership === Ownership.External && ctx.flag.record?.enabled === false;
}

const ACTIONS: Record<Mode, (draft: Draft) => void> = {
  [Mode.OwnedElsewhere]: ownedElsewhere,
  [Mode.Disabled]: disabled,
  [Mode.Killed]: (draft) => {
    freezeHold(draft, draft.ctx.killedAtMs);
    observeOnly(
      draft,
      FlagRolloutReason.KillSwitchActive,
      'not written while the kill switch is active',
    );
  },
  [Mode.ExternallyDisabled]: externallyDisabled,
  [Mode.RolledBack]: (draft) => {
    if (draft.status.rollback !== undefined) {
      ensureFlag(draft, rollbackTarget(draft.status.rollback), WriteReason.Repair);
    }
  },
  [Mode.Paused]: (draft) => {
    freezeHold(draft);
    observeOnly(draft, FlagRolloutReason.Suspended, 'suspended: the flag is observed, not written');
  },
  [Mode.Active]: active,
};

export function runMode(draft: Draft, mode: Mode): void {
  ACTIONS[mode](draft);
}

function disabled(draft: Draft): void {
  freezeHold(draft);
  const step = draft.status.currentStep;
  const percentage = step === undefined ? 0 : stepPercentage(draft.ctx, draft.status, step);
  ensureFlag(draft, { enabled: false, percentage }, WriteReason.Disable);
}

/** What the flag should hold if we were writing: for FlagSynced while we are not. */
function desiredTarget(draft: Draft): FlagTarget | undefined {
  const { rollback, currentStep } = draft.status;
  if (rollback !== undefined) return rollbackTarget(rollback);
  return currentStep === undefined ? undefined : stepTarget(draft.ctx, draft.status, currentStep);
}

function observeOnly(draft: Draft, reason: string, why: string): void {
  const target = desiredTarget(draft);
  draft.sync =
    target !== undefined && holdsTarget(draft.ctx, target)
      ? {
          status: ConditionStatus.True,
          reason: FlagRolloutReason.FlagInSync,
          message: `version ${draft.ctx.flag.version}`,
        }
      : {
          status: ConditionStatus.False,
          reason,
          message: `flag differs from the spec or is missing; ${why}`,
        };
}

function externallyDisabled(draft: Draft): void {
  freezeHold(draft);
  const { ctx } = draft;
  const by = ctx.flag.record?.updatedBy || 'an unknown writer';
  const what = draft.status.currentStep === undefined ? 'start' : 'resume';
  const message =
    `flag ${ctx.spec.flag} was disabled by ${by} (version ${ctx.flag.version}); respected. ` +
    `Re-enable it to ${what} the rollout: latticedb-flags enable ${ctx.spec.flag} ` +
    '(or set spec.enabled to false and back to true)';
  draft.sync = {
    status: ConditionStatus.False,
    reason: FlagRolloutReason.ExternalDisable,
    message,
  };
  draft.stalled = { reason: FlagRolloutReason.ExternalDisable, message };
}

function ownedElsewhere(draft: Draft): void {
  freezeHold(draft);
  const { ctx } = draft;
  const flag = ctx.spec.flag;
  const by = ctx.flag.record?.updatedBy || 'an unknown writer';
  const handOver = `latticedb-flags hand-over ${flag} ${ownName(ctx)}`;
  const manager = ctx.claimedBy === undefined ? 'another writer' : `FlagRollout ${ctx.claimedBy}`;
  const message =
    ctx.ownership === Ownership.OtherController
      ? `flag ${flag} is written by ${by}; not touching it. To hand it to this FlagRollout once ` +
        `that writer no longer needs it: ${handOver}`
      : `flag ${flag} is managed by ${manager} (last written by ${by}, ` +
        `version ${ctx.flag.version}); not touching it. To hand it to this FlagRollout: ${handOver}`;
  draft.sync = {
    status: ConditionStatus.False,
    reason: FlagRolloutReason.FlagOwnedElsewhere,
    message,
  };
  draft.stalled = { reason: FlagRolloutReason.FlagOwnedElsewhere, message };
}
