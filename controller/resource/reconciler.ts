/**
 * The generic custom-resource reconciler. Per key:
 *  1. read from the informer cache and clone (not found ⇒ no requeue, forget per-key memory);
 *  2. stale-cache guard (our last write is newer than the cache ⇒ requeue shortly);
 *  3. being deleted ⇒ `finalize` → remove our finalizer (guarded JSON Patch) → no requeue;
 *  4. add the finalizer if the handler wants it;
 *  5. `validate`: errors ⇒ InvalidSpec/Stalled status (history kept), one Warning, no retry loop;
 *  6. `reconcile` ⇒ observedGeneration + normalised conditions ⇒ patch status if changed ⇒ events
 *     ⇒ Result (the Events of writes already made outside Kubernetes are emitted even when the
 *     status patch fails). Throws retry with backoff (Warning event, sanitised); `TerminalError` ⇒ Stalled.
 */
import { systemClock, type Clock } from '../clock.js';
import { ConditionStatus, ConditionType } from '../k8s/conditions.js';
import { isStaleWrite } from '../k8s/errors.js';
import type { EventRecorder } from '../k8s/events.js';
import { addFinalizer, hasFinalizer, removeFinalizer } from '../k8s/finalizers.js';
import type { KubeClient } from '../k8s/client.js';
import { ResourceVersionTracker } from '../k8s/resource-version.js';
import { StatusWriter } from '../k8s/status-writer.js';
import { objectKey, type CustomObject, type ResourceDescriptor } from '../k8s/types.js';
import { phaseOf } from '../observability/metrics.js';
import { sanitizeMessage } from '../observability/redact.js';
import { safeErrorMessage } from '../observability/safe-error.js';
import {
  noRequeue,
  requeueAfter,
  terminalErrorOf,
  type ReconcileContext,
  type Reconciler,
  type Request,
  type Result,
} from '../reconcile.js';
import {
  describeFieldErrors,
  finishStatus,
  invalidSpecStatus,
  Reason,
  stalledStatus,
} from './status.js';
import type { BaseStatus, EventSpec, HandlerContext, KindHandler, ObjectCache } from './types.js';

export interface ResourceReconcilerOptions<Spec, Status extends BaseStatus> {
  readonly resource: ResourceDescriptor;
  readonly handler: KindHandler<Spec, Status>;
  readonly cache: ObjectCache<CustomObject<Spec, Status>>;
  readonly kube: KubeClient;
  readonly recorder: EventRecorder;
  readonly clock?: Clock;
  readonly tracker?: ResourceVersionTracker;
  /** Requeue delay when the cache lags behind our own write (default 1 s). */
  readonly staleCacheRequeueMs?: number;
  /** Requeue delay when `finalize` has not cleaned up and gave no delay (default 5 s). */
  readonly finalizeRetryMs?: number;
  /** Called after a status write changed `status.phase` (metrics). */
  readonly onPhaseChange?: (from: string, to: string) => void;
}

type Obj<Spec, Status> = CustomObject<Spec, Status>;

export class ResourceReconciler<Spec, Status extends BaseStatus> implements Reconciler {
  readonly #o: ResourceReconcilerOptions<Spec, Status>;
  readonly #clock: Clock;
  readonly #tracker: ResourceVersionTracker;

  constructor(options: ResourceReconcilerOptions<Spec, Status>) {
    this.#o = options;
    this.#clock = options.clock ?? systemClock;
    this.#tracker = options.tracker ?? new ResourceVersionTracker();
  }

  async reconcile(req: Request, ctx: ReconcileContext): Promise<Result> {
    const cached = this.#o.cache.get(req.namespace, req.name);
    const key = `${req.namespace}/${req.name}`;
    if (cached === undefined) {
      this.#tracker.forget(key);
      return noRequeue;
    }
    if (this.#tracker.isStale(key, cached.metadata.resourceVersion)) {
      ctx.log.debug(
        { cachedRV: cached.metadata.resourceVersion },
        'cache older than our last write; requeue',
      );
      return requeueAfter(this.#o.staleCacheRequeueMs ?? 1_000);
    }
    const work = new Work(this.#o, this.#tracker, this.#clock, structuredClone(cached), ctx);
    try {
      return await this.#run(work);
    } catch (err) {
      await this.#onError(work, err);
      throw err;
    }
  }

  async #run(w: Work<Spec, Status>): Promise<Result> {
    const { handler, kube, resource } = this.#o;
    const fin = handler.finalizer;
    if (w.obj.metadata.deletionTimestamp !== undefined) {
      if (fin === undefined || !hasFinalizer(w.obj, fin.name)) return noRequeue;
      const outcome = await fin.finalize(w.obj, w.handlerContext());
      if (outcome.status !== undefined)
        await w.writeStatus(finishStatus(w.obj.status, outcome.status, w.stamp()));
      await w.emit(outcome.events);
      if (!outcome.cleanedUp)
        return requeueAfter(outcome.requeueAfterMs ?? this.#o.finalizeRetryMs ?? 5_000);
      const removed = await removeFinalizer(kube, resource, w.obj, fin.name);
      this.#tracker.record(objectKey(removed.object), removed.object.metadata.resourceVersion);
      return noRequeue;
    }
    if (fin !== undefined && fin.wanted(w.obj) && !hasFinalizer(w.obj, fin.name)) {
      const added = await addFinalizer(kube, resource, w.obj, fin.name);
      w.obj = added.object;
      this.#tracker.record(objectKey(added.object), added.object.metadata.resourceVersion);
    }
    const errors = handler.validate(w.obj);
    if (errors.length > 0) {
      const wasInvalid = w.obj.status?.conditions?.some(
        (c) => c.type === ConditionType.InvalidSpec && c.status === ConditionStatus.True,
      );
      const outcome = await handler.reconcileInvalid?.(w.obj, w.handlerContext(), errors);
      // The handler's domain fields, over the conditions as they were (then InvalidSpec/Stalled).
      const base =
        outcome?.status === undefined
          ? w.obj.status
          : { ...outcome.status, conditions: w.obj.status?.conditions ?? [] };
      const changed = await w.writeStatus(invalidSpecStatus(base, errors, w.stamp()));
      outcome?.afterStatusWrite?.();
      // One Warning per transition, not one per resync.
      const message = describeFieldErrors(errors);
      if (changed && wasInvalid !== true)
        await w.emit([{ type: 'Warning', reason: Reason.InvalidSpec, message }]);
      await w.emit(outcome?.events);
      // Validity can depend on status (a strategy change refused only while a revision is in
      // flight): once what the handler did makes the spec valid, reconcile it normally at once,
      // rather than at the resync, so phase and conditions stop saying InvalidSpec.
      if (
        outcome?.status !== undefined &&
        handler.validate({ ...w.obj, status: outcome.status }).length === 0
      )
        return requeueAfter(1);
      return outcome?.requeueAfterMs !== undefined && outcome.requeueAfterMs > 0
        ? requeueAfter(outcome.requeueAfterMs)
        : noRequeue;
    }
    const outcome = await handler.reconcile(w.obj, w.handlerContext());
    try {
      if (outcome.status !== undefined)
        await w.writeStatus(finishStatus(w.obj.status, outcome.status, w.stamp()));
    } catch (err) {
      // The writes outside Kubernetes happened whatever becomes of this patch: say so now.
      await w.emit(outcome.performedEvents);
      throw err;
    }
    outcome.afterStatusWrite?.();
    await w.emit(outcome.events);
    await w.emit(outcome.performedEvents);
    return outcome.requeueAfterMs !== undefined && outcome.requeueAfterMs > 0
      ? requeueAfter(outcome.requeueAfterMs)
      : noRequeue;
  }

  /** Terminal ⇒ Stalled status + Warning; other errors ⇒ Warning (conflicts are routine: none). */
  async #onError(w: Work<Spec, Status>, err: unknown): Promise<void> {
    if (isStaleWrite(err)) return;
    const message = safeErrorMessage(err);
    // The reason comes from the TerminalError itself, which may be the cause of `err`.
    const terminal = terminalErrorOf(err);
    if (terminal !== undefined) {
      try {
        await w.writeStatus(stalledStatus(w.obj.status, terminal.reason, message, w.stamp()));
      } catch (writeErr) {
        w.ctx.log.warn({ err: writeErr }, 'could not mark object Stalled');
      }
      await w.emit([{ type: 'Warning', reason: terminal.reason, message }]);
      return;
    }
    await w.emit([{ type: 'Warning', reason: Reason.ReconcileError, message }]);
  }
}

/** The state of one reconcile: the working copy (updated by every write) and its helpers. */
class Work<Spec, Status extends BaseStatus> {
  obj: Obj<Spec, Status>;
  readonly ctx: ReconcileContext;
  readonly #o: ResourceReconcilerOptions<Spec, Status>;
  readonly #clock: Clock;
  readonly #writer: StatusWriter;

  constructor(
    o: ResourceReconcilerOptions<Spec, Status>,
    tracker: ResourceVersionTracker,
    clock: Clock,
    obj: Obj<Spec, Status>,
    ctx: ReconcileContext,
  ) {
    this.#o = o;
    this.#clock = clock;
    this.obj = obj;
    this.ctx = ctx;
    this.#writer = new StatusWriter(o.kube, o.resource, tracker, ctx.log);
  }

  stamp(): { generation: number; now: Date; stalledPhase?: string } {
    const { stalledPhase } = this.#o.handler;
    return {
      generation: this.obj.metadata.generation ?? 0,
      now: this.#clock.now(),
      ...(stalledPhase === undefined ? {} : { stalledPhase }),
    };
  }

  /** Writes `status` if it differs from the working copy's; returns whether it wrote. */
  async writeStatus(status: Status): Promise<boolean> {
    const from = phaseOf(this.obj);
    const result = await this.#writer.write(this.obj, status);
    if (result.changed) this.ctx.log.debug({ patch: result.patch }, 'status patched');
    this.obj = result.object;
    const to = phaseOf(this.obj);
    if (result.changed && from !== to) this.#o.onPhaseChange?.(from, to);
    return result.changed;
  }

  handlerContext(): HandlerContext<Status> {
    const { stalledPhase } = this.#o.handler;
    return {
      ...(stalledPhase === undefined ? {} : { stalledPhase }),
      log: this.ctx.log,
      reconcileId: this.ctx.reconcileId,
      signal: this.ctx.signal,
      now: () => this.#clock.now(),
      checkpoint: async (status: Status, events?: readonly EventSpec[]) => {
        await this.writeStatus(finishStatus(this.obj.status, status, this.stamp()));
        await this.emit(events);
      },
    };
  }

  async emit(events: readonly EventSpec[] | undefined): Promise<void> {
    for (const e of events ?? []) {
      await this.#o.recorder.event(this.obj, e.type, e.reason, sanitizeMessage(e.message));
    }
  }
}
