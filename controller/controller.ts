/**
 * One controller: a work queue of keys fed by sources (informer events, and the kind's external
 * sources, which run only while the workers do) and N workers that call the reconciler, as
 * controller-runtime's `reconcileHandler`:
 *  - success ⇒ forget; `requeueAfterMs` ⇒ forget + addAfter;
 *  - error ⇒ addRateLimited (a Result returned alongside is impossible here);
 *  - `TerminalError` ⇒ counted, logged, forgotten, never retried;
 *  - a thrown non-Error (our "panic") ⇒ counted in `controller_runtime_reconcile_panics_total`,
 *    then handled as an error.
 * Each reconcile gets a `reconcileID` (UUID), a child logger and an AbortSignal that fires on the
 * per-reconcile timeout and on shutdown. A key is never reconciled twice at once: the queue does
 * not hand it out again until the running reconcile has settled, even after a timeout.
 */
import { randomUUID } from 'node:crypto';
import type { Logger } from 'pino';
import { startExternalSource, type ExternalSource } from './external-source.js';
import { isStaleWrite } from './k8s/errors.js';
import type { KubeObject } from './k8s/types.js';
import { ReconcileResult, type RuntimeMetrics } from './observability/metrics.js';
import { safeErrorShape } from './observability/safe-error.js';
import { isTerminalError, keyOf, requestOf, type Reconciler, type Request } from './reconcile.js';
import { WorkQueue } from './workqueue/queue.js';
import type { RateLimiter } from './workqueue/rate-limiter.js';
import type { MonotonicClock } from './clock.js';
import { withReconcileSignal } from './reconcile-scope.js';

export interface ControllerOptions {
  /** Metric label and log field, e.g. `release`. */
  readonly name: string;
  /** Kind name for logs, e.g. `Release`. */
  readonly kind: string;
  readonly reconciler: Reconciler;
  readonly logger: Logger;
  readonly metrics: RuntimeMetrics;
  /** Workers (default 2). */
  readonly maxConcurrentReconciles?: number;
  /** Abort signal deadline per reconcile; 0 = none (default). */
  readonly reconcileTimeoutMs?: number;
  readonly rateLimiter?: RateLimiter;
  /** The work queue's delays (default `performance.now()`). */
  readonly clock?: MonotonicClock;
  /** Event sources outside Kubernetes: started with the workers, aborted at shutdown. */
  readonly sources?: readonly ExternalSource[];
  /** The kind's cached objects, as sources see them (`ctx.list()`); default none. */
  readonly cached?: () => readonly KubeObject[];
}

export interface ShutdownReport {
  /** Keys that were queued or waiting and were left for the next leader / the next start. */
  readonly pending: string[];
  /** Keys still reconciling when the deadline passed; their signals were aborted. */
  readonly handedBack: string[];
  /**
   * Handed-back keys whose reconcile had still not settled {@link ABORT_GRACE_MS} after the
   * abort (it ignores its signal): a new leader must not start on them yet.
   */
  readonly stillRunning: string[];
}

/** How long aborted reconciles get to settle (signal-aware I/O rejects at once). */
export const ABORT_GRACE_MS = 1_000;

export class Controller {
  readonly name: string;
  readonly queue: WorkQueue;
  readonly #o: ControllerOptions;
  readonly #log: Logger;
  readonly #workers: number;
  readonly #running = new Map<string, AbortController>();
  readonly #stopSources = new AbortController();
  #loops: Promise<void>[] = [];

  get kind(): string {
    return this.#o.kind;
  }

  constructor(options: ControllerOptions) {
    this.#o = options;
    this.name = options.name;
    this.#workers = options.maxConcurrentReconciles ?? 2;
    if (!Number.isInteger(this.#workers) || this.#workers < 1) {
      throw new RangeError(`${options.name}: maxConcurrentReconciles must be a positive integer`);
    }
    this.#log = options.logger.child({ controller: options.name, kind: options.kind });
    this.queue = new WorkQueue({
      rateLimiter: options.rateLimiter,
      clock: options.clock,
      metrics: options.metrics.queueSink(options.name),
    });
    options.metrics.trackQueue(options.name, this.queue);
    options.metrics.initController(options.name, this.#workers);
  }

  /** Adds a key (from an event handler: synchronous, never throws). */
  enqueue(req: Request | string): void {
    this.queue.add(typeof req === 'string' ? req : keyOf(req));
  }

  /** Starts the workers and the external sources (once; not after shutdown). */
  start(): void {
    if (this.#loops.length > 0 || this.#stopSources.signal.aborted) return;
    this.#log.info({ workers: this.#workers }, 'starting workers');
    this.#loops = Array.from({ length: this.#workers }, () => this.#worker());
    const { signal } = this.#stopSources;
    const list = this.#o.cached ?? (() => []);
    for (const source of this.#o.sources ?? []) {
      startExternalSource(source, {
        enqueue: (req) => {
          if (!signal.aborted) this.enqueue(req);
        },
        signal,
        log: this.#log.child({ source: source.name }),
        list,
      });
    }
  }

  /**
   * Lost leadership: another replica may already be acting, so every running reconcile and
   * external source is aborted now, synchronously (no grace period), and no key is handed out
   * again. `shutdown` can follow for the bookkeeping.
   */
  abortAll(reason: Error): void {
    this.#stopSources.abort(reason);
    this.queue.shutDown();
    for (const running of this.#running.values()) running.abort(reason);
  }

  /**
   * Stops the external sources and taking work, waits up to `timeoutMs` for running reconciles,
   * then aborts the rest and reports them as handed back (the next leader's initial list
   * re-enqueues every key).
   */
  async shutdown(timeoutMs: number): Promise<ShutdownReport> {
    this.#stopSources.abort(new Error('controller shutting down'));
    const pending = this.queue.shutDown();
    const idle = await this.#idleWithin(timeoutMs);
    const handedBack = idle ? [] : [...this.#running.keys()];
    for (const key of handedBack)
      this.#running.get(key)?.abort(new Error('controller shutting down'));
    // An aborted reconcile normally settles at once; one that ignores its signal keeps running,
    // and the caller must then not let another replica take over its keys (see Manager).
    const stillRunning =
      handedBack.length === 0 || (await this.#idleWithin(ABORT_GRACE_MS))
        ? []
        : [...this.#running.keys()];
    if (pending.length + handedBack.length > 0)
      this.#log.info({ pending, handedBack, stillRunning }, 'handed back keys');
    return { pending, handedBack, stillRunning };
  }

  /** True when no reconcile is running, waiting up to `ms` for that. */
  async #idleWithin(ms: number): Promise<boolean> {
    let timer: NodeJS.Timeout | undefined;
    const deadline = new Promise<'timeout'>((resolve) => {
      timer = setTimeout(() => {
        resolve('timeout');
      }, ms);
    });
    const outcome = await Promise.race([
      this.queue.whenIdle().then(() => 'idle' as const),
      deadline,
    ]);
    clearTimeout(timer);
    return outcome === 'idle';
  }

  async #worker(): Promise<void> {
    for (;;) {
      const key = await this.queue.get();
      if (key === undefined) return;
      try {
        await this.#process(key);
      } finally {
        this.queue.done(key);
      }
    }
  }

  async #process(key: string): Promise<void> {
    const { metrics, name: controller } = this.#o;
    const reconcileId = randomUUID();
    const log = this.#log.child({ reconcileID: reconcileId, key });
    const abort = new AbortController();
    const timeoutMs = this.#o.reconcileTimeoutMs ?? 0;
    const timer =
      timeoutMs > 0
        ? setTimeout(() => {
            abort.abort(new Error(`reconcile timed out after ${timeoutMs} ms`));
          }, timeoutMs)
        : undefined;
    this.#running.set(key, abort);
    metrics.activeWorkers.inc({ controller });
    const endTimer = metrics.reconcileTime.startTimer({ controller });
    let result: ReconcileResult;
    try {
      const res = await withReconcileSignal(abort.signal, () =>
        this.#o.reconciler.reconcile(requestOf(key), {
          log,
          reconcileId,
          signal: abort.signal,
        }),
      );
      this.queue.forget(key);
      if (res.requeueAfterMs !== undefined && res.requeueAfterMs > 0) {
        this.queue.addAfter(key, res.requeueAfterMs);
        result = ReconcileResult.RequeueAfter;
      } else {
        result = ReconcileResult.Success;
      }
    } catch (err) {
      result = ReconcileResult.Error;
      this.#onError(key, err, log);
    } finally {
      clearTimeout(timer);
      this.#running.delete(key);
      endTimer();
      metrics.activeWorkers.dec({ controller });
    }
    metrics.reconcileTotal.inc({ controller, result });
  }

  #onError(key: string, err: unknown, log: Logger): void {
    const { metrics, name: controller } = this.#o;
    metrics.reconcileErrors.inc({ controller });
    if (!(err instanceof Error)) {
      metrics.reconcilePanics.inc({ controller });
      log.error({ panic: safeErrorShape(err) }, 'reconciler threw a non-Error value (panic)');
    }
    if (isTerminalError(err)) {
      metrics.terminalReconcileErrors.inc({ controller });
      this.queue.forget(key);
      log.error({ err }, 'terminal reconcile error; not retrying');
      return;
    }
    this.queue.addRateLimited(key);
    const retries = this.queue.numRequeues(key);
    if (isStaleWrite(err)) log.info({ err, retries }, 'stale write (conflict); retrying');
    else if (err instanceof Error) log.error({ err, retries }, 'reconciler error');
  }
}
