// Batching, caching observer of ECS services. Many Releases observe their services every resync
// period; one DescribeServices call answers up to 10 names, so callers of the same (region,
// cluster) are gathered for a short window, and the batch is topped up with registered services
// whose snapshot is getting old (refresh-ahead), so that a healthy fleet of N services costs about
// N/10 calls per period. In-flight reads are shared; a write through the port invalidates the
// service's snapshot. No SDK here: the adapter and the unit-test fake both plug in `describe`.
import type { Clock } from '../../../../controller/index.js';
import type { ServiceRef, ServiceState } from '../../ports/ecs.js';

/** The outcome for one name of one DescribeServices call. */
export type DescribedService =
  | { readonly kind: 'found'; readonly state: ServiceState }
  | { readonly kind: 'missing' }
  | { readonly kind: 'failed'; readonly error: Error };

/** One DescribeServices call (≤ `maxBatch` names); throws when the whole call fails. */
export type DescribeServicesBatch = (
  region: string,
  cluster: string,
  services: readonly string[],
  observedAt: Date,
) => Promise<ReadonlyMap<string, DescribedService>>;

export interface ServiceObserverOptions {
  readonly clock: Clock;
  readonly describe: DescribeServicesBatch;
  /** How long the first caller waits for others to join its batch; 0 = the current tick. Default 10. */
  readonly batchWindowMs?: number;
  /** Names per call (the API's limit). Default 10. */
  readonly maxBatch?: number;
  /**
   * A registered service whose snapshot is older than this fraction of the `maxAgeMs` it was last
   * asked with rides along in a batch that has room. Default 0.5.
   */
  readonly refreshAheadRatio?: number;
  /** Services not asked for this long are forgotten (no more refresh-ahead). Default 1 h. */
  readonly forgetAfterMs?: number;
}

interface Snapshot {
  readonly value: DescribedService;
  readonly sentAtMs: number;
  readonly seq: number;
}

interface InFlight {
  readonly result: Promise<DescribedService>;
  readonly sentAtMs: number;
  readonly seq: number;
}

interface Entry {
  snapshot?: Snapshot;
  inFlight?: InFlight;
  lastAskedMs: number;
  lastMaxAgeMs: number;
  /** Reads sent before this sequence number predate a write: unusable. */
  minSeq: number;
}

interface Waiter {
  resolve(value: DescribedService): void;
  reject(error: unknown): void;
}

interface ClusterGroup {
  readonly region: string;
  readonly cluster: string;
  readonly entries: Map<string, Entry>;
  readonly waiting: Map<string, Waiter[]>;
  flushScheduled: boolean;
}

export class ServiceObserver {
  readonly #clock: Clock;
  readonly #describe: DescribeServicesBatch;
  readonly #windowMs: number;
  readonly #maxBatch: number;
  readonly #aheadRatio: number;
  readonly #forgetAfterMs: number;
  readonly #groups = new Map<string, ClusterGroup>();
  #seq = 0;

  constructor(options: ServiceObserverOptions) {
    this.#clock = options.clock;
    this.#describe = options.describe;
    this.#windowMs = options.batchWindowMs ?? 10;
    this.#maxBatch = options.maxBatch ?? 10;
    this.#aheadRatio = options.refreshAheadRatio ?? 0.5;
    this.#forgetAfterMs = options.forgetAfterMs ?? 3_600_000;
  }

  /** The service's state no older than `maxAgeMs`; undefined when it (or its cluster) is missing. */
  async observe(ref: ServiceRef, maxAgeMs = 0): Promise<ServiceState | undefined> {
    const value = await this.#read(ref, Math.max(0, maxAgeMs));
    if (value.kind === 'failed') throw value.error;
    return value.kind === 'found' ? value.state : undefined;
  }

  /** Called after every write to the service: later reads must be sent after the write. */
  invalidate(ref: ServiceRef): void {
    const entry = this.#group(ref).entries.get(ref.service);
    if (entry !== undefined) entry.minSeq = this.#seq + 1;
  }

  /** Services currently registered (for tests and metrics). */
  registeredCount(): number {
    let n = 0;
    for (const g of this.#groups.values()) n += g.entries.size;
    return n;
  }

  #read(ref: ServiceRef, maxAgeMs: number): Promise<DescribedService> {
    const nowMs = this.#clock.now().getTime();
    const group = this.#group(ref);
    let entry = group.entries.get(ref.service);
    if (entry === undefined) {
      entry = { lastAskedMs: nowMs, lastMaxAgeMs: maxAgeMs, minSeq: 0 };
      group.entries.set(ref.service, entry);
    }
    entry.lastAskedMs = nowMs;
    entry.lastMaxAgeMs = maxAgeMs;
    // Strictly younger than maxAgeMs: 0 always reads afresh, even under a frozen test clock.
    const usable = (read: { sentAtMs: number; seq: number } | undefined): boolean =>
      read !== undefined && read.seq >= entry.minSeq && nowMs - read.sentAtMs < maxAgeMs;
    if (entry.snapshot !== undefined && usable(entry.snapshot)) {
      return Promise.resolve(entry.snapshot.value);
    }
    if (entry.inFlight !== undefined && usable(entry.inFlight)) return entry.inFlight.result;
    return new Promise<DescribedService>((resolve, reject) => {
      const waiters = group.waiting.get(ref.service) ?? [];
      waiters.push({ resolve, reject });
      group.waiting.set(ref.service, waiters);
      this.#scheduleFlush(group);
    });
  }

  #group(ref: ServiceRef): ClusterGroup {
    const key = `${ref.region}\u0000${ref.cluster}`;
    let group = this.#groups.get(key);
    if (group === undefined) {
      group = {
        region: ref.region,
        cluster: ref.cluster,
        entries: new Map(),
        waiting: new Map(),
        flushScheduled: false,
      };
      this.#groups.set(key, group);
    }
    return group;
  }

  #scheduleFlush(group: ClusterGroup): void {
    if (group.flushScheduled) return;
    group.flushScheduled = true;
    const flush = (): void => {
      group.flushScheduled = false;
      this.#flush(group);
    };
    if (this.#windowMs <= 0) queueMicrotask(flush);
    else setTimeout(flush, this.#windowMs);
  }

  #flush(group: ClusterGroup): void {
    const waiting = new Map(group.waiting);
    group.waiting.clear();
    if (waiting.size === 0) return;
    const sentAt = this.#clock.now();
    const names = [...waiting.keys()];
    names.push(...this.#refreshAheadCandidates(group, names, sentAt.getTime()));
    for (let i = 0; i < names.length; i += this.#maxBatch) {
      this.#send(group, names.slice(i, i + this.#maxBatch), sentAt, waiting);
    }
  }

  /** Registered services worth refreshing now, oldest first, as many as fit the last batch. */
  #refreshAheadCandidates(group: ClusterGroup, asked: readonly string[], nowMs: number): string[] {
    const room = (this.#maxBatch - (asked.length % this.#maxBatch)) % this.#maxBatch;
    const askedSet = new Set(asked);
    const candidates: { name: string; age: number }[] = [];
    for (const [name, entry] of group.entries) {
      if (nowMs - entry.lastAskedMs > this.#forgetAfterMs) {
        if (entry.inFlight === undefined) group.entries.delete(name);
        continue;
      }
      if (room === 0 || askedSet.has(name) || entry.inFlight !== undefined) continue;
      const snap = entry.snapshot;
      const age = snap === undefined || snap.seq < entry.minSeq ? Infinity : nowMs - snap.sentAtMs;
      if (age > entry.lastMaxAgeMs * this.#aheadRatio) candidates.push({ name, age });
    }
    candidates.sort((a, b) => b.age - a.age);
    return candidates.slice(0, room).map((c) => c.name);
  }

  #send(
    group: ClusterGroup,
    names: readonly string[],
    sentAt: Date,
    waiting: ReadonlyMap<string, Waiter[]>,
  ): void {
    const seq = ++this.#seq;
    // A describe that throws synchronously must reject its callers, not escape the timer.
    const call = new Promise<ReadonlyMap<string, DescribedService>>((resolve) => {
      resolve(this.#describe(group.region, group.cluster, names, sentAt));
    });
    call.catch(() => undefined); // reported through each name's result below
    for (const name of names) {
      const entry = group.entries.get(name);
      if (entry === undefined) continue;
      const result = call.then((found): DescribedService => found.get(name) ?? { kind: 'missing' });
      const inFlight: InFlight = { result, sentAtMs: sentAt.getTime(), seq };
      entry.inFlight = inFlight;
      const waiters = waiting.get(name) ?? [];
      result.then(
        (value) => {
          if (entry.inFlight === inFlight) entry.inFlight = undefined;
          // A per-name failure is reported to the callers of this read, never served from cache.
          if (value.kind !== 'failed' && (entry.snapshot?.seq ?? -1) < seq) {
            entry.snapshot = { value, sentAtMs: inFlight.sentAtMs, seq };
          }
          for (const w of waiters) w.resolve(value);
        },
        (error: unknown) => {
          if (entry.inFlight === inFlight) entry.inFlight = undefined;
          for (const w of waiters) w.reject(error);
        },
      );
    }
  }
}
