/**
 * Command-line grammar of `latticedb-flags` (node:util parseArgs): pure, so every rule is tested
 * without Redis. The commands mirror the playbook's manage-flags.sh.
 */
import { hostname, userInfo } from 'node:os';
import { parseArgs } from 'node:util';
import { DurationError, parseDuration } from '../../controller/duration.js';
import {
  BUCKET_COUNT,
  DEFAULT_KEY_PREFIX,
  flagNameProblem,
  killSwitchGroupProblem,
} from '../index.js';

export const EXIT = {
  ok: 0,
  /** Redis unreachable, unexpected reply. */
  failure: 1,
  usage: 2,
  /** The flag does not exist (or is unreadable where a readable flag is needed). */
  notFound: 3,
  /**
   * The write was not applied: another writer kept changing the flag, or a FlagRollout owns it
   * and would undo the write (give --force to write anyway).
   */
  conflict: 4,
} as const;
export type ExitCode = (typeof EXIT)[keyof typeof EXIT];

export type OutputFormat = 'table' | 'json';

export type CliCommand =
  | { readonly name: 'list' }
  | { readonly name: 'enable'; readonly flag: string; readonly basisPoints?: number }
  | { readonly name: 'disable'; readonly flag: string }
  | { readonly name: 'set-percentage'; readonly flag: string; readonly basisPoints: number }
  | { readonly name: 'report'; readonly flag?: string }
  | { readonly name: 'kill-switch'; readonly group: string; readonly active: boolean }
  /** `to`: `<namespace>/<name>` of the FlagRollout that takes the flag over. */
  | { readonly name: 'hand-over'; readonly flag: string; readonly to: string }
  | { readonly name: 'evaluate'; readonly flag: string; readonly users: readonly string[] };

export interface CliOptions {
  readonly redisUrl: string;
  readonly prefix: string;
  readonly output: OutputFormat;
  /** Recorded as `updatedBy: cli:<actor>`. */
  readonly actor: string;
  readonly tlsCaPath?: string;
  /** How long to wait for Redis (connect and each command) before giving up. */
  readonly timeoutMs: number;
  /** Write even when a FlagRollout owns the flag (it will put its own split back). */
  readonly force: boolean;
}

export type ParsedCli =
  | { readonly kind: 'run'; readonly command: CliCommand; readonly options: CliOptions }
  /** `command`: help for that command only (`latticedb-flags enable --help`). */
  | { readonly kind: 'help'; readonly command?: CommandName }
  | { readonly kind: 'version' }
  | { readonly kind: 'usage-error'; readonly message: string };

export const DEFAULT_TIMEOUT_MS = 5_000;

export type CommandName = CliCommand['name'];

/** Usage line and description of each command, for `latticedb-flags <command> --help`. */
export const COMMAND_HELP: Record<CommandName, string> = {
  list: `Usage: latticedb-flags list [options]

All flags: state, percentage, targets, kill switch.
`,
  enable: `Usage: latticedb-flags enable <flag> [--percentage <percent>] [--force] [options]

Sets enabled. Without --percentage the percentage is kept (the flag must exist); with it the
flag is created if missing (salted with its name) and served to <percent> % of users.
A flag a FlagRollout owns: re-enabling after a CLI disable is respected (the rollout resumes);
a new percentage, or re-enabling what the FlagRollout itself disabled, would be put back by the
controller, so it is refused with exit code 4 unless --force.
`,
  disable: `Usage: latticedb-flags disable <flag> [options]

Emergency disable: off for everyone. Every FlagRollout naming the flag respects it (the one
that manages it: phase Disabled, Stalled ExternalDisable) until the flag is enabled again; no
FlagRollout takes the flag over because of it.
`,
  'set-percentage': `Usage: latticedb-flags set-percentage <flag> <percent> [--force] [options]

<percent> is 0..100 with up to two decimals (0.01 = 1 basis point). Creates the flag (enabled)
if it does not exist. Refused with exit code 4 on a flag a FlagRollout owns, unless --force
(a percentage the flag already has is not a write, so it is never refused).
`,
  report: `Usage: latticedb-flags report [flag] [options]

Flag, rollout step/phase, percentage, targeted users, kill-switch state and last analysis (all
flags if none given). Exit code 3 when the named flag does not exist.
`,
  'hand-over': `Usage: latticedb-flags hand-over <flag> <namespace>/<name> [options]

Hands the flag to the FlagRollout <namespace>/<name>: the flag is rewritten unchanged by the CLI,
together with rollout info naming that FlagRollout (atomically). It takes the flag over at its
next reconcile; the FlagRollout that managed it (if any) lets go (Stalled FlagOwnedElsewhere).
A disabled flag stays disabled: the new owner respects it until \`enable <flag>\`.
This is the only way a flag moves from one FlagRollout to another: any other CLI write leaves
the flag with the FlagRollout that manages it. The CLI cannot check that the FlagRollout exists
(no Kubernetes access): \`report\` shows the hand-over until it publishes its own progress.
Exit code 3 when the flag does not exist.
`,
  'kill-switch': `Usage: latticedb-flags kill-switch <group> on|off [options]

Activates or clears latticedb:flags:kill_switch:<group>: every flag of the group is off while
it is on. Never refused: it is the emergency stop.
`,
  evaluate: `Usage: latticedb-flags evaluate <flag> <user>... [options]

The answer each user gets (the same rule as applications). Exit code 3 when the flag does not
exist.
`,
};

export const USAGE = `Usage: latticedb-flags [options] <command>

Commands:
  list                              all flags: state, percentage, targets, kill switch
  enable <flag> [--percentage <p>]  set enabled (keeps the percentage unless --percentage is given)
  disable <flag>                    emergency disable: off for everyone
  set-percentage <flag> <percent>   0..100, up to two decimals (0.01 = 1 basis point);
                                    creates the flag (enabled) if it does not exist
  report [flag]                     flag, rollout step/phase, percentage, targeted users,
                                    kill-switch state and last analysis (all flags if none given)
  hand-over <flag> <ns>/<name>      hand the flag (unchanged) to the FlagRollout <ns>/<name>
  kill-switch <group> on|off        activate or clear latticedb:flags:kill_switch:<group>
  evaluate <flag> <user>...         the answer each user gets (same rule as applications)

Options:
  --redis-url <url>     redis:// or rediss:// URL with AUTH (default: $REDIS_URL, else redis://127.0.0.1:6379);
                        percent-encode #, ?, / and @ in the password
  --tls-ca <file>       PEM CA bundle for rediss:// (default: $REDIS_TLS_CA_FILE)
  --prefix <prefix>     key prefix (default: $LATTICEDB_FLAGS_PREFIX, else ${DEFAULT_KEY_PREFIX})
  --timeout <duration>  give up on Redis after this long, e.g. 2s, 500ms (default 5s)
  --force               write a flag a FlagRollout owns (the controller will put its split back)
  -o, --output <fmt>    table (default) or json
  --actor <name>        recorded as updatedBy cli:<name> (default: $USER, else $LOGNAME, else
                        the login name of the process's user, else uid<N>@<hostname>)
  -h, --help            this help; latticedb-flags <command> --help for one command
  --version             the version of latticedb-flags

Exit codes: 0 ok, 1 failure (e.g. Redis unreachable), 2 usage error, 3 flag not found,
4 write not applied (a FlagRollout owns the flag, or it kept changing under us).
`;

/** `<namespace>/<name>`: a DNS label and a DNS subdomain, as Kubernetes accepts them. */
const FLAG_ROLLOUT_REF =
  /^[a-z0-9](?:[-a-z0-9]{0,61}[a-z0-9])?\/[a-z0-9](?:[-.a-z0-9]{0,251}[a-z0-9])?$/;

const PERCENT = /^([0-9]{1,3})(?:\.([0-9]{1,2}))?%?$/;

/** "25" → 2500, "0.01" → 1, "99.99%" → 9999; undefined when not a percentage in 0..100. */
export function parsePercentage(text: string): number | undefined {
  const match = PERCENT.exec(text);
  if (match === null) return undefined;
  const [, whole = '', fraction = ''] = match;
  const basisPoints = Number(whole) * 100 + Number(fraction.padEnd(2, '0'));
  return basisPoints <= BUCKET_COUNT ? basisPoints : undefined;
}

/** Who the machine says runs the CLI, for the default `--actor` (injectable for tests). */
export interface CliSystem {
  /** The login name of the process's user (os.userInfo); may throw (no passwd entry). */
  readonly username: () => string;
  readonly uid: () => number;
  readonly hostname: () => string;
}

const osSystem: CliSystem = {
  username: () => userInfo().username,
  uid: () => process.getuid?.() ?? -1,
  hostname: () => hostname(),
};

/**
 * $USER, else $LOGNAME, else the process user's login name, else `uid<N>@<hostname>` (a container
 * whose uid has no passwd entry): the audit trail (`updatedBy`) names who wrote, never "unknown".
 */
export function defaultActor(
  env: Readonly<Record<string, string | undefined>>,
  system: CliSystem = osSystem,
): string {
  const fromEnv = [env.USER, env.LOGNAME].find((v) => v !== undefined && v.trim() !== '');
  if (fromEnv !== undefined) return fromEnv;
  try {
    const name = system.username();
    if (name.trim() !== '') return name;
  } catch {
    // No passwd entry for the uid: fall through to uid@hostname.
  }
  return `uid${system.uid()}@${system.hostname()}`;
}

export function parseCliArgs(
  argv: readonly string[],
  env: Readonly<Record<string, string | undefined>>,
  system: CliSystem = osSystem,
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
        timeout: { type: 'string' },
        force: { type: 'boolean' },
        percentage: { type: 'string' },
        help: { type: 'boolean', short: 'h' },
        version: { type: 'boolean' },
      },
    });
  } catch (err) {
    return usageError(err instanceof Error ? err.message : String(err));
  }
  const { values, positionals } = parsed;
  if (values.version === true) return { kind: 'version' };
  if (values.help === true || positionals.length === 0) {
    const [name] = positionals;
    return name !== undefined && isCommandName(name)
      ? { kind: 'help', command: name }
      : { kind: 'help' };
  }

  const output = values.output ?? 'table';
  if (output !== 'table' && output !== 'json') {
    return usageError(`--output must be table or json, got "${output}"`);
  }
  const prefix = values.prefix ?? env.LATTICEDB_FLAGS_PREFIX ?? DEFAULT_KEY_PREFIX;
  if (prefix === '') return usageError('--prefix must not be empty');
  const tlsCaPath = values['tls-ca'] ?? env.REDIS_TLS_CA_FILE;
  let timeoutMs = DEFAULT_TIMEOUT_MS;
  if (values.timeout !== undefined) {
    try {
      timeoutMs = parseDuration(values.timeout);
    } catch (err) {
      if (!(err instanceof DurationError)) throw err;
      return usageError(`--timeout: ${err.message}`);
    }
    if (timeoutMs <= 0) return usageError('--timeout must be more than 0');
  }
  const options: CliOptions = {
    redisUrl: values['redis-url'] ?? env.REDIS_URL ?? 'redis://127.0.0.1:6379',
    prefix,
    output,
    actor: values.actor ?? defaultActor(env, system),
    ...(tlsCaPath !== undefined && tlsCaPath !== '' ? { tlsCaPath } : {}),
    timeoutMs,
    force: values.force === true,
  };
  const command = parseCommand(positionals, values.percentage);
  return typeof command === 'string' ? usageError(command) : { kind: 'run', command, options };
}

/** The command, or a usage message. */
function parseCommand(
  positionals: readonly string[],
  percentage: string | undefined,
): CliCommand | string {
  const [name = '', ...args] = positionals;
  const arity = (min: number, max: number, shape: string): string | undefined =>
    args.length < min || args.length > max ? `usage: latticedb-flags ${name} ${shape}` : undefined;
  if (percentage !== undefined && name !== 'enable') {
    return name === 'set-percentage'
      ? 'set-percentage takes the percent as an argument: latticedb-flags set-percentage <flag> <percent>'
      : `--percentage is an option of enable, not of ${name}`;
  }
  switch (name) {
    case 'list':
      return arity(0, 0, '') ?? { name };
    case 'enable': {
      const [flag = ''] = args;
      const bad = arity(1, 1, '<flag> [--percentage <percent>]') ?? flagNameProblem(flag);
      if (bad !== undefined) return bad;
      if (percentage === undefined) return { name, flag };
      const basisPoints = parsePercentage(percentage);
      return basisPoints === undefined
        ? `--percentage "${percentage}" must be a number in 0..100 with at most two decimals`
        : { name, flag, basisPoints };
    }
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
    case 'hand-over': {
      const [flag = '', to = ''] = args;
      const bad = arity(2, 2, '<flag> <namespace>/<name>') ?? flagNameProblem(flag);
      if (bad !== undefined) return bad;
      return FLAG_ROLLOUT_REF.test(to)
        ? { name, flag, to }
        : `"${to}" must be <namespace>/<name> of a FlagRollout (lowercase, as kubectl shows it)`;
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

function isCommandName(name: string): name is CommandName {
  return Object.hasOwn(COMMAND_HELP, name);
}

function usageError(message: string): ParsedCli {
  return { kind: 'usage-error', message };
}
