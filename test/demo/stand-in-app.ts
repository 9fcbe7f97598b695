// A stand-in for LatticeDB's HTTP endpoints on loopback. The examples' smoke tests, health checks
// and validations call real URLs (https://canary.latticedb.internal/health, …); in the demo they
// are rewritten to routes of this server, which each scenario registers with the answer the real
// service would give (a healthy canary, schema version 42, a query round trip). Every request is
// counted so a scenario can tell whether the controller actually ran its checks.
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface StandInResponse {
  readonly status: number;
  readonly body: unknown;
}

export type StandInHandler = (req: IncomingMessage) => StandInResponse | Promise<StandInResponse>;

export interface StandInApp {
  /** Serves `method path` and returns the full URL to put in a manifest. */
  route(method: 'GET' | 'POST' | 'HEAD', path: string, handler: StandInHandler): string;
  /** Requests served on `path` so far. */
  hits(path: string): number;
  close(): Promise<void>;
}

export async function startStandInApp(): Promise<StandInApp> {
  const routes = new Map<string, StandInHandler>();
  const hits = new Map<string, number>();
  const server: Server = createServer((req, res) => {
    const path = new URL(req.url ?? '/', 'http://stand-in').pathname;
    hits.set(path, (hits.get(path) ?? 0) + 1);
    req.resume(); // drain a POST body
    const handler = routes.get(`${req.method ?? 'GET'} ${path}`);
    const answer = async (): Promise<StandInResponse> =>
      handler === undefined ? { status: 404, body: { error: 'no such route' } } : handler(req);
    void answer()
      .catch((err: unknown) => ({ status: 500, body: { error: String(err) } }))
      .then(({ status, body }) => {
        res.writeHead(status, { 'content-type': 'application/json' });
        res.end(req.method === 'HEAD' ? undefined : JSON.stringify(body));
      });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', resolve);
  });
  const { port } = server.address() as AddressInfo;
  return {
    route(method, path, handler) {
      routes.set(`${method} ${path}`, handler);
      if (method === 'GET') routes.set(`HEAD ${path}`, handler);
      return `http://127.0.0.1:${port}${path}`;
    },
    hits: (path) => hits.get(path) ?? 0,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => {
          resolve();
        });
      }),
  };
}
