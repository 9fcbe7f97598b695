// The FlagRollout change source without Redis: notices → the FlagRollouts they concern, one
// subscriber per connection (the default at start, others as reconciles open them), a reload
// after every (re)subscription, the writer's own notice skipped, stop on abort. The real
// subscription is covered by test/integration/flagrollout/change-notices.int.test.ts.
import { EventEmitter } from 'node:events';
import type { Redis } from 'ioredis';
import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import type { ExternalSourceContext } from '../../../controller/external-source.js';
import { SharedRegistry } from '../../../controller/external.js';
import type { Request } from '../../../controller/reconcile.js';
import type { FlagRolloutSpec } from '../../../reconcilers/flagrollout/api.js';
import {
  FlagChangeSource,
  rolloutsForNotice,
} from '../../../reconcilers/flagrollout/changes/source.js';
import { OwnWrites } from '../../../reconcilers/flagrollout/changes/own-writes.js';
import type { RolloutObject } from '../../../reconcilers/flagrollout/ports.js';
import type { FlagChangeFeed } from '../../../reconcilers/shared/runtime/index.js';
import { FakeClock } from '../controller/support/fake-clock.js';
import { FakeFlagStore } from '../flags/support/fake-flag-store.js';

const silent = pino({ level: 'silent' });

function rollout(name: string, spec: Partial<FlagRolloutSpec>): RolloutObject {
  return {
    metadata: { namespace: 'ns', name },
    spec: { flag: 'f', steps: [{ percentage: 100 }], ...spec },
  };
}

const ROLLOUTS = [
  rollout('a', { flag: 'search', killSwitch: 'exp' }),
  rollout('b', { flag: 'search' }),
  rollout('c', { flag: 'cache', killSwitch: 'exp' }),
  rollout('d', { flag: 'other', killSwitch: 'ops' }),
];
const names = (reqs: readonly Request[]) => reqs.map((r) => r.name).sort();

describe('rolloutsForNotice', () => {
  it('maps a flag notice to the rollouts of that flag', () => {
    expect(names(rolloutsForNotice({ op: 'set', flag: 'search', version: 3 }, ROLLOUTS))).toEqual([
      'a',
      'b',
    ]);
    expect(names(rolloutsForNotice({ op: 'delete', flag: 'cache', version: 0 }, ROLLOUTS))).toEqual(
      ['c'],
    );
    expect(rolloutsForNotice({ op: 'set', flag: 'nobody', version: 1 }, ROLLOUTS)).toEqual([]);
  });

  it('maps a kill-switch notice to the rollouts of that group', () => {
    const notice = { op: 'kill-switch', group: 'exp', active: true } as const;
    expect(rolloutsForNotice(notice, ROLLOUTS)).toEqual([
      { namespace: 'ns', name: 'a' },
      { namespace: 'ns', name: 'c' },
    ]);
  });
});

/** The part of an ioredis subscriber connection the source uses. */
class FakeSubscriber extends EventEmitter {
  readonly subscribed: string[] = [];
  disconnected = 0;
  refuse = false;

  subscribe(channel: string): Promise<number> {
    if (this.refuse) return Promise.reject(new Error('NOPERM'));
    this.subscribed.push(channel);
    return Promise.resolve(1);
  }

  disconnect(): void {
    this.disconnected++;
  }

  /** Connected (or reconnected) and ready. */
  up(): void {
    this.emit('ready');
  }

  publish(channel: string, message: unknown): void {
    this.emit('message', channel, typeof message === 'string' ? message : JSON.stringify(message));
  }
}

class FakeFeed implements FlagChangeFeed {
  readonly id: string;
  readonly channel = 'latticedb:flags:changes';
  readonly subscribers: FakeSubscriber[] = [];

  constructor(id: string) {
    this.id = id;
  }

  duplicate(): Redis {
    const s = new FakeSubscriber();
    this.subscribers.push(s);
    return s as unknown as Redis;
  }

  get only(): FakeSubscriber {
    expect(this.subscribers).toHaveLength(1);
    return this.subscribers[0] as FakeSubscriber;
  }
}

function setup(options: { defaultFeed?: FakeFeed; rollouts?: RolloutObject[] } = {}) {
  const clock = new FakeClock();
  const registry = new SharedRegistry({ logger: silent });
  const source = new FlagChangeSource({
    shared: registry.shared,
    ownWrites: new OwnWrites(clock),
    defaultFeed: () => Promise.resolve(options.defaultFeed),
  });
  const abort = new AbortController();
  const enqueued: string[] = [];
  let rollouts = options.rollouts ?? ROLLOUTS;
  const ctx: ExternalSourceContext<RolloutObject> = {
    enqueue: (req) => enqueued.push(req.name),
    signal: abort.signal,
    log: silent,
    list: () => rollouts,
  };
  return {
    source,
    clock,
    registry,
    abort,
    ctx,
    /** Names enqueued since the last call, sorted. */
    take: () => enqueued.splice(0).sort(),
    setRollouts: (next: RolloutObject[]) => (rollouts = next),
  };
}

const tick = () => new Promise((r) => setTimeout(r, 0));

/** A source started on the default Redis, subscribed, with the reload that follows taken. */
async function subscribedToDefault() {
  const feed = new FakeFeed('redis:default');
  const t = setup({ defaultFeed: feed });
  await t.source.start(t.ctx);
  const sub = feed.only;
  sub.up();
  await tick();
  t.take();
  return { feed, t, sub };
}

describe('FlagChangeSource', () => {
  it('subscribes to the default Redis at start and reconciles every rollout once subscribed', async () => {
    const feed = new FakeFeed('redis:default');
    const t = setup({ defaultFeed: feed });
    await t.source.start(t.ctx);
    const sub = feed.only;
    expect(t.take()).toEqual([]); // not subscribed yet
    sub.up();
    await tick();
    expect(sub.subscribed).toEqual(['latticedb:flags:changes']);
    // Changes made before the subscription took effect would be lost: reload.
    expect(t.take()).toEqual(['a', 'b', 'c', 'd']);
  });

  it('enqueues the rollouts a notice concerns; anything unreadable reloads everything', async () => {
    const { feed, t, sub } = await subscribedToDefault();
    sub.publish(feed.channel, { op: 'kill-switch', group: 'exp', active: true });
    expect(t.take()).toEqual(['a', 'c']);
    sub.publish(feed.channel, { op: 'set', flag: 'search', version: 9 });
    expect(t.take()).toEqual(['a', 'b']);
    sub.publish('someone:else:changes', { op: 'set', flag: 'search', version: 10 });
    expect(t.take()).toEqual([]);
    sub.publish(feed.channel, '{"op":"rename","from":"x"}');
    expect(t.take()).toEqual(['a', 'b', 'c', 'd']);
  });

  it('reloads after a reconnect: notices sent meanwhile are lost', async () => {
    const { t, sub } = await subscribedToDefault();
    sub.emit('error', new Error('ECONNRESET'));
    sub.emit('close');
    sub.up();
    await tick();
    expect(sub.subscribed).toHaveLength(2);
    expect(t.take()).toEqual(['a', 'b', 'c', 'd']);
  });

  it('subscribes to a redisRef connection once a reconcile opened it, once per connection', async () => {
    const t = setup();
    const other = new FakeFeed('redis:team');
    const opened = { ok: true, store: new FakeFlagStore(), endpoint: 'x', changes: other } as const;
    t.source.track(opened, 'ns/a'); // before start (standby, or first reconcile racing start)
    expect(other.subscribers).toHaveLength(0);
    await t.source.start(t.ctx);
    expect(other.subscribers).toHaveLength(1);
    t.source.track(opened, 'ns/b');
    t.source.track(opened, 'ns/c');
    const later = new FakeFeed('redis:later');
    t.source.track({ ...opened, changes: later }, 'ns/a');
    expect(other.subscribers).toHaveLength(1);
    expect(later.subscribers).toHaveLength(1);
  });

  it('passes results without a connection (failures, fakes) through untouched', () => {
    const t = setup();
    const failed = { ok: false, reason: 'RedisNotConfigured', message: 'none' } as const;
    expect(t.source.track(failed, 'ns/a')).toBe(failed);
    const fake = { ok: true, store: new FakeFlagStore(), endpoint: 'fake' } as const;
    expect(t.source.track(fake, 'ns/a')).toBe(fake);
  });

  it('skips the writer for the notice of its own write, not the other rollouts of the flag', async () => {
    const { feed, t, sub } = await subscribedToDefault();
    const opened = t.source.track(
      { ok: true, store: new FakeFlagStore(), endpoint: 'x', changes: feed },
      'ns/a',
    );
    if (!opened.ok) throw new Error('unexpected');
    const write = {
      enabled: true,
      basisPoints: 500,
      salt: 'search',
      targets: [],
      killSwitch: null,
      updatedBy: 'controller:ns/a',
    };
    expect(await opened.store.compareAndSet('search', 0, write)).toEqual({ ok: true, version: 1 });
    sub.publish(feed.channel, { op: 'set', flag: 'search', version: 1 });
    expect(t.take()).toEqual(['b']);
    // The next change (the CLI) wakes the writer again.
    sub.publish(feed.channel, { op: 'set', flag: 'search', version: 2 });
    expect(t.take()).toEqual(['a', 'b']);
  });

  it('fences a failing notice handler, and ignores a refused subscription (polling remains)', async () => {
    const { feed, t, sub } = await subscribedToDefault();
    t.ctx.list = () => {
      throw new Error('cache exploded');
    };
    expect(() => {
      sub.publish(feed.channel, { op: 'set', flag: 'search', version: 3 });
    }).not.toThrow();

    const refused = new FakeFeed('redis:acl');
    t.source.track(
      { ok: true, store: new FakeFlagStore(), endpoint: 'x', changes: refused },
      'n/a',
    );
    refused.only.refuse = true;
    refused.only.up();
    await tick();
    expect(refused.only.subscribed).toEqual([]);
  });

  it('disconnects on abort, ignores later notices, and closes through the registry too', async () => {
    const { feed, t, sub } = await subscribedToDefault();
    t.abort.abort();
    expect(sub.disconnected).toBe(1);
    sub.publish(feed.channel, { op: 'kill-switch', group: 'exp', active: true });
    expect(t.take()).toEqual([]);
    // No new subscriber after the stop.
    const late = new FakeFeed('redis:late');
    t.source.track({ ok: true, store: new FakeFlagStore(), endpoint: 'x', changes: late }, 'ns/a');
    expect(late.subscribers).toHaveLength(0);
    await t.registry.closeAll();
    expect(sub.disconnected).toBe(2);
  });

  it('keeps following redisRef connections when the default Redis cannot be opened', async () => {
    const clock = new FakeClock();
    const registry = new SharedRegistry({ logger: silent });
    const source = new FlagChangeSource({
      shared: registry.shared,
      ownWrites: new OwnWrites(clock),
      defaultFeed: () => Promise.reject(new Error('CA file unreadable')),
    });
    const ref = new FakeFeed('redis:team');
    source.track({ ok: true, store: new FakeFlagStore(), endpoint: 'x', changes: ref }, 'ns/a');
    const t = setup();
    await expect(source.start(t.ctx)).resolves.toBeUndefined();
    expect(ref.subscribers).toHaveLength(1);
  });

  it('opens no subscriber once shutdown closed the registry', async () => {
    const t = setup();
    await t.registry.closeAll();
    await t.source.start(t.ctx);
    const feed = new FakeFeed('redis:default');
    t.source.track({ ok: true, store: new FakeFlagStore(), endpoint: 'x', changes: feed }, 'ns/a');
    expect(feed.subscribers).toHaveLength(0);
  });
});
