// The reconcile driver every kind runs: observe → decide (pure) → checkpoint → act → status.
// A kind supplies its three parts; the driver owns the order and the contract with the runtime
// (controller/index.ts): the write-ahead checkpoint goes through `ctx.checkpoint` before the
// action, the action's Event is added only once the call returned, and the status is returned for
// the runtime to write (then the events). A thrown error anywhere is retried with backoff by the
// runtime; nothing of that reconcile is recorded, so the next one decides afresh from the world.
import type {
  BaseStatus,
  CustomObject,
  EventSpec,
  HandlerContext,
  Outcome,
} from '../../../controller/index.js';
import type { ActionShape, Decision } from './decision.js';

/** What the driver passes to a kind's observe and act. */
export interface Io {
  readonly now: Date;
  readonly signal: AbortSignal;
}

export interface KindParts<Spec, Status extends BaseStatus, Action extends ActionShape, Observed> {
  /** Reads the world the decision needs (see observation.ts for undefined vs null). */
  observe(obj: CustomObject<Spec, Status>, io: Io): Promise<Observed>;
  /** Pure: a function of (object, observed world, now). */
  decide(obj: CustomObject<Spec, Status>, observed: Observed, now: Date): Decision<Status, Action>;
  /** Executes the one action; returns the Event that tells it (reason in the past tense). */
  act(action: Action, obj: CustomObject<Spec, Status>, io: Io): Promise<EventSpec>;
  /** Called once the status recording the decision is stored (metrics counted exactly once). */
  recorded?(decision: Decision<Status, Action>, observed: Observed): void;
}

/** A KindHandler's `reconcile` built from a kind's parts. */
export function reconcileWith<
  Spec,
  Status extends BaseStatus,
  Action extends ActionShape,
  Observed,
>(
  parts: KindParts<Spec, Status, Action, Observed>,
): (obj: CustomObject<Spec, Status>, ctx: HandlerContext<Status>) => Promise<Outcome<Status>> {
  return async (obj, ctx) => {
    const io: Io = { now: ctx.now(), signal: ctx.signal };
    const observed = await parts.observe(obj, io);
    const decision = parts.decide(obj, observed, io.now);
    const events = [...decision.events];
    let recorded = false;
    const record = (): void => {
      if (!recorded) parts.recorded?.(decision, observed);
      recorded = true;
    };
    if (decision.action !== undefined) {
      if (decision.checkpoint === true) {
        await ctx.checkpoint(decision.status);
        record();
      }
      // Lost leadership (or a reconcile timeout) since observing: another replica may be acting.
      ctx.signal.throwIfAborted();
      const told = await parts.act(decision.action, obj, io);
      events.push(told);
      ctx.log.info({ action: decision.action.type }, told.message);
    }
    return {
      status: decision.status,
      events,
      afterStatusWrite: record,
      ...(decision.requeueAfterMs === undefined ? {} : { requeueAfterMs: decision.requeueAfterMs }),
    };
  };
}
