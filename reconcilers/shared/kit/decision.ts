// What a kind's pure `decide` returns, for every kind: the complete next status, at most one
// action, whether that action must be written ahead (checkpoint), the Events that tell what was
// decided, and when to come back. Release's plan/types.ts `Decision`, generalised.
import type { BaseStatus, EventSpec } from '../../../controller/index.js';

/** An action is a plain, serialisable value; `type` names it (and its Event reason). */
export interface ActionShape {
  readonly type: string;
}

export interface Decision<Status extends BaseStatus, Action extends ActionShape> {
  /** The complete next status (the runtime adds observedGeneration and condition times). */
  readonly status: Status;
  /** The one write of this reconcile; each must be idempotent or recognisable next time. */
  readonly action?: Action;
  /**
   * Store `status` before executing `action` (write-ahead): for an action whose effect cannot be
   * told apart afterwards from someone else's (a desired count, a task started), so a controller
   * killed between the call and the status write knows the call was its own.
   */
  readonly checkpoint?: boolean;
  /** Events of the decision itself; the driver adds one for the action once it returned. */
  readonly events: readonly EventSpec[];
  /** Reconcile again after this delay; omitted: only a change (or the resync) wakes the object. */
  readonly requeueAfterMs?: number;
}

/** The earliest of several wake-ups (undefined entries ignored); undefined when there is none. */
export function earliest(...delays: readonly (number | undefined)[]): number | undefined {
  const defined = delays.filter((d): d is number => d !== undefined);
  return defined.length === 0 ? undefined : Math.max(1, Math.min(...defined));
}
