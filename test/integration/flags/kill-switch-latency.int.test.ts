// The playbook's kill switch is a raw `redis-cli SET latticedb:flags:kill_switch:experimental true`:
// no change notice. A long-lived evaluator and the OpenFeature provider must turn the flag off (and
// back on after DEL) within about a second in every server setup: keyspace notifications on, off,
// and CONFIG forbidden as on managed Redis. The delays are printed, never asserted (machine load).
import { performance } from 'node:perf_hooks';
import { OpenFeature } from '@openfeature/server-sdk';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FlagEvaluator, KillSwitchWatchMode, RedisFlagStore } from '../../../flags/index.js';
import { LatticeDbProvider } from '../../../flags/openfeature-provider.js';
import { startRedisServer, type RedisServer } from '../../env/redis.js';
import { waitFor } from '../../env/fixtures.js';
import { sampleWrite } from '../../unit/flags/support/flag-store-contract.js';

const setups = [
  { name: 'keyspace notifications on', notifyKeyspaceEvents: 'K$gx', mode: 'keyspace' },
  { name: 'notifications off', notifyKeyspaceEvents: '', mode: 'poll' },
  { name: 'CONFIG forbidden (managed Redis)', forbidConfig: true, mode: 'poll' },
] as const;

/** Generous functional bound: far above the ~1 s goal, far below the 60 s full reload. */
const FUNCTIONAL_BOUND_MS = 15_000;

describe.each(setups)('raw SET/DEL of a kill switch, $name', (setup) => {
  let server: RedisServer;
  let raw: Redis;
  let evaluator: FlagEvaluator;
  let provider: LatticeDbProvider;
  const prefix = 'latticedb:flags:';
  const key = `${prefix}kill_switch:experimental`;

  beforeAll(async () => {
    server = await startRedisServer({
      ...('notifyKeyspaceEvents' in setup
        ? { notifyKeyspaceEvents: setup.notifyKeyspaceEvents }
        : {}),
      ...('forbidConfig' in setup ? { forbidConfig: setup.forbidConfig } : {}),
    });
    raw = new Redis(server.url, { lazyConnect: false }); // a plain client, as redis-cli would be
    const store = new RedisFlagStore({ redis: raw, prefix });
    await store.compareAndSet('nqo', 0, { ...sampleWrite, basisPoints: 10_000 });
    // The periodic full reload is off: only the kill-switch watch can notice the raw writes.
    evaluator = new FlagEvaluator({ connection: { url: server.url }, fullReloadIntervalMs: 0 });
    await evaluator.start();
    provider = new LatticeDbProvider({ connection: { url: server.url }, fullReloadIntervalMs: 0 });
    await OpenFeature.setProviderAndWait(`kill-switch-${setup.mode}-${server.port}`, provider);
  });
  afterAll(async () => {
    await evaluator.close();
    await OpenFeature.clearProviders();
    raw.disconnect();
    await server.dispose();
  });

  it(`is followed in ${setup.mode} mode by the evaluator and the OpenFeature provider`, async () => {
    const client = OpenFeature.getClient(`kill-switch-${setup.mode}-${server.port}`);
    const providerSays = (): Promise<boolean> =>
      client.getBooleanValue('nqo', true, { targetingKey: 'user-1' });
    expect(evaluator.killSwitchMode).toBe(
      setup.mode === 'keyspace' ? KillSwitchWatchMode.Keyspace : KillSwitchWatchMode.Poll,
    );
    expect(evaluator.isOn('nqo', 'user-1')).toBe(true);
    expect(await providerSays()).toBe(true);

    const measure = async (want: boolean): Promise<{ evaluator: number; provider: number }> => {
      const t0 = performance.now();
      const delays = { evaluator: NaN, provider: NaN };
      await waitFor(
        async () => {
          const now = performance.now() - t0;
          if (Number.isNaN(delays.evaluator) && evaluator.isOn('nqo', 'user-1') === want)
            delays.evaluator = now;
          if (Number.isNaN(delays.provider) && (await providerSays()) === want)
            delays.provider = now;
          return !Number.isNaN(delays.evaluator) && !Number.isNaN(delays.provider);
        },
        { timeoutMs: FUNCTIONAL_BOUND_MS, intervalMs: 5, message: `flag ${want ? 'on' : 'off'}` },
      );
      return delays;
    };

    await raw.set(key, 'true'); // no PUBLISH
    const off = await measure(false);
    expect(evaluator.evaluate('nqo', 'user-1').reason).toBe('KILLED');
    await raw.del(key);
    const on = await measure(true);
    console.log(
      `[kill-switch latency, ${setup.name}, mode ${setup.mode}] SET → off: evaluator ${off.evaluator.toFixed(0)} ms, ` +
        `provider ${off.provider.toFixed(0)} ms; DEL → on: evaluator ${on.evaluator.toFixed(0)} ms, provider ${on.provider.toFixed(0)} ms`,
    );
  });
});
