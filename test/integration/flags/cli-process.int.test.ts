// `latticedb-flags` as a process, against the environment's Redis: what an operator following the
// playbook types, and what comes back (exit code, stdout, stderr).
import { spawn } from 'node:child_process';
import { createServer, type Server, type Socket } from 'node:net';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { RedisFlagStore } from '../../../flags/index.js';
import { testEnv } from '../../env/fixtures.js';
import { disconnectAll, flagsRedis, uniquePrefix } from './support.js';

const REPO = fileURLToPath(new URL('../../../', import.meta.url));
const NODE = `${REPO}node_modules/.bin/node`;
const MAIN = `${REPO}flags/cli/main.ts`;

interface CliRun {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

/** Runs the CLI (its TypeScript entry point through tsx) with a clean environment. */
function cli(args: readonly string[], env: Record<string, string> = {}): Promise<CliRun> {
  const child = spawn(NODE, ['--import', 'tsx', MAIN, ...args], {
    cwd: REPO,
    env: { PATH: process.env.PATH ?? '', USER: 'oncall', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (c: Buffer) => (stdout += c.toString('utf8')));
  child.stderr.on('data', (c: Buffer) => (stderr += c.toString('utf8')));
  return new Promise((resolve, reject) => {
    child.once('error', reject);
    child.once('close', (code) => {
      resolve({ code, stdout, stderr });
    });
  });
}

afterAll(() => {
  disconnectAll();
});

describe('latticedb-flags as a process', () => {
  const redis = () => [`--redis-url=${testEnv().redisUrl}`];

  it('--version and per-command --help', async () => {
    const version = await cli(['--version']);
    expect(version).toMatchObject({ code: 0, stdout: 'latticedb-flags 0.1.0\n' });
    const help = await cli(['enable', '--help']);
    expect(help.code).toBe(0);
    expect(help.stdout).toMatch(/^Usage: latticedb-flags enable <flag> \[--percentage <percent>\]/);
    expect(help.stdout).not.toContain('kill-switch <group>');
  });

  it("the playbook's `enable <flag> --percentage 5` creates the flag at 5 %", async () => {
    const prefix = uniquePrefix('cli-enable');
    const run = await cli(['enable', 'nqo', '--percentage', '5', `--prefix=${prefix}`, ...redis()]);
    expect(run.stderr).toBe('');
    expect(run).toMatchObject({ code: 0, stdout: expect.stringContaining('nqo: ') as string });
    expect(await flagsRedis().hgetall(`${prefix}nqo`)).toMatchObject({
      enabled: '1',
      percentage: '500',
      updatedBy: 'cli:oncall',
    });
  });

  it('refuses a write to a flag a FlagRollout owns (exit 4, naming the owner) unless --force', async () => {
    const prefix = uniquePrefix('cli-owned');
    const store = new RedisFlagStore({ redis: flagsRedis(), prefix });
    await store.compareAndSet('nqo', 0, {
      enabled: true,
      basisPoints: 500,
      salt: 'nqo',
      targets: [],
      killSwitch: null,
      updatedBy: 'controller:prod/nqo',
    });
    await store.writeRolloutInfo('nqo', {
      owner: 'prod/nqo',
      phase: 'Holding',
      step: 1,
      stepCount: 5,
    });
    const refused = await cli(['set-percentage', 'nqo', '60', `--prefix=${prefix}`, ...redis()]);
    expect(refused.code).toBe(4);
    expect(refused.stderr).toContain('flag "nqo" is owned by FlagRollout prod/nqo');
    expect(refused.stderr).toContain('--force');
    expect(await flagsRedis().hget(`${prefix}nqo`, 'percentage')).toBe('500');

    const forced = await cli([
      'set-percentage',
      'nqo',
      '60',
      '--force',
      `--prefix=${prefix}`,
      ...redis(),
    ]);
    expect(forced.code).toBe(0);
    expect(forced.stderr).toContain('--force: writing although FlagRollout prod/nqo owns the flag');
    expect(await flagsRedis().hget(`${prefix}nqo`, 'percentage')).toBe('6000');
  });

  it('evaluate on a flag that does not exist exits 3, as report does', async () => {
    const prefix = uniquePrefix('cli-missing');
    const evaluate = await cli(['evaluate', 'nope', 'u1', `--prefix=${prefix}`, ...redis()]);
    expect(evaluate).toMatchObject({ code: 3, stdout: '' });
    expect(evaluate.stderr).toBe('latticedb-flags: flag "nope" not found\n');
    const report = await cli(['report', 'nope', `--prefix=${prefix}`, ...redis()]);
    expect(report.code).toBe(3);
  });

  it('a Redis URL with an unencoded # in the password says to percent-encode it', async () => {
    const run = await cli(['list'], { REDIS_URL: 'redis://ops:ab#cd@127.0.0.1:6379' });
    expect(run.code).toBe(2);
    expect(run.stderr).toContain('percent-encode the special characters (#, ?, /) of its password');
    expect(run.stderr).not.toContain('cd@');
  });

  it('--timeout bounds a Redis that accepts but never answers, in the CLI words', async () => {
    const sockets: Socket[] = [];
    const silent: Server = createServer((socket) => sockets.push(socket));
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    const { port } = silent.address() as { port: number };
    try {
      const run = await cli(['list', '--timeout=500ms', `--redis-url=redis://127.0.0.1:${port}`]);
      expect(run.code).toBe(1);
      expect(run.stderr).toBe(
        `latticedb-flags: no answer from Redis within 0.5s (--timeout) [redis redis://127.0.0.1:${port}]\n`,
      );
      expect(run.stderr).not.toContain('max retries');
    } finally {
      for (const s of sockets) s.destroy();
      await new Promise((resolve) => silent.close(resolve));
    }
  });

  it('an unreachable Redis is reported in the CLI words, not ioredis internals', async () => {
    // A port nothing listens on: take one, then close it.
    const probe = createServer();
    await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
    const { port } = probe.address() as { port: number };
    await new Promise((resolve) => probe.close(resolve));
    const run = await cli(['list', `--redis-url=redis://127.0.0.1:${port}`]);
    expect(run.code).toBe(1);
    expect(run.stderr).toMatch(/^latticedb-flags: cannot reach Redis: connect ECONNREFUSED/);
    expect(run.stderr).not.toContain('max retries');
  });
});
