/**
 * The work queue of `namespace/name` keys (client-go `util/workqueue`, typed + delaying +
 * rate-limiting in one class).
 *
 * Guarantees: a key is queued at most once (`dirty`); a key handed out by `get()` is in
 * `processing` until `done(key)` and is never handed out again meanwhile; a key added while it is
 * processing is queued again by `done`. `shutDown()` stops handing out keys at once (queued and
 * waiting keys are returned so the caller can report them as handed back); in-flight keys finish.
 */
import { monotonicClock, type MonotonicClock } from '../clock.js';
import { DelayHeap } from './delay-heap.js';
import { defaultControllerRateLimiter, type RateLimiter } from './rate-limiter.js';

/** Observations a queue reports (implemented with prom-client by the observability module). */
export interface QueueMetricsSink {
  added(): void;
  depth(n: number): void;
  /** Seconds a key waited in the queue before `get()` handed it out. */
  queued(seconds: number): void;
  /** Seconds between `get()` and `done()`. */
  worked(seconds: number): void;
  retried(): void;
}

/** The longest delay setTimeout honours (a signed 32-bit number of milliseconds). */
const MAX_TIMER_DELAY_MS = 2 ** 31 - 1;

const noMetrics: QueueMetricsSink = {
  added: () => undefined,
  depth: () => undefined,
  queued: () => undefined,
  worked: () => undefined,
  retried: () => undefined,
};

export interface WorkQueueOptions {
  readonly rateLimiter?: RateLimiter;
  /** Delays and durations: monotonic (default `performance.now()`), never the wall clock. */
  readonly clock?: MonotonicClock;
  readonly metrics?: QueueMetricsSink;
}

export class WorkQueue {
  readonly #order = new Set<string>(); // FIFO of keys ready to be handed out
  readonly #dirty = new Set<string>(); // keys that need processing (queued or re-added while processing)
  readonly #processing = new Map<string, number>(); // key -> time get() handed it out
  readonly #addedAt = new Map<string, number>();
  readonly #waiting = new DelayHeap();
  readonly #getters: ((key: string | undefined) => void)[] = [];
  readonly #idle: (() => void)[] = [];
  readonly #rateLimiter: RateLimiter;
  readonly #clock: MonotonicClock;
  readonly #metrics: QueueMetricsSink;
  #timer: NodeJS.Timeout | undefined;
  #timerAt = Infinity;
  #shuttingDown = false;

  constructor(options: WorkQueueOptions = {}) {
    this.#clock = options.clock ?? monotonicClock;
    this.#rateLimiter = options.rateLimiter ?? defaultControllerRateLimiter({ clock: this.#clock });
    this.#metrics = options.metrics ?? noMetrics;
  }

  /** Queues `key` unless it is already queued; ignored after shutdown. */
  add(key: string): void {
    if (this.#shuttingDown || this.#dirty.has(key)) return;
    this.#dirty.add(key);
    this.#addedAt.set(key, this.#now());
    this.#metrics.added();
    if (this.#processing.has(key)) return; // `done` re-queues it
    this.#enqueue(key);
  }

  /** Queues `key` after `delayMs` (at the earliest requested time if it is already waiting). */
  addAfter(key: string, delayMs: number): void {
    if (this.#shuttingDown) return;
    if (!(delayMs > 0)) {
      this.add(key);
      return;
    }
    const at = this.#now() + delayMs;
    if (this.#waiting.push(key, at) && at < this.#timerAt) this.#arm(at);
  }

  /** Queues `key` after the rate limiter's delay for it (a failed attempt). */
  addRateLimited(key: string): void {
    if (this.#shuttingDown) return;
    this.#metrics.retried();
    this.addAfter(key, this.#rateLimiter.when(key));
  }

  /** Resets the failure history of `key` (its next `addRateLimited` starts at the base delay). */
  forget(key: string): void {
    this.#rateLimiter.forget(key);
  }

  numRequeues(key: string): number {
    return this.#rateLimiter.numRequeues(key);
  }

  /**
   * The next key to process; waits until one is ready. Resolves `undefined` once the queue is shut
   * down. Every key returned must be passed to `done` exactly once.
   */
  get(): Promise<string | undefined> {
    if (this.#shuttingDown) return Promise.resolve(undefined);
    const key = this.#takeNext();
    if (key !== undefined) return Promise.resolve(key);
    return new Promise((resolve) => this.#getters.push(resolve));
  }

  /** Marks `key` processed; re-queues it if it was added meanwhile. */
  done(key: string): void {
    const started = this.#processing.get(key);
    if (started === undefined) return;
    this.#processing.delete(key);
    this.#metrics.worked((this.#now() - started) / 1_000);
    if (this.#dirty.has(key) && !this.#shuttingDown) this.#enqueue(key);
    if (this.#processing.size === 0) for (const resolve of this.#idle.splice(0)) resolve();
  }

  /** Number of keys ready to be handed out (not counting waiting or processing keys). */
  len(): number {
    return this.#order.size;
  }

  /** Keys currently handed out and not yet `done`. */
  inFlight(): string[] {
    return [...this.#processing.keys()];
  }

  /** For the `workqueue_unfinished_work_seconds` / `longest_running_processor_seconds` gauges. */
  processingStats(): { unfinishedSeconds: number; longestSeconds: number } {
    const now = this.#now();
    let unfinished = 0;
    let longest = 0;
    for (const started of this.#processing.values()) {
      unfinished += now - started;
      longest = Math.max(longest, now - started);
    }
    return { unfinishedSeconds: unfinished / 1_000, longestSeconds: longest / 1_000 };
  }

  get shuttingDown(): boolean {
    return this.#shuttingDown;
  }

  /**
   * Stops handing out keys and accepting new ones. Pending `get()` calls resolve `undefined`.
   * Returns the keys that were queued or waiting and will not be processed by this queue.
   */
  shutDown(): string[] {
    if (this.#shuttingDown) return [];
    this.#shuttingDown = true;
    clearTimeout(this.#timer);
    this.#timer = undefined;
    const pending = new Set([...this.#order, ...this.#waiting.clear()]);
    this.#order.clear();
    this.#metrics.depth(0);
    for (const resolve of this.#getters.splice(0)) resolve(undefined);
    return [...pending];
  }

  /** Resolves when no key is being processed. */
  whenIdle(): Promise<void> {
    if (this.#processing.size === 0) return Promise.resolve();
    return new Promise((resolve) => this.#idle.push(resolve));
  }

  #enqueue(key: string): void {
    const getter = this.#getters.shift();
    if (getter !== undefined) {
      this.#order.add(key);
      getter(this.#takeNext());
      return;
    }
    this.#order.add(key);
    this.#metrics.depth(this.#order.size);
  }

  #takeNext(): string | undefined {
    const next = this.#order.values().next();
    if (next.done === true) return undefined;
    const key = next.value;
    this.#order.delete(key);
    this.#dirty.delete(key);
    const now = this.#now();
    this.#processing.set(key, now);
    this.#metrics.depth(this.#order.size);
    this.#metrics.queued((now - (this.#addedAt.get(key) ?? now)) / 1_000);
    this.#addedAt.delete(key);
    return key;
  }

  #arm(at: number): void {
    clearTimeout(this.#timer);
    this.#timerAt = at;
    // setTimeout turns a delay above 2^31-1 ms (~24.8 days) into 1 ms, and #onTimer would then
    // re-arm for the same far key every millisecond. Wake at the limit instead: #onTimer finds
    // nothing due and re-arms for what is left.
    this.#timer = setTimeout(
      () => {
        this.#onTimer();
      },
      Math.min(MAX_TIMER_DELAY_MS, Math.max(0, at - this.#now())),
    );
    this.#timer.unref();
  }

  #onTimer(): void {
    this.#timer = undefined;
    this.#timerAt = Infinity;
    for (const key of this.#waiting.popDue(this.#now())) this.add(key);
    const next = this.#waiting.peekTime();
    if (next !== undefined) this.#arm(next);
  }

  #now(): number {
    return this.#clock.nowMs();
  }
}
