/**
 * Event sources outside Kubernetes (controller-runtime's `source.Channel` +
 * `EnqueueRequestsFromMapFunc`): something a kind listens to — a Redis channel, a webhook, a
 * timer — that tells the controller which of its objects to reconcile. A source only computes
 * keys; the reconcile still observes the world afresh, so a source may over-approximate freely.
 */
import type { Logger } from 'pino';
import type { KubeObject } from './k8s/types.js';
import type { Request } from './reconcile.js';

/** What a source receives when its controller starts. */
export interface ExternalSourceContext<Obj extends KubeObject = KubeObject> {
  /**
   * Queues a key of this kind, exactly as an informer event does: deduplicated while queued, run
   * again after the current reconcile if that key is in progress, never two reconciles of one key
   * at once. Ignored once `signal` is aborted. Synchronous, never throws.
   */
  enqueue(req: Request): void;
  /** Aborted when the controller stops (graceful shutdown or lost leadership). */
  readonly signal: AbortSignal;
  /** The controller's logger with `source: <name>`. */
  readonly log: Logger;
  /**
   * The kind's objects in the informer cache, every watched namespace: the map from an external
   * event to keys (e.g. "every object whose spec names this flag"). Shared cache entries: read only.
   */
  list(): readonly Obj[];
}

export interface ExternalSource<Obj extends KubeObject = KubeObject> {
  /** Log field and identification, e.g. `redis-flag-changes`. */
  readonly name: string;
  /**
   * Called once, when the controller starts its workers (on the leader only). Must not block: set
   * up listeners and return (or return a promise for the set-up work). The source owns its own
   * reconnects and must release what it holds when `ctx.signal` aborts; long-lived connections
   * should also be registered with `deps.shared` so that shutdown closes them in any case.
   * A synchronous throw or a rejected promise is logged and ends only this source.
   */
  start(ctx: ExternalSourceContext<Obj>): void | Promise<void>;
}

/**
 * Starts `source` with the given context; its failures are logged (at error while running, at
 * debug once stopped: an error while being torn down is expected), never thrown.
 */
export function startExternalSource<Obj extends KubeObject>(
  source: ExternalSource<Obj>,
  ctx: ExternalSourceContext<Obj>,
): void {
  const failed = (err: unknown): void => {
    if (ctx.signal.aborted) ctx.log.debug({ err }, 'external source failed while stopping');
    else ctx.log.error({ err }, 'external source failed; its events are no longer received');
  };
  try {
    const started = source.start(ctx);
    if (started !== undefined) void started.catch(failed);
  } catch (err) {
    failed(err);
    return;
  }
  ctx.log.info('started external source');
}
