// `npx tsx test/env/main.ts` starts the stack by hand. A SIGTERM to npx (what `kill <pid>` or a CI
// runner sends to the process it started) must stop etcd, kube-apiserver, redis-server and moto, not
// orphan them: npm does not relay the signal, so the stack watches the processes that launched it.
import { spawn } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it, onTestFinished } from 'vitest';
import { waitFor } from '../../env/fixtures.js';

const REPO = fileURLToPath(new URL('../../../', import.meta.url));

function alive(pid: number): boolean {
  try {
    // A zombie (state Z) has exited; only its parent has not collected it yet.
    const stat = readFileSync(`/proc/${String(pid)}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2)[0] !== 'Z';
  } catch {
    return false;
  }
}

describe('npx tsx test/env/main.ts', () => {
  it('SIGTERM to npx stops every server the stack started', async () => {
    // A clean environment: start every part, whatever this test run was given.
    const {
      REDIS_URL: _redis,
      AWS_ENDPOINT_URL: _aws,
      LATTICEDB_USE_EXISTING_CLUSTER: _cluster,
      LATTICEDB_TEST_KEEP_STATE: _keep,
      ...env
    } = process.env;
    // detached: its own process group, as a job started from a shell is.
    const child = spawn('npx', ['tsx', 'test/env/main.ts'], {
      cwd: REPO,
      env,
      detached: true,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c: Buffer) => (stdout += c.toString('utf8')));
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString('utf8')));
    let serverPids: number[] = [];
    onTestFinished(() => {
      // Whatever the outcome, leave nothing behind.
      for (const pid of serverPids) if (alive(pid)) process.kill(pid, 'SIGKILL');
      try {
        process.kill(-child.pid!, 'SIGKILL'); // npx, sh, tsx and node: the group spawn created
      } catch {
        // the group is gone already
      }
    });

    const stateDir = await waitFor(
      () => (stdout.includes('Ctrl-C') ? /^STATE_DIR=(.+)$/m.exec(stdout)?.[1] : undefined),
      { timeoutMs: 180_000, message: 'the stack to start (STATE_DIR=… on stdout)' },
    );
    const pidsDir = join(stateDir, 'pids');
    const files = readdirSync(pidsDir);
    serverPids = files.map(
      (f) => (JSON.parse(readFileSync(join(pidsDir, f), 'utf8')) as { pid: number }).pid,
    );
    expect(files.map((f) => f.replace(/-\d+\.json$|\.json$/, '')).sort()).toEqual([
      'etcd',
      'kube-apiserver',
      'moto',
      'redis',
    ]);
    expect(serverPids.every(alive)).toBe(true);

    process.kill(child.pid!, 'SIGTERM');

    await waitFor(() => (serverPids.some(alive) ? undefined : true), {
      timeoutMs: 60_000,
      message: 'etcd, kube-apiserver, redis-server and moto to exit',
    });
    expect(stderr).toContain('stopping the test environment');
  });
});
