/**
 * The two small HTTP servers: health probes (`/healthz`, `/readyz`) and `/metrics`, on
 * controller-runtime's default addresses `:8081` and `:8080` (bind address `0` disables one).
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Registry } from 'prom-client';
import { safeErrorMessage } from './safe-error.js';

export interface BindAddress {
  /** `undefined` = all interfaces. */
  readonly host: string | undefined;
  readonly port: number;
}

/** Parses `:8080`, `127.0.0.1:8080`, `[::1]:8080`; `0` means disabled (returns undefined). */
export function parseBindAddress(text: string): BindAddress | undefined {
  if (text === '0') return undefined;
  const m = /^(?:\[([0-9a-fA-F:.]+)\]|([^:[\]]*)):(\d{1,5})$/.exec(text);
  const port = Number(m?.[3]);
  if (m === null || port > 65_535) {
    throw new Error(
      `invalid bind address "${text}": expected [host]:port, e.g. :8080, or 0 to disable`,
    );
  }
  const host = m[1] ?? m[2];
  return { host: host === '' ? undefined : host, port };
}

export interface RunningServer {
  readonly address: AddressInfo;
  close(): Promise<void>;
}

type Handler = (req: IncomingMessage, res: ServerResponse) => void | Promise<void>;

export async function startServer(
  bind: BindAddress,
  routes: Record<string, Handler>,
): Promise<RunningServer> {
  const server: Server = createServer((req, res) => {
    const path = new URL(req.url ?? '/', 'http://localhost').pathname;
    const route = routes[path];
    if (req.method !== 'GET' || route === undefined) {
      res.writeHead(404, { 'content-type': 'text/plain' }).end('not found\n');
      return;
    }
    Promise.resolve(route(req, res)).catch((err: unknown) => {
      if (!res.headersSent) res.writeHead(500, { 'content-type': 'text/plain' });
      res.end(`error: ${safeErrorMessage(err)}\n`);
    });
  });
  server.keepAliveTimeout = 5_000;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(bind.port, bind.host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  return {
    address: server.address() as AddressInfo,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => {
          resolve();
        });
        server.closeAllConnections();
      }),
  };
}

/** Named readiness checks, e.g. `informer:releases` → `informer.hasSynced()`. */
export type ReadinessChecks = () => Record<string, boolean>;

/**
 * `/healthz` answers while the event loop runs (a blocked loop cannot answer: the kubelet's
 * timeout is the liveness check). `/readyz` is 200 when every check passes, else 503 naming the
 * failing ones.
 */
export function startHealthServer(
  bind: BindAddress,
  readiness: ReadinessChecks,
): Promise<RunningServer> {
  return startServer(bind, {
    '/healthz': (_req, res) => {
      res.writeHead(200, { 'content-type': 'text/plain' }).end('ok\n');
    },
    '/readyz': (_req, res) => {
      const checks = Object.entries(readiness());
      const failing = checks.filter(([, ok]) => !ok).map(([name]) => name);
      const body = checks
        .map(([name, ok]) => `[${ok ? '+' : '-'}]${name} ${ok ? 'ok' : 'failed'}`)
        .join('\n');
      res
        .writeHead(failing.length === 0 ? 200 : 503, { 'content-type': 'text/plain' })
        .end(
          `${body}\n${failing.length === 0 ? 'readyz check passed' : `readyz check failed: ${failing.join(', ')}`}\n`,
        );
    },
  });
}

export function startMetricsServer(bind: BindAddress, registry: Registry): Promise<RunningServer> {
  return startServer(bind, {
    '/metrics': async (_req, res) => {
      const body = await registry.metrics();
      res.writeHead(200, { 'content-type': registry.contentType }).end(body);
    },
  });
}
