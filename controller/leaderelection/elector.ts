/**
 * Lease-based leader election, following client-go's `tools/leaderelection`:
 * - acquire: every `retryPeriod` (+ up to 120 % jitter) try to take the Lease; a Lease held by
 *   someone else counts as valid until `leaseDurationSeconds` after we last saw its record change
 *   (local observation time, so clock skew between replicas does not matter);
 * - renew: every `retryPeriod`; if no renewal succeeded for `renewDeadline`, leadership is lost.
 *   Deadlines and validity are measured in monotonic time (`performance.now()`), as client-go's
 *   use of Go's monotonic clock readings: a wall-clock step back cannot keep us leading;
 *   Like client-go's renew context, the deadline bounds the attempts too: a hanging request
 *   cannot keep us "leading" past `renewDeadline` after the last renewal, when a standby may
 *   already be counting down the `leaseDuration` to take over;
 * - release (graceful stop): holder set to empty and duration to 1 s, so a standby takes over at
 *   once instead of waiting for the Lease to expire (skipped with `stop({ release: false })`).
 */
import { hostname } from 'node:os';
import { randomUUID } from 'node:crypto';
import type { Logger } from 'pino';
import { monotonicClock, systemClock, type Clock, type MonotonicClock } from '../clock.js';
import { KubeApiError } from '../k8s/errors.js';
import type { LeaderElectionRecord, LeaseLock, LockedRecord } from './lease-lock.js';

export interface LeaderElectorOptions {
  readonly lock: LeaseLock;
  readonly identity: string;
  readonly logger: Logger;
  readonly leaseDurationMs?: number;
  readonly renewDeadlineMs?: number;
  readonly retryPeriodMs?: number;
  /** Wall clock: only for the times written into the Lease (acquireTime, renewTime). */
  readonly clock?: Clock;
  /** Deadlines and lease validity: monotonic, so a wall-clock step cannot extend leadership. */
  readonly monotonic?: MonotonicClock;
  readonly onStartedLeading?: () => void;
  readonly onStoppedLeading?: () => void;
  /** Called with 1 when leading and 0 otherwise (the `leader_election_master_status` gauge). */
  readonly onStatus?: (leading: 0 | 1) => void;
}

/** `hostname_uuid`, as controller-runtime builds it. */
export function defaultIdentity(): string {
  return `${hostname()}_${randomUUID()}`;
}

export type ElectionEnd = 'lost' | 'stopped';

export class LeaderElector {
  readonly #o: Required<
    Omit<LeaderElectorOptions, 'onStartedLeading' | 'onStoppedLeading' | 'onStatus'>
  > &
    LeaderElectorOptions;
  readonly #log: Logger;
  #observed: LockedRecord | undefined;
  #observedAt = 0;
  #leading = false;
  /** The last attempt failed (one warning per outage). */
  #failing = false;
  #stopped = false;
  #releaseOnStop = true;
  #wake: (() => void) | undefined;
  #run: Promise<ElectionEnd> | undefined;

  constructor(options: LeaderElectorOptions) {
    this.#o = {
      leaseDurationMs: 15_000,
      renewDeadlineMs: 10_000,
      retryPeriodMs: 2_000,
      clock: systemClock,
      monotonic: monotonicClock,
      ...options,
    };
    const { leaseDurationMs, renewDeadlineMs, retryPeriodMs } = this.#o;
    if (!(
      leaseDurationMs > renewDeadlineMs &&
      renewDeadlineMs > retryPeriodMs * 1.2 &&
      retryPeriodMs > 0
    )) {
      throw new RangeError('need leaseDuration > renewDeadline > 1.2 * retryPeriod > 0');
    }
    this.#log = options.logger.child({
      lease: options.lock.description,
      identity: options.identity,
    });
  }

  get isLeader(): boolean {
    return this.#leading;
  }

  /** Campaigns, then renews; resolves `lost` when renewal failed, `stopped` after `stop()`. */
  run(): Promise<ElectionEnd> {
    this.#run ??= this.#campaign();
    return this.#run;
  }

  /**
   * Stops campaigning or renewing and releases the Lease if we hold it. `release: false` leaves
   * it to expire instead: for a stop that could not wait for all work to finish, so a standby
   * does not start while some of ours is still running.
   */
  async stop(options: { readonly release?: boolean } = {}): Promise<void> {
    this.#stopped = true;
    this.#releaseOnStop = options.release ?? true;
    this.#wake?.();
    if (this.#run === undefined) return;
    await this.#run;
  }

  async #campaign(): Promise<ElectionEnd> {
    this.#o.onStatus?.(0);
    this.#log.info('attempting to acquire leader lease');
    let acquiredAt = this.#now();
    let acquired = false;
    while (!this.#stopped) {
      acquiredAt = this.#now();
      if (await this.#tryAcquireOrRenew()) {
        acquired = true;
        break;
      }
      await this.#sleep(this.#o.retryPeriodMs * (1 + 1.2 * Math.random()));
    }
    if (this.#isStopped()) {
      // Stopped while the winning attempt was in flight: hand the Lease back at once rather than
      // make the other replicas wait for it to expire.
      if (acquired && this.#releaseOnStop) await this.#release();
      return 'stopped';
    }
    this.#setLeading(true);
    this.#log.info('acquired leader lease');
    this.#o.onStartedLeading?.();
    // When the last successful attempt started: the renewTime it wrote, which is when standbys
    // can start counting at the earliest.
    let lastRenew = acquiredAt;
    for (;;) {
      const deadline = lastRenew + this.#o.renewDeadlineMs;
      await this.#sleep(Math.min(this.#o.retryPeriodMs, Math.max(0, deadline - this.#now())));
      if (this.#isStopped()) {
        if (this.#releaseOnStop) await this.#release();
        else this.#stopLeading();
        return 'stopped';
      }
      const attemptAt = this.#now();
      const renewed =
        attemptAt < deadline &&
        (await this.#before(deadline - attemptAt, this.#tryAcquireOrRenew()));
      if (renewed) {
        lastRenew = attemptAt;
      } else if (this.#now() >= deadline) {
        this.#log.error(
          { renewDeadlineMs: this.#o.renewDeadlineMs },
          'failed to renew lease; leadership lost',
        );
        this.#stopLeading();
        return 'lost';
      }
    }
  }

  /** `attempt`'s result, or false if it has not settled within `ms` (it is left to finish). */
  #before(ms: number, attempt: Promise<boolean>): Promise<boolean> {
    let timer: NodeJS.Timeout | undefined;
    const expired = new Promise<false>((resolve) => {
      timer = setTimeout(() => {
        resolve(false);
      }, ms);
    });
    return Promise.race([attempt, expired]).finally(() => {
      clearTimeout(timer);
    });
  }

  #stopLeading(): void {
    if (!this.#leading) return;
    this.#setLeading(false);
    this.#o.onStoppedLeading?.();
  }

  async #tryAcquireOrRenew(): Promise<boolean> {
    const now = this.#now();
    const wall = this.#o.clock.now();
    const me = this.#o.identity;
    const desired = (current?: LeaderElectionRecord): LeaderElectionRecord => ({
      holderIdentity: me,
      leaseDurationSeconds: Math.ceil(this.#o.leaseDurationMs / 1_000),
      acquireTime: current?.holderIdentity === me ? current.acquireTime : wall,
      renewTime: wall,
      leaseTransitions:
        current === undefined
          ? 0
          : current.leaseTransitions + (current.holderIdentity === me ? 0 : 1),
    });
    try {
      const current = await this.#o.lock.get();
      if (current === undefined) {
        this.#observe(await this.#o.lock.create(desired()), now);
        return true;
      }
      if (!sameRecord(current.record, this.#observed?.record)) this.#observe(current, now);
      const holder = current.record.holderIdentity;
      const valid = this.#observedAt + current.record.leaseDurationSeconds * 1_000 > now;
      if (holder !== '' && holder !== me && valid) return false;
      this.#observe(
        await this.#o.lock.update(desired(current.record), current.resourceVersion),
        now,
      );
      this.#failing = false;
      return true;
    } catch (err) {
      this.#logAttemptFailure(err);
      return false;
    }
  }

  /**
   * A 401/403 does not heal by itself (a Role without this Lease, or `--leader-election-id` not
   * matching the Role's `resourceNames`): error, every time. Other failures: warn once per outage
   * (a 409 from a racing replica is routine: debug).
   */
  #logAttemptFailure(err: unknown): void {
    const code = err instanceof KubeApiError ? err.code : undefined;
    if (code === 401 || code === 403) {
      this.#log.error(
        { err },
        `not allowed to get/create/update Lease ${this.#o.lock.description}: check the ` +
          "leader-election Role (its resourceNames must name --leader-election-id) and the controller's ServiceAccount",
      );
    } else if (code === 409) {
      this.#log.debug({ err }, 'lease changed under us (another replica); retrying');
    } else if (!this.#failing) {
      this.#log.warn({ err }, 'lease acquire/renew attempt failed; retrying');
    } else {
      this.#log.debug({ err }, 'lease acquire/renew attempt failed again');
    }
    if (code !== 409) this.#failing = true;
  }

  async #release(): Promise<void> {
    const observed = this.#observed;
    if (observed?.record.holderIdentity !== this.#o.identity) return;
    const now = this.#o.clock.now();
    try {
      await this.#o.lock.update(
        {
          holderIdentity: '',
          leaseDurationSeconds: 1,
          acquireTime: now,
          renewTime: now,
          leaseTransitions: observed.record.leaseTransitions,
        },
        observed.resourceVersion,
      );
      this.#log.info('released leader lease');
    } catch (err) {
      this.#log.warn({ err }, 'could not release leader lease; it will expire');
    }
    this.#stopLeading();
  }

  /** A method, so TypeScript does not carry a narrowing of the field across `await`s. */
  #isStopped(): boolean {
    return this.#stopped;
  }

  #observe(locked: LockedRecord, now: number): void {
    this.#observed = locked;
    this.#observedAt = now;
  }

  #setLeading(leading: boolean): void {
    this.#leading = leading;
    this.#o.onStatus?.(leading ? 1 : 0);
  }

  #sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const done = (): void => {
        clearTimeout(timer);
        this.#wake = undefined;
        resolve();
      };
      const timer = setTimeout(done, ms);
      this.#wake = done;
    });
  }

  /** Monotonic milliseconds: every deadline and validity computation uses this. */
  #now(): number {
    return this.#o.monotonic.nowMs();
  }
}

function sameRecord(a: LeaderElectionRecord, b: LeaderElectionRecord | undefined): boolean {
  return (
    b !== undefined &&
    a.holderIdentity === b.holderIdentity &&
    a.leaseDurationSeconds === b.leaseDurationSeconds &&
    a.leaseTransitions === b.leaseTransitions &&
    a.acquireTime.getTime() === b.acquireTime.getTime() &&
    a.renewTime.getTime() === b.renewTime.getTime()
  );
}
