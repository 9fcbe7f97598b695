/**
 * Connections to systems outside Kubernetes, kept opaque so the runtime stays generic: the runtime
 * knows the settings (from flags/env) and owns the lifecycle (one instance per key, closed at
 * shutdown); the domain decides what to build (reconcilers/shared/runtime turns these settings
 * into AWS SDK clients and Redis flag stores).
 */
import type { Logger } from 'pino';
import { monotonicClock } from './clock.js';

export const AWS_RETRY_MODES = ['standard', 'adaptive'] as const;
export type AwsRetryMode = (typeof AWS_RETRY_MODES)[number];

/** How AWS SDK clients are to be built (`--aws-*` flags). Credentials come from the SDK chain. */
export interface AwsSettings {
  /** Region used when a resource names none (`--aws-region`). */
  readonly defaultRegion: string;
  /** Emulator or VPC endpoint override for every service (`--aws-endpoint-url`). */
  readonly endpoint?: string;
  /** The endpoint is an AWS emulator (`--aws-emulator`): protocol pins it needs. */
  readonly emulator?: boolean;
  /** Attempts per call, retries included (`--aws-max-attempts`). */
  readonly maxAttempts: number;
  /** `standard`, or `adaptive` (client-side rate limiting after throttling) (`--aws-retry-mode`). */
  readonly retryMode: AwsRetryMode;
}

/** The controller-wide Redis (`--redis-url` / `REDIS_URL`). */
export interface RedisSettings {
  /** `redis://` or `rediss://`, AUTH included: never log it (see `redactRedisUrl`). */
  readonly url: string;
  /** PEM CA bundle path for `rediss://` (`--redis-tls-ca-file`). */
  readonly tlsCaFile?: string;
}

/**
 * The process-wide instance registered under `key`, built by `create` on first use; `close` runs
 * once at shutdown, after the workers stopped. Keys are global: prefix them with what they hold
 * (`aws:clients`, `redis:<hash>`). The same key must always be used with the same type.
 *
 * `idleMs`: close the instance once no `shared()` call asked for it for that long (e.g. a Redis
 * connection for a Secret's old URL after the Secret was rotated). Instances registered under
 * `<key>:…` (built on it, like a subscriber connection) are closed with it, first; a later call
 * builds a new one.
 */
export type SharedFn = <T>(
  key: string,
  create: () => T,
  close: (instance: T) => unknown,
  options?: SharedOptions,
) => T;

export interface SharedOptions {
  readonly idleMs?: number;
}

/** Thrown by `shared()` once shutdown started (an aborted reconcile must not open new sockets). */
export class ShuttingDownError extends Error {
  override readonly name = 'ShuttingDownError';
}

interface Entry {
  readonly instance: unknown;
  readonly close: () => unknown;
  readonly idleMs: number | undefined;
  lastUsedMs: number;
}

/** Implements {@link SharedFn}; `closeAll()` closes everything in reverse creation order. */
export class SharedRegistry {
  readonly #entries = new Map<string, Entry>();
  readonly #log: Logger;
  readonly #closeTimeoutMs: number;
  #closed = false;

  readonly #sweepMs: number;
  #sweeper: NodeJS.Timeout | undefined;

  constructor(options: {
    readonly logger: Logger;
    readonly closeTimeoutMs?: number;
    /** How often idle instances are looked for (default 60 s). */
    readonly sweepMs?: number;
  }) {
    this.#log = options.logger;
    this.#closeTimeoutMs = options.closeTimeoutMs ?? 5_000;
    this.#sweepMs = options.sweepMs ?? 60_000;
  }

  readonly shared: SharedFn = <T>(
    key: string,
    create: () => T,
    close: (instance: T) => unknown,
    options: SharedOptions = {},
  ): T => {
    const existing = this.#entries.get(key);
    if (existing !== undefined) {
      existing.lastUsedMs = monotonicClock.nowMs();
      return existing.instance as T;
    }
    if (this.#closed) throw new ShuttingDownError(`cannot create "${key}": shutting down`);
    const instance = create();
    this.#entries.set(key, {
      instance,
      close: () => close(instance),
      idleMs: options.idleMs,
      lastUsedMs: monotonicClock.nowMs(),
    });
    if (options.idleMs !== undefined) this.#startSweeping();
    return instance;
  };

  #startSweeping(): void {
    if (this.#sweeper !== undefined) return;
    this.#sweeper = setInterval(() => {
      void this.evictIdle();
    }, this.#sweepMs);
    this.#sweeper.unref();
  }

  /** Closes the instances idle for longer than their `idleMs`, each with its dependents. */
  async evictIdle(): Promise<void> {
    const now = monotonicClock.nowMs();
    const idle = [...this.#entries].filter(
      ([, e]) => e.idleMs !== undefined && now - e.lastUsedMs > e.idleMs,
    );
    for (const [key] of idle) {
      const doomed = [...this.#entries].filter(([k]) => k === key || k.startsWith(`${key}:`));
      for (const [k] of doomed) this.#entries.delete(k);
      this.#log.info({ key, closing: doomed.length }, 'closing an idle shared instance');
      // Dependents (registered after it, built on it) first.
      for (const [k, entry] of doomed.reverse()) await this.#close(k, entry);
    }
  }

  get size(): number {
    return this.#entries.size;
  }

  /**
   * Closes every instance (newest first, so a thing built on another closes before it), each
   * bounded by the close timeout; failures are logged, never thrown. Later `shared()` calls throw.
   */
  async closeAll(): Promise<void> {
    this.#closed = true;
    clearInterval(this.#sweeper);
    const entries = [...this.#entries].reverse();
    this.#entries.clear();
    for (const [key, entry] of entries) await this.#close(key, entry);
  }

  async #close(key: string, entry: Entry): Promise<void> {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<'timeout'>((resolve) => {
      timer = setTimeout(() => {
        resolve('timeout');
      }, this.#closeTimeoutMs);
    });
    try {
      const outcome = await Promise.race([Promise.resolve(entry.close()), timeout]);
      if (outcome === 'timeout') {
        this.#log.warn({ key, timeoutMs: this.#closeTimeoutMs }, 'close timed out; moving on');
      }
    } catch (err) {
      this.#log.warn({ err, key }, 'close failed');
    } finally {
      clearTimeout(timer);
    }
  }
}
