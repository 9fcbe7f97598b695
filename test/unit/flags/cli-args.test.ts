import { describe, expect, it } from 'vitest';
import { parseCliArgs, parsePercentage, USAGE } from '../../../flags/cli/args.js';

const env = { REDIS_URL: 'redis://:pw@127.0.0.1:7000', USER: 'ops' };

describe('parseCliArgs', () => {
  it('reads the commands of manage-flags.sh and the kill switch', () => {
    const command = (argv: string[]): unknown => {
      const parsed = parseCliArgs(argv, env);
      return parsed.kind === 'run' ? parsed.command : parsed;
    };
    expect(command(['list'])).toEqual({ name: 'list' });
    expect(command(['enable', 'nqo'])).toEqual({ name: 'enable', flag: 'nqo' });
    expect(command(['disable', 'nqo'])).toEqual({ name: 'disable', flag: 'nqo' });
    expect(command(['set-percentage', 'nqo', '0.01'])).toEqual({
      name: 'set-percentage',
      flag: 'nqo',
      basisPoints: 1,
    });
    expect(command(['report'])).toEqual({ name: 'report' });
    expect(command(['report', 'nqo'])).toEqual({ name: 'report', flag: 'nqo' });
    expect(command(['kill-switch', 'experimental', 'on'])).toEqual({
      name: 'kill-switch',
      group: 'experimental',
      active: true,
    });
    expect(command(['evaluate', 'nqo', 'u1', 'u2'])).toEqual({
      name: 'evaluate',
      flag: 'nqo',
      users: ['u1', 'u2'],
    });
  });

  it('takes options from flags first, then the environment, then defaults', () => {
    expect(parseCliArgs(['list'], env)).toEqual({
      kind: 'run',
      command: { name: 'list' },
      options: {
        redisUrl: 'redis://:pw@127.0.0.1:7000',
        prefix: 'latticedb:flags:',
        output: 'table',
        actor: 'ops',
        timeoutMs: 5_000,
        force: false,
      },
    });
    const parsed = parseCliArgs(
      [
        '--redis-url',
        'rediss://h',
        '--prefix',
        'staging:flags:',
        '-o',
        'json',
        '--actor',
        'amy',
        '--tls-ca',
        '/ca.pem',
        'list',
      ],
      env,
    );
    expect(parsed).toMatchObject({
      options: {
        redisUrl: 'rediss://h',
        prefix: 'staging:flags:',
        output: 'json',
        actor: 'amy',
        tlsCaPath: '/ca.pem',
      },
    });
    const machine = { username: () => 'deploy', uid: () => 1000, hostname: () => 'bastion-1' };
    expect(parseCliArgs(['list'], {}, machine)).toMatchObject({
      options: { redisUrl: 'redis://127.0.0.1:6379', actor: 'deploy' },
    });
    expect(parseCliArgs(['list'], { LATTICEDB_FLAGS_PREFIX: 'p:' })).toMatchObject({
      options: { prefix: 'p:' },
    });
  });

  it('names the writer without $USER: $LOGNAME, the login name, else uid@hostname, never "unknown"', () => {
    const machine = { username: () => 'deploy', uid: () => 1000, hostname: () => 'bastion-1' };
    const noPasswd = {
      ...machine,
      username: () => {
        throw new Error('ENOENT: no such file or directory, uv_os_get_passwd');
      },
    };
    const actor = (e: Record<string, string>, m: typeof machine) => {
      const parsed = parseCliArgs(['list'], e, m);
      return parsed.kind === 'run' ? parsed.options.actor : parsed.kind;
    };
    expect(actor({ USER: 'amy', LOGNAME: 'bob' }, machine)).toBe('amy');
    expect(actor({ USER: '', LOGNAME: 'bob' }, machine)).toBe('bob');
    expect(actor({}, machine)).toBe('deploy');
    expect(actor({}, noPasswd)).toBe('uid1000@bastion-1');
    // The process's own user, with the real os module (whatever it is, never "unknown").
    const real = parseCliArgs(['list'], {});
    expect(real.kind === 'run' && real.options.actor).not.toBe('unknown');
    expect(USAGE).toContain("the login name of the process's user, else uid<N>@<hostname>");
  });

  it('parses hand-over <flag> <namespace>/<name>', () => {
    const command = (argv: string[]): unknown => {
      const parsed = parseCliArgs(argv, env);
      return parsed.kind === 'run' ? parsed.command : parsed;
    };
    expect(command(['hand-over', 'nqo', 'latticedb-demo/new-query-optimizer'])).toEqual({
      name: 'hand-over',
      flag: 'nqo',
      to: 'latticedb-demo/new-query-optimizer',
    });
    for (const bad of [
      ['hand-over', 'nqo'],
      ['hand-over', 'nqo', 'no-slash'],
      ['hand-over', 'nqo', 'A/B'],
    ]) {
      expect(parseCliArgs(bad, env)).toMatchObject({ kind: 'usage-error' });
    }
  });

  it('shows help for --help and for no command', () => {
    expect(parseCliArgs(['--help'], env)).toEqual({ kind: 'help' });
    expect(parseCliArgs([], env)).toEqual({ kind: 'help' });
    // With a command: that command's help.
    expect(parseCliArgs(['-h', 'list'], env)).toEqual({ kind: 'help', command: 'list' });
    expect(parseCliArgs(['enable', '--help'], env)).toEqual({ kind: 'help', command: 'enable' });
    expect(parseCliArgs(['frobnicate', '--help'], env)).toEqual({ kind: 'help' });
    expect(parseCliArgs(['--version'], env)).toEqual({ kind: 'version' });
  });

  it("reads the playbook's enable <flag> --percentage 5, --force and --timeout", () => {
    expect(parseCliArgs(['enable', 'nqo', '--percentage', '5', '--force'], env)).toMatchObject({
      kind: 'run',
      command: { name: 'enable', flag: 'nqo', basisPoints: 500 },
      options: { force: true },
    });
    expect(parseCliArgs(['--timeout', '500ms', 'list'], env)).toMatchObject({
      options: { timeoutMs: 500 },
    });
  });

  it.each([
    [['frobnicate'], 'unknown command'],
    [['list', 'extra'], 'usage: latticedb-flags list'],
    [['enable'], 'usage: latticedb-flags enable <flag>'],
    [['enable', ''], 'must match'],
    [['enable', 'Bad Flag'], 'must match'],
    [['enable', 'index'], 'reserved'],
    [['set-percentage', 'nqo', '101'], 'percentage "101"'],
    [['set-percentage', 'nqo', '5.555'], 'at most two decimals'],
    [['set-percentage', 'nqo', 'abc'], 'percentage "abc"'],
    [['kill-switch', 'experimental', 'maybe'], 'on or off'],
    [['kill-switch', 'Bad Group', 'on'], 'must match'],
    [['evaluate', 'nqo'], 'usage: latticedb-flags evaluate'],
    [['--output', 'yaml', 'list'], '--output must be table or json'],
    [['--prefix', '', 'list'], '--prefix must not be empty'],
    [['--nope', 'list'], "Unknown option '--nope'"],
    [['enable', 'nqo', '--percentage', '101'], '--percentage "101"'],
    [['disable', 'nqo', '--percentage', '5'], '--percentage is an option of enable'],
    [['set-percentage', 'nqo', '--percentage', '5'], 'takes the percent as an argument'],
    [['--timeout', '5', 'list'], '--timeout: invalid duration "5"'],
    [['--timeout', '0s', 'list'], '--timeout must be more than 0'],
  ])('refuses %j', (argv, message) => {
    const parsed = parseCliArgs(argv, env);
    expect(parsed.kind).toBe('usage-error');
    if (parsed.kind === 'usage-error') expect(parsed.message).toContain(message);
  });
});

describe('parsePercentage', () => {
  it.each([
    ['0', 0],
    ['0.01', 1],
    ['5', 500],
    ['5%', 500],
    ['25.5', 2550],
    ['99.99', 9999],
    ['100', 10_000],
    ['100.00', 10_000],
  ])('%s → %d bp', (text, bp) => {
    expect(parsePercentage(text)).toBe(bp);
  });
  it.each(['100.01', '-1', '1e2', '.5', '', '5 %'])('refuses %j', (text) => {
    expect(parsePercentage(text)).toBeUndefined();
  });
});
