// reconcilers/shared/runtime: one AwsClients per process from the runtime's AWS settings, and
// flag stores from the default Redis or a redisRef Secret, with typed failures. No Redis server:
// connections are opened lazily (never used), so only their options are inspected.
import { Redis } from 'ioredis';
import { pino } from 'pino';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { SharedRegistry } from '../../../controller/external.js';
import { KubeApiError, type KindDeps } from '../../../controller/index.js';
import { redisOptionsFromUrl } from '../../../flags/connection.js';
import {
  awsClientsFor,
  flagStoreFor,
  FlagStoreReason,
  type ConnectRedis,
  type FlagStoreDeps,
} from '../../../reconcilers/shared/runtime/index.js';
import { FakeClock } from './support/fake-clock.js';
import { FakeKubeClient } from './support/fake-kube-client.js';

const logs: { level: string; obj: unknown; msg: string }[] = [];
const logger = pino(
  { level: 'debug' },
  {
    write(line: string) {
      const parsed = JSON.parse(line) as { level: number; msg: string };
      logs.push({ level: String(parsed.level), obj: parsed, msg: parsed.msg });
    },
  },
);

let registry: SharedRegistry;

afterEach(async () => {
  await registry.closeAll();
  logs.length = 0;
});

function deps(redisUrl?: string): FlagStoreDeps & Pick<KindDeps, 'aws'> & { kube: FakeKubeClient } {
  registry = new SharedRegistry({ logger });
  return {
    kube: new FakeKubeClient(),
    redis: redisUrl === undefined ? undefined : { url: redisUrl },
    shared: registry.shared,
    logger,
    clock: new FakeClock(),
    aws: {
      defaultRegion: 'eu-west-1',
      endpoint: 'http://127.0.0.1:5000',
      maxAttempts: 4,
      retryMode: 'adaptive',
    },
  };
}

/** Opens ioredis clients that never connect, and remembers them. */
function lazyConnect(): ConnectRedis & { opened: Redis[] } {
  const opened: Redis[] = [];
  const connect = (options: Parameters<ConnectRedis>[0]) => {
    const client = new Redis({ ...redisOptionsFromUrl(options), lazyConnect: true });
    opened.push(client);
    return client;
  };
  return Object.assign(connect, { opened });
}

describe('awsClientsFor', () => {
  it('builds one AwsClients from the settings and destroys it at shutdown', async () => {
    const d = deps();
    const clients = awsClientsFor(d);
    expect(awsClientsFor(d)).toBe(clients);
    expect(clients.defaultRegion).toBe('eu-west-1');
    const ecs = clients.ecs();
    expect(await ecs.config.region()).toBe('eu-west-1');
    expect(await ecs.config.maxAttempts()).toBe(4);
    expect(await ecs.config.retryStrategy()).toMatchObject({ mode: 'adaptive' });
    expect((await ecs.config.endpoint?.())?.hostname).toBe('127.0.0.1');
    const destroy = vi.spyOn(ecs, 'destroy');
    await registry.closeAll();
    expect(destroy).toHaveBeenCalledOnce();
  });
});

describe('flagStoreFor', () => {
  it('uses the default Redis without a redisRef, one connection per URL', async () => {
    const d = deps('redis://:hunter2@redis.default:6379/1');
    const connect = lazyConnect();
    const a = await flagStoreFor(d, undefined, 'ns-a', connect);
    const b = await flagStoreFor(d, undefined, 'ns-b', connect);
    expect(a).toMatchObject({ ok: true, endpoint: 'redis://:***@redis.default:6379/1' });
    expect(a.ok && b.ok && a.store === b.store).toBe(true);
    expect(connect.opened).toHaveLength(1);
    expect(connect.opened[0]!.options).toMatchObject({
      host: 'redis.default',
      port: 6379,
      db: 1,
      password: 'hunter2',
    });
    expect(JSON.stringify(logs)).not.toContain('hunter2');
    expect(logs.map((l) => l.msg)).toContain('opened redis connection');
  });

  it('reports RedisNotConfigured without redisRef or default', async () => {
    const result = await flagStoreFor(deps(), undefined, 'ns', lazyConnect());
    expect(result).toEqual({
      ok: false,
      reason: FlagStoreReason.RedisNotConfigured,
      message: 'no redisRef and the controller has no default Redis (--redis-url / REDIS_URL)',
    });
  });

  it('reads the URL (and a TLS CA) from Secrets in the resource namespace', async () => {
    const d = deps('redis://default:6379');
    d.kube.secrets.set('team/flags-redis', { endpoint: 'redis://u:s3cret@flags.team:6380/0' });
    d.kube.secrets.set('team/flags-ca', { 'ca.crt': '-----BEGIN CERTIFICATE-----\nx\n' });
    const connect = lazyConnect();
    const result = await flagStoreFor(
      d,
      {
        secretRef: { name: 'flags-redis', key: 'endpoint' },
        tls: { caSecretRef: { name: 'flags-ca' } },
      },
      'team',
      connect,
    );
    // a tls block upgrades redis:// to TLS
    expect(result).toMatchObject({ ok: true, endpoint: 'rediss://u:***@flags.team:6380/0' });
    expect(connect.opened[0]!.options).toMatchObject({
      host: 'flags.team',
      port: 6380,
      username: 'u',
      password: 's3cret',
      tls: { servername: 'flags.team', ca: '-----BEGIN CERTIFICATE-----\nx\n' },
    });
    expect(d.kube.calls).toEqual([
      { verb: 'getSecret', key: 'team/flags-redis' },
      { verb: 'getSecret', key: 'team/flags-ca' },
    ]);

    // Same Secret content, other resource: same connection. Another URL: a second one.
    await flagStoreFor(
      d,
      {
        secretRef: { name: 'flags-redis', key: 'endpoint' },
        tls: { caSecretRef: { name: 'flags-ca' } },
      },
      'team',
      connect,
    );
    expect(connect.opened).toHaveLength(1);
    d.kube.secrets.set('team/other', { url: 'redis://other:6379' });
    await flagStoreFor(d, { secretRef: { name: 'other' } }, 'team', connect);
    expect(connect.opened).toHaveLength(2);
    const disconnect = connect.opened.map((c) => vi.spyOn(c, 'disconnect'));
    await registry.closeAll();
    for (const spy of disconnect) expect(spy).toHaveBeenCalledOnce();
  });

  it('turns a missing, forbidden or unusable Secret into a typed failure', async () => {
    const d = deps();
    const connect = lazyConnect();
    const ref = { secretRef: { name: 'flags' } };
    expect(await flagStoreFor(d, ref, 'ns', connect)).toEqual({
      ok: false,
      reason: FlagStoreReason.RedisSecretNotFound,
      message: 'Secret ns/flags not found',
    });

    d.kube.secrets.set('ns/flags', { other: 'x' });
    expect(await flagStoreFor(d, ref, 'ns', connect)).toMatchObject({
      ok: false,
      reason: FlagStoreReason.RedisSecretInvalid,
      message: 'Secret ns/flags has no key "url"',
    });

    d.kube.secrets.set('ns/flags', { url: 'http://user:pw@h:1' });
    const bad = await flagStoreFor(d, ref, 'ns', connect);
    expect(bad).toMatchObject({ ok: false, reason: FlagStoreReason.RedisSecretInvalid });
    expect(JSON.stringify(bad)).not.toContain(':pw@');

    d.kube.secrets.set('ns/flags', { url: 'rediss://h:1' });
    expect(await flagStoreFor(d, { ...ref, tls: { enabled: false } }, 'ns', connect)).toMatchObject(
      { ok: false, reason: FlagStoreReason.RedisSecretInvalid },
    );

    d.kube.intercept((call) =>
      call.verb === 'getSecret'
        ? new KubeApiError(403, 'Forbidden', 'secrets "flags" is forbidden')
        : undefined,
    );
    const forbidden = await flagStoreFor(d, ref, 'ns', connect);
    expect(forbidden).toMatchObject({ ok: false, reason: FlagStoreReason.RedisSecretForbidden });
    expect(!forbidden.ok && forbidden.message).toContain('manifests/components/redis-secret-refs');

    d.kube.intercept(() => new KubeApiError(503, 'ServiceUnavailable', 'try later'));
    await expect(flagStoreFor(d, ref, 'ns', connect)).rejects.toThrow('try later');
    expect(connect.opened).toHaveLength(0);
  });

  it('reports an unreadable --redis-tls-ca-file', async () => {
    const d = { ...deps(), redis: { url: 'rediss://r:6379', tlsCaFile: '/nonexistent/ca.pem' } };
    expect(await flagStoreFor(d, undefined, 'ns', lazyConnect())).toEqual({
      ok: false,
      reason: FlagStoreReason.RedisTlsCaUnreadable,
      message: 'cannot read --redis-tls-ca-file /nonexistent/ca.pem: ENOENT',
    });
  });
});
