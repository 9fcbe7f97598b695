// What a kind's pure `decide` returns, for every kind: the complete next status, at most one
// action, whether that action must be written ahead (checkpoint), the Events that tell what was
// decided, when to come back, and (for an action whose result status must record) how the result
// folds into status. Release's plan/types.ts `Decision`, generalised.
import type { BaseStatus, EventSpec } from '../../../controller/index.js';

/** An action is a plain, serialisable value; `type` names it (and its Event reason). */
export interface ActionShape {
  readonly type: string;
}

export interface Decision<Status extends BaseStatus, Action extends ActionShape, Result = unknown> {
  /**
   * The complete next status, as it stands once `action` (if any) succeeded (the runtime adds
   * observedGeneration and condition times).
   */
  readonly status: Status;
  /** The one write of this reconcile; each must be idempotent or recognisable next time. */
  readonly action?: Action;
  /**
   * Store a status before executing `action` (write-ahead): for an action whose effect cannot be
   * told apart afterwards from someone else's (a desired count, a task started), or that follows
   * a decision that cannot be taken again (measurements spent), so a controller killed between the
   * call and the status write resumes from it.
   */
  readonly checkpoint?: boolean;
  /**
   * What the checkpoint stores, when it must differ from `status`: `status` may claim what only
   * the action's success makes true (the version a compare-and-set writes), and status never
   * says what is not true. Absent: `status` itself.
   */
  readonly checkpointStatus?: Status;
  /** Events of the decision itself; the driver adds the action's, if it tells one. */
  readonly events: readonly EventSpec[];
  /**
   * `events` go out with the checkpoint, not after the action: the checkpoint stores everything
   * they tell (a write found done, a transition in its history), so a controller killed right
   * after the action resumes from it and would never tell them again. Only for a checkpoint that
   * claims nothing the action has yet to make true.
   */
  readonly eventsAtCheckpoint?: boolean;
  /**
   * The Event that tells `action` once it returned, when the decision words it best (the step it
   * carries out is the decision's to describe); an Event `act` returns takes its place.
   */
  readonly actionEvent?: EventSpec;
  /** Reconcile again after this delay; omitted: only a change (or the resync) wakes the object. */
  readonly requeueAfterMs?: number;
  /**
   * Pure: what the action's result makes of this reconcile (see {@link AfterAction}). Absent: the
   * action succeeded when `act` returned, and `status` stands.
   */
  readonly afterAction?: (result: Result) => AfterAction<Status>;
}

/**
 * How a reconcile ends once its action returned a result:
 * - `applied`: it took effect; `status` records it (e.g. with the version the store answered);
 * - `refused`: the other side refused it as invalid, and will as things stand; nothing changed
 *   outside, so this status, these Events and this wake-up replace the decision's;
 * - `lost`: it lost a race (a compare-and-set met another writer's version). Nothing of this
 *   decision is recorded (a checkpoint already stored stays) and the driver requeues after
 *   `requeueAfterMs` to observe and decide afresh: no retry loop inside a reconcile.
 */
export type AfterAction<Status> =
  | { readonly outcome: 'applied'; readonly status: Status }
  | {
      readonly outcome: 'refused';
      readonly status: Status;
      readonly events: readonly EventSpec[];
      readonly requeueAfterMs?: number;
    }
  | { readonly outcome: 'lost'; readonly why: string; readonly requeueAfterMs: number };

/** The earliest of several wake-ups (undefined entries ignored); undefined when there is none. */
export function earliest(...delays: readonly (number | undefined)[]): number | undefined {
  const defined = delays.filter((d): d is number => d !== undefined);
  return defined.length === 0 ? undefined : Math.max(1, Math.min(...defined));
}
