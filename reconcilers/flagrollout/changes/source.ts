// Redis change notices (CONTRACT.md §4) as an event source of the FlagRollout controller: a kill
// switch set or cleared with the CLI, a flag disabled, re-enabled or rewritten by hand through the
// store reconciles the FlagRollouts concerned within a round trip instead of at the next poll.
// One subscriber connection per Redis connection in use: the default one from the start, a
// redisRef's once a reconcile has opened it. A raw SET/DEL of a kill switch publishes nothing: it
// is followed by the kill-switch watch on the same subscriber (kill-switches.ts). Other writes that
// bypass the store (a hand-edited hash, FLUSHALL) are seen by polling (`pollMs`).
import type { Redis } from 'ioredis';
import {
  ShuttingDownError,
  type ExternalSource,
  type ExternalSourceContext,
  type Logger,
  type Request,
  type SharedFn,
} from '../../../controller/index.js';
import { parseChangeNotice } from '../../../flags/codec.js';
import type { ChangeNotice } from '../../../flags/model.js';
import type { FlagChangeFeed, FlagStoreResult } from '../../shared/runtime/index.js';
import type { KillSwitchWatch } from '../../../flags/kill-switch-watch.js';
import type { KillSwitchTracker } from './kill-switches.js';
import { AnnouncingFlagStore, type OwnWrites } from './own-writes.js';
import type { RolloutObject } from '../ports.js';

/** Every FlagRollout a notice may concern, by `spec.flag` or `spec.killSwitch`. */
export function rolloutsForNotice(
  notice: ChangeNotice,
  rollouts: readonly RolloutObject[],
): Request[] {
  const concerned =
    notice.op === 'kill-switch'
      ? (rollout: RolloutObject) => rollout.spec.killSwitch === notice.group
      : (rollout: RolloutObject) => rollout.spec.flag === notice.flag;
  // Rollouts on other Redis servers with the same flag name are included: one no-op reconcile.
  return rollouts.filter(concerned).map(requestOf);
}

function groupsInUse(rollouts: readonly RolloutObject[]): string[] {
  return [
    ...new Set(
      rollouts.flatMap((r) => (r.spec.killSwitch === undefined ? [] : [r.spec.killSwitch])),
    ),
  ];
}

function requestOf(rollout: RolloutObject): Request {
  return { namespace: rollout.metadata.namespace ?? '', name: rollout.metadata.name ?? '' };
}

export interface FlagChangeSourceOptions {
  readonly shared: SharedFn;
  readonly ownWrites: OwnWrites;
  /** The default Redis's feed, subscribed at start; undefined when there is none. */
  readonly defaultFeed: () => Promise<FlagChangeFeed | undefined>;
  /** Follows raw kill-switch writes on feeds that expose their connection. */
  readonly killSwitches?: KillSwitchTracker;
}

export class FlagChangeSource implements ExternalSource<RolloutObject> {
  readonly name = 'redis-flag-changes';
  readonly #options: FlagChangeSourceOptions;
  /** Connections seen so far, by id; each gets one subscriber once the source runs. */
  readonly #feeds = new Map<string, FlagChangeFeed>();
  /** The kill-switch watch of each subscribed connection. */
  readonly #watches = new Map<string, KillSwitchWatch>();
  #ctx: ExternalSourceContext<RolloutObject> | undefined;

  constructor(options: FlagChangeSourceOptions) {
    this.#options = options;
  }

  async start(ctx: ExternalSourceContext<RolloutObject>): Promise<void> {
    this.#ctx = ctx;
    for (const feed of this.#feeds.values()) this.#subscribe(feed, ctx);
    let feed: FlagChangeFeed | undefined;
    try {
      feed = await this.#options.defaultFeed();
    } catch (err) {
      // The redisRef subscriptions still work, and polling sees every change.
      if (!(err instanceof ShuttingDownError))
        ctx.log.warn({ err }, 'cannot follow the default Redis; relying on polling for it');
      return;
    }
    if (feed !== undefined) this.#watch(feed);
  }

  /**
   * What the reconciler's `storeFor` passes its result through: the connection gets a subscriber
   * (once), and the store announces its writes so that their notices do not wake the writer.
   */
  track(opened: FlagStoreResult, writer: string): FlagStoreResult {
    if (!opened.ok || opened.changes === undefined) return opened;
    const feed = opened.changes;
    this.#watch(feed);
    const store = new AnnouncingFlagStore(opened.store, this.#options.ownWrites, {
      feed: feed.id,
      writer,
    });
    return { ...opened, store };
  }

  /** When a kill switch on connection `feedId` was seen turning active (kill-switches.ts). */
  killSwitchSeenAt(feedId: string, group: string): Date | undefined {
    return this.#options.killSwitches?.activeSince(feedId, group);
  }

  #watch(feed: FlagChangeFeed): void {
    if (this.#feeds.has(feed.id)) return;
    this.#feeds.set(feed.id, feed);
    if (this.#ctx !== undefined) this.#subscribe(feed, this.#ctx);
  }

  #subscribe(feed: FlagChangeFeed, ctx: ExternalSourceContext<RolloutObject>): void {
    if (ctx.signal.aborted) return;
    let subscriber: Redis;
    try {
      // Also closed by the registry at shutdown, and with its connection when that is evicted as
      // idle (a rotated Secret's old URL): the feed is then forgotten, so a reconcile that opens
      // the connection again subscribes anew. Built on its connection, so registered after it
      // and closed before it.
      subscriber = this.#options.shared(
        `${feed.id}:changes:flagrollout`,
        () =>
          feed.duplicate({
            autoResubscribe: false,
            connectionName: 'latticedb-controller-flagrollout-changes',
          }),
        (redis) => {
          this.#watches.get(feed.id)?.stop();
          this.#watches.delete(feed.id);
          this.#feeds.delete(feed.id);
          redis.disconnect();
        },
      );
    } catch (err) {
      // Shutting down: nothing left to notify. Anything else: polling still sees every change.
      if (err instanceof ShuttingDownError) return;
      ctx.log.warn({ err, connection: feed.id }, 'cannot open a flag change subscriber');
      return;
    }
    const log = ctx.log.child({ connection: feed.id });
    const watch =
      this.#options.killSwitches === undefined ||
      feed.redis === undefined ||
      feed.keys === undefined
        ? undefined
        : this.#options.killSwitches.watch(
            { id: feed.id, redis: feed.redis, keys: feed.keys },
            subscriber,
            () => groupsInUse(ctx.list()),
            (group) => {
              if (ctx.signal.aborted) return;
              const keys = rolloutsForNotice(
                { op: 'kill-switch', group, active: true },
                ctx.list(),
              );
              log.debug({ group, keys: keys.length }, 'kill switch written without a notice');
              for (const req of keys) ctx.enqueue(req);
            },
            log,
          );
    if (watch !== undefined) this.#watches.set(feed.id, watch);
    followChanges(subscriber, feed.channel, log, ctx.signal, {
      notice: (message) => {
        this.#onMessage(feed, message, ctx);
      },
      subscribed: () => {
        this.#enqueueAll(ctx);
        void watch?.start();
      },
    });
    ctx.signal.addEventListener('abort', () => watch?.stop(), { once: true });
  }

  #onMessage(
    feed: FlagChangeFeed,
    message: string,
    ctx: ExternalSourceContext<RolloutObject>,
  ): void {
    const notice = parseChangeNotice(message);
    if (notice === undefined) {
      ctx.log.debug({ message }, 'change notice not understood; reconciling every rollout');
      this.#enqueueAll(ctx);
      return;
    }
    const writer =
      notice.op === 'kill-switch' ? undefined : this.#options.ownWrites.writerOf(feed.id, notice);
    const keys = rolloutsForNotice(notice, ctx.list()).filter(
      (req) => `${req.namespace}/${req.name}` !== writer,
    );
    ctx.log.debug({ notice, keys: keys.length, skippedWriter: writer }, 'flag change notice');
    for (const req of keys) ctx.enqueue(req);
  }

  #enqueueAll(ctx: ExternalSourceContext<RolloutObject>): void {
    for (const obj of ctx.list()) ctx.enqueue(requestOf(obj));
  }
}

interface ChangeHandlers {
  notice(message: string): void;
  /** After every (re)subscription: notices sent while not subscribed are lost. */
  subscribed(): void;
}

/**
 * Subscribes `subscriber` to `channel` on every (re)connect (ioredis reconnects forever with the
 * connection's backoff) until `signal` aborts; then the connection is dropped. Handlers run inside
 * ioredis's event emitter, where a throw would escape to the process: they are fenced.
 */
function followChanges(
  subscriber: Redis,
  channel: string,
  log: Logger,
  signal: AbortSignal,
  handlers: ChangeHandlers,
): void {
  const fenced = (what: string, fn: () => void): void => {
    try {
      fn();
    } catch (err) {
      log.error({ err }, `flag change subscriber: ${what} failed`);
    }
  };
  let interrupted = false; // lost the connection since the last subscription
  let warned = false; // one warning per outage, not one per reconnect attempt
  subscriber.on('ready', () => {
    subscriber.subscribe(channel).then(
      () => {
        if (signal.aborted) return;
        log.info(
          { channel },
          interrupted ? 'resubscribed to flag changes' : 'subscribed to flag changes',
        );
        interrupted = false;
        warned = false;
        fenced('reconciling after (re)subscribing', () => {
          handlers.subscribed();
        });
      },
      (err: unknown) => {
        // Polling still sees every change; the next reconnect subscribes again.
        log.warn({ err, channel }, 'cannot subscribe to flag changes; relying on polling');
      },
    );
  });
  subscriber.on('message', (from: string, message: string) => {
    if (from !== channel || signal.aborted) return;
    fenced('handling a notice', () => {
      handlers.notice(message);
    });
  });
  subscriber.on('error', (err: Error) => {
    interrupted = true;
    if (!warned) log.warn({ err }, 'flag change subscriber: connection error; reconnecting');
    warned = true;
  });
  subscriber.on('close', () => {
    interrupted = true;
  });
  signal.addEventListener(
    'abort',
    () => {
      subscriber.disconnect();
    },
    { once: true },
  );
}
