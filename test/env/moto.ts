// moto_server (the AWS API emulator) on loopback. One shared server per test run; tests that need
// server-level settings (MOTO_ECS_SERVICE_RUNNING, MOTO_ACCOUNT_ID, …: read once per service, see
// ../shared/notes/aws-emulator.md §4) start their own with startMoto({ env }).
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort, spawnLogged, waitUntilReady, type ManagedProcess } from './processes.js';
import { PIDS_DIR } from './state-dir.js';

export interface MotoOptions {
  /** Extra environment of the server process, e.g. `{ MOTO_ECS_SERVICE_RUNNING: '1' }`. */
  readonly env?: Readonly<Record<string, string>>;
  /** Directory for the log; default a fresh temporary directory (removed by `stop`). */
  readonly dir?: string;
  readonly startTimeoutMs?: number;
  /** Path of moto_server; default `moto_server` on PATH. */
  readonly command?: string;
}

export interface MotoServer {
  /** http://127.0.0.1:<port>, for the SDK's `endpoint` */
  readonly endpoint: string;
  readonly logPath: string;
  stop(): Promise<void>;
}

export async function startMoto(options: MotoOptions = {}): Promise<MotoServer> {
  const ownDir = options.dir === undefined;
  const dir = options.dir ?? mkdtempSync(join(tmpdir(), 'latticedb-moto-'));
  mkdirSync(join(dir, PIDS_DIR), { recursive: true });
  const port = await freePort();
  const endpoint = `http://127.0.0.1:${port}`;
  const logPath = join(dir, `moto-${port}.log`);
  let proc: ManagedProcess;
  try {
    proc = await spawnLogged(
      'moto_server',
      options.command ?? 'moto_server',
      ['-H', '127.0.0.1', '-p', String(port)],
      {
        logPath,
        env: { ...process.env, ...options.env },
        pidFile: join(dir, PIDS_DIR, `moto-${port}.json`),
      },
    );
  } catch (err) {
    throw new Error(
      `${(err as Error).message}\ninstall it with: pip install 'moto[server]==5.2.1'`,
      { cause: err },
    );
  }
  try {
    // The reset endpoint answers 200 only once the server is fully up (GET gives 400).
    await waitUntilReady(proc, () => resetAnswersOk(endpoint), {
      timeoutMs: options.startTimeoutMs ?? 60_000,
      intervalMs: 100,
    });
  } catch (err) {
    await proc.stop();
    throw err;
  }
  return {
    endpoint,
    logPath,
    async stop() {
      await proc.stop();
      if (ownDir) rmSync(dir, { recursive: true, force: true });
    },
  };
}

async function resetAnswersOk(endpoint: string): Promise<boolean> {
  const res = await fetch(`${endpoint}/moto-api/reset`, {
    method: 'POST',
    signal: AbortSignal.timeout(5000),
  });
  return res.ok;
}

/**
 * Wipes all moto state. Reset does not clear state-manager transitions, so the ecs::task transition
 * that a test may have set is unset as well.
 */
export async function resetMoto(endpoint: string): Promise<void> {
  const reset = await fetch(`${endpoint}/moto-api/reset`, { method: 'POST' });
  if (!reset.ok) throw new Error(`moto reset at ${endpoint} answered ${reset.status}`);
  const unset = await fetch(`${endpoint}/moto-api/state-manager/unset-transition`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ model_name: 'ecs::task' }),
  });
  if (!unset.ok) throw new Error(`moto unset-transition at ${endpoint} answered ${unset.status}`);
}
