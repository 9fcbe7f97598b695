// redis-server on loopback with AUTH and no persistence. It can be stopped and started again on the
// same port with the same password (the data is gone: nothing is persisted), which is how tests show
// that clients reconnect. Usable from a test worker too, for a private instance.
import { randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createConnection } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort, spawnLogged, waitUntilReady, type ManagedProcess } from './processes.js';
import { PIDS_DIR } from './state-dir.js';

export interface RedisServerOptions {
  /** Directory for config and log; default a fresh temporary directory. */
  readonly dir?: string;
  readonly password?: string;
  readonly startTimeoutMs?: number;
  /** Path of redis-server; default `redis-server` on PATH. */
  readonly command?: string;
  /**
   * `notify-keyspace-events` (default "": off, as Redis ships). `"K$gx"` makes kill-switch writes
   * arrive as keyspace notifications.
   */
  readonly notifyKeyspaceEvents?: string;
  /** Disable CONFIG (as managed Redis services do): clients cannot read the server's settings. */
  readonly forbidConfig?: boolean;
}

export interface RedisServer {
  /** redis://:<password>@127.0.0.1:<port> */
  readonly url: string;
  readonly port: number;
  readonly password: string;
  readonly logPath: string;
  isRunning(): boolean;
  stop(): Promise<void>;
  /** Starts it again on the same port with the same password (empty: no persistence). */
  start(): Promise<void>;
  /** Stops it and deletes its directory if this module created it. */
  dispose(): Promise<void>;
}

export async function startRedisServer(options: RedisServerOptions = {}): Promise<RedisServer> {
  const ownDir = options.dir === undefined;
  const dir = options.dir ?? mkdtempSync(join(tmpdir(), 'latticedb-redis-'));
  const dataDir = join(dir, 'redis-data');
  mkdirSync(dataDir, { recursive: true });
  mkdirSync(join(dir, PIDS_DIR), { recursive: true });
  const port = await freePort();
  const password = options.password ?? randomBytes(16).toString('hex');
  const confPath = join(dir, `redis-${port}.conf`);
  // A config file rather than flags keeps the password out of `ps`.
  writeFileSync(
    confPath,
    [
      'bind 127.0.0.1',
      `port ${port}`,
      'protected-mode yes',
      'save ""',
      'appendonly no',
      `requirepass ${password}`,
      `dir ${dataDir}`,
      'daemonize no',
      'logfile ""',
      `notify-keyspace-events "${options.notifyKeyspaceEvents ?? ''}"`,
      ...(options.forbidConfig === true ? ['rename-command CONFIG ""'] : []),
      '',
    ].join('\n'),
    { mode: 0o600 },
  );
  const logPath = join(dir, `redis-${port}.log`);
  let proc: ManagedProcess | undefined;

  const start = async (): Promise<void> => {
    if (proc?.isRunning()) return;
    const started = await spawnLogged(
      'redis-server',
      options.command ?? 'redis-server',
      [confPath],
      {
        logPath,
        pidFile: join(dir, PIDS_DIR, `redis-${port}.json`),
      },
    );
    proc = started;
    await waitUntilReady(started, () => redisAnswersPing(port, password), {
      timeoutMs: options.startTimeoutMs ?? 30_000,
      intervalMs: 50,
    });
  };
  try {
    await start();
  } catch (err) {
    await proc?.stop();
    throw err;
  }
  return {
    url: `redis://:${password}@127.0.0.1:${port}`,
    port,
    password,
    logPath,
    isRunning: () => proc?.isRunning() ?? false,
    stop: async () => {
      await proc?.stop();
    },
    start,
    dispose: async () => {
      await proc?.stop();
      if (ownDir) rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** AUTH + PING over a raw connection: true when the server answers `+OK` and `+PONG`. */
function redisAnswersPing(port: number, password: string): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = createConnection({ host: '127.0.0.1', port });
    let reply = '';
    const finish = (ok: boolean): void => {
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(2000, () => {
      finish(false);
    });
    socket.on('error', () => {
      finish(false);
    });
    socket.on('connect', () => socket.write(`AUTH ${password}\r\nPING\r\n`));
    socket.on('data', (chunk) => {
      reply += chunk.toString('utf8');
      if (reply.includes('-')) finish(false);
      else if (reply === '+OK\r\n+PONG\r\n') finish(true);
    });
  });
}
