// AWS SDK v3 clients, built once per (service, region) and injected into every adapter. Only the
// composition root (controller/main.ts) and tests construct an `AwsClients`; adapters receive it.
import { ApplicationAutoScalingClient } from '@aws-sdk/client-application-auto-scaling';
import { CloudWatchClient } from '@aws-sdk/client-cloudwatch';
import { ECRClient } from '@aws-sdk/client-ecr';
import { ECSClient } from '@aws-sdk/client-ecs';
import { ElasticLoadBalancingV2Client } from '@aws-sdk/client-elastic-load-balancing-v2';
import { RDSClient } from '@aws-sdk/client-rds';
import { Route53Client } from '@aws-sdk/client-route-53';
import { AwsJson1_0Protocol } from '@aws-sdk/core/protocols';
import { currentReconcileSignal } from '../../../../controller/index.js';
import { sdkLogger, type AwsLogSink } from './sdk-logger.js';

export type AwsService =
  'ecs' | 'elbv2' | 'cloudwatch' | 'rds' | 'ecr' | 'route53' | 'applicationAutoScaling';

export interface AwsStaticCredentials {
  readonly accessKeyId: string;
  readonly secretAccessKey: string;
  readonly sessionToken?: string;
}

/** The outgoing HTTP request as a test hook sees it (after serialisation, before signing). */
export interface AwsOutgoingRequest {
  readonly service: AwsService;
  readonly region: string;
  readonly commandName: string;
  /** Mutable: a hook may add headers (e.g. `x-moto-account-id`). */
  readonly headers: Record<string, string>;
}

export interface AwsClientsOptions {
  /** Region used when a caller passes none. */
  readonly region: string;
  /** Override for every service (moto, VPC interface endpoints). Unset in production. */
  readonly endpoint?: string;
  /**
   * The endpoint is an AWS emulator (moto): CloudWatch is pinned to the JSON 1.0 protocol the
   * emulator speaks. Never set against AWS, VPC endpoints included (the SDK's default applies).
   */
  readonly emulator?: boolean;
  /** Explicit credentials (tests). Unset: the SDK default chain (IRSA web identity in the cluster). */
  readonly credentials?: AwsStaticCredentials;
  /** Attempts per call including the first; the SDK retries throttling and transient errors. Default 3. */
  readonly maxAttempts?: number;
  /** `standard` (default) or `adaptive` (client-side rate limiting after throttling). */
  readonly retryMode?: 'standard' | 'adaptive';
  /** Per-request socket timeout; a hung connection must not hold a reconcile worker. Default 15 s. */
  readonly requestTimeoutMs?: number;
  /** Receives one sanitised debug record per call (never request/response bodies). */
  readonly logger?: AwsLogSink;
  /** Test seam: called for every outgoing request of every client. */
  readonly onRequest?: (request: AwsOutgoingRequest) => void;
}

type AnyAwsClient =
  | ECSClient
  | ElasticLoadBalancingV2Client
  | CloudWatchClient
  | RDSClient
  | ECRClient
  | Route53Client
  | ApplicationAutoScalingClient;

/** Lazily built, cached SDK clients; `destroy()` closes their sockets. */
export class AwsClients {
  readonly defaultRegion: string;
  readonly #options: AwsClientsOptions;
  readonly #cache = new Map<string, AnyAwsClient>();

  constructor(options: AwsClientsOptions) {
    if (options.region === '') throw new Error('AwsClients: a default region is required');
    this.#options = options;
    this.defaultRegion = options.region;
  }

  ecs(region?: string): ECSClient {
    return this.#get('ecs', region, (config) => new ECSClient(config));
  }

  elbv2(region?: string): ElasticLoadBalancingV2Client {
    return this.#get('elbv2', region, (config) => new ElasticLoadBalancingV2Client(config));
  }

  cloudWatch(region?: string): CloudWatchClient {
    return this.#get('cloudwatch', region, (config) =>
      // CloudWatch is moving from awsQuery to JSON 1.0 and CBOR. Emulators (moto) speak Query and
      // JSON only, so an emulator gets JSON 1.0 (the 3.1141.0 default) pinned; AWS, and its VPC
      // endpoints, the SDK's default.
      this.#options.emulator === true
        ? new CloudWatchClient({ ...config, protocol: AwsJson1_0Protocol })
        : new CloudWatchClient(config),
    );
  }

  rds(region?: string): RDSClient {
    return this.#get('rds', region, (config) => new RDSClient(config));
  }

  ecr(region?: string): ECRClient {
    return this.#get('ecr', region, (config) => new ECRClient(config));
  }

  /** Route 53 is a global service: one client, signed in the default region. */
  route53(): Route53Client {
    return this.#get('route53', undefined, (config) => new Route53Client(config));
  }

  applicationAutoScaling(region?: string): ApplicationAutoScalingClient {
    return this.#get(
      'applicationAutoScaling',
      region,
      (config) => new ApplicationAutoScalingClient(config),
    );
  }

  /** Closes every cached client's connections; later calls build fresh clients. */
  destroy(): void {
    for (const client of this.#cache.values()) client.destroy();
    this.#cache.clear();
  }

  #get<C extends AnyAwsClient>(
    service: AwsService,
    region: string | undefined,
    build: (config: BaseClientConfig) => C,
  ): C {
    const resolved = region ?? this.defaultRegion;
    const key = `${service}/${resolved}`;
    const cached = this.#cache.get(key);
    if (cached !== undefined) return cached as C;
    const client = build(this.#config(service, resolved));
    const hook = this.#options.onRequest;
    if (hook !== undefined) attachRequestHook(client, service, resolved, hook);
    attachAbortCheck(client);
    bindReconcileSignal(client);
    this.#cache.set(key, client);
    return client;
  }

  #config(service: AwsService, region: string): BaseClientConfig {
    const o = this.#options;
    return {
      region,
      maxAttempts: o.maxAttempts ?? 3,
      retryMode: o.retryMode ?? 'standard',
      requestHandler: { connectionTimeout: 5_000, requestTimeout: o.requestTimeoutMs ?? 15_000 },
      ...(o.endpoint === undefined ? {} : { endpoint: o.endpoint }),
      ...(o.credentials === undefined ? {} : { credentials: o.credentials }),
      ...(o.logger === undefined ? {} : { logger: sdkLogger(o.logger, service, region) }),
    };
  }
}

interface BaseClientConfig {
  region: string;
  maxAttempts: number;
  retryMode: string;
  requestHandler: { connectionTimeout: number; requestTimeout: number };
  endpoint?: string;
  credentials?: AwsStaticCredentials;
  logger?: ReturnType<typeof sdkLogger>;
}

/**
 * Before every attempt (retries included), refuse to send when the reconcile this call runs for
 * was aborted (lost leadership, reconcile timeout): another replica may be acting by now.
 */
function attachAbortCheck(client: AnyAwsClient): void {
  const stack = client.middlewareStack as unknown as {
    add(
      mw: (next: (args: unknown) => Promise<unknown>) => (args: unknown) => Promise<unknown>,
      options: { step: 'finalizeRequest'; priority: 'low'; name: string; override: boolean },
    ): void;
  };
  stack.add(
    (next) => (args) => {
      currentReconcileSignal()?.throwIfAborted();
      return next(args);
    },
    { step: 'finalizeRequest', priority: 'low', name: 'latticedbReconcileAbort', override: true },
  );
}

/**
 * Every call made for a reconcile carries that reconcile's AbortSignal as the SDK's `abortSignal`
 * (combined with the caller's own, if any): when leadership is lost (or the reconcile times out)
 * a request in flight is cancelled at once — its socket destroyed, the call rejected with an
 * AbortError — instead of running to completion while another replica may be acting. The
 * adapters need not pass it: the running reconcile is found through its async scope, here, in
 * the one place every call goes through. (Whether AWS applied a write whose request was cut off
 * is unknown; the next leader observes afresh.) Calls outside a reconcile are unchanged.
 */
function bindReconcileSignal(client: AnyAwsClient): void {
  const send = client.send.bind(client) as (command: unknown, ...rest: unknown[]) => unknown;
  Object.defineProperty(client, 'send', {
    configurable: true,
    writable: true,
    value: (command: unknown, ...rest: unknown[]): unknown => {
      const signal = currentReconcileSignal();
      // The callback forms are not used here; they go through untouched.
      if (signal === undefined || typeof rest[0] === 'function') return send(command, ...rest);
      const options = (rest[0] ?? {}) as { abortSignal?: AbortSignal };
      const own = options.abortSignal;
      const abortSignal = own === undefined ? signal : AbortSignal.any([own, signal]);
      return send(command, { ...options, abortSignal }, ...rest.slice(1));
    },
  });
}

function attachRequestHook(
  client: AnyAwsClient,
  service: AwsService,
  region: string,
  hook: (request: AwsOutgoingRequest) => void,
): void {
  // Every client's stack accepts this middleware; the union of their generic stacks does not
  // type-check as one call, hence the narrow structural view.
  const stack = client.middlewareStack as unknown as {
    add(
      mw: (
        next: (args: { request: unknown }) => Promise<unknown>,
        context: { commandName?: string },
      ) => (args: { request: unknown }) => Promise<unknown>,
      options: { step: 'build'; name: string; override: boolean },
    ): void;
  };
  stack.add(
    (next, context) => (args) => {
      const headers = headersOf(args.request);
      if (headers !== undefined) {
        hook({ service, region, commandName: context.commandName ?? 'unknown', headers });
      }
      return next(args);
    },
    { step: 'build', name: 'latticedbRequestHook', override: true },
  );
}

function headersOf(request: unknown): Record<string, string> | undefined {
  if (typeof request !== 'object' || request === null || !('headers' in request)) return undefined;
  const headers = request.headers;
  return typeof headers === 'object' && headers !== null
    ? (headers as Record<string, string>)
    : undefined;
}
