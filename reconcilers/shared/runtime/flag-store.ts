// The FlagStore a resource's flags live in: the controller's default Redis (`--redis-url`), or
// the one its `redisRef` names through a Secret in the resource's namespace. One ioredis
// connection per distinct URL (and TLS settings) for the whole process, closed at shutdown or
// after `REDIS_IDLE_MS` unused (a rotated Secret's old URL), with its change subscriber.
//
// Problems the user must fix (no default Redis, Secret missing or unreadable, bad URL) come back
// as a typed result for the caller to put in a condition; only transient API failures (5xx,
// timeouts) throw, so the work queue retries them with backoff. The URL is never logged or put
// in a message: `redactRedisUrl` shows it with the password masked.
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import type { Redis, RedisOptions } from 'ioredis';
import {
  KubeApiError,
  isNotFound,
  registerUrlSecrets,
  safeErrorMessage,
  type KindDeps,
} from '../../../controller/index.js';
import type { RedisRef } from '../api/redis-ref.js';
import {
  createRedisClient,
  redactRedisUrl,
  redisOptionsFromUrl,
  type RedisConnectionOptions,
} from '../../../flags/connection.js';
import { RedisFlagStore } from '../../../flags/redis-store.js';
import type { FlagKeys } from '../../../flags/model.js';
import type { FlagStore } from '../../../flags/store.js';

export type FlagStoreDeps = Pick<KindDeps, 'kube' | 'redis' | 'shared' | 'logger' | 'clock'>;

/** Condition reasons for a flag store that cannot be used. */
export const FlagStoreReason = {
  /** No `redisRef` and no `--redis-url`/`REDIS_URL`. */
  RedisNotConfigured: 'RedisNotConfigured',
  RedisSecretNotFound: 'RedisSecretNotFound',
  /** RBAC: the controller may not get Secrets (the optional redis-secret-refs component). */
  RedisSecretForbidden: 'RedisSecretForbidden',
  /** The Secret lacks the key, or the URL / TLS settings are unusable. */
  RedisSecretInvalid: 'RedisSecretInvalid',
  /** `--redis-tls-ca-file` cannot be read. */
  RedisTlsCaUnreadable: 'RedisTlsCaUnreadable',
} as const;
export type FlagStoreReason = (typeof FlagStoreReason)[keyof typeof FlagStoreReason];

/** The change notices of a store's connection (CONTRACT.md §4), for a subscriber. */
export interface FlagChangeFeed {
  /** Identifies the connection, without the password: equal ids ⇔ the same connection. */
  readonly id: string;
  /** `<prefix>changes` of the store. */
  readonly channel: string;
  /** A new connection with the same settings (a subscribed connection can do nothing else). */
  duplicate(override?: Partial<RedisOptions>): Redis;
  /** The connection itself and its keys, to read kill switches written by hand (no notice). */
  readonly redis?: Redis;
  readonly keys?: FlagKeys;
}

export type FlagStoreResult =
  | {
      readonly ok: true;
      readonly store: FlagStore;
      /** Where the flags live, password masked: `redis://:***@host:6379/0`. */
      readonly endpoint: string;
      /** Set by `flagStoreFor` (absent for stores that are not a Redis connection, e.g. fakes). */
      readonly changes?: FlagChangeFeed;
    }
  | { readonly ok: false; readonly reason: FlagStoreReason; readonly message: string };

/**
 * A connection no reconcile asked for in this long is closed with its change subscriber: after a
 * Secret's URL was rotated the old one is never asked for again. Every user of a connection asks
 * at least once per poll (FlagRollout, 30 s) or resync (10 min), so this only closes the unused.
 */
export const REDIS_IDLE_MS = 30 * 60_000;

/** Test seam: how a connection is opened (default `createRedisClient`). */
export type ConnectRedis = (options: RedisConnectionOptions) => Redis;

const COMPONENT_HINT =
  'install the manifests/components/redis-secret-refs component, or bind its ClusterRole ' +
  '"latticedb-controller-redis-secrets" to the controller in this namespace';

/** The flag store for a resource in `namespace` with an optional `redisRef`. */
export async function flagStoreFor(
  deps: FlagStoreDeps,
  redisRef: RedisRef | undefined,
  namespace: string,
  connect: ConnectRedis = createRedisClient,
): Promise<FlagStoreResult> {
  const target =
    redisRef === undefined ? defaultTarget(deps) : await secretTarget(deps, redisRef, namespace);
  if (!target.ok) return target;
  try {
    redisOptionsFromUrl(target.options); // validates; its messages never contain the password
  } catch (err) {
    return failure(
      FlagStoreReason.RedisSecretInvalid,
      `${target.origin}: ${safeErrorMessage(err)}`,
    );
  }
  const key = connectionKey(target.options);
  const { store, changes } = deps.shared(
    key,
    () => open(deps, key, target.options, connect),
    ({ redis }) => closeRedis(redis),
    { idleMs: REDIS_IDLE_MS },
  );
  return { ok: true, store, endpoint: redactRedisUrl(target.options.url), changes };
}

type Target =
  | { readonly ok: true; readonly options: RedisConnectionOptions; readonly origin: string }
  | { readonly ok: false; readonly reason: FlagStoreReason; readonly message: string };

function failure(reason: FlagStoreReason, message: string): Target & { ok: false } {
  return { ok: false, reason, message };
}

function defaultTarget(deps: FlagStoreDeps): Target {
  const settings = deps.redis;
  if (settings === undefined) {
    return failure(
      FlagStoreReason.RedisNotConfigured,
      'no redisRef and the controller has no default Redis (--redis-url / REDIS_URL)',
    );
  }
  let tlsCa: string | undefined;
  if (settings.tlsCaFile !== undefined) {
    try {
      tlsCa = readFileSync(settings.tlsCaFile, 'utf8');
    } catch (err) {
      return failure(
        FlagStoreReason.RedisTlsCaUnreadable,
        `cannot read --redis-tls-ca-file ${settings.tlsCaFile}: ${(err as NodeJS.ErrnoException).code ?? String(err)}`,
      );
    }
  }
  return {
    ok: true,
    origin: 'the default Redis (--redis-url)',
    options: { url: settings.url, connectionName: 'latticedb-controller', tlsCa },
  };
}

async function secretTarget(
  deps: FlagStoreDeps,
  ref: RedisRef,
  namespace: string,
): Promise<Target> {
  const urlKey = ref.secretRef.key ?? 'url';
  const origin = `Secret ${namespace}/${ref.secretRef.name} key "${urlKey}"`;
  const url = await readSecretKey(deps, namespace, ref.secretRef.name, urlKey);
  if (!url.ok) return url;
  // The whole value is a credential, right or wrong, parseable or not.
  registerUrlSecrets(url.value.trim());
  const tls = ref.tls;
  const wantsTls = tls !== undefined && tls.enabled !== false;
  let redisUrl = url.value.trim();
  if (tls?.enabled === false && redisUrl.startsWith('rediss://')) {
    return failure(
      FlagStoreReason.RedisSecretInvalid,
      `${origin}: the URL is rediss:// but redisRef.tls.enabled is false`,
    );
  }
  // A `tls` block asks for TLS even when the Secret's URL says redis://.
  if (wantsTls && redisUrl.startsWith('redis://')) redisUrl = `rediss://${redisUrl.slice(8)}`;
  let tlsCa: string | undefined;
  if (wantsTls && tls.caSecretRef !== undefined) {
    const ca = await readSecretKey(
      deps,
      namespace,
      tls.caSecretRef.name,
      tls.caSecretRef.key ?? 'ca.crt',
    );
    if (!ca.ok) return ca;
    tlsCa = ca.value;
  }
  return {
    ok: true,
    origin,
    options: {
      url: redisUrl,
      connectionName: 'latticedb-controller',
      ...(tlsCa === undefined ? {} : { tlsCa }),
      ...(wantsTls && tls.insecureSkipVerify === true ? { tlsInsecureSkipVerify: true } : {}),
    },
  };
}

async function readSecretKey(
  deps: FlagStoreDeps,
  namespace: string,
  name: string,
  key: string,
): Promise<{ readonly ok: true; readonly value: string } | (Target & { ok: false })> {
  const where = `Secret ${namespace}/${name}`;
  try {
    const secret = await deps.kube.getSecret(namespace, name);
    const value = secret.data[key];
    if (value === undefined || value.trim() === '') {
      return failure(FlagStoreReason.RedisSecretInvalid, `${where} has no key "${key}"`);
    }
    return { ok: true, value };
  } catch (err) {
    if (isNotFound(err)) return failure(FlagStoreReason.RedisSecretNotFound, `${where} not found`);
    if (err instanceof KubeApiError && err.code === 403) {
      return failure(
        FlagStoreReason.RedisSecretForbidden,
        `the controller may not read ${where} (403 Forbidden): ${COMPONENT_HINT}`,
      );
    }
    throw err;
  }
}

/** Same URL and TLS settings ⇒ same connection. A hash keeps the password out of the key. */
function connectionKey(o: RedisConnectionOptions): string {
  const material = [o.url, o.tlsCa ?? '', o.tlsInsecureSkipVerify === true ? '1' : '0'].join('\n');
  return `redis:${createHash('sha256').update(material).digest('hex').slice(0, 32)}`;
}

interface Connection {
  readonly redis: Redis;
  readonly store: FlagStore;
  readonly changes: FlagChangeFeed;
}

function open(
  deps: FlagStoreDeps,
  key: string,
  options: RedisConnectionOptions,
  connect: ConnectRedis,
): Connection {
  const endpoint = redactRedisUrl(options.url);
  const log = deps.logger.child({ component: 'redis', endpoint });
  // One warning per outage, not one per reconnect attempt (ioredis retries every ≤ 5 s).
  let healthy = true;
  const redis = connect({
    ...options,
    onError: (err) => {
      if (healthy) log.warn({ err }, 'redis connection error; reconnecting');
      else log.debug({ err }, 'redis still unreachable');
      healthy = false;
    },
  });
  redis.on('ready', () => {
    if (!healthy) log.info('redis connection restored');
    healthy = true;
  });
  log.info('opened redis connection');
  const store = new RedisFlagStore({ redis, clock: deps.clock });
  const changes: FlagChangeFeed = {
    id: key,
    channel: store.keys.channel,
    duplicate: (override) => redis.duplicate(override),
    redis,
    keys: store.keys,
  };
  return { redis, store, changes };
}

async function closeRedis(redis: Redis): Promise<void> {
  // QUIT waits for pending replies; on a connection that is not up it would wait for a reconnect.
  if (redis.status === 'ready') await redis.quit();
  else redis.disconnect();
}
