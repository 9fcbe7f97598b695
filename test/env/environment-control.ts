// Stopping and restarting the shared kube-apiserver and Redis in the middle of a test. The processes
// belong to the process that started the environment (vitest's main process); tests run in forked
// workers, so the owner serves the operations on a loopback HTTP endpoint with an unguessable path,
// and workers call it through environmentControlClient(). One owner keeps teardown simple: whatever a
// worker did, the owner still knows every pid it has to stop.
import { randomBytes } from 'node:crypto';
import { createServer } from 'node:http';

export interface EnvironmentControl {
  /** Stops kube-apiserver (etcd keeps running with all data). */
  stopKubeApiserver(): Promise<void>;
  /** Starts it on the same port; resolves when /readyz answers 200. */
  startKubeApiserver(): Promise<void>;
  restartKubeApiserver(): Promise<void>;
  stopRedis(): Promise<void>;
  /** Same port and password; the data is gone (no persistence). Resolves when PING answers. */
  startRedis(): Promise<void>;
  restartRedis(): Promise<void>;
  /** Starts whatever a test left stopped; call it from a finally/onTestFinished. */
  ensureRunning(): Promise<void>;
}

const OPERATIONS = [
  'stopKubeApiserver',
  'startKubeApiserver',
  'restartKubeApiserver',
  'stopRedis',
  'startRedis',
  'restartRedis',
  'ensureRunning',
] as const satisfies readonly (keyof EnvironmentControl)[];
type Operation = (typeof OPERATIONS)[number];

function isOperation(name: string): name is Operation {
  return (OPERATIONS as readonly string[]).includes(name);
}

export interface ControlServer {
  /** http://127.0.0.1:<port>/<secret> */
  readonly url: string;
  close(): Promise<void>;
}

export async function startControlServer(control: EnvironmentControl): Promise<ControlServer> {
  const secret = randomBytes(16).toString('hex');
  // Operations run one at a time: a restart racing a stop would leave an unknown state.
  let queue: Promise<unknown> = Promise.resolve();
  const server = createServer((req, res) => {
    const [, pathSecret, name = ''] = (req.url ?? '').split('/');
    const reply = (status: number, body: object): void => {
      res.writeHead(status, { 'content-type': 'application/json' });
      res.end(JSON.stringify(body));
    };
    if (req.method !== 'POST' || pathSecret !== secret) {
      reply(404, { error: 'not found' });
      return;
    }
    if (!isOperation(name)) {
      reply(404, { error: `unknown operation ${name}; one of ${OPERATIONS.join(', ')}` });
      return;
    }
    const run = queue.then(() => control[name]());
    queue = run.catch(() => undefined);
    run.then(
      () => {
        reply(200, { ok: true });
      },
      (err: unknown) => {
        reply(500, { error: err instanceof Error ? err.message : String(err) });
      },
    );
  });
  // Restarting an apiserver can take longer than Node's default request timeout on a busy machine.
  server.requestTimeout = 0;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', resolve);
  });
  const address = server.address();
  if (address === null || typeof address === 'string') throw new Error('control server: no port');
  return {
    url: `http://127.0.0.1:${address.port}/${secret}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => {
          resolve();
        });
        server.closeAllConnections();
      }),
  };
}

/** EnvironmentControl over HTTP, for test workers (url: EnvironmentHandles.controlUrl). */
export function environmentControlClient(url: string): EnvironmentControl {
  const call = async (operation: Operation): Promise<void> => {
    const res = await fetch(`${url}/${operation}`, {
      method: 'POST',
      signal: AbortSignal.timeout(180_000),
    });
    if (!res.ok) {
      const body = (await res.json().catch(() => ({}))) as { error?: string };
      throw new Error(`${operation} failed: ${body.error ?? `HTTP ${res.status}`}`);
    }
  };
  return {
    stopKubeApiserver: () => call('stopKubeApiserver'),
    startKubeApiserver: () => call('startKubeApiserver'),
    restartKubeApiserver: () => call('restartKubeApiserver'),
    stopRedis: () => call('stopRedis'),
    startRedis: () => call('startRedis'),
    restartRedis: () => call('restartRedis'),
    ensureRunning: () => call('ensureRunning'),
  };
}
