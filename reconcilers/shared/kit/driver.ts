// The reconcile driver every kind runs: observe → decide (pure) → checkpoint → act → status.
// A kind supplies its three parts; the driver owns the order and the contract with the runtime
// (controller/index.ts): the write-ahead checkpoint goes through `ctx.checkpoint` before the
// action, the action's result is folded into status by the decision's `afterAction` (so status
// records a write only once it succeeded, with what the store answered), and the status is
// returned for the runtime to write (then the events). A thrown error anywhere is retried with
// backoff by the runtime; nothing of that reconcile is recorded (except, when observe threw, the
// status saying why: the kind's `observeFailed`, else the kit's `observeFailedStatus`), so the
// next one decides afresh from the world. A lost race (`afterAction` says
// `lost`) is a requeue, not an error and not a loop.
import {
  isTerminalError,
  ShuttingDownError,
  type BaseStatus,
  type CustomObject,
  type EventSpec,
  type HandlerContext,
  type Logger,
  type Outcome,
} from '../../../controller/index.js';
import type { ActionShape, AfterAction, Decision } from './decision.js';
import { observeFailedStatus } from './observe-failure.js';

/** What the driver passes to a kind's observe and act. */
export interface Io {
  readonly now: Date;
  readonly signal: AbortSignal;
  /** The reconcile's logger (reconcileId and object already bound); the driver always passes it. */
  readonly log?: Logger;
}

/** What `act` returns when the decision needs the action's result, or the action tells no Event. */
export interface Acted<Result> {
  /** The Event that tells what was done (reason in the past tense); none for bookkeeping writes. */
  readonly event?: EventSpec;
  /** What the call answered, for the decision's `afterAction`. */
  readonly result: Result;
}

export interface KindParts<
  Spec,
  Status extends BaseStatus,
  Action extends ActionShape,
  Observed,
  Result = unknown,
  /** What a kind's decision carries beyond the kit's (e.g. facts its metrics count). */
  Extra extends object = object,
> {
  /** Reads the world the decision needs (see observation.ts for undefined vs null). */
  observe(obj: CustomObject<Spec, Status>, io: Io): Promise<Observed>;
  /**
   * Pure: the status that says the world could not be read (stored before the error is retried
   * with backoff) in the kind's own words (FlagRollout: StoreUnavailable on FlagSynced). Absent,
   * or undefined for this error: the kit's `observeFailedStatus` (observe-failure.ts) is stored,
   * so every kind says in status that it cannot observe.
   */
  observeFailed?(obj: CustomObject<Spec, Status>, error: unknown, now: Date): Status | undefined;
  /**
   * False: store nothing when observe throws (a reconcile of a refused spec, whose status says
   * InvalidSpec: a checkpoint would drop that condition until the next reconcile sets it again).
   */
  readonly storeObserveFailure?: boolean;
  /** Pure: a function of (object, observed world, now). */
  decide(
    obj: CustomObject<Spec, Status>,
    observed: Observed,
    now: Date,
  ): Decision<Status, Action, Result> & Extra;
  /**
   * Executes the one action; returns the Event that tells it (reason in the past tense), or an
   * {@link Acted} with the result the decision's `afterAction` folds into status.
   */
  act(action: Action, obj: CustomObject<Spec, Status>, io: Io): Promise<EventSpec | Acted<Result>>;
  /**
   * Called once the status recording the decision is stored (metrics counted exactly once): the
   * checkpoint when the decision writes one, else the status written after the action (or
   * without one). `obj` is the object as this reconcile found it (its status: the one before).
   */
  recorded?(
    decision: Decision<Status, Action, Result> & Extra,
    observed: Observed,
    obj: CustomObject<Spec, Status>,
  ): void;
}

/** A KindHandler's `reconcile` built from a kind's parts. */
export function reconcileWith<
  Spec,
  Status extends BaseStatus,
  Action extends ActionShape,
  Observed,
  Result = unknown,
  Extra extends object = object,
>(
  parts: KindParts<Spec, Status, Action, Observed, Result, Extra>,
): (obj: CustomObject<Spec, Status>, ctx: HandlerContext<Status>) => Promise<Outcome<Status>> {
  return async (obj, ctx) => {
    const io: Io = { now: ctx.now(), signal: ctx.signal, log: ctx.log };
    const observed = await observeOrReport(parts, obj, ctx, io);
    const decision = parts.decide(obj, observed, io.now);
    let recorded = false;
    const record = (): void => {
      if (!recorded) parts.recorded?.(decision, observed, obj);
      recorded = true;
    };
    const requeue =
      decision.requeueAfterMs === undefined ? {} : { requeueAfterMs: decision.requeueAfterMs };
    if (decision.action === undefined) {
      return {
        status: decision.status,
        events: decision.events,
        afterStatusWrite: record,
        ...requeue,
      };
    }
    const toldAtCheckpoint = decision.checkpoint === true && decision.eventsAtCheckpoint === true;
    if (decision.checkpoint === true) {
      await ctx.checkpoint(
        decision.checkpointStatus ?? decision.status,
        toldAtCheckpoint ? decision.events : undefined,
      );
      record();
    }
    // Lost leadership (or a reconcile timeout) since observing: another replica may be acting.
    ctx.signal.throwIfAborted();
    const acted = await parts.act(decision.action, obj, io);
    const told = 'result' in acted ? acted : { event: acted, result: undefined };
    const event = told.event ?? decision.actionEvent;
    const result = told.result;
    const after: AfterAction<Status> = decision.afterAction?.(result as Result) ?? {
      outcome: 'applied',
      status: decision.status,
    };
    switch (after.outcome) {
      case 'lost':
        // Nothing to record: the checkpoint (if any) is what status says; decide afresh soon.
        ctx.log.info({ action: decision.action.type }, `${after.why}; deciding afresh`);
        return { requeueAfterMs: after.requeueAfterMs };
      case 'refused':
        return {
          status: after.status,
          events: after.events,
          afterStatusWrite: record,
          ...(after.requeueAfterMs === undefined ? {} : { requeueAfterMs: after.requeueAfterMs }),
        };
      case 'applied': {
        if (event !== undefined) ctx.log.info({ action: decision.action.type }, event.message);
        // The action happened whatever becomes of the status patch: its Events (and those of the
        // decision it carried out) are emitted even if the patch then conflicts.
        const decided = toldAtCheckpoint ? [] : decision.events;
        const performed = event === undefined ? decided : [...decided, event];
        return {
          status: after.status,
          performedEvents: performed,
          afterStatusWrite: record,
          ...requeue,
        };
      }
    }
  };
}

/**
 * observe(); when it throws, stores the status saying why (the kind's `observeFailed`, else the
 * kit's), then rethrows for the runtime's backoff and Warning.
 */
async function observeOrReport<Spec, Status extends BaseStatus, Observed>(
  parts: Pick<
    KindParts<Spec, Status, ActionShape, Observed>,
    'observe' | 'observeFailed' | 'storeObserveFailure'
  >,
  obj: CustomObject<Spec, Status>,
  ctx: HandlerContext<Status>,
  io: Io,
): Promise<Observed> {
  try {
    return await parts.observe(obj, io);
  } catch (err) {
    // Lost leadership or shutting down: another replica (or the next start) observes afresh, and
    // a TerminalError is marked Stalled by the runtime itself.
    if (
      parts.storeObserveFailure === false ||
      ctx.signal.aborted ||
      err instanceof ShuttingDownError ||
      isTerminalError(err)
    )
      throw err;
    const status =
      parts.observeFailed?.(obj, err, io.now) ??
      observeFailedStatus(obj.status, err, ctx.stalledPhase);
    try {
      await ctx.checkpoint(status);
    } catch (writeErr) {
      // The apiserver is the problem too: the retry with backoff still comes, for the first error.
      ctx.log.warn({ err: writeErr }, 'could not store the observe failure in status');
    }
    throw err;
  }
}
