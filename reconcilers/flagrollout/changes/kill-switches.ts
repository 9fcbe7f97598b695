// Kill switches written by hand (`redis-cli SET …:kill_switch:<group> true`, `DEL`) publish no change
// notice. The change source follows them with a KillSwitchWatch per Redis connection (keyspace
// notifications where the server sends them, else a 250 ms poll; CONTRACT.md §4a) and remembers
// when each switch was seen turning active, so that the reconcile freezes the hold at that moment
// rather than when it ran (no killed time counts as held).
import type { Redis } from 'ioredis';
import type { Clock, Logger } from '../../../controller/index.js';
import { isKillSwitchActive } from '../../../flags/codec.js';
import { KillSwitchWatch } from '../../../flags/kill-switch-watch.js';
import type { FlagKeys } from '../../../flags/model.js';

interface Seen {
  readonly active: boolean;
  /** When this state was last confirmed by a read. */
  readonly confirmedAtMs: number;
  /** For an active switch: the earliest moment it may have turned active that we can vouch for. */
  readonly activeSinceMs: number | undefined;
}

export interface KillSwitchFeed {
  /** The connection's id (FlagChangeFeed.id). */
  readonly id: string;
  /** The shared (non-subscriber) connection: reads go here. */
  readonly redis: Redis;
  readonly keys: FlagKeys;
}

export class KillSwitchTracker {
  readonly #clock: Clock;
  /** feed id → group → last seen state; only groups some FlagRollout names are kept. */
  readonly #seen = new Map<string, Map<string, Seen>>();

  constructor(clock: Clock) {
    this.#clock = clock;
  }

  /**
   * Starts following `feed`'s kill switches on `subscriber` (in subscriber mode, re-call `start` of
   * the returned watch after every resubscription). `groupsInUse` are the groups FlagRollouts
   * name; `changed` gets each group whose state changed.
   */
  watch(
    feed: KillSwitchFeed,
    subscriber: Redis,
    groupsInUse: () => readonly string[],
    changed: (group: string) => void,
    log: Logger,
  ): KillSwitchWatch {
    return new KillSwitchWatch({
      reader: feed.redis,
      subscriber,
      keys: feed.keys,
      refresh: async (named) => {
        const inUse = groupsInUse();
        const groups = named === undefined ? inUse : named.filter((g) => inUse.includes(g));
        this.#forget(feed.id, inUse);
        if (groups.length === 0) return;
        // A keyspace message arrives after the write: its time bounds the switch from above.
        // A poll tick only knows the switch changed since the previous tick.
        const readAtMs = this.#clock.now().getTime();
        const values = await feed.redis.mget(groups.map((g) => feed.keys.killSwitch(g)));
        groups.forEach((group, i) => {
          if (this.#record(feed.id, group, isKillSwitchActive(values[i]), readAtMs, named)) {
            changed(group);
          }
        });
      },
      onMode: (mode, why) => {
        log.info({ mode, why }, 'following raw kill-switch writes');
      },
      onError: (err) => {
        log.debug({ err }, 'kill-switch watch: read failed; next tick retries');
      },
    });
  }

  /** When `group`'s switch on `feedId` was seen turning active, if it is active now. */
  activeSince(feedId: string, group: string): Date | undefined {
    const seen = this.#seen.get(feedId)?.get(group);
    return seen?.active === true && seen.activeSinceMs !== undefined
      ? new Date(seen.activeSinceMs)
      : undefined;
  }

  /** Returns whether the state is news (changed, or first seen through a keyspace message). */
  #record(
    feedId: string,
    group: string,
    active: boolean,
    readAtMs: number,
    named: readonly string[] | undefined,
  ): boolean {
    let groups = this.#seen.get(feedId);
    if (groups === undefined) {
      groups = new Map();
      this.#seen.set(feedId, groups);
    }
    const before = groups.get(group);
    // A keyspace message (`named`) comes right after a write to the switch: even on first sight
    // (a group named by a FlagRollout created since the last full look) it is news.
    const news = before === undefined ? named !== undefined : before.active !== active;
    let activeSinceMs: number | undefined;
    if (active && !news)
      activeSinceMs = before?.activeSinceMs; // unknown on a first full look
    else if (active)
      activeSinceMs = named === undefined && before ? before.confirmedAtMs : readAtMs;
    groups.set(group, { active, confirmedAtMs: readAtMs, activeSinceMs });
    return news;
  }

  #forget(feedId: string, inUse: readonly string[]): void {
    const groups = this.#seen.get(feedId);
    if (groups === undefined) return;
    for (const group of groups.keys()) if (!inUse.includes(group)) groups.delete(group);
  }
}
