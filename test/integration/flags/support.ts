// Shared set-up for the flag integration tests: clients of the environment's redis-server (AUTH in
// the URL, through our own connection factory) and a unique key prefix per test, so tests share one
// Redis without seeing each other's keys or change notices.
import type { Redis } from 'ioredis';
import { createRedisClient } from '../../../flags/index.js';
import { testEnv, uniqueName } from '../../env/fixtures.js';

const open: Redis[] = [];

export function flagsRedis(): Redis {
  const client = createRedisClient({ url: testEnv().redisUrl, connectionName: 'flags-tests' });
  open.push(client);
  return client;
}

/** `<name>-<random>:` — the flag-store prefix of one test. */
export function uniquePrefix(name = 'flags'): string {
  return `${uniqueName(name)}:`;
}

/** Disconnects every client made by flagsRedis() (call in afterAll). */
export function disconnectAll(): void {
  for (const client of open.splice(0)) client.disconnect();
}
