/**
 * Configuration from flags and environment variables (a flag wins over its variable), validated
 * up front with errors that name the flag, the variable and the bad value (secrets scrubbed).
 * `main` prints them with the usage text and exits with code 2.
 */
import { formatDuration, parseDuration } from './duration.js';
import { AWS_RETRY_MODES, type AwsRetryMode } from './external.js';
import { parseBindAddress } from './observability/http.js';
import { LOG_LEVELS, type LogLevel } from './observability/logger.js';
import { sanitizeMessage } from './observability/redact.js';

export interface ControllerConfig {
  /** Namespaces to watch; empty = all namespaces. */
  readonly namespaces: readonly string[];
  /** Workers per kind (a kind's registration may override). */
  readonly workers: number;
  readonly metricsBindAddress: string;
  readonly healthProbeBindAddress: string;
  readonly leaderElect: boolean;
  /** Required with `leaderElect` (defaults to the pod's namespace via `POD_NAMESPACE`). */
  readonly leaderElectionNamespace: string | undefined;
  readonly leaderElectionId: string;
  readonly leaseDurationMs: number;
  readonly renewDeadlineMs: number;
  readonly retryPeriodMs: number;
  readonly awsRegion: string;
  readonly awsEndpointUrl: string | undefined;
  readonly awsMaxAttempts: number;
  /** `--aws-emulator`: the endpoint is an emulator (CloudWatch pinned to JSON 1.0). */
  readonly awsEmulator: boolean;
  readonly awsRetryMode: AwsRetryMode;
  readonly redisUrl: string | undefined;
  readonly redisTlsCaFile: string | undefined;
  readonly logLevel: LogLevel;
  readonly kubeconfig: string | undefined;
  /** 0 disables the periodic resync. */
  readonly resyncPeriodMs: number;
  /** 0 = no per-reconcile deadline. */
  readonly reconcileTimeoutMs: number;
  readonly shutdownTimeoutMs: number;
  /** How long a kind's workers wait for its cache before an error says which (they keep waiting). */
  readonly cacheSyncTimeoutMs: number;
  /** Secret (in the leader-election namespace) with notification routes; empty = off. */
  readonly notificationsSecret: string;
}

type Kind = 'string' | 'bool';
interface FlagSpec {
  readonly kind: Kind;
  readonly env: readonly string[];
  readonly default: string | undefined;
  readonly help: string;
  /**
   * An empty value (`--flag=` or `VAR=`) is a value: it turns the feature off. Otherwise an empty
   * variable counts as unset (a manifest's `value: ""`) and the default applies.
   */
  readonly emptyTurnsOff?: true;
}

const FLAGS = {
  namespaces: {
    kind: 'string',
    env: ['LATTICEDB_NAMESPACES'],
    default: '',
    help: 'Comma-separated namespaces to watch; empty watches all',
  },
  workers: {
    kind: 'string',
    env: ['LATTICEDB_WORKERS'],
    default: '2',
    help: 'Concurrent reconciles per kind (1-100)',
  },
  'metrics-bind-address': {
    kind: 'string',
    env: ['LATTICEDB_METRICS_BIND_ADDRESS'],
    default: ':8080',
    help: 'Address of /metrics ([host]:port, 0 disables)',
  },
  'health-probe-bind-address': {
    kind: 'string',
    env: ['LATTICEDB_HEALTH_PROBE_BIND_ADDRESS'],
    default: ':8081',
    help: 'Address of /healthz and /readyz ([host]:port, 0 disables)',
  },
  'leader-elect': {
    kind: 'bool',
    env: ['LATTICEDB_LEADER_ELECT'],
    default: 'false',
    help: 'Elect a leader over a Lease; only the leader reconciles',
  },
  'leader-election-namespace': {
    kind: 'string',
    env: ['LATTICEDB_LEADER_ELECTION_NAMESPACE', 'POD_NAMESPACE'],
    default: undefined,
    help: 'Namespace of the Lease (default: the pod namespace)',
  },
  'notifications-secret': {
    kind: 'string',
    env: ['LATTICEDB_NOTIFICATIONS_SECRET'],
    default: 'latticedb-notifications',
    help: 'Secret in the controller namespace with notification routes and webhook URLs; empty turns notifications off',
    emptyTurnsOff: true,
  },
  'leader-election-id': {
    kind: 'string',
    env: ['LATTICEDB_LEADER_ELECTION_ID'],
    default: 'latticedb-controller',
    help: 'Name of the Lease',
  },
  'leader-election-lease-duration': {
    kind: 'string',
    env: ['LATTICEDB_LEADER_ELECTION_LEASE_DURATION'],
    default: '15s',
    help: 'How long a standby waits before taking an unrenewed Lease',
  },
  'leader-election-renew-deadline': {
    kind: 'string',
    env: ['LATTICEDB_LEADER_ELECTION_RENEW_DEADLINE'],
    default: '10s',
    help: 'How long the leader retries renewing before giving up',
  },
  'leader-election-retry-period': {
    kind: 'string',
    env: ['LATTICEDB_LEADER_ELECTION_RETRY_PERIOD'],
    default: '2s',
    help: 'Interval between Lease acquire/renew attempts',
  },
  'aws-region': {
    kind: 'string',
    env: ['AWS_REGION', 'AWS_DEFAULT_REGION'],
    default: 'us-east-1',
    help: 'Default AWS region',
  },
  'aws-endpoint-url': {
    kind: 'string',
    env: ['AWS_ENDPOINT_URL'],
    default: undefined,
    help: 'Override AWS endpoints (emulator, VPC endpoint)',
  },
  'aws-emulator': {
    kind: 'bool',
    env: ['LATTICEDB_AWS_EMULATOR'],
    default: 'false',
    help: 'The AWS endpoint is an emulator (moto): pin CloudWatch to the JSON 1.0 protocol it speaks',
  },
  'aws-max-attempts': {
    kind: 'string',
    env: ['AWS_MAX_ATTEMPTS'],
    default: '3',
    help: 'AWS SDK attempts per call, retries included (1-20)',
  },
  'aws-retry-mode': {
    kind: 'string',
    env: ['AWS_RETRY_MODE'],
    default: 'standard',
    help: `AWS SDK retry mode: ${AWS_RETRY_MODES.join(' or ')}`,
  },
  'redis-url': {
    kind: 'string',
    env: ['REDIS_URL'],
    default: undefined,
    help: 'Default Redis URL (redis:// or rediss://); set it from a Secret',
  },
  'redis-tls-ca-file': {
    kind: 'string',
    env: ['REDIS_TLS_CA_FILE'],
    default: undefined,
    help: 'CA bundle for rediss:// connections',
  },
  'log-level': {
    kind: 'string',
    env: ['LOG_LEVEL'],
    default: 'info',
    help: `One of ${LOG_LEVELS.join(', ')}`,
  },
  kubeconfig: {
    kind: 'string',
    env: ['KUBECONFIG'],
    default: undefined,
    help: 'Kubeconfig path (default: in-cluster service account)',
  },
  'resync-period': {
    kind: 'string',
    env: ['LATTICEDB_RESYNC_PERIOD'],
    default: '10m',
    help: 'Re-reconcile every object this often (0 disables)',
  },
  'reconcile-timeout': {
    kind: 'string',
    env: ['LATTICEDB_RECONCILE_TIMEOUT'],
    default: '5m',
    help: 'Abort signal deadline per reconcile (0 disables)',
  },
  'shutdown-timeout': {
    kind: 'string',
    env: ['LATTICEDB_SHUTDOWN_TIMEOUT'],
    default: '30s',
    help: 'Time to finish in-flight reconciles on SIGTERM',
  },
  'cache-sync-timeout': {
    kind: 'string',
    env: ['LATTICEDB_CACHE_SYNC_TIMEOUT'],
    default: '2m',
    help: 'Per kind: log an error (and /readyz names it) when its cache has not synced by then; other kinds never wait for it',
  },
} as const satisfies Record<string, FlagSpec>;

type FlagName = keyof typeof FLAGS;

/** Invalid configuration: every problem, one per line. */
export class ConfigError extends Error {
  override readonly name = 'ConfigError';
  readonly problems: readonly string[];

  constructor(problems: readonly string[]) {
    super(problems.join('\n'));
    this.problems = problems;
  }
}

/** Thrown for `--help`/`-h`; `main` prints the usage and exits 0. */
export class HelpRequested extends Error {
  override readonly name = 'HelpRequested';
}

export function usage(): string {
  const lines = Object.entries(FLAGS).map(([name, f]: [string, FlagSpec]) => {
    const flag = f.kind === 'bool' ? `--${name}` : `--${name}=<value>`;
    const def = f.default === undefined || f.default === '' ? '' : ` (default ${f.default})`;
    return `  ${flag.padEnd(44)} ${f.help}${def}; env ${f.env.join(' or ')}`;
  });
  return ['Usage: latticedb-controller [flags]', '', 'Flags:', ...lines].join('\n');
}

interface Raw {
  readonly value: string | undefined;
  readonly source: string;
}

/**
 * Parses and validates. `inClusterNamespace` (the service account's namespace file) is the last
 * fallback for `--leader-election-namespace`. Throws `ConfigError` or `HelpRequested`.
 */
export function parseConfig(
  argv: readonly string[],
  env: Readonly<Record<string, string | undefined>>,
  defaults: { readonly inClusterNamespace?: string } = {},
): ControllerConfig {
  const problems: string[] = [];
  const fromFlags = parseArgv(argv, problems);
  const raw = (name: FlagName): Raw => {
    const flag = fromFlags.get(name);
    if (flag !== undefined) return { value: flag, source: `--${name}` };
    for (const variable of FLAGS[name].env) {
      const v = env[variable];
      const spec: FlagSpec = FLAGS[name];
      if (v !== undefined && (v !== '' || spec.emptyTurnsOff === true))
        return { value: v, source: `${variable} (--${name})` };
    }
    return { value: FLAGS[name].default, source: `--${name}` };
  };
  const v = new Validator(problems);
  const config: ControllerConfig = {
    namespaces: v.namespaces(raw('namespaces')),
    workers: v.int(raw('workers'), 1, 100),
    metricsBindAddress: v.bind(raw('metrics-bind-address')),
    healthProbeBindAddress: v.bind(raw('health-probe-bind-address')),
    leaderElect: v.bool(raw('leader-elect')),
    leaderElectionNamespace:
      v.optional(raw('leader-election-namespace'), DNS_LABEL, 'a namespace name') ??
      defaults.inClusterNamespace,
    leaderElectionId:
      v.optional(raw('leader-election-id'), DNS_SUBDOMAIN, 'a DNS subdomain name') ?? '',
    leaseDurationMs: v.duration(raw('leader-election-lease-duration'), 1),
    renewDeadlineMs: v.duration(raw('leader-election-renew-deadline'), 1),
    retryPeriodMs: v.duration(raw('leader-election-retry-period'), 1),
    awsRegion:
      v.optional(raw('aws-region'), /^[a-z]{2}(-[a-z]+)+-\d$/, 'an AWS region such as us-east-1') ??
      '',
    awsEndpointUrl: v.url(raw('aws-endpoint-url'), ['http:', 'https:']),
    awsMaxAttempts: v.int(raw('aws-max-attempts'), 1, 20),
    awsEmulator: v.bool(raw('aws-emulator')),
    awsRetryMode: v.oneOf(raw('aws-retry-mode'), AWS_RETRY_MODES),
    redisUrl: v.url(raw('redis-url'), ['redis:', 'rediss:']),
    redisTlsCaFile: raw('redis-tls-ca-file').value,
    logLevel: v.oneOf(raw('log-level'), LOG_LEVELS),
    kubeconfig: raw('kubeconfig').value,
    resyncPeriodMs: v.duration(raw('resync-period'), 0),
    reconcileTimeoutMs: v.duration(raw('reconcile-timeout'), 0),
    shutdownTimeoutMs: v.duration(raw('shutdown-timeout'), 1),
    cacheSyncTimeoutMs: v.duration(raw('cache-sync-timeout'), 1),
    notificationsSecret: v.emptyOrMatching(
      raw('notifications-secret'),
      DNS_SUBDOMAIN,
      'a Secret name',
    ),
  };
  crossCheck(config, problems);
  if (problems.length > 0) throw new ConfigError(problems);
  return config;
}

function crossCheck(c: ControllerConfig, problems: string[]): void {
  if (!(c.leaseDurationMs > c.renewDeadlineMs)) {
    problems.push(
      '--leader-election-lease-duration must be greater than --leader-election-renew-deadline',
    );
  }
  if (!(c.renewDeadlineMs > c.retryPeriodMs * 1.2)) {
    problems.push(
      '--leader-election-renew-deadline must be greater than 1.2 x --leader-election-retry-period',
    );
  }
  if (c.leaderElect && c.leaderElectionNamespace === undefined) {
    problems.push(
      '--leader-elect needs --leader-election-namespace (or POD_NAMESPACE) when not running in a pod',
    );
  }
}

function parseArgv(argv: readonly string[], problems: string[]): Map<FlagName, string> {
  const out = new Map<FlagName, string>();
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i] ?? '';
    if (arg === '--help' || arg === '-h') throw new HelpRequested(usage());
    const m = /^--?([a-z0-9-]+)(?:=(.*))?$/s.exec(arg);
    const name = m?.[1];
    if (m === null || name === undefined || !(name in FLAGS)) {
      problems.push(`unknown flag "${sanitizeMessage(arg)}"`);
      continue;
    }
    const flag = name as FlagName;
    let value = m[2];
    if (value === undefined && FLAGS[flag].kind === 'bool') value = 'true';
    else if (value === undefined) {
      value = argv[++i];
      if (value === undefined) {
        problems.push(`flag --${flag} needs a value`);
        continue;
      }
    }
    out.set(flag, value);
  }
  return out;
}

/** The longest delay setTimeout/setInterval honour (a signed 32-bit number of milliseconds). */
const MAX_TIMER_MS = 2 ** 31 - 1;

const DNS_LABEL = /^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/;
const DNS_SUBDOMAIN =
  /^(?=.{1,253}$)[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;

/** Converts raw strings, recording a problem (and returning a harmless placeholder) when invalid. */
class Validator {
  readonly #problems: string[];

  constructor(problems: string[]) {
    this.#problems = problems;
  }

  #bad(raw: Raw, expected: string): void {
    this.#problems.push(
      `invalid value "${sanitizeMessage(raw.value ?? '')}" for ${raw.source}: ${expected}`,
    );
  }

  int(raw: Raw, min: number, max: number): number {
    const n = Number(raw.value);
    if (!/^\d+$/.test(raw.value ?? '') || n < min || n > max)
      this.#bad(raw, `must be an integer from ${min} to ${max}`);
    return n;
  }

  bool(raw: Raw): boolean {
    if (raw.value === 'true' || raw.value === 'false') return raw.value === 'true';
    this.#bad(raw, 'must be true or false');
    return false;
  }

  duration(raw: Raw, minMs: number): number {
    try {
      const ms = parseDuration(raw.value ?? '');
      if (ms < minMs) this.#bad(raw, minMs > 0 ? 'must be greater than 0' : 'must not be negative');
      // Every duration flag feeds a timer; setTimeout/setInterval run a longer delay after 1 ms,
      // so e.g. a 30-day resync period would resync every millisecond.
      else if (ms > MAX_TIMER_MS) this.#bad(raw, `must be at most ${formatDuration(MAX_TIMER_MS)}`);
      return ms;
    } catch {
      this.#bad(raw, 'must be a duration such as 250ms, 30s, 10m or 1h30m');
      return 0;
    }
  }

  bind(raw: Raw): string {
    try {
      parseBindAddress(raw.value ?? '');
    } catch {
      this.#bad(raw, 'must be [host]:port such as :8080 or 127.0.0.1:8080, or 0 to disable');
    }
    return raw.value ?? '';
  }

  optional(raw: Raw, pattern: RegExp, expected: string): string | undefined {
    if (raw.value !== undefined && !pattern.test(raw.value)) this.#bad(raw, `must be ${expected}`);
    return raw.value;
  }

  /** '' (the feature off, as the flag's help says) or a value matching `pattern`. */
  emptyOrMatching(raw: Raw, pattern: RegExp, expected: string): string {
    if (raw.value === undefined || raw.value === '') return '';
    return this.optional(raw, pattern, `${expected}, or empty to turn it off`) ?? '';
  }

  url(raw: Raw, protocols: readonly string[]): string | undefined {
    if (raw.value === undefined) return undefined;
    if (!URL.canParse(raw.value) || !protocols.includes(new URL(raw.value).protocol)) {
      this.#bad(
        raw,
        `must be a URL with scheme ${protocols.map((p) => p.replace(':', '://')).join(' or ')}`,
      );
    }
    return raw.value;
  }

  namespaces(raw: Raw): string[] {
    const names = (raw.value ?? '')
      .split(',')
      .map((s) => s.trim())
      .filter((s) => s !== '');
    for (const n of names)
      if (!DNS_LABEL.test(n)) this.#bad({ ...raw, value: n }, 'namespaces must be DNS labels');
    return [...new Set(names)];
  }

  oneOf<T extends string>(raw: Raw, allowed: readonly T[]): T {
    if (!allowed.includes(raw.value as T)) this.#bad(raw, `must be one of ${allowed.join(', ')}`);
    return raw.value as T;
  }
}
