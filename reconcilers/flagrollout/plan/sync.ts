// Making the store hold a target, and explaining why a write was needed. Policy for what others
// wrote (CONTRACT.md §2 `updatedBy`):
// - missing (Redis restarted without persistence, flushed, deleted) or unreadable → rewritten from
//   the spec, compare-and-set against the observed version, Warning `FlagRewritten`;
// - changed by the CLI or by hand → put back (Warning `ExternalChangeOverwritten`), except an
//   external *disable*, which the active rollout respects (see modes.ts);
// - a flag that existed before the rollout ever wrote it is taken over (Normal `FlagAdopted`), or,
//   when it already serves users at the first start, adopted with its split (adoption.ts).
import { ConditionStatus } from '../../../controller/index.js';
import { FlagRolloutReason } from '../api.js';
import {
  describeTarget,
  flagWrite,
  Ownership,
  servesTarget,
  type FlagTarget,
} from './flag-content.js';
import { holdsTarget, targetedUsers, WriteReason, type Ctx, type Draft } from './draft.js';

/**
 * Plans the compare-and-set that makes the store hold `target` (unless it already does) and sets
 * the FlagSynced state accordingly. Returns whether a write is planned.
 */
export function ensureFlag(draft: Draft, target: FlagTarget, reason: WriteReason): boolean {
  const { ctx } = draft;
  const what = describeTarget(target, targetedUsers(ctx));
  if (holdsTarget(ctx, target)) {
    draft.sync = {
      status: ConditionStatus.True,
      reason: FlagRolloutReason.FlagInSync,
      message: `version ${ctx.flag.version}: ${what}`,
    };
    return false;
  }
  draft.action = {
    type: 'writeFlag',
    expectedVersion: ctx.flag.version,
    next: flagWrite(ctx.spec, ctx.identity, target),
    reason,
  };
  // An adoption explains itself (Normal `Adopted`, naming the previous writer).
  const cause = reason === WriteReason.Adopt ? undefined : causeOfWrite(ctx, what);
  if (cause !== undefined) draft.events.push(cause);
  draft.sync = {
    status: ConditionStatus.True,
    reason: cause?.reason ?? FlagRolloutReason.FlagInSync,
    message: `version ${ctx.flag.version + 1}: ${what}`,
  };
  return true;
}

/** Whether the flag served `target`'s on/off and split before this reconcile (by anyone). */
export function servedBefore(ctx: Ctx, target: FlagTarget): boolean {
  const record = ctx.flag.record;
  if (record === undefined) return false;
  return servesTarget(record, flagWrite(ctx.spec, ctx.identity, target));
}

function causeOfWrite(
  ctx: Ctx,
  what: string,
): { type: 'Normal' | 'Warning'; reason: string; message: string } | undefined {
  const wroteBefore = ctx.prev.flagVersion !== undefined;
  const flag = ctx.spec.flag;
  switch (ctx.ownership) {
    case Ownership.Missing:
      return wroteBefore
        ? {
            type: 'Warning',
            reason: FlagRolloutReason.FlagRewritten,
            message: `flag ${flag} was missing from Redis (restarted or flushed?); rewrote it from the spec: ${what}`,
          }
        : undefined;
    case Ownership.Unreadable:
      return {
        type: 'Warning',
        reason: FlagRolloutReason.FlagRewritten,
        message: `flag ${flag} was unreadable (${ctx.flag.problem ?? 'invalid hash'}); rewrote it from the spec: ${what}`,
      };
    case Ownership.External: {
      const by = `${ctx.flag.record?.updatedBy || 'an unknown writer'} (version ${ctx.flag.version})`;
      return wroteBefore
        ? {
            type: 'Warning',
            reason: FlagRolloutReason.ExternalChangeOverwritten,
            message: `flag ${flag} was changed by ${by}; put back to the spec: ${what}. Change the FlagRollout to change the flag`,
          }
        : {
            type: 'Normal',
            reason: FlagRolloutReason.FlagAdopted,
            message: `took over the existing flag ${flag}, last written by ${by}: ${what}`,
          };
    }
    case Ownership.Ours:
    case Ownership.OtherController:
      return undefined;
  }
}
