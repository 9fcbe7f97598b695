/**
 * Command-line grammar of `latticedb-flags` (node:util parseArgs): pure, so every rule is tested
 * without Redis. The commands mirror the playbook's manage-flags.sh.
 */
import { parseArgs } from 'node:util';
import {
  BUCKET_COUNT,
  DEFAULT_KEY_PREFIX,
  flagNameProblem,
  killSwitchGroupProblem,
} from '../../shared/flags/index.js';

export const EXIT = {
  ok: 0,
  /** Redis unreachable, unexpected reply. */
  failure: 1,
  usage: 2,
  /** The flag does not exist (or is unreadable where a readable flag is needed). */
  notFound: 3,
  /** Another writer kept changing the flag: the write was not applied. */
  conflict: 4,
} as const;
export type ExitCode = (typeof EXIT)[keyof typeof EXIT];

export type OutputFormat = 'table' | 'json';

export type CliCommand =
  | { readonly name: 'list' }
  | { readonly name: 'enable' | 'disable'; readonly flag: string }
  | { readonly name: 'set-percentage'; readonly flag: string; readonly basisPoints: number }
  | { readonly name: 'report'; readonly flag?: string }
  | { readonly name: 'kill-switch'; readonly group: string; readonly active: boolean }
  | { readonly name: 'evaluate'; readonly flag: string; readonly users: readonly string[] };

export interface CliOptions {
  readonly redisUrl: string;
  readonly prefix: string;
  readonly output: OutputFormat;
  /** Recorded as `updatedBy: cli:<actor>`. */
  readonly actor: string;
  readonly tlsCaPath?: string;
}

export type ParsedCli =
  | { readonly kind: 'run'; readonly command: CliCommand; readonly options: CliOptions }
  | { readonly kind: 'help' }
  | { readonly kind: 'usage-error'; readonly message: string };

export const USAGE = `Usage: latticedb-flags [options] <command>

Commands:
  list                              all flags: state, percentage, targets, kill switch
  enable <flag>                     set enabled (keeps the percentage)
  disable <flag>                    emergency disable: off for everyone
  set-percentage <flag> <percent>   0..100, up to two decimals (0.01 = 1 basis point);
                                    creates the flag (enabled) if it does not exist
  report [flag]                     flag, rollout step/phase, percentage, targeted users,
                                    kill-switch state and last analysis (all flags if none given)
  kill-switch <group> on|off        activate or clear latticedb:flags:kill_switch:<group>
  evaluate <flag> <user>...         the answer each user gets (same rule as applications)

Options:
  --redis-url <url>     redis:// or rediss:// URL with AUTH (default: $REDIS_URL, else redis://127.0.0.1:6379)
  --tls-ca <file>       PEM CA bundle for rediss:// (default: $REDIS_TLS_CA_FILE)
  --prefix <prefix>     key prefix (default: $LATTICEDB_FLAGS_PREFIX, else ${DEFAULT_KEY_PREFIX})
  -o, --output <fmt>    table (default) or json
  --actor <name>        recorded as updatedBy cli:<name> (default: $USER)
  -h, --help            this help

Exit codes: 0 ok, 1 failure (e.g. Redis unreachable), 2 usage error, 3 flag not found,
4 the flag kept changing under us (write not applied).
`;

const PERCENT = /^([0-9]{1,3})(?:\.([0-9]{1,2}))?%?$/;

/** "25" → 2500, "0.01" → 1, "99.99%" → 9999; undefined when not a percentage in 0..100. */
export function parsePercentage(text: string): number | undefined {
  const match = PERCENT.exec(text);
  if (match === null) return undefined;
  const [, whole = '', fraction = ''] = match;
  const basisPoints = Number(whole) * 100 + Number(fraction.padEnd(2, '0'));
  return basisPoints <= BUCKET_COUNT ? basisPoints : undefined;
}

export function parseCliArgs(
  argv: readonly string[],
  env: Readonly<Record<string, string | undefined>>,
): ParsedCli {
  let parsed;
  try {
    parsed = parseArgs({
      args: [...argv],
      allowPositionals: true,
      strict: true,
      options: {
        'redis-url': { type: 'string' },
        'tls-ca': { type: 'string' },
        prefix: { type: 'string' },
        output: { type: 'string', short: 'o' },
        actor: { type: 'string' },
        help: { type: 'boolean', short: 'h' },
      },
    });
  } catch (err) {
    return usageError(err instanceof Error ? err.message : String(err));
  }
  const { values, positionals } = parsed;
  if (values.help === true || positionals.length === 0) return { kind: 'help' };

  const output = values.output ?? 'table';
  if (output !== 'table' && output !== 'json') {
    return usageError(`--output must be table or json, got "${output}"`);
  }
  const prefix = values.prefix ?? env.LATTICEDB_FLAGS_PREFIX ?? DEFAULT_KEY_PREFIX;
  if (prefix === '') return usageError('--prefix must not be empty');
  const tlsCaPath = values['tls-ca'] ?? env.REDIS_TLS_CA_FILE;
  const options: CliOptions = {
    redisUrl: values['redis-url'] ?? env.REDIS_URL ?? 'redis://127.0.0.1:6379',
    prefix,
    output,
    actor: values.actor ?? env.USER ?? 'unknown',
    ...(tlsCaPath !== undefined && tlsCaPath !== '' ? { tlsCaPath } : {}),
  };
  const command = parseCommand(positionals);
  return typeof command === 'string' ? usageError(command) : { kind: 'run', command, options };
}

/** The command, or a usage message. */
function parseCommand(positionals: readonly string[]): CliCommand | string {
  const [name = '', ...args] = positionals;
  const arity = (min: number, max: number, shape: string): string | undefined =>
    args.length < min || args.length > max ? `usage: latticedb-flags ${name} ${shape}` : undefined;
  switch (name) {
    case 'list':
      return arity(0, 0, '') ?? { name };
    case 'enable':
    case 'disable': {
      const [flag = ''] = args;
      return arity(1, 1, '<flag>') ?? flagNameProblem(flag) ?? { name, flag };
    }
    case 'set-percentage': {
      const [flag = '', percent = ''] = args;
      const bad = arity(2, 2, '<flag> <percent>') ?? flagNameProblem(flag);
      if (bad !== undefined) return bad;
      const basisPoints = parsePercentage(percent);
      return basisPoints === undefined
        ? `percentage "${percent}" must be a number in 0..100 with at most two decimals`
        : { name, flag, basisPoints };
    }
    case 'report': {
      const [flag] = args;
      const bad = arity(0, 1, '[flag]') ?? (flag === undefined ? undefined : flagNameProblem(flag));
      return bad ?? (flag === undefined ? { name } : { name, flag });
    }
    case 'kill-switch': {
      const [group = '', state = ''] = args;
      const bad = arity(2, 2, '<group> on|off') ?? killSwitchGroupProblem(group);
      if (bad !== undefined) return bad;
      if (state !== 'on' && state !== 'off')
        return `kill-switch state must be on or off, got "${state}"`;
      return { name, group, active: state === 'on' };
    }
    case 'evaluate': {
      const [flag = '', ...users] = args;
      const bad = arity(2, Number.MAX_SAFE_INTEGER, '<flag> <user>...') ?? flagNameProblem(flag);
      if (bad !== undefined) return bad;
      return users.includes('') ? 'user ids must not be empty' : { name, flag, users };
    }
    default:
      return `unknown command "${name}"`;
  }
}

function usageError(message: string): ParsedCli {
  return { kind: 'usage-error', message };
}
