/** Exponential backoff with jitter for reconnect loops (informer relists, lease retries). */
export class ExponentialBackoff {
  readonly #initialMs: number;
  readonly #maxMs: number;
  readonly #jitter: number;
  readonly #random: () => number;
  #attempt = 0;

  /** `jitter` 0.2 adds up to 20 % to each delay so many watchers do not reconnect in lockstep. */
  constructor(options: {
    readonly initialMs: number;
    readonly maxMs: number;
    readonly jitter?: number;
    readonly random?: () => number;
  }) {
    this.#initialMs = options.initialMs;
    this.#maxMs = options.maxMs;
    this.#jitter = options.jitter ?? 0.2;
    this.#random = options.random ?? Math.random;
  }

  /** The next delay in milliseconds; each call doubles the base up to the maximum. */
  next(): number {
    const base = Math.min(this.#initialMs * 2 ** this.#attempt, this.#maxMs);
    this.#attempt = Math.min(this.#attempt + 1, 64);
    return Math.round(base * (1 + this.#jitter * this.#random()));
  }

  reset(): void {
    this.#attempt = 0;
  }
}
