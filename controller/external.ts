/**
 * Connections to systems outside Kubernetes, kept opaque so the runtime stays generic: the runtime
 * knows the settings (region, endpoint, retries, Redis URL) and owns the lifecycle (one client per
 * class and region, closed at shutdown); the domain supplies the client classes.
 */

/** What every AWS SDK v3 client constructor accepts; spread into `new XClient(config)`. */
export interface AwsClientConfig {
  readonly region: string;
  /** Emulator or VPC endpoint override (`--aws-endpoint-url`). */
  readonly endpoint?: string;
  readonly maxAttempts: number;
}

export interface AwsClientFactory {
  readonly defaultRegion: string;
  /**
   * The shared client of class `ctor` for `region` (default region if omitted), built on first
   * use and destroyed at shutdown. Example: `deps.aws.client(ECSClient, 'us-west-2')`.
   */
  client<C extends { destroy(): void }>(
    ctor: new (config: AwsClientConfig) => C,
    region?: string,
  ): C;
  /** The config a client for `region` is built with (for adapters that build their own). */
  configFor(region?: string): AwsClientConfig;
}

export interface RedisSettings {
  readonly url: string;
  /** PEM CA bundle path for `rediss://` (`--redis-tls-ca-file`). */
  readonly tlsCaFile?: string;
}

export interface RedisFactory {
  /** The controller-wide Redis (`--redis-url` / `REDIS_URL`), or undefined when not configured. */
  readonly defaults: RedisSettings | undefined;
  /**
   * The connection registered under `key` (e.g. `default` or `<namespace>/<secret>`), created with
   * `create` on first use; `close` runs at shutdown (e.g. `(r) => r.quit()`).
   */
  shared<C>(key: string, create: () => C, close: (client: C) => Promise<unknown>): C;
}

type Closer = () => Promise<unknown>;

/** Builds both factories; `close()` destroys/quits everything they handed out. */
export function createExternalConnections(settings: {
  readonly aws: {
    readonly defaultRegion: string;
    readonly endpoint?: string;
    readonly maxAttempts: number;
  };
  readonly redis: RedisSettings | undefined;
}): { aws: AwsClientFactory; redis: RedisFactory; close(): Promise<void> } {
  const awsClients = new Map<unknown, Map<string, { destroy(): void }>>();
  const redisClients = new Map<string, { client: unknown; close: Closer }>();
  const configFor = (region?: string): AwsClientConfig => ({
    region: region ?? settings.aws.defaultRegion,
    maxAttempts: settings.aws.maxAttempts,
    ...(settings.aws.endpoint === undefined ? {} : { endpoint: settings.aws.endpoint }),
  });
  const aws: AwsClientFactory = {
    defaultRegion: settings.aws.defaultRegion,
    configFor,
    client<C extends { destroy(): void }>(
      ctor: new (config: AwsClientConfig) => C,
      region?: string,
    ): C {
      const cfg = configFor(region);
      let byRegion = awsClients.get(ctor);
      if (byRegion === undefined) {
        byRegion = new Map<string, { destroy(): void }>();
        awsClients.set(ctor, byRegion);
      }
      let client = byRegion.get(cfg.region) as C | undefined;
      if (client === undefined) {
        client = new ctor(cfg);
        byRegion.set(cfg.region, client);
      }
      return client;
    },
  };
  const redis: RedisFactory = {
    defaults: settings.redis,
    shared<C>(key: string, create: () => C, close: (client: C) => Promise<unknown>): C {
      const existing = redisClients.get(key);
      if (existing !== undefined) return existing.client as C;
      const client = create();
      redisClients.set(key, { client, close: () => close(client) });
      return client;
    },
  };
  return {
    aws,
    redis,
    async close() {
      for (const byRegion of awsClients.values()) for (const c of byRegion.values()) c.destroy();
      awsClients.clear();
      const closing = [...redisClients.values()].map((r) => r.close());
      redisClients.clear();
      await Promise.allSettled(closing);
    },
  };
}
