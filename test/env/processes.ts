// Child processes of the test environment: spawned with output appended to a log file, polled for
// readiness, stopped with SIGTERM then SIGKILL, and killed synchronously if this Node process exits
// without stopping them (a failed test run must never leave an apiserver or redis-server behind).
import { spawn, type ChildProcess } from 'node:child_process';
import { appendFileSync, closeSync, openSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { setTimeout as delay } from 'node:timers/promises';

export interface SpawnOptions {
  readonly logPath: string;
  readonly env?: NodeJS.ProcessEnv;
  readonly cwd?: string;
  /** Where to record `{pid, command}` so a later run can reap this process if we die (see state-dir.ts). */
  readonly pidFile?: string;
}

export interface ManagedProcess {
  readonly name: string;
  readonly pid: number;
  readonly logPath: string;
  /** Resolves when the process has exited, with its exit code or terminating signal. */
  readonly exited: Promise<string>;
  isRunning(): boolean;
  /** SIGTERM, then SIGKILL after `graceMs`; resolves once the process is gone. */
  stop(graceMs?: number): Promise<void>;
}

const live = new Set<ChildProcess>();
let exitHookInstalled = false;

function installExitHook(): void {
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  // 'exit' handlers must be synchronous: a kill is, waiting for the child is not.
  process.on('exit', () => {
    for (const child of live) child.kill('SIGKILL');
  });
}

/** A password in a URL (`redis://:secret@host`) never reaches the log file as written. */
export const withoutUrlPasswords = (line: string): string =>
  line.replace(/(\b[a-z][a-z0-9+.-]*:\/\/[^\s:@/]*:)[^\s@/]+@/gi, '$1***@');

export async function spawnLogged(
  name: string,
  command: string,
  args: readonly string[],
  options: SpawnOptions,
): Promise<ManagedProcess> {
  installExitHook();
  appendFileSync(
    options.logPath,
    `\n=== ${new Date().toISOString()} starting ${name}: ${command} ${withoutUrlPasswords(args.join(' '))}\n`,
  );
  const fd = openSync(options.logPath, 'a');
  let child: ChildProcess;
  try {
    child = spawn(command, args, {
      stdio: ['ignore', fd, fd],
      env: options.env ?? process.env,
      cwd: options.cwd,
    });
    await new Promise<void>((resolve, reject) => {
      child.once('spawn', resolve);
      child.once('error', (err: NodeJS.ErrnoException) => {
        reject(
          err.code === 'ENOENT'
            ? new Error(
                `cannot start ${name}: '${command}' not found (PATH=${process.env.PATH ?? ''})`,
              )
            : new Error(`cannot start ${name} (${command}): ${err.message}`),
        );
      });
    });
  } finally {
    closeSync(fd);
  }
  const pid = child.pid;
  if (pid === undefined) throw new Error(`cannot start ${name}: no pid`);
  live.add(child);
  if (options.pidFile) writeFileSync(options.pidFile, JSON.stringify({ pid, command }));

  let running = true;
  const exited = new Promise<string>((resolve) => {
    child.once('exit', (code, signal) => {
      running = false;
      live.delete(child);
      if (options.pidFile) rmSync(options.pidFile, { force: true });
      resolve(signal ?? `code ${String(code)}`);
    });
  });

  return {
    name,
    pid,
    logPath: options.logPath,
    exited,
    isRunning: () => running,
    async stop(graceMs = 10_000) {
      if (!running) return;
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
      await exited;
      clearTimeout(timer);
    },
  };
}

export interface ReadinessOptions {
  readonly timeoutMs: number;
  readonly intervalMs?: number;
}

/**
 * Polls `check` until it returns true. Fails early if the process exits and on timeout, in both cases
 * with the tail of the process's log and the log's path in the message.
 */
export async function waitUntilReady(
  proc: ManagedProcess,
  check: () => Promise<boolean>,
  options: ReadinessOptions,
): Promise<void> {
  const deadline = performance.now() + options.timeoutMs;
  let exitReason: string | undefined;
  void proc.exited.then((reason) => (exitReason = reason));
  for (;;) {
    if (exitReason !== undefined) {
      throw new Error(startupFailure(proc, `exited (${exitReason}) during startup`));
    }
    if (await check().catch(() => false)) return;
    if (performance.now() > deadline) {
      throw new Error(startupFailure(proc, `not ready after ${options.timeoutMs} ms`));
    }
    await delay(options.intervalMs ?? 100);
  }
}

function startupFailure(proc: ManagedProcess, what: string): string {
  return `${proc.name} ${what}; log: ${proc.logPath}\n--- last lines ---\n${logTail(proc.logPath, 25)}`;
}

export function logTail(path: string, lines: number): string {
  try {
    return readFileSync(path, 'utf8').trimEnd().split('\n').slice(-lines).join('\n');
  } catch {
    return '(no log)';
  }
}

/** A free TCP port on 127.0.0.1, chosen by the OS (listen on 0, read the port, close). */
export async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', resolve);
  });
  const address = server.address();
  await new Promise<void>((resolve) => {
    server.close(() => {
      resolve();
    });
  });
  if (address === null || typeof address === 'string') throw new Error('no port from the OS');
  return address.port;
}
