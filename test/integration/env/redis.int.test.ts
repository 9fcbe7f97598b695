// Redis runs with AUTH and without persistence; ioredis clients survive a restart of the server.
import { Redis } from 'ioredis';
import { describe, expect, it, onTestFinished } from 'vitest';
import { environmentControl, redisClient, testEnv } from '../../env/fixtures.js';

describe('redis', () => {
  it('serves a client that authenticates with the URL', async () => {
    const redis = redisClient();
    onTestFinished(async () => {
      await redis.quit();
    });
    await redis.set('greeting', 'hello');
    expect(await redis.get('greeting')).toBe('hello');
  });

  it.skipIf(!testEnv().managed.redis)('refuses a client without the password', async () => {
    const url = new URL(testEnv().redisUrl);
    const anonymous = new Redis({
      host: url.hostname,
      port: Number(url.port),
      enableReadyCheck: false, // the ready check would fail on NOAUTH before our commands run
      maxRetriesPerRequest: 0,
      retryStrategy: () => null,
    });
    onTestFinished(() => {
      anonymous.disconnect();
    });
    await expect(anonymous.get('anything')).rejects.toThrow(/^NOAUTH/);
    await expect(anonymous.auth('not-the-password')).rejects.toThrow(/^WRONGPASS/);
    await expect(anonymous.get('anything')).rejects.toThrow(/^NOAUTH/);
    expect(await anonymous.auth(decodeURIComponent(url.password))).toBe('OK');
    expect(await anonymous.ping()).toBe('PONG');
  });

  it.skipIf(!testEnv().managed.redis)(
    'a client reconnects after the server restarts (data is not persisted)',
    async () => {
      const control = environmentControl();
      onTestFinished(() => control.ensureRunning());
      const redis = redisClient();
      onTestFinished(async () => {
        await redis.quit();
      });
      let reconnects = 0;
      redis.on('reconnecting', () => (reconnects += 1));
      await redis.set('before', '1');

      await control.stopRedis();
      // A command issued during the outage waits in ioredis's offline queue ...
      const during = redis.set('during', '1').catch((e: unknown) => e);
      await control.startRedis();
      // ... and completes once the same client has reconnected and re-authenticated.
      expect(await during).toBe('OK');
      await redis.set('after', '1');
      expect(await redis.get('after')).toBe('1');
      expect(await redis.get('during')).toBe('1');
      expect(await redis.get('before')).toBeNull(); // no persistence
      expect(reconnects).toBeGreaterThan(0);
    },
  );
});
