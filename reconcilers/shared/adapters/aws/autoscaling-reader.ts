// Batching, caching reader of one Application Auto Scaling read (targets, policies or scheduled
// actions) keyed by resource id. A fleet of ScalePolicies reads the same three things for every
// service each resync period; one call can answer many resources (DescribeScalableTargets takes
// 50 ResourceIds; the policy and scheduled-action reads list a whole service namespace), so callers
// in the same region are gathered for a short window and answered by as few calls as the `read`
// function needs. A read that covers the whole namespace refreshes every registered resource, so
// the callers of later in the period find a snapshot. In-flight reads are shared; a write through
// the port invalidates the resource so that the next read is sent after the write. No SDK here:
// the adapter and the unit tests plug in `read`.
import type { Clock } from '../../../../controller/index.js';

/** The outcome of one resource in one batch. */
export type ResourceRead<T> =
  { readonly kind: 'ok'; readonly value: T } | { readonly kind: 'failed'; readonly error: Error };

export interface BatchRead<T> {
  readonly values: ReadonlyMap<string, ResourceRead<T>>;
  /**
   * True when the read listed everything in the region (a namespace scan): a registered resource
   * missing from `values` then has nothing (`absent`), not "not read".
   */
  readonly complete: boolean;
}

/** Reads `ids` (at most `maxBatch`); resources missing from a non-complete answer are `absent`. */
export type ReadBatch<T> = (region: string, ids: readonly string[]) => Promise<BatchRead<T>>;

export interface ResourceReaderOptions<T> {
  readonly clock: Clock;
  readonly read: ReadBatch<T>;
  /** The value of a resource that has nothing (no target, no policy). */
  readonly absent: T;
  /** Ids per call; Infinity when `read` decides itself (e.g. scans the namespace). Default 50. */
  readonly maxBatch?: number;
  /** How long the first caller waits for others to join its batch; 0 = the current tick. Default 10. */
  readonly batchWindowMs?: number;
  /** A registered resource older than this fraction of its last maxAgeMs tops up a batch. Default 0.5. */
  readonly refreshAheadRatio?: number;
  /** Resources not asked for this long are forgotten. Default 1 h. */
  readonly forgetAfterMs?: number;
}

interface Snapshot<T> {
  readonly value: T;
  readonly sentAtMs: number;
  readonly seq: number;
}

interface InFlight<T> {
  readonly result: Promise<ResourceRead<T>>;
  readonly sentAtMs: number;
  readonly seq: number;
}

interface Entry<T> {
  snapshot?: Snapshot<T>;
  inFlight?: InFlight<T>;
  lastAskedMs: number;
  lastMaxAgeMs: number;
  /** Reads sent before this sequence number predate a write: unusable. */
  minSeq: number;
}

interface Waiter<T> {
  resolve(value: ResourceRead<T>): void;
  reject(error: unknown): void;
}

interface RegionGroup<T> {
  readonly region: string;
  readonly entries: Map<string, Entry<T>>;
  readonly waiting: Map<string, Waiter<T>[]>;
  flushScheduled: boolean;
}

export class ResourceReader<T> {
  readonly #clock: Clock;
  readonly #readBatch: ReadBatch<T>;
  readonly #absent: T;
  readonly #maxBatch: number;
  readonly #windowMs: number;
  readonly #aheadRatio: number;
  readonly #forgetAfterMs: number;
  readonly #groups = new Map<string, RegionGroup<T>>();
  #seq = 0;

  constructor(options: ResourceReaderOptions<T>) {
    this.#clock = options.clock;
    this.#readBatch = options.read;
    this.#absent = options.absent;
    this.#maxBatch = options.maxBatch ?? 50;
    this.#windowMs = options.batchWindowMs ?? 10;
    this.#aheadRatio = options.refreshAheadRatio ?? 0.5;
    this.#forgetAfterMs = options.forgetAfterMs ?? 3_600_000;
  }

  /** The resource's value no older than `maxAgeMs` (0 = a read sent after this call). */
  async read(region: string, id: string, maxAgeMs = 0): Promise<T> {
    const out = await this.#read(region, id, Math.max(0, maxAgeMs));
    if (out.kind === 'failed') throw out.error;
    return out.value;
  }

  /** Called after every write to the resource: later reads must be sent after the write. */
  invalidate(region: string, id: string): void {
    const entry = this.#group(region).entries.get(id);
    if (entry !== undefined) entry.minSeq = this.#seq + 1;
  }

  /** Resources currently registered (for tests). */
  registeredCount(): number {
    let n = 0;
    for (const g of this.#groups.values()) n += g.entries.size;
    return n;
  }

  #read(region: string, id: string, maxAgeMs: number): Promise<ResourceRead<T>> {
    const nowMs = this.#clock.now().getTime();
    const group = this.#group(region);
    let entry = group.entries.get(id);
    if (entry === undefined) {
      entry = { lastAskedMs: nowMs, lastMaxAgeMs: maxAgeMs, minSeq: 0 };
      group.entries.set(id, entry);
    }
    entry.lastAskedMs = nowMs;
    entry.lastMaxAgeMs = maxAgeMs;
    const e = entry;
    // Strictly younger than maxAgeMs: 0 always reads afresh, even under a frozen test clock.
    const usable = (r: { sentAtMs: number; seq: number } | undefined): boolean =>
      r !== undefined && r.seq >= e.minSeq && nowMs - r.sentAtMs < maxAgeMs;
    if (e.snapshot !== undefined && usable(e.snapshot)) {
      return Promise.resolve({ kind: 'ok', value: e.snapshot.value });
    }
    if (e.inFlight !== undefined && usable(e.inFlight)) return e.inFlight.result;
    return new Promise<ResourceRead<T>>((resolve, reject) => {
      const waiters = group.waiting.get(id) ?? [];
      waiters.push({ resolve, reject });
      group.waiting.set(id, waiters);
      this.#scheduleFlush(group);
    });
  }

  #group(region: string): RegionGroup<T> {
    let group = this.#groups.get(region);
    if (group === undefined) {
      group = { region, entries: new Map(), waiting: new Map(), flushScheduled: false };
      this.#groups.set(region, group);
    }
    return group;
  }

  #scheduleFlush(group: RegionGroup<T>): void {
    if (group.flushScheduled) return;
    group.flushScheduled = true;
    const flush = (): void => {
      group.flushScheduled = false;
      this.#flush(group);
    };
    if (this.#windowMs <= 0) queueMicrotask(flush);
    else setTimeout(flush, this.#windowMs);
  }

  #flush(group: RegionGroup<T>): void {
    const waiting = new Map(group.waiting);
    group.waiting.clear();
    if (waiting.size === 0) return;
    const sentAtMs = this.#clock.now().getTime();
    const ids = [...waiting.keys()];
    ids.push(...this.#refreshAheadCandidates(group, ids, sentAtMs));
    for (let i = 0; i < ids.length; i += this.#maxBatch) {
      this.#send(group, ids.slice(i, i + this.#maxBatch), sentAtMs, waiting);
    }
  }

  /**
   * Registered resources worth refreshing now, oldest first, as many as fit the last batch (all of
   * them when `read` takes any number: it then knows how many are due and can list the namespace
   * once instead of reading them one by one through the period).
   */
  #refreshAheadCandidates(
    group: RegionGroup<T>,
    asked: readonly string[],
    nowMs: number,
  ): string[] {
    const room = Number.isFinite(this.#maxBatch)
      ? (this.#maxBatch - (asked.length % this.#maxBatch)) % this.#maxBatch
      : Infinity;
    const askedSet = new Set(asked);
    const candidates: { id: string; age: number }[] = [];
    for (const [id, entry] of group.entries) {
      if (nowMs - entry.lastAskedMs > this.#forgetAfterMs) {
        if (entry.inFlight === undefined) group.entries.delete(id);
        continue;
      }
      // A resource last asked with maxAgeMs 0 (not steady) is read afresh anyway: reading it
      // ahead would only turn a one-resource read into a namespace listing.
      if (room === 0 || askedSet.has(id) || entry.inFlight !== undefined) continue;
      if (entry.lastMaxAgeMs === 0) continue;
      const snap = entry.snapshot;
      const age = snap === undefined || snap.seq < entry.minSeq ? Infinity : nowMs - snap.sentAtMs;
      if (age > entry.lastMaxAgeMs * this.#aheadRatio) candidates.push({ id, age });
    }
    candidates.sort((a, b) => b.age - a.age);
    return candidates.slice(0, room).map((c) => c.id);
  }

  #send(
    group: RegionGroup<T>,
    ids: readonly string[],
    sentAtMs: number,
    waiting: ReadonlyMap<string, Waiter<T>[]>,
  ): void {
    const seq = ++this.#seq;
    // A read that throws synchronously must reject its callers, not escape the timer.
    const call = new Promise<BatchRead<T>>((resolve) => {
      resolve(this.#readBatch(group.region, ids));
    });
    call.catch(() => undefined); // reported through each id's result below
    const absent: ResourceRead<T> = { kind: 'ok', value: this.#absent };
    for (const id of ids) {
      const entry = group.entries.get(id);
      if (entry === undefined) continue;
      const result = call.then((out) => out.values.get(id) ?? absent);
      const inFlight: InFlight<T> = { result, sentAtMs, seq };
      entry.inFlight = inFlight;
      const waiters = waiting.get(id) ?? [];
      result.then(
        (value) => {
          if (entry.inFlight === inFlight) entry.inFlight = undefined;
          // A failure is reported to the callers of this read, never served from cache.
          if (value.kind === 'ok') this.#store(entry, value.value, sentAtMs, seq);
          for (const w of waiters) w.resolve(value);
        },
        (error: unknown) => {
          if (entry.inFlight === inFlight) entry.inFlight = undefined;
          for (const w of waiters) w.reject(error);
        },
      );
    }
    // A namespace scan answers for every registered resource, asked or not.
    const asked = new Set(ids);
    call.then(
      (out) => {
        if (!out.complete) return;
        for (const [id, entry] of group.entries) {
          if (asked.has(id)) continue;
          const value = out.values.get(id) ?? absent;
          if (value.kind === 'ok') this.#store(entry, value.value, sentAtMs, seq);
        }
      },
      () => undefined,
    );
  }

  #store(entry: Entry<T>, value: T, sentAtMs: number, seq: number): void {
    if ((entry.snapshot?.seq ?? -1) < seq) entry.snapshot = { value, sentAtMs, seq };
  }
}
