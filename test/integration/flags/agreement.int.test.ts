// The published test vectors, answered by every way of asking: the store read + evaluateFlag, the
// application evaluator, the OpenFeature provider through the OpenFeature API, the CLI's run() and
// the CLI as a child process (the package bin on Node 24 via tsx). They must all agree.
import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { OpenFeature, ProviderEvents } from '@openfeature/server-sdk';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { run } from '../../../flags/cli/run.js';
import type { Evaluation } from '../../../flags/index.js';
import { evaluateFlag, FlagEvaluator, RedisFlagStore, toEvaluable } from '../../../flags/index.js';
import { LatticeDbProvider } from '../../../flags/openfeature-provider.js';
import { testEnv, waitFor } from '../../env/fixtures.js';
import { vectors } from '../../unit/flags/support/test-vectors.js';
import { disconnectAll, flagsRedis, uniquePrefix } from './support.js';

const execFileAsync = promisify(execFile);
const cliMain = fileURLToPath(new URL('../../../flags/cli/main.ts', import.meta.url));

/** One flag per (salt, percentage) holding the vectors of that salt. */
interface Case {
  readonly flag: string;
  readonly percent: string;
  readonly users: readonly string[];
  readonly expected: readonly boolean[];
}

/** One flag per evaluation vector (missing-flag vectors get a name that is never written). */
interface OrderCase {
  readonly flag: string;
  readonly userId: string;
  readonly expect: { readonly value: boolean; readonly reason: string };
}

let prefix: string;
let store: RedisFlagStore;
let evaluator: FlagEvaluator;
const cases: Case[] = [];
const orderCases: OrderCase[] = [];

beforeAll(async () => {
  prefix = uniquePrefix('vectors');
  store = new RedisFlagStore({ redis: flagsRedis(), prefix });
  const salts = [...new Set(vectors.buckets.map((v) => v.salt))];
  for (const [s, salt] of salts.entries()) {
    const ofSalt = vectors.buckets.filter((v) => v.salt === salt);
    for (const { percent, basisPoints } of vectors.percentages) {
      const flag = `salt${s}-bp${basisPoints}`;
      const write = {
        enabled: true,
        basisPoints,
        salt,
        targets: [],
        killSwitch: null,
        updatedBy: 'test',
      };
      expect((await store.compareAndSet(flag, 0, write)).ok).toBe(true);
      cases.push({
        flag,
        percent,
        users: ofSalt.map((v) => v.userId),
        expected: ofSalt.map((v) => v.on[percent] === true),
      });
    }
  }
  for (const [i, v] of vectors.evaluations.entries()) {
    const flag = `order-${i}`;
    if (v.flag !== null) {
      const group = `group-${i}`;
      await store.compareAndSet(flag, 0, {
        ...v.flag,
        basisPoints: v.flag.percentage,
        killSwitch: group,
        updatedBy: 'test',
      });
      await store.setKillSwitch(group, v.killSwitchActive);
    }
    orderCases.push({ flag, userId: v.userId, expect: v.expect });
  }
  evaluator = new FlagEvaluator({
    connection: { url: testEnv().redisUrl },
    prefix,
    fullReloadIntervalMs: 0,
  });
  await evaluator.start();
  await OpenFeature.setProviderAndWait(
    new LatticeDbProvider({
      connection: { url: testEnv().redisUrl },
      prefix,
      fullReloadIntervalMs: 0,
    }),
  );
});

afterAll(async () => {
  await OpenFeature.close();
  await evaluator.close();
  disconnectAll();
});

async function storeAnswer(flag: string, user: string): Promise<Evaluation> {
  const { record, killSwitch } = await store.read(flag);
  return evaluateFlag(record && toEvaluable(record), killSwitch?.active ?? false, user);
}

async function cliRun(
  flag: string,
  users: readonly string[],
): Promise<{ code: number; stdout: string; stderr: string }> {
  let stdout = '';
  let stderr = '';
  const code = await run(['--prefix', prefix, '-o', 'json', 'evaluate', flag, ...users], {
    stdout: (t) => (stdout += t),
    stderr: (t) => (stderr += t),
    env: { REDIS_URL: testEnv().redisUrl },
  });
  return { code, stdout, stderr };
}

async function cliAnswers(
  flag: string,
  users: readonly string[],
): Promise<{ value: boolean; reason: string }[]> {
  const { code, stdout } = await cliRun(flag, users);
  expect(code).toBe(0);
  return (JSON.parse(stdout) as { answers: { value: boolean; reason: string }[] }).answers;
}

describe('bucket vectors at 0, 0.01, 5, 25, 50, 99.99 and 100 %', () => {
  it('store, evaluator, OpenFeature provider and CLI run() give the vectors’ answers', async () => {
    const client = OpenFeature.getClient();
    for (const c of cases) {
      const cli = await cliAnswers(c.flag, c.users);
      for (const [i, user] of c.users.entries()) {
        const expected = c.expected[i];
        const label = `${c.flag} ${user} at ${c.percent} %`;
        expect((await storeAnswer(c.flag, user)).value, label).toBe(expected);
        expect(evaluator.evaluate(c.flag, user), label).toMatchObject({
          value: expected,
          reason: 'SPLIT',
        });
        // The default is the opposite answer, so a silent fallback cannot pass.
        const details = await client.getBooleanDetails(c.flag, !expected, { targetingKey: user });
        expect(details, label).toMatchObject({ value: expected, reason: 'SPLIT' });
        expect(cli[i], label).toMatchObject({ value: expected, reason: 'SPLIT' });
      }
    }
  });

  it('the CLI bin as a child process (Node 24 + tsx) agrees at 25 %', async () => {
    for (const c of cases.filter((x) => x.percent === '25')) {
      const { stdout } = await execFileAsync(
        process.execPath,
        [
          '--import',
          'tsx',
          cliMain,
          '--prefix',
          prefix,
          '--output',
          'json',
          'evaluate',
          c.flag,
          ...c.users,
        ],
        { env: { ...process.env, REDIS_URL: testEnv().redisUrl } },
      );
      const answers = (JSON.parse(stdout) as { answers: { value: boolean }[] }).answers;
      expect(
        answers.map((a) => a.value),
        c.flag,
      ).toEqual(c.expected);
    }
  });
});

describe('evaluation-order vectors', () => {
  it('store, evaluator, OpenFeature provider and CLI agree on value and reason', async () => {
    const client = OpenFeature.getClient();
    for (const c of orderCases) {
      const label = `${c.flag} ${c.userId}`;
      expect(await storeAnswer(c.flag, c.userId), label).toMatchObject(c.expect);
      expect(evaluator.evaluate(c.flag, c.userId), label).toMatchObject(c.expect);
      if (c.expect.reason === 'DEFAULT') {
        // A flag that does not exist: the CLI says so (exit 3, as report does) instead of
        // answering "off" as an application's evaluation does.
        const missing = await cliRun(c.flag, [c.userId]);
        expect(missing.code, label).toBe(3);
        expect(missing.stderr, label).toContain(`flag "${c.flag}" not found`);
      } else {
        const [cli] = await cliAnswers(c.flag, [c.userId]);
        expect(cli, label).toMatchObject(c.expect);
      }
      const details = await client.getBooleanDetails(c.flag, !c.expect.value, {
        targetingKey: c.userId,
      });
      if (c.expect.reason === 'DEFAULT') {
        expect(details, label).toMatchObject({
          value: !c.expect.value,
          errorCode: 'FLAG_NOT_FOUND',
        });
      } else {
        const reason = c.expect.reason === 'KILLED' ? 'DISABLED' : c.expect.reason;
        expect(details, label).toMatchObject({ value: c.expect.value, reason });
        expect(details.flagMetadata.latticedbReason, label).toBe(c.expect.reason);
      }
    }
  });
});

describe('CLI writes are seen by applications', () => {
  it('set-percentage, disable and kill-switch through the bin change what the provider answers', async () => {
    const client = OpenFeature.getClient();
    const env = { REDIS_URL: testEnv().redisUrl };
    const cli = (...argv: string[]): Promise<number> =>
      run(['--prefix', prefix, '--actor', 'ops', ...argv], {
        stdout: () => undefined,
        stderr: () => undefined,
        env,
      });
    const on = async (): Promise<boolean> =>
      client.getBooleanValue('cli-flag', false, { targetingKey: 'user-1' });
    const eventually = (want: boolean): Promise<boolean> =>
      waitFor(async () => (await on()) === want, { message: `cli-flag ${want ? 'on' : 'off'}` });
    const changed: string[] = [];
    client.addHandler(ProviderEvents.ConfigurationChanged, (details) => {
      changed.push(...(details?.flagsChanged ?? []));
    });
    expect(await cli('set-percentage', 'cli-flag', '100')).toBe(0);
    await eventually(true);
    expect(await cli('disable', 'cli-flag')).toBe(0);
    await eventually(false);
    expect(await cli('enable', 'cli-flag')).toBe(0);
    await eventually(true);
    expect((await store.read('cli-flag')).record).toMatchObject({
      updatedBy: 'cli:ops',
      version: 3,
    });
    await waitFor(() => changed.filter((f) => f === 'cli-flag').length === 3, {
      message: 'one ConfigurationChanged per CLI write',
    });
    expect(await cli('disable', 'no-such-flag')).toBe(3);
    expect(await cli('set-percentage', 'cli-flag', '100.5')).toBe(2);
  });
});
