// The kit's Decision of a whole FlagRollout reconcile, around `decide` (the flag, decide.ts):
// - a FailoverPlan holds the flag (failover-hold.ts): held at the step, nothing written;
// - the store cannot be used (no Redis configured, a Secret missing): Stalled, nothing else;
// - the flag needs a write: that compare-and-set is the action; a promotion or rollback is
//   written ahead with FlagSynced saying the write is pending (status never claims a write before
//   it succeeded), and the store's answer is folded in afterwards: the version it wrote, a lost
//   race (the driver requeues; nothing recorded), or a refusal (Stalled, naming the problem);
// - otherwise the rollout info `latticedb-flags report` reads, when it changed.
// One write per reconcile: rollout info that changed with a flag write is published by the next
// reconcile that writes no flag (at the latest one poll period later; no extra reconcile is added
// for it, so an emergency stays one reconcile).
import { ConditionStatus, findCondition } from '../../../controller/index.js';
import type { AfterAction } from '../../shared/kit/index.js';
import type { RolloutInfo, StoredRolloutInfo } from '../../../flags/model.js';
import type { FlagObservation } from '../../../flags/store.js';
import {
  FlagRolloutConditionType,
  FlagRolloutReason,
  type FlagRolloutSpec,
  type FlagRolloutState,
} from '../api.js';
import { decide, MIN_REQUEUE_MS, type FlagDecision } from './decide.js';
import type { DecideInput, WriteFlag } from './draft.js';
import { heldByFailoverPlan } from './failover-hold.js';
import { writerIdentity } from './flag-content.js';
import { withStoreProblem, withWritePending } from './store-problem.js';
import type { ActionResult, Decision, RolloutInput } from './types.js';

/** What `decide` and `analysisRequest` read, from the object and the flag as observed. */
export function decideInput(
  input: Omit<RolloutInput, 'observed'>,
  flag: FlagObservation,
  killSwitchSeenAt: Date | undefined,
  rolloutInfo: StoredRolloutInfo | null,
): DecideInput {
  return {
    spec: input.spec,
    status: input.status,
    generation: input.generation,
    identity: writerIdentity(input.namespace, input.name),
    flag,
    now: input.now,
    pollMs: input.pollMs,
    ...(killSwitchSeenAt === undefined ? {} : { killSwitchSeenAt }),
    ...(rolloutInfo === null ? {} : { claimedBy: rolloutInfo.owner }),
  };
}

export function decideRollout(input: RolloutInput): Decision {
  const { observed } = input;
  if (observed.store === 'unread') {
    return heldByFailoverPlan(input.status, observed.heldBy, input.now.getTime(), input.pollMs);
  }
  if (observed.store === 'unusable') return storeUnusable(input, observed.reason, observed.message);
  const flag = decide({
    ...decideInput(input, observed.flag, observed.killSwitchSeenAt, observed.rolloutInfo),
    ...(observed.analysis === undefined ? {} : { analysis: observed.analysis }),
  });
  if (flag.action !== undefined) return flagWrite(input, flag, flag.action);
  const info = flag.rolloutInfo;
  const infoDue = info !== undefined && !sameRolloutInfo(observed.rolloutInfo, info);
  return {
    status: flag.status,
    events: flag.events,
    requeueAfterMs: flag.requeueAfterMs,
    ...(infoDue ? { action: { type: 'publishRolloutInfo', info } } : {}),
  };
}

function flagWrite(input: RolloutInput, flag: FlagDecision, action: WriteFlag): Decision {
  // Written ahead: the step change, not yet the flag (FlagSynced says the write is pending).
  const checkpointStatus = flag.checkpoint
    ? withWritePending(flag.status, action.expectedVersion + 1, input.status)
    : undefined;
  // What status says if the write does not happen.
  const stored = checkpointStatus ?? input.status;
  return {
    status: flag.status,
    action,
    checkpoint: flag.checkpoint,
    ...(checkpointStatus === undefined ? {} : { checkpointStatus }),
    events: flag.events,
    requeueAfterMs: flag.requeueAfterMs,
    afterAction: (result) => afterWrite(input, action, flag.status, stored, result),
  };
}

/** The store's answer to the compare-and-set, folded into what this reconcile records. */
function afterWrite(
  input: RolloutInput,
  action: WriteFlag,
  status: FlagRolloutState,
  stored: FlagRolloutState | undefined,
  result: ActionResult,
): AfterAction<FlagRolloutState> {
  const flag = input.spec.flag;
  switch (result.type) {
    case 'written':
      // The version the store wrote, not the one expected: status records what happened.
      return { outcome: 'applied', status: { ...status, flagVersion: result.version } };
    case 'published':
      return { outcome: 'applied', status };
    case 'conflict':
      return {
        outcome: 'lost',
        why: `flag ${flag} changed since observed (version ${result.currentVersion}, expected ${action.expectedVersion})`,
        requeueAfterMs: MIN_REQUEUE_MS,
      };
    case 'refused':
      return refused(stored, flag, result.problem, input.pollMs);
  }
}

/**
 * A write the store refuses as invalid can never succeed as the spec stands: Stalled, FlagSynced
 * False naming the problem, one Warning, and no retry loop (a spec edit or the poll comes back).
 * `stored` is what status says (the previous status, or the checkpoint): nothing else changed.
 */
function refused(
  stored: FlagRolloutState | undefined,
  flag: string,
  problem: string,
  pollMs: number,
): AfterAction<FlagRolloutState> {
  const message = `the flag store refused to write flag ${flag}: ${problem}; nothing was written`;
  const before = findCondition(stored?.conditions, FlagRolloutConditionType.FlagSynced);
  const reason = FlagRolloutReason.FlagWriteRefused;
  return {
    outcome: 'refused',
    status: withStoreProblem(stored, 'Stalled', reason, message, ConditionStatus.False),
    events: before?.reason === reason ? [] : [{ type: 'Warning', reason, message }],
    requeueAfterMs: pollMs,
  };
}

/** The store cannot be used (no Redis configured, a Secret missing): a human must fix it. */
function storeUnusable(input: RolloutInput, reason: string, message: string): Decision {
  const status = withStoreProblem(input.status, 'Stalled', reason, message);
  // One Warning when it becomes Stalled for this reason, not one per poll.
  const was = input.status?.conditions?.find((c) => c.type === 'Stalled');
  const newly = was?.status !== 'True' || was.reason !== reason;
  return {
    status,
    events: newly ? [{ type: 'Warning', reason, message }] : [],
    requeueAfterMs: input.pollMs,
  };
}

/** The status stored when the flag cannot be read (Redis unreachable), before the retry. */
export function storeUnreadable(
  spec: FlagRolloutSpec,
  status: FlagRolloutState | undefined,
  problem: string,
): FlagRolloutState {
  const message = `cannot read flag ${spec.flag}: ${problem}`;
  return withStoreProblem(status, 'Reconciling', FlagRolloutReason.StoreUnavailable, message);
}

function sameRolloutInfo(stored: StoredRolloutInfo | null, next: RolloutInfo): boolean {
  if (stored === null) return false;
  const { updatedAt: _at, ...rest } = stored;
  return JSON.stringify(normalize(rest)) === JSON.stringify(normalize(next));
}

/** Key order and absent optional fields must not count as a difference. */
function normalize(info: RolloutInfo): unknown[] {
  return [
    info.owner,
    info.phase,
    info.step,
    info.stepCount,
    info.nextStepAt ?? null,
    info.lastAnalysis?.verdict ?? null,
    info.lastAnalysis?.at ?? null,
    info.lastAnalysis?.summary ?? null,
  ];
}
