// The working state of one `decide` call (Argo's rolloutContext + pauseContext): the status being
// built, the events to emit, and the one-shot operator intents. Local mutation only: `decide` owns
// the draft from creation to the returned Decision.
import type { EventSpec } from '../../../controller/index.js';
import { toRfc3339 } from '../../../controller/index.js';
import type { ReleaseAttempt, ReleaseSpec } from '../api.js';
import {
  DEFAULT_TUNING,
  type Action,
  type DecideInput,
  type ObjectIdentity,
  type Observed,
  type ReleaseState,
  type TransitionResult,
  type Tuning,
} from './types.js';
import { upgradeStatus } from './upgrade.js';

/** The status as a decision builds it: the current attempt is always there to write into. */
export type DraftStatus = ReleaseState & { attempt: ReleaseAttempt };

export interface Draft {
  readonly object: ObjectIdentity;
  readonly spec: ReleaseSpec;
  readonly observed: Observed;
  readonly now: Date;
  readonly tuning: Tuning;
  status: DraftStatus;
  readonly events: EventSpec[];
  /** The promote action applies to the current hold (pause step, analysis, inconclusive). */
  promote: boolean;
  /** The approve annotation's value when it names the current revision (blue/green approval). */
  approve: string | undefined;
  /** What this decision did, for the kind's metrics (Decision.facts). */
  readonly facts: { transitions: TransitionResult[]; rollbacks: string[] };
}

export function createDraft(input: DecideInput): Draft {
  return {
    object: input.object,
    spec: input.spec,
    observed: input.observed,
    now: input.now,
    tuning: input.tuning ?? DEFAULT_TUNING,
    status: draftStatus(input.status),
    events: [],
    promote: false,
    approve: undefined,
    facts: { transitions: [], rollbacks: [] },
  };
}

function draftStatus(stored: ReleaseState | undefined): DraftStatus {
  const status = structuredClone(upgradeStatus(stored) ?? {});
  return { ...status, attempt: status.attempt ?? {} };
}

/** What a stage handler concluded for this observation. */
export type StepResult =
  /**
   * The stage is complete: the pipeline moves to the strategy's next stage (same observation).
   * `promoted`: an operator action (promote, approve) ended the wait.
   */
  | { readonly kind: 'next'; readonly promoted?: true }
  /** Status advanced within the stage (a canary step): run the stage again. */
  | { readonly kind: 'again'; readonly promoted?: true }
  /** One write; the next reconcile observes its effect. */
  | {
      readonly kind: 'act';
      readonly action: Action;
      readonly message: string;
      readonly checkpoint?: boolean;
      /**
       * Done inside a planned wait (scaling ahead during a timed pause): the wait is the plan, so
       * progressDeadline does not apply to it.
       */
      readonly planned?: true;
      /** The end of the planned wait: the follow-up reconcile comes no later (the step is due). */
      readonly until?: Date;
    }
  | {
      readonly kind: 'wait';
      /**
       * world: AWS converging (progressDeadline applies); time: a timed pause or analysis interval;
       * human: an operator action; probe: an observation this stage needs was not made; steady:
       * nothing to do until something changes.
       */
      readonly on: 'world' | 'time' | 'human' | 'probe' | 'steady';
      readonly message: string;
      readonly until?: Date;
    };

export const nowIso = (draft: Draft): string => toRfc3339(draft.now);

/**
 * Records progress (a stage or step change): progressDeadline counts from here. `by: 'operator'`
 * when a promote or approve action ended the stage's wait.
 */
export function progressed(draft: Draft, by?: 'operator'): StepResult {
  draft.status.attempt.lastProgressAt = nowIso(draft);
  return by === 'operator' ? { kind: 'next', promoted: true } : { kind: 'next' };
}

/** A step within the stage completed: progress, and run the stage again. */
export function again(draft: Draft, by?: 'operator'): StepResult {
  draft.status.attempt.lastProgressAt = nowIso(draft);
  return by === 'operator' ? { kind: 'again', promoted: true } : { kind: 'again' };
}

export const act = (action: Action, message: string, checkpoint = false): StepResult =>
  checkpoint ? { kind: 'act', action, message, checkpoint } : { kind: 'act', action, message };

export const waitFor = (
  on: 'world' | 'time' | 'human' | 'probe' | 'steady',
  message: string,
  until?: Date,
): StepResult =>
  until === undefined ? { kind: 'wait', on, message } : { kind: 'wait', on, message, until };

/** A needed observation is missing: come back at once with it. */
export const probe = (what: string): StepResult => waitFor('probe', `observing ${what}`);

export const parseTime = (iso: string | undefined): number | undefined => {
  if (iso === undefined) return undefined;
  const ms = Date.parse(iso);
  return Number.isNaN(ms) ? undefined : ms;
};
