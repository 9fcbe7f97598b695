// FlagEvaluator on a real redis-server: it follows change notices (the periodic reload is off unless
// a test turns it on), applies kill switches to everyone, and resyncs after a Redis restart.
import type { Redis } from 'ioredis';
import { afterAll, afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { EvaluatorEvent } from '../../../flags/index.js';
import { FlagEvaluator, RedisFlagStore } from '../../../flags/index.js';
import { environmentControl, testEnv, waitFor } from '../../env/fixtures.js';
import { sampleWrite } from '../../unit/flags/support/flag-store-contract.js';
import { disconnectAll, flagsRedis, uniquePrefix } from './support.js';

afterAll(disconnectAll);

const users = Array.from({ length: 1_000 }, (_, i) => `user-${i}`);

describe('FlagEvaluator', () => {
  let prefix: string;
  let store: RedisFlagStore;
  let raw: Redis;
  let evaluator: FlagEvaluator;
  let events: EvaluatorEvent[];

  const startEvaluator = async (fullReloadIntervalMs = 0): Promise<void> => {
    evaluator = new FlagEvaluator({
      connection: { url: testEnv().redisUrl },
      prefix,
      fullReloadIntervalMs,
      resyncRetryMs: 200,
    });
    evaluator.onEvent((e) => events.push(e));
    await evaluator.start();
  };
  const onCount = (flag: string): number => users.filter((u) => evaluator.isOn(flag, u)).length;
  const changedFlags = (): string[] => events.flatMap((e) => (e.type === 'changed' ? e.flags : []));

  beforeEach(() => {
    prefix = uniquePrefix('evaluator');
    raw = flagsRedis();
    store = new RedisFlagStore({ redis: flagsRedis(), prefix });
    events = [];
  });
  afterEach(async () => {
    await evaluator.close();
  });

  it('loads existing flags on start and follows writes through change notices', async () => {
    await store.compareAndSet('nqo', 0, { ...sampleWrite, basisPoints: 0 });
    await startEvaluator();
    expect(evaluator.record('nqo')?.version).toBe(1);
    expect(onCount('nqo')).toBe(0);
    expect(evaluator.evaluate('nqo', 'u-internal-1')).toEqual({
      value: true,
      reason: 'TARGETING_MATCH',
    });

    await store.compareAndSet('nqo', 1, { ...sampleWrite, basisPoints: 5000 });
    await waitFor(() => evaluator.record('nqo')?.version === 2, { message: 'version 2' });
    expect(onCount('nqo')).toBeGreaterThan(400);
    expect(onCount('nqo')).toBeLessThan(600);
    expect(changedFlags()).toContain('nqo');

    await store.compareAndSet('created', 0, {
      ...sampleWrite,
      basisPoints: 10_000,
      killSwitch: null,
    });
    await waitFor(() => evaluator.isOn('created', 'anyone'), { message: 'new flag seen' });

    await store.delete('nqo', 2);
    await waitFor(() => evaluator.evaluate('nqo', 'u-internal-1').reason === 'DEFAULT', {
      message: 'deleted flag seen',
    });
    expect(evaluator.flagNames()).toEqual(['created']);
  });

  it('a kill switch turns the flag off for everyone, targets included, and clearing it restores every answer', async () => {
    await store.compareAndSet('nqo', 0, { ...sampleWrite, basisPoints: 2500 });
    await startEvaluator();
    const before = users.map((u) => evaluator.isOn('nqo', u));
    expect(before.filter(Boolean).length).toBeGreaterThan(150);

    await store.setKillSwitch('experimental', true);
    await waitFor(() => evaluator.evaluate('nqo', 'u-internal-1').reason === 'KILLED', {
      message: 'killed',
    });
    expect(onCount('nqo')).toBe(0);
    expect(changedFlags()).toContain('nqo');

    await store.setKillSwitch('experimental', false);
    await waitFor(() => evaluator.isOn('nqo', 'u-internal-1'), { message: 'kill switch cleared' });
    expect(users.map((u) => evaluator.isOn('nqo', u))).toEqual(before);
  });

  it('an operator setting the kill-switch key by hand ("true") is honoured on the next reload', async () => {
    await store.compareAndSet('nqo', 0, { ...sampleWrite, basisPoints: 10_000 });
    await startEvaluator(200);
    await raw.set(`${prefix}kill_switch:experimental`, 'true'); // no notice published
    await waitFor(() => onCount('nqo') === 0, { message: 'periodic reload applied the switch' });
    await raw.hset(`${prefix}nqo`, 'enabled', '0'); // hand edit, no version bump, no notice
    await raw.del(`${prefix}kill_switch:experimental`);
    await waitFor(() => evaluator.evaluate('nqo', 'x').reason === 'DISABLED', {
      message: 'hand edit seen',
    });
  });

  it('unreadable flags evaluate off with reason ERROR', async () => {
    await raw.hset(`${prefix}broken`, { enabled: 'maybe', percentage: '10000' });
    await raw.sadd(`${prefix}index`, 'broken');
    await startEvaluator();
    expect(evaluator.evaluate('broken', 'u')).toEqual({ value: false, reason: 'ERROR' });
    expect(evaluator.problem('broken')).toContain('enabled');
  });

  describe.skipIf(!testEnv().managed.redis)('across a Redis restart', () => {
    afterEach(async () => {
      await environmentControl().ensureRunning();
    });

    it('goes stale, resubscribes and reloads (the restarted Redis is empty), then follows notices again', async () => {
      await store.compareAndSet('nqo', 0, { ...sampleWrite, basisPoints: 10_000 });
      await startEvaluator();
      expect(evaluator.isOn('nqo', 'user-1')).toBe(true);

      await environmentControl().restartRedis();
      await waitFor(() => events.some((e) => e.type === 'stale'), { message: 'stale event' });
      await waitFor(
        () => {
          const types = events.map((e) => e.type);
          return types.includes('stale') && types.lastIndexOf('ready') > types.indexOf('stale');
        },
        { timeoutMs: 20_000, message: 'ready after stale' },
      );
      // No persistence: the flag is gone, and the evaluator says so instead of serving stale data.
      await waitFor(() => evaluator.evaluate('nqo', 'user-1').reason === 'DEFAULT', {
        timeoutMs: 20_000,
        message: 'flag gone after restart',
      });
      expect(evaluator.isStale).toBe(false);

      // The controller rewrites the flag; the re-established subscription delivers the notice.
      await waitFor(async () => (await store.compareAndSet('nqo', 0, sampleWrite)).ok, {
        timeoutMs: 20_000,
        message: 'rewrite after restart',
      });
      await waitFor(() => evaluator.record('nqo')?.version === 1, {
        message: 'notice after restart',
      });
      expect(evaluator.evaluate('nqo', 'u-internal-1').value).toBe(true);
    });
  });
});
