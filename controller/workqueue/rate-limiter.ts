/**
 * Rate limiters for retries, as client-go's `util/workqueue/default_rate_limiters.go`: `when(key)`
 * returns how long to wait before the key may be retried; `forget(key)` resets its history.
 */
import { monotonicClock, type MonotonicClock } from '../clock.js';

export interface RateLimiter {
  /** Delay in milliseconds before `key` is retried; counts one more failure for it. */
  when(key: string): number;
  /** Clears the failure history of `key` (called on success). */
  forget(key: string): void;
  /** How many times `key` has failed since it was last forgotten. */
  numRequeues(key: string): number;
}

/** `base * 2^failures`, capped at `max` (client-go: 5 ms .. 1000 s). */
export class ItemExponentialFailureRateLimiter implements RateLimiter {
  readonly #failures = new Map<string, number>();
  readonly #baseMs: number;
  readonly #maxMs: number;

  constructor(baseMs = 5, maxMs = 1_000_000) {
    if (!(baseMs > 0) || !(maxMs >= baseMs)) throw new RangeError('need 0 < baseMs <= maxMs');
    this.#baseMs = baseMs;
    this.#maxMs = maxMs;
  }

  when(key: string): number {
    const failures = this.#failures.get(key) ?? 0;
    this.#failures.set(key, failures + 1);
    // 2 ** 1100 is Infinity, so the cap also protects against overflow.
    return Math.min(this.#baseMs * 2 ** failures, this.#maxMs);
  }

  forget(key: string): void {
    this.#failures.delete(key);
  }

  numRequeues(key: string): number {
    return this.#failures.get(key) ?? 0;
  }
}

/**
 * A global token bucket (`qps` refill, `burst` capacity) shared by all keys, like golang.org/x/time/
 * rate's `Reserve().Delay()`: each call takes a token, possibly from the future, and returns how
 * long until that token exists. It has no per-key memory.
 */
export class BucketRateLimiter implements RateLimiter {
  readonly #qps: number;
  readonly #burst: number;
  readonly #clock: MonotonicClock;
  #tokens: number;
  #last: number;

  constructor(qps = 10, burst = 100, clock: MonotonicClock = monotonicClock) {
    if (!(qps > 0) || !(burst >= 1)) throw new RangeError('need qps > 0 and burst >= 1');
    this.#qps = qps;
    this.#burst = burst;
    this.#clock = clock;
    this.#tokens = burst;
    this.#last = clock.nowMs();
  }

  when(_key: string): number {
    const now = this.#clock.nowMs();
    const elapsedSeconds = Math.max(0, now - this.#last) / 1_000;
    this.#last = now;
    this.#tokens = Math.min(this.#burst, this.#tokens + elapsedSeconds * this.#qps) - 1;
    return this.#tokens >= 0 ? 0 : Math.ceil((-this.#tokens / this.#qps) * 1_000);
  }

  forget(_key: string): void {
    // Global bucket: nothing per key.
  }

  numRequeues(_key: string): number {
    return 0;
  }
}

/** The worst (longest) delay of several limiters; `numRequeues` is the highest of them. */
export class MaxOfRateLimiter implements RateLimiter {
  readonly #limiters: readonly RateLimiter[];

  constructor(...limiters: RateLimiter[]) {
    if (limiters.length === 0) throw new RangeError('MaxOfRateLimiter needs at least one limiter');
    this.#limiters = limiters;
  }

  when(key: string): number {
    // Every limiter must observe the failure, so no short-circuit.
    return Math.max(...this.#limiters.map((l) => l.when(key)));
  }

  forget(key: string): void {
    for (const l of this.#limiters) l.forget(key);
  }

  numRequeues(key: string): number {
    return Math.max(...this.#limiters.map((l) => l.numRequeues(key)));
  }
}

/** Settings of {@link defaultControllerRateLimiter}; defaults are client-go's. */
export interface RateLimiterOptions {
  readonly baseDelayMs?: number;
  readonly maxDelayMs?: number;
  readonly qps?: number;
  readonly burst?: number;
  readonly clock?: MonotonicClock;
}

/** `max(per-item exponential 5 ms..1000 s, bucket 10 qps / burst 100)`, client-go's default. */
export function defaultControllerRateLimiter(options: RateLimiterOptions = {}): RateLimiter {
  return new MaxOfRateLimiter(
    new ItemExponentialFailureRateLimiter(
      options.baseDelayMs ?? 5,
      options.maxDelayMs ?? 1_000_000,
    ),
    new BucketRateLimiter(options.qps ?? 10, options.burst ?? 100, options.clock ?? monotonicClock),
  );
}
