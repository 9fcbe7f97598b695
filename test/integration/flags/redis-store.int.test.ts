// RedisFlagStore on a real redis-server: the shared FlagStore contract, then what only Redis can
// show: racing writers, the Lua scripts' all-or-nothing behaviour, notices and hand-written keys.
import type { Redis } from 'ioredis';
import { afterAll, beforeEach, describe, expect, it } from 'vitest';
import type { FlagWrite } from '../../../flags/index.js';
import { createRedisClient, parseChangeNotice, RedisFlagStore } from '../../../flags/index.js';
import { redisClient, testEnv, waitFor } from '../../env/fixtures.js';
import {
  describeFlagStoreContract,
  sampleWrite,
  SettableClock,
} from '../../unit/flags/support/flag-store-contract.js';
import { disconnectAll, flagsRedis, uniquePrefix } from './support.js';

afterAll(disconnectAll);

describeFlagStoreContract('RedisFlagStore on redis-server', () => {
  const clock = new SettableClock('2026-11-26T10:00:00Z');
  return {
    store: new RedisFlagStore({ redis: flagsRedis(), prefix: uniquePrefix(), clock }),
    clock,
  };
});

const writerA: FlagWrite = {
  ...sampleWrite,
  basisPoints: 1000,
  targets: Array.from({ length: 300 }, (_, i) => `a-${i}`),
  updatedBy: 'writer-a',
};
const writerB: FlagWrite = {
  ...sampleWrite,
  basisPoints: 9000,
  killSwitch: null,
  targets: Array.from({ length: 300 }, (_, i) => `b-${i}`),
  updatedBy: 'writer-b',
};

describe('RedisFlagStore: concurrency and atomicity', () => {
  let prefix: string;
  let a: RedisFlagStore;
  let b: RedisFlagStore;
  let raw: Redis;
  beforeEach(() => {
    prefix = uniquePrefix();
    raw = flagsRedis();
    // Two writers on two connections, as two controllers or a controller and the CLI would be.
    a = new RedisFlagStore({ redis: flagsRedis(), prefix });
    b = new RedisFlagStore({ redis: flagsRedis(), prefix });
  });

  it('two writers with the same observed version: exactly one wins, the other sees its version', async () => {
    await a.compareAndSet('nqo', 0, sampleWrite);
    const [ra, rb] = await Promise.all([
      a.compareAndSet('nqo', 1, writerA),
      b.compareAndSet('nqo', 1, writerB),
    ]);
    const results = [ra, rb];
    expect(results.filter((r) => r.ok)).toEqual([{ ok: true, version: 2 }]);
    expect(results.filter((r) => !r.ok)).toEqual([{ ok: false, conflict: { currentVersion: 2 } }]);
    const winner = ra.ok ? writerA : writerB;
    const { record } = await a.read('nqo');
    expect(record).toMatchObject({
      basisPoints: winner.basisPoints,
      targets: [...winner.targets].sort(),
      killSwitch: winner.killSwitch,
      updatedBy: winner.updatedBy,
    });
  });

  it('racing read-CAS loops never leave a half-update, and every success is one version', async () => {
    await a.compareAndSet('nqo', 0, sampleWrite);
    const loop = async (store: RedisFlagStore, write: FlagWrite): Promise<number> => {
      let successes = 0;
      for (let i = 0; i < 40; i++) {
        const { version } = await store.read('nqo');
        if ((await store.compareAndSet('nqo', version, write)).ok) successes++;
      }
      return successes;
    };
    const torn: string[] = [];
    let snapshots = 0;
    let writing = true;
    const observer = (async () => {
      const reader = new RedisFlagStore({ redis: flagsRedis(), prefix });
      while (writing) {
        const { record } = await reader.read('nqo');
        snapshots++;
        const expected =
          record?.updatedBy === 'writer-a'
            ? writerA
            : record?.updatedBy === 'writer-b'
              ? writerB
              : undefined;
        if (record === undefined || expected === undefined) continue;
        const consistent =
          record.basisPoints === expected.basisPoints &&
          record.killSwitch === expected.killSwitch &&
          record.targets.length === expected.targets.length &&
          record.targets.every((t) => t.startsWith(expected === writerA ? 'a-' : 'b-'));
        if (!consistent) torn.push(JSON.stringify(record).slice(0, 200));
      }
    })();
    const [sa, sb] = await Promise.all([loop(a, writerA), loop(b, writerB)]);
    writing = false;
    await observer;
    expect(torn).toEqual([]);
    expect(snapshots).toBeGreaterThan(0);
    expect((await a.read('nqo')).version).toBe(1 + sa + sb);
  });

  it('publishes one notice per write on <prefix>changes', async () => {
    const subscriber = flagsRedis();
    const received: unknown[] = [];
    subscriber.on('message', (_channel: string, message: string) => {
      received.push(parseChangeNotice(message));
    });
    await subscriber.subscribe(`${prefix}changes`);
    await a.compareAndSet('nqo', 0, sampleWrite);
    await a.compareAndSet('nqo', 1, writerA);
    await a.compareAndSet('nqo', 1, writerB); // conflict: no notice
    await a.setKillSwitch('experimental', true);
    await a.delete('nqo', 2);
    await a.delete('nqo', 0); // nothing to delete: no notice
    await waitFor(() => received.length >= 4, { message: '4 notices' });
    expect(received).toEqual([
      { op: 'set', flag: 'nqo', version: 1 },
      { op: 'set', flag: 'nqo', version: 2 },
      { op: 'kill-switch', group: 'experimental', active: true },
      { op: 'delete', flag: 'nqo', version: 0 },
    ]);
  });

  it('refuses to write over a key of the wrong type and changes nothing', async () => {
    await raw.set(`${prefix}nqo`, 'not a hash');
    await expect(a.compareAndSet('nqo', 0, sampleWrite)).rejects.toThrow(/WRONGTYPE/);
    expect(await raw.exists(`${prefix}nqo:targets`, `${prefix}index`)).toBe(0);
    expect(await raw.get(`${prefix}nqo`)).toBe('not a hash');
  });

  it('stores the exact documented layout', async () => {
    await a.compareAndSet('nqo', 0, sampleWrite);
    await a.setKillSwitch('experimental', true);
    expect(await raw.hgetall(`${prefix}nqo`)).toEqual({
      enabled: '1',
      percentage: '500',
      salt: 'new_query_optimizer',
      version: '1',
      updatedAt: expect.stringMatching(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/),
      updatedBy: 'controller:default/nqo',
      killSwitch: 'experimental',
    });
    expect((await raw.smembers(`${prefix}nqo:targets`)).sort()).toEqual([
      'u-internal-1',
      'u-internal-2',
    ]);
    expect(await raw.smembers(`${prefix}index`)).toEqual(['nqo']);
    expect(await raw.get(`${prefix}kill_switch:experimental`)).toBe('1');
    await a.setKillSwitch('experimental', false);
    expect(await raw.exists(`${prefix}kill_switch:experimental`)).toBe(0);
  });

  it('writes thousands of targeted users in one script (chunked SADD)', async () => {
    const targets = Array.from({ length: 9_000 }, (_, i) => `user-${i}`);
    await a.compareAndSet('nqo', 0, { ...sampleWrite, targets });
    expect(await raw.scard(`${prefix}nqo:targets`)).toBe(9_000);
  });

  it('reads hand-written flags: no version counts as 0; a malformed one is reported and overwritable', async () => {
    await raw.hset(`${prefix}legacy`, { enabled: '1', percentage: '10000' });
    await raw.sadd(`${prefix}index`, 'legacy', 'ghost');
    const legacy = await a.read('legacy');
    expect(legacy).toMatchObject({ version: 0, record: { salt: 'legacy', basisPoints: 10_000 } });
    expect(await a.compareAndSet('legacy', 0, sampleWrite)).toEqual({ ok: true, version: 1 });

    await raw.hset(`${prefix}broken`, { enabled: 'yes', percentage: '5', version: '6' });
    const broken = await a.read('broken');
    expect(broken).toMatchObject({
      record: undefined,
      version: 6,
      problem: expect.stringContaining('enabled'),
    });
    expect(await a.compareAndSet('broken', 6, sampleWrite)).toEqual({ ok: true, version: 7 });
    // "ghost" is in the index without a hash: list leaves it out.
    expect((await a.list()).map((o) => o.name)).toEqual(['broken', 'legacy']);
  });

  it('works through a client with an ioredis keyPrefix (the scripts get their KEYS prefixed)', async () => {
    const keyPrefix = `${prefix}kp:`;
    const prefixed = redisClient({ keyPrefix });
    try {
      const store = new RedisFlagStore({ redis: prefixed, prefix: 'latticedb:flags:' });
      expect(await store.compareAndSet('nqo', 0, sampleWrite)).toEqual({ ok: true, version: 1 });
      expect((await store.read('nqo')).record?.targets).toEqual(['u-internal-1', 'u-internal-2']);
      expect(await raw.hget(`${keyPrefix}latticedb:flags:nqo`, 'version')).toBe('1');
    } finally {
      prefixed.disconnect();
    }
  });
});

describe('createRedisClient against the AUTH-protected server', () => {
  it('authenticates with the password in the URL', async () => {
    const client = flagsRedis();
    expect(await client.ping()).toBe('PONG');
  });

  it('fails a command with a wrong password, without echoing it', async () => {
    const url = new URL(testEnv().redisUrl);
    url.password = 'wrong-password-123';
    const errors: string[] = [];
    const client = createRedisClient({
      url: url.toString(),
      onError: (err, redacted) => errors.push(`${err.message} ${redacted}`),
    });
    try {
      const failure = await client.ping().catch((e: unknown) => e);
      expect(String(failure)).toMatch(/WRONGPASS|NOAUTH|max retries/);
      expect(String(failure)).not.toContain('wrong-password-123');
      expect(errors.join('\n')).not.toContain('wrong-password-123');
    } finally {
      client.disconnect();
    }
  });
});
