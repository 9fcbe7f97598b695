// Fault-injection HTTP proxy in front of moto. Point an AWS SDK client's `endpoint` at the proxy;
// per AWS operation it can answer ThrottlingException or 500 InternalFailure in the shape of the
// request's protocol, add latency, reset the connection, or rewrite a JSON response (in-process
// only). It counts every call per service and operation (faulted or not), so tests can count reads
// and writes; in-process hooks (`onRequest`, `onUpstreamResponse`) see each call's body, for call
// logs and for acting right after a call took effect. A controller in another process is faulted
// through the HTTP control endpoint under /__faults/ (see faultProxyClient), which moto's paths
// never use.
import { randomUUID } from 'node:crypto';
import {
  createServer,
  request as httpRequest,
  type IncomingMessage,
  type ServerResponse,
} from 'node:http';
import { setTimeout as delay } from 'node:timers/promises';
import {
  awsErrorResponse,
  identifyOperation,
  internalFailure,
  isReadOperation,
  throttlingError,
  type AwsOperation,
  type RawResponse,
} from './aws-protocol.js';

export const FAULT_KINDS = ['throttle', 'http500', 'latency', 'reset', 'rewrite'] as const;
export type FaultKind = (typeof FAULT_KINDS)[number];

export interface FaultRule {
  /** SigV4 service name (`ecs`, `elasticloadbalancing`, `monitoring`, `route53`, …); any if absent. */
  readonly service?: string;
  /** e.g. `DescribeServices`; any if absent. */
  readonly operation?: string;
  readonly fault: FaultKind;
  /** Apply to this many matching calls, then retire. Without it the rule stays until cleared. */
  readonly count?: number;
  /** Chance (0..1) that a matching call is faulted; default 1. */
  readonly probability?: number;
  /** 'latency': milliseconds added before the call is forwarded. */
  readonly latencyMs?: number;
  /** 'rewrite': maps the parsed JSON body of a 2xx response. Functions do not cross processes. */
  readonly transformJson?: (body: unknown) => unknown;
}

export interface CallCount {
  readonly service: string;
  readonly operation: string;
  readonly calls: number;
  /** how many of those calls got an injected fault (latency and rewrite included) */
  readonly faulted: number;
}

export interface CallFilter {
  readonly service?: string;
  readonly operation?: string;
  /** true: only reads (Describe/Get/List…); false: only writes */
  readonly reads?: boolean;
}

/** One AWS call as the proxy saw it (call logs in tests). */
export interface ProxiedCall {
  readonly service: string;
  readonly operation: string;
  /** The raw request body: JSON for ECS, a URL-encoded form for ELBv2 and RDS. */
  readonly body: string;
  /** The fault injected into this call, if any. */
  readonly fault?: FaultKind;
}

/**
 * A standing rewrite of the JSON answers of matching calls: what moto never produces but the code
 * under test reads (e.g. ECS task-set counts, test/fixtures/moto/task-set-counts.ts). Unlike a
 * 'rewrite' rule it is not replaced by `setRules` and is not counted as a fault. In-process only.
 */
export interface ResponseRewrite {
  /** SigV4 service name; any if absent. */
  readonly service?: string;
  /** e.g. `DescribeServices`; any if absent. */
  readonly operation?: string;
  /** Maps the parsed JSON body of a 2xx answer (after any 'rewrite' rule's transform). */
  readonly transformJson: (body: unknown) => unknown;
}

export interface FaultProxyOptions {
  /** Applied to every matching 2xx JSON answer, whatever the rules. */
  readonly rewrites?: readonly ResponseRewrite[];
  /** Source of randomness for `probability`; default Math.random. */
  readonly random?: () => number;
  /** Every AWS call, in arrival order, once its fault (if any) is chosen. */
  readonly onRequest?: (call: ProxiedCall) => void;
  /**
   * A forwarded call that moto has answered, before the answer is relayed (the relay waits for a
   * returned promise). Lets a test act right after a call took effect, e.g. SIGKILL the caller,
   * which then never sees the answer.
   */
  readonly onUpstreamResponse?: (call: ProxiedCall, status: number) => void | Promise<void>;
  /**
   * The caller hung up before its answer was sent (an aborted SDK call; the client gone). Moto
   * may still have applied the call: what it was held or delayed for is not undone.
   */
  readonly onCallerGone?: (call: ProxiedCall) => void;
}

export interface FaultProxy {
  /** http://127.0.0.1:<port>: use as the SDK client's `endpoint` */
  readonly endpoint: string;
  readonly target: string;
  /** Replaces all rules. Rules are tried in order; the first that matches and fires applies. */
  setRules(rules: readonly FaultRule[]): void;
  clearRules(): void;
  calls(): CallCount[];
  /** Number of calls matching the filter (all calls without one). */
  count(filter?: CallFilter): number;
  resetCounts(): void;
  stop(): Promise<void>;
}

interface ActiveRule {
  readonly rule: FaultRule;
  remaining: number;
}

export async function startFaultProxy(
  targetEndpoint: string,
  options: FaultProxyOptions = {},
): Promise<FaultProxy> {
  const random = options.random ?? Math.random;
  const target = new URL(targetEndpoint);
  let rules: ActiveRule[] = [];
  const counts = new Map<
    string,
    { service: string; operation: string; calls: number; faulted: number }
  >();

  const setRules = (next: readonly FaultRule[]): void => {
    next.forEach(validateRule);
    rules = next.map((rule) => ({ rule, remaining: rule.count ?? Infinity }));
  };
  const calls = (): CallCount[] =>
    [...counts.values()]
      .map((c) => ({ ...c }))
      .sort((a, b) => `${a.service}/${a.operation}`.localeCompare(`${b.service}/${b.operation}`));

  const pickFault = (op: AwsOperation): FaultRule | undefined => {
    for (const active of rules) {
      const { rule } = active;
      if (active.remaining <= 0) continue;
      if (rule.service !== undefined && rule.service !== op.service) continue;
      if (rule.operation !== undefined && rule.operation !== op.operation) continue;
      if (random() >= (rule.probability ?? 1)) continue;
      active.remaining -= 1;
      return rule;
    }
    return undefined;
  };

  const record = (op: AwsOperation, faulted: boolean): void => {
    const key = `${op.service}\u0000${op.operation}`;
    const entry = counts.get(key) ?? {
      service: op.service,
      operation: op.operation,
      calls: 0,
      faulted: 0,
    };
    entry.calls += 1;
    if (faulted) entry.faulted += 1;
    counts.set(key, entry);
  };

  const control = controlHandler({
    setRules,
    clearRules: () => (rules = []),
    rules: () => rules.map(({ rule, remaining }) => ({ ...rule, remaining })),
    calls,
    resetCounts: () => {
      counts.clear();
    },
  });

  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const body = await readBody(req);
    const path = req.url ?? '/';
    if (path.startsWith(CONTROL_PREFIX)) {
      control(req.method ?? 'GET', path, body, res);
      return;
    }
    const op = identifyOperation(req.method ?? 'GET', path, req.headers, body);
    const rule = pickFault(op);
    record(op, rule !== undefined);
    const call: ProxiedCall = {
      service: op.service,
      operation: op.operation,
      body: body.toString('utf8'),
      ...(rule === undefined ? {} : { fault: rule.fault }),
    };
    options.onRequest?.(call);
    res.on('close', () => {
      // A 'reset' fault is the proxy hanging up, not the caller.
      if (!res.writableFinished && rule?.fault !== 'reset') options.onCallerGone?.(call);
    });
    switch (rule?.fault) {
      case 'throttle':
        send(res, awsErrorResponse(op, throttlingError(op.protocol), randomUUID()));
        return;
      case 'http500':
        send(res, awsErrorResponse(op, internalFailure, randomUUID()));
        return;
      case 'reset':
        req.socket.resetAndDestroy();
        return;
      case 'latency':
        await delay(rule.latencyMs ?? 0);
        break;
      case 'rewrite':
      case undefined:
        break;
    }
    const transforms = [
      ...(rule?.fault === 'rewrite' && rule.transformJson !== undefined
        ? [rule.transformJson]
        : []),
      ...(options.rewrites ?? [])
        .filter((r) => r.service === undefined || r.service === op.service)
        .filter((r) => r.operation === undefined || r.operation === op.operation)
        .map((r) => r.transformJson),
    ];
    forward(target, req, body, res, {
      ...(transforms.length === 0
        ? {}
        : { transformJson: (json: unknown) => transforms.reduce((v, t) => t(v), json) }),
      ...(options.onUpstreamResponse === undefined
        ? {}
        : { answered: (status: number) => options.onUpstreamResponse?.(call, status) }),
    });
  };

  const server = createServer((req, res) => {
    handle(req, res).catch((err: unknown) => {
      if (!res.headersSent) res.writeHead(500, { 'content-type': 'text/plain' });
      res.end(`fault proxy error: ${String(err)}`);
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', resolve);
  });
  const address = server.address();
  if (address === null || typeof address === 'string') throw new Error('fault proxy has no port');

  return {
    endpoint: `http://127.0.0.1:${address.port}`,
    target: targetEndpoint,
    setRules,
    clearRules: () => (rules = []),
    calls,
    count: (filter) => countCalls(calls(), filter),
    resetCounts: () => {
      counts.clear();
    },
    stop: () =>
      new Promise<void>((resolve) => {
        server.close(() => {
          resolve();
        });
        server.closeAllConnections();
      }),
  };
}

export function countCalls(calls: readonly CallCount[], filter: CallFilter = {}): number {
  return calls
    .filter((c) => filter.service === undefined || c.service === filter.service)
    .filter((c) => filter.operation === undefined || c.operation === filter.operation)
    .filter((c) => filter.reads === undefined || isReadOperation(c.operation) === filter.reads)
    .reduce((sum, c) => sum + c.calls, 0);
}

function validateRule(rule: FaultRule): void {
  if (!(FAULT_KINDS as readonly string[]).includes(rule.fault)) {
    throw new Error(`unknown fault '${rule.fault}'; one of ${FAULT_KINDS.join(', ')}`);
  }
  if (rule.count !== undefined && !(Number.isInteger(rule.count) && rule.count > 0)) {
    throw new Error(`count must be a positive integer, got ${String(rule.count)}`);
  }
  if (rule.probability !== undefined && !(rule.probability >= 0 && rule.probability <= 1)) {
    throw new Error(`probability must be within 0..1, got ${String(rule.probability)}`);
  }
  if (rule.fault === 'latency' && !(typeof rule.latencyMs === 'number' && rule.latencyMs >= 0)) {
    throw new Error("a 'latency' rule needs latencyMs >= 0");
  }
  if (rule.fault === 'rewrite' && typeof rule.transformJson !== 'function') {
    throw new Error("a 'rewrite' rule needs transformJson (in-process only)");
  }
}

function readBody(req: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      resolve(Buffer.concat(chunks));
    });
    req.on('error', reject);
  });
}

function send(res: ServerResponse, response: RawResponse): void {
  res.writeHead(response.status, {
    ...response.headers,
    'content-length': String(Buffer.byteLength(response.body)),
  });
  res.end(response.body);
}

interface ForwardHooks {
  readonly transformJson?: ((body: unknown) => unknown) | undefined;
  /** Runs when the upstream answer is in, before it is relayed. */
  readonly answered?: (status: number) => void | Promise<void>;
}

function forward(
  target: URL,
  req: IncomingMessage,
  body: Buffer,
  res: ServerResponse,
  hooks: ForwardHooks,
): void {
  const { transformJson, answered } = hooks;
  const upstream = httpRequest(
    {
      hostname: target.hostname,
      port: target.port,
      method: req.method,
      path: req.url,
      headers: req.headers,
    },
    (upRes) => {
      const status = upRes.statusCode ?? 502;
      const relay = (): void => {
        if (transformJson === undefined || status < 200 || status >= 300) {
          res.writeHead(status, upRes.headers);
          upRes.pipe(res);
          return;
        }
        readBody(upRes)
          .then((raw) => {
            const rewritten = JSON.stringify(transformJson(JSON.parse(raw.toString('utf8'))));
            res.writeHead(status, {
              ...upRes.headers,
              'content-length': String(Buffer.byteLength(rewritten)),
            });
            res.end(rewritten);
          })
          .catch((err: unknown) => {
            res.writeHead(500, { 'content-type': 'text/plain' });
            res.end(`fault proxy: rewrite failed: ${String(err)}`);
          });
      };
      if (answered === undefined) {
        relay();
        return;
      }
      // The upstream body stays paused in its buffer until `relay` reads or pipes it.
      Promise.resolve()
        .then(() => answered(status))
        .then(relay, (err: unknown) => {
          upRes.resume();
          if (!res.headersSent) res.writeHead(500, { 'content-type': 'text/plain' });
          res.end(`fault proxy: onUpstreamResponse failed: ${String(err)}`);
        });
    },
  );
  upstream.on('error', (err) => {
    if (!res.headersSent) res.writeHead(502, { 'content-type': 'text/plain' });
    res.end(`fault proxy: upstream ${target.origin} failed: ${err.message}`);
  });
  upstream.end(body);
}

// --- HTTP control endpoint ------------------------------------------------------------------------

const CONTROL_PREFIX = '/__faults/';

interface ControlTarget {
  setRules(rules: readonly FaultRule[]): void;
  clearRules(): void;
  rules(): unknown[];
  calls(): CallCount[];
  resetCounts(): void;
}

function controlHandler(
  target: ControlTarget,
): (method: string, path: string, body: Buffer, res: ServerResponse) => void {
  const json = (res: ServerResponse, status: number, value: unknown): void => {
    const text = JSON.stringify(value);
    res.writeHead(status, { 'content-type': 'application/json' });
    res.end(text);
  };
  return (method, path, body, res) => {
    try {
      const route = `${method} ${path.slice(CONTROL_PREFIX.length).replace(/\?.*$/, '')}`;
      switch (route) {
        case 'POST rules':
          target.setRules(JSON.parse(body.toString('utf8')) as FaultRule[]);
          json(res, 200, { rules: target.rules() });
          return;
        case 'GET rules':
          json(res, 200, { rules: target.rules() });
          return;
        case 'DELETE rules':
          target.clearRules();
          json(res, 200, { rules: [] });
          return;
        case 'GET calls':
          json(res, 200, { calls: target.calls() });
          return;
        case 'POST reset-counts':
          target.resetCounts();
          json(res, 200, { calls: [] });
          return;
        default:
          json(res, 404, { error: `unknown control route ${route}` });
      }
    } catch (err) {
      json(res, 400, { error: (err as Error).message });
    }
  };
}

/** The proxy's control endpoint, for a proxy running in another process. */
export interface FaultProxyClient {
  setRules(rules: readonly Omit<FaultRule, 'transformJson'>[]): Promise<void>;
  clearRules(): Promise<void>;
  calls(): Promise<CallCount[]>;
  count(filter?: CallFilter): Promise<number>;
  resetCounts(): Promise<void>;
}

export function faultProxyClient(proxyEndpoint: string): FaultProxyClient {
  const call = async (method: string, route: string, body?: unknown): Promise<unknown> => {
    const res = await fetch(`${proxyEndpoint}${CONTROL_PREFIX}${route}`, {
      method,
      headers: { 'content-type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const payload = (await res.json()) as { error?: string };
    if (!res.ok) throw new Error(`fault proxy ${method} ${route}: ${payload.error ?? res.status}`);
    return payload;
  };
  const calls = async (): Promise<CallCount[]> =>
    ((await call('GET', 'calls')) as { calls: CallCount[] }).calls;
  return {
    setRules: async (rules) => {
      await call('POST', 'rules', rules);
    },
    clearRules: async () => {
      await call('DELETE', 'rules');
    },
    calls,
    count: async (filter) => countCalls(await calls(), filter),
    resetCounts: async () => {
      await call('POST', 'reset-counts');
    },
  };
}
