// What the rollout does besides progressing, in order of precedence (`modeOf` below):
// 1. the flag belongs to another controller → hands off, Stalled;
// 2. `enabled: false` → emergency disable, written at once whatever the step (even while killed or
//    suspended: an emergency stop must stop);
// 3. kill switch active → nothing written: the evaluator already answers off for everyone
//    (CONTRACT.md §8 checks the switch first), and leaving the flag alone lets clearing the switch
//    restore exactly the previous state; the hold is frozen;
// 4. the flag was disabled by someone else (CLI, hand edit) after we wrote it → respected and
//    reported, hold frozen; re-enabling it (CLI) or toggling spec.enabled resumes;
// 5. rolled back → the flag is kept at the rollback state (rewritten after a flush);
// 6. `suspend: true` → observe only, nothing written, hold frozen;
// 7. otherwise the active rollout (progress.ts).
import { ConditionStatus } from '../../../controller/index.js';
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
  if (ctx.ownership === Ownership.OtherController) return Mode.OwnedElsewhere;
  if (ctx.spec.enabled === false) return Mode.Disabled;
  if (ctx.killed) return Mode.Killed;
  if (isExternallyDisabled(ctx)) return Mode.ExternallyDisabled;
  if (status.rollback !== undefined) return Mode.RolledBack;
  if (ctx.spec.suspend === true) return Mode.Paused;
  return Mode.Active;
}

/** Someone else disabled the flag after we had written it (not a flag we are taking over). */
function isExternallyDisabled(ctx: Ctx): boolean {
  return (
    ctx.ownership === Ownership.External &&
    ctx.flag.record?.enabled === false &&
    ctx.prev.flagVersion !== undefined
  );
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
  const by = draft.ctx.flag.record?.updatedBy || 'an unknown writer';
  const message =
    `flag ${draft.ctx.spec.flag} was disabled by ${by} (version ${draft.ctx.flag.version}); respected. ` +
    'Re-enable it with the CLI to resume, or set spec.enabled to false and back to true';
  draft.sync = {
    status: ConditionStatus.False,
    reason: FlagRolloutReason.ExternalDisable,
    message,
  };
  draft.stalled = { reason: FlagRolloutReason.ExternalDisable, message };
}

function ownedElsewhere(draft: Draft): void {
  freezeHold(draft);
  const by = draft.ctx.flag.record?.updatedBy ?? '';
  const message =
    `flag ${draft.ctx.spec.flag} is written by ${by}; not touching it. If that writer is gone, ` +
    'write the flag once with the CLI and this FlagRollout takes it over';
  draft.sync = {
    status: ConditionStatus.False,
    reason: FlagRolloutReason.FlagOwnedElsewhere,
    message,
  };
  draft.stalled = { reason: FlagRolloutReason.FlagOwnedElsewhere, message };
}
