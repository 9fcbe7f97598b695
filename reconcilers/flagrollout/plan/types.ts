// The vocabulary of FlagRollout's pure decision core: the world a reconcile observed, the one
// action it may take, what that action answers, and the kit's Decision over them.
import type { AnalyzeResult } from '../../shared/analysis/index.js';
import type { Hold } from '../../shared/interlock/index.js';
import type { Decision as KitDecision } from '../../shared/kit/index.js';
import type { RolloutInfo, StoredRolloutInfo } from '../../../flags/model.js';
import type { FlagObservation } from '../../../flags/store.js';
import type { FlagRolloutSpec, FlagRolloutState } from '../api.js';
import type { WriteFlag } from './draft.js';

/**
 * The world as observe.ts read it. `unread`: a FailoverPlan holds the flag (the interlock, asked
 * first), so the store was not opened and nothing else was read: a held rollout writes nothing.
 * `unusable`: the store could not be opened (no Redis configured, a Secret missing), so nothing
 * was read. Otherwise the flag with the spec's kill-switch group, the rollout info we published
 * (`null`: none), when the kill switch was seen turning active, and the measurements, taken only
 * when `analysisRequest` asked for them.
 */
export type Observed =
  | { readonly store: 'unread'; readonly heldBy: Hold }
  | { readonly store: 'unusable'; readonly reason: string; readonly message: string }
  | {
      readonly store: 'read';
      readonly flag: FlagObservation;
      readonly rolloutInfo: StoredRolloutInfo | null;
      readonly killSwitchSeenAt?: Date;
      readonly analysis?: AnalyzeResult;
    };

/** Publishes the rollout's progress next to the flag, for `latticedb-flags report`. */
export interface PublishRolloutInfo {
  readonly type: 'publishRolloutInfo';
  readonly info: RolloutInfo;
}

/**
 * The one write of a reconcile, to the flag store: the flag's compare-and-set first; the rollout
 * info (read only by the CLI `report`) when the flag needs nothing.
 */
export type Action = WriteFlag | PublishRolloutInfo;

/** What the store answered to the action. */
export type ActionResult =
  | { readonly type: 'written'; readonly version: number }
  /** Another writer changed the flag since it was observed: nothing was written. */
  | { readonly type: 'conflict'; readonly currentVersion: number }
  /** The store refused the write as invalid (e.g. an `updatedBy` too long): nothing was written. */
  | { readonly type: 'refused'; readonly problem: string }
  | { readonly type: 'published' };

export type Decision = KitDecision<FlagRolloutState, Action, ActionResult>;

/** What `decideRollout` reads: the object, the observed world, now. */
export interface RolloutInput {
  readonly namespace: string;
  readonly name: string;
  /** `metadata.generation`: a spec edit acknowledges a rollback and retries the step. */
  readonly generation: number;
  readonly spec: FlagRolloutSpec;
  readonly status: FlagRolloutState | undefined;
  readonly observed: Observed;
  readonly now: Date;
  /** Longest sleep: Redis changes (flush, CLI, kill switch) are only seen by polling. */
  readonly pollMs: number;
}
