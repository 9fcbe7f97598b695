// The per-run state directory: logs, PKI, kubeconfig, redis config and pid files of one environment.
// Default location <repo>/.test-env/<run>/ (gitignored). A run that was killed (SIGKILL, OOM, CI
// timeout) cannot clean up after itself, so each new run reaps the directories of dead runs: it kills
// their recorded child processes (only if the pid still runs the recorded command) and deletes them.
import { existsSync, mkdirSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const repoRoot = fileURLToPath(new URL('../..', import.meta.url));
export const defaultStateRoot = join(repoRoot, '.test-env');

const OWNER_FILE = 'owner.json';
export const PIDS_DIR = 'pids';
/** Files listing directories outside the state dir (etcd data on tmpfs) to delete with it. */
export const EXTERNAL_DIRS_FILE = 'external-dirs.json';

export function createStateDir(root: string = defaultStateRoot): string {
  mkdirSync(root, { recursive: true });
  reapStaleStateDirs(root);
  const stamp = new Date().toISOString().replace(/[:.]/g, '-');
  const dir = join(root, `${stamp}-${process.pid}`);
  mkdirSync(join(dir, PIDS_DIR), { recursive: true });
  writeFileSync(join(dir, OWNER_FILE), JSON.stringify({ pid: process.pid }));
  return dir;
}

export function prepareStateDir(dir: string): string {
  mkdirSync(join(dir, PIDS_DIR), { recursive: true });
  writeFileSync(join(dir, OWNER_FILE), JSON.stringify({ pid: process.pid }));
  return dir;
}

export function recordExternalDir(stateDir: string, dir: string): void {
  const file = join(stateDir, EXTERNAL_DIRS_FILE);
  const dirs = existsSync(file) ? (JSON.parse(readFileSync(file, 'utf8')) as string[]) : [];
  writeFileSync(file, JSON.stringify([...dirs, dir]));
}

/** Deletes the state dir and the external directories recorded in it. */
export function removeStateDir(stateDir: string): void {
  const file = join(stateDir, EXTERNAL_DIRS_FILE);
  if (existsSync(file)) {
    for (const dir of JSON.parse(readFileSync(file, 'utf8')) as string[]) {
      rmSync(dir, { recursive: true, force: true });
    }
  }
  rmSync(stateDir, { recursive: true, force: true });
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

function runsCommand(pid: number, command: string): boolean {
  try {
    const basename = command.split('/').pop() ?? command;
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes(basename);
  } catch {
    return false;
  }
}

export function reapStaleStateDirs(root: string): void {
  for (const entry of readdirSync(root, { withFileTypes: true })) {
    if (!entry.isDirectory()) continue;
    const dir = join(root, entry.name);
    let owner: number;
    try {
      owner = (JSON.parse(readFileSync(join(dir, OWNER_FILE), 'utf8')) as { pid: number }).pid;
    } catch {
      continue; // not ours, or still being created
    }
    if (isAlive(owner)) continue;
    const pids = join(dir, PIDS_DIR);
    for (const file of existsSync(pids) ? readdirSync(pids) : []) {
      try {
        const { pid, command } = JSON.parse(readFileSync(join(pids, file), 'utf8')) as {
          pid: number;
          command: string;
        };
        if (isAlive(pid) && runsCommand(pid, command)) process.kill(pid, 'SIGKILL');
      } catch {
        // a half-written pid file: the process it describes never got recorded as started
      }
    }
    removeStateDir(dir);
  }
}
