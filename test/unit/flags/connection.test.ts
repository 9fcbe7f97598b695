import { describe, expect, it } from 'vitest';
import { reconnectDelayMs, redactRedisUrl } from '../../../flags/index.js';
import { redisOptionsFromUrl } from '../../../flags/connection.js';

describe('redisOptionsFromUrl', () => {
  it('takes host, port, ACL user, password and database from the URL', () => {
    const options = redisOptionsFromUrl({ url: 'redis://flags:s%40cret@redis.internal:6380/2' });
    expect(options).toMatchObject({
      host: 'redis.internal',
      port: 6380,
      username: 'flags',
      password: 's@cret',
      db: 2,
      enableOfflineQueue: true,
      maxRetriesPerRequest: 2,
    });
    expect(options.tls).toBeUndefined();
  });

  it('password-only AUTH and defaults', () => {
    const options = redisOptionsFromUrl({ url: 'redis://:pw@127.0.0.1' });
    expect(options).toMatchObject({ host: '127.0.0.1', port: 6379, password: 'pw', db: 0 });
    expect(options).not.toHaveProperty('username');
  });

  it('rediss:// turns on TLS with the given CA and the host as server name', () => {
    const options = redisOptionsFromUrl({ url: 'rediss://cache.example:6380', tlsCa: 'PEM' });
    expect(options.tls).toEqual({ servername: 'cache.example', ca: 'PEM' });
    const insecure = redisOptionsFromUrl({ url: 'rediss://h', tlsInsecureSkipVerify: true });
    expect(insecure.tls).toEqual({ servername: 'h', rejectUnauthorized: false });
  });

  it('reconnects forever with capped backoff', () => {
    const options = redisOptionsFromUrl({ url: 'redis://h' });
    expect(options.retryStrategy).toBe(reconnectDelayMs);
    expect([1, 2, 3, 6, 7, 100].map(reconnectDelayMs)).toEqual([100, 200, 400, 3200, 5000, 5000]);
  });

  it.each([
    ['http://h:6379', 'redis:// or rediss://'],
    ['redis://h/x', 'database number'],
    ['redis://h?password=x', 'query parameters'],
    ['not a url', 'invalid Redis URL'],
  ])('rejects %s', (url, message) => {
    expect(() => redisOptionsFromUrl({ url })).toThrow(message);
  });

  it('never puts the password in an error message', () => {
    expect(() => redisOptionsFromUrl({ url: 'redis://:hunter2@h/x' })).toThrow(
      expect.objectContaining({ message: expect.not.stringContaining('hunter2') }),
    );
  });
});

describe('redactRedisUrl', () => {
  it('masks the password and keeps the rest', () => {
    expect(redactRedisUrl('redis://flags:hunter2@h:6380/1')).toBe('redis://flags:***@h:6380/1');
    expect(redactRedisUrl('redis://h:6380')).toBe('redis://h:6380');
    expect(redactRedisUrl('::')).toBe('<unparseable redis url>');
  });

  it('shows nothing of a URL whose password has an unencoded #, ? or /', () => {
    for (const url of [
      'redis://admin:1234#5678@redis.internal:6379',
      'redis://admin:12?34@redis.internal:6379',
      'redis://admin:12/34@redis.internal:6379',
    ]) {
      const shown = redactRedisUrl(url);
      expect(shown).not.toMatch(/12|34|56|78/);
      expect(shown).toContain('percent-encode');
      expect(() => redisOptionsFromUrl({ url })).toThrow(/percent-encode/);
    }
    // Encoded, it is a normal URL.
    expect(redactRedisUrl('redis://admin:1234%235678@h:6379')).toBe('redis://admin:***@h:6379');
  });

  it('says to percent-encode when the unencoded password leaves a URL that does not parse', () => {
    // "u:ab#cd@h": host u, port "ab" — not a URL at all.
    expect(() => redisOptionsFromUrl({ url: 'redis://u:ab#cd@127.0.0.1:6379' })).toThrow(
      'invalid Redis URL: percent-encode the special characters (#, ?, /) of its password',
    );
    expect(() => redisOptionsFromUrl({ url: 'redis://::' })).toThrow(/^invalid Redis URL </);
  });
});
