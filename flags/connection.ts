/**
 * Builds ioredis clients from a `redis://` / `rediss://` URL with settings that suit a controller:
 * reconnect forever with capped backoff, but let each command fail after a couple of reconnect
 * attempts so a reconcile errors out (and is retried by the work queue) instead of hanging.
 * The password never appears in logs or error messages: use `redactRedisUrl` when showing a URL;
 * it is registered as a secret (scrubbed from any text by value) as soon as a URL is read, and
 * connection errors are handed on reduced to their safe shape (no command arguments: a refused
 * AUTH carries the password in them, at several depths).
 */
import type { RedisOptions } from 'ioredis';
import { Redis } from 'ioredis';
import { toSafeError, type SafeError } from '../controller/observability/safe-error.js';
import { registerUrlSecrets } from '../controller/observability/secrets.js';

export interface RedisConnectionOptions {
  /** `redis://[user[:password]@]host[:port][/db]` or `rediss://…` for TLS. */
  readonly url: string;
  /** PEM bundle trusted for `rediss://` (else the system roots). */
  readonly tlsCa?: string;
  /** `rediss://` without certificate verification (redisRef.tls.insecureSkipVerify). */
  readonly tlsInsecureSkipVerify?: boolean;
  /** Shown by CLIENT LIST; helps operators see who is connected. */
  readonly connectionName?: string;
  /** Reconnect attempts a command waits through before failing (default 2). */
  readonly maxRetriesPerRequest?: number;
  /** Default 5 s; bounds a command on a half-open connection. */
  readonly commandTimeoutMs?: number;
  /** Default 5 s. */
  readonly connectTimeoutMs?: number;
  /**
   * Receives connection errors, reduced to their safe shape, with the URL redacted; default:
   * ignored, ioredis keeps retrying.
   */
  readonly onError?: (err: SafeError, redactedUrl: string) => void;
}

/** Reconnect delay: 100 ms doubling up to 5 s, forever (a controller outlives Redis outages). */
export function reconnectDelayMs(attempt: number): number {
  return Math.min(100 * 2 ** Math.max(0, attempt - 1), 5_000);
}

/**
 * An unencoded '#', '?' or '/' in the password ends the authority early: `redis://u:12#34@h`
 * parses as host `u`, port 12 and a fragment holding the rest, userinfo's '@' included.
 */
function passwordCutShort(parsed: URL): boolean {
  return `${parsed.pathname}${parsed.search}${parsed.hash}`.includes('@');
}

/** A '#', '?' or '/' before the last '@' of the authority: a password that was not percent-encoded. */
function unencodedUserinfo(url: string): boolean {
  const rest = url.replace(/^[a-z]+:\/\//i, '');
  const at = rest.lastIndexOf('@');
  return at >= 0 && /[#?/]/.test(rest.slice(0, at));
}

/** The URL with any password replaced by `***`, for logs and messages. */
export function redactRedisUrl(url: string): string {
  try {
    const parsed = new URL(url);
    // Nothing of a password cut short can be shown: part of it parsed as host and port.
    if (passwordCutShort(parsed)) {
      return '<redis url not shown: percent-encode the special characters of its password>';
    }
    if (parsed.password !== '') parsed.password = '***';
    return parsed.toString();
  } catch {
    return '<unparseable redis url>';
  }
}

/** Translates the URL into explicit ioredis options (ioredis would also accept query options). */
export function redisOptionsFromUrl(options: RedisConnectionOptions): RedisOptions {
  registerUrlSecrets(options.url);
  let parsed: URL;
  try {
    parsed = new URL(options.url);
  } catch {
    // `redis://u:ab#cd@h` does not even parse (port "ab"): the same advice as a password cut short.
    throw new Error(
      unencodedUserinfo(options.url)
        ? 'invalid Redis URL: percent-encode the special characters (#, ?, /) of its password'
        : `invalid Redis URL ${redactRedisUrl(options.url)}`,
    );
  }
  const tls = parsed.protocol === 'rediss:';
  if (!tls && parsed.protocol !== 'redis:') {
    throw new Error(`Redis URL must start with redis:// or rediss://, got ${parsed.protocol}//`);
  }
  if (passwordCutShort(parsed)) {
    throw new Error(
      'invalid Redis URL: percent-encode the special characters (#, ?, /) of its password',
    );
  }
  if (parsed.search !== '') {
    throw new Error('Redis URL query parameters are not supported; use the explicit options');
  }
  const dbText = parsed.pathname.replace(/^\//, '');
  if (dbText !== '' && !/^[0-9]{1,2}$/.test(dbText)) {
    throw new Error(`Redis URL path must be a database number, got "/${dbText}"`);
  }
  const host = parsed.hostname.replace(/^\[|\]$/g, '') || '127.0.0.1';
  return {
    host,
    port: parsed.port === '' ? 6379 : Number(parsed.port),
    ...(parsed.username !== '' ? { username: decodeURIComponent(parsed.username) } : {}),
    ...(parsed.password !== '' ? { password: decodeURIComponent(parsed.password) } : {}),
    db: dbText === '' ? 0 : Number(dbText),
    ...(tls
      ? {
          tls: {
            servername: host,
            ...(options.tlsCa !== undefined ? { ca: options.tlsCa } : {}),
            ...(options.tlsInsecureSkipVerify === true ? { rejectUnauthorized: false } : {}),
          },
        }
      : {}),
    ...(options.connectionName !== undefined ? { connectionName: options.connectionName } : {}),
    retryStrategy: reconnectDelayMs,
    maxRetriesPerRequest: options.maxRetriesPerRequest ?? 2,
    // Commands issued before the first connect (or during a reconnect) wait in the queue, bounded
    // by maxRetriesPerRequest and commandTimeout, rather than failing instantly at start-up.
    enableOfflineQueue: true,
    commandTimeout: options.commandTimeoutMs ?? 5_000,
    connectTimeout: options.connectTimeoutMs ?? 5_000,
  };
}

export function createRedisClient(options: RedisConnectionOptions): Redis {
  const client = new Redis(redisOptionsFromUrl(options));
  const redacted = redactRedisUrl(options.url);
  // Without a listener ioredis prints every connection error to the console.
  client.on('error', (err: Error) => {
    options.onError?.(toSafeError(err), redacted);
  });
  return client;
}
