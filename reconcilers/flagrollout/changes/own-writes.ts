// The change notices our own flag writes cause. The reconcile that writes a flag derives its
// status from that write, so reconciling the writer again for its own notice would be a no-op
// (one more round of Redis reads per write); other FlagRollouts of the same flag still get it.
// The store decorator announces each write *before* sending it — the notice comes back on
// another connection and may overtake the script's reply — and the change source skips the
// writer for the first matching notice.
import type { Clock } from '../../../controller/index.js';
import type { FlagWrite, RolloutInfo } from '../../../flags/model.js';
import type { FlagStore, ReadOptions } from '../../../flags/store.js';

/**
 * How long an announced notice is waited for. Notices arrive within milliseconds; a stale entry
 * (the subscriber was down) must not hide a later notice that happens to look the same (a second
 * delete, a re-created flag's version) from its writer.
 */
export const OWN_NOTICE_WAIT_MS = 10_000;

/** The flag notices the store publishes (CONTRACT.md §4), as this module matches them. */
export interface FlagNotice {
  readonly op: 'set' | 'delete';
  readonly flag: string;
  readonly version: number;
}

interface Expected {
  readonly op: FlagNotice['op'];
  readonly version: number;
  /** `namespace/name` of the FlagRollout whose reconcile writes. */
  readonly writer: string;
  readonly at: number;
}

/** The notices this process's writes are about to publish, per connection and flag. */
export class OwnWrites {
  readonly #clock: Clock;
  readonly #expected = new Map<string, Expected>();

  constructor(clock: Clock) {
    this.#clock = clock;
  }

  /**
   * Announces the notice a write by `writer` on connection `feed` publishes if it succeeds;
   * returns a function that withdraws it (nothing of ours will be published). One entry per flag
   * and connection: a newer write replaces an older one's. A notice of another writer that
   * arrives before a lost compare-and-set withdraws is skipped for our writer too; harmless, as
   * that reconcile re-observes after the conflict.
   */
  expect(feed: string, notice: FlagNotice, writer: string): () => void {
    const key = keyOf(feed, notice.flag);
    const entry: Expected = {
      op: notice.op,
      version: notice.version,
      writer,
      at: this.#clock.now().getTime(),
    };
    this.#expected.set(key, entry);
    return () => {
      if (this.#expected.get(key) === entry) this.#expected.delete(key);
    };
  }

  /** The writer whose announced write published `notice` on `feed` (answered once), if any. */
  writerOf(feed: string, notice: FlagNotice): string | undefined {
    const key = keyOf(feed, notice.flag);
    const entry = this.#expected.get(key);
    if (entry === undefined) return undefined;
    if (this.#clock.now().getTime() - entry.at > OWN_NOTICE_WAIT_MS) {
      this.#expected.delete(key);
      return undefined;
    }
    if (entry.op !== notice.op || entry.version !== notice.version) return undefined;
    this.#expected.delete(key);
    return entry.writer;
  }

  /** Announced notices not seen yet. */
  get size(): number {
    return this.#expected.size;
  }
}

function keyOf(feed: string, flag: string): string {
  return `${feed}\n${flag}`;
}

/** A FlagStore that announces the notices of its flag writes to {@link OwnWrites} first. */
export class AnnouncingFlagStore implements FlagStore {
  readonly #inner: FlagStore;
  readonly #feed: string;
  readonly #writer: string;
  readonly #own: OwnWrites;

  /** `feed`: the connection's id; `writer`: `namespace/name` of the FlagRollout reconciling. */
  constructor(inner: FlagStore, own: OwnWrites, at: { feed: string; writer: string }) {
    this.#inner = inner;
    this.#own = own;
    this.#feed = at.feed;
    this.#writer = at.writer;
  }

  compareAndSet(flag: string, expectedVersion: number, next: FlagWrite) {
    // The script publishes the version it writes: the observed one + 1 (CONTRACT.md §6).
    return this.#announced({ op: 'set', flag, version: expectedVersion + 1 }, async () => {
      const result = await this.#inner.compareAndSet(flag, expectedVersion, next);
      return { result, published: result.ok };
    });
  }

  handOver(flag: string, expectedVersion: number, next: FlagWrite, owner: string) {
    return this.#announced({ op: 'set', flag, version: expectedVersion + 1 }, async () => {
      const result = await this.#inner.handOver(flag, expectedVersion, next, owner);
      return { result, published: result.ok };
    });
  }

  delete(flag: string, expectedVersion: number) {
    // A delete publishes version 0, and nothing when there was no flag (expected version 0).
    return this.#announced({ op: 'delete', flag, version: 0 }, async () => {
      const result = await this.#inner.delete(flag, expectedVersion);
      return { result, published: result.ok && expectedVersion > 0 };
    });
  }

  /** Not announced: a kill switch concerns every rollout of its group, the writer's included. */
  setKillSwitch(group: string, active: boolean) {
    return this.#inner.setKillSwitch(group, active);
  }

  read(flag: string, options?: ReadOptions) {
    return this.#inner.read(flag, options);
  }

  list() {
    return this.#inner.list();
  }

  readKillSwitch(group: string) {
    return this.#inner.readKillSwitch(group);
  }

  writeRolloutInfo(flag: string, info: RolloutInfo) {
    return this.#inner.writeRolloutInfo(flag, info);
  }

  clearRolloutInfo(flag: string) {
    return this.#inner.clearRolloutInfo(flag);
  }

  readRolloutInfo(flag: string) {
    return this.#inner.readRolloutInfo(flag);
  }

  async #announced<T>(
    notice: FlagNotice,
    write: () => Promise<{ readonly result: T; readonly published: boolean }>,
  ): Promise<T> {
    const withdraw = this.#own.expect(this.#feed, notice, this.#writer);
    try {
      const { result, published } = await write();
      if (!published) withdraw();
      return result;
    } catch (err) {
      withdraw();
      throw err;
    }
  }
}
