import { describe, expect, it } from 'vitest';
import { ConfigError, HelpRequested, parseConfig, usage } from '../../../controller/config.js';

function problems(argv: string[], env: Record<string, string> = {}): readonly string[] {
  try {
    parseConfig(argv, env);
  } catch (e) {
    if (e instanceof ConfigError) return e.problems;
    throw e;
  }
  return [];
}

describe('parseConfig', () => {
  it('has controller-runtime style defaults', () => {
    const c = parseConfig([], {});
    expect(c).toMatchObject({
      namespaces: [],
      workers: 2,
      metricsBindAddress: ':8080',
      healthProbeBindAddress: ':8081',
      leaderElect: false,
      leaderElectionId: 'latticedb-controller',
      leaseDurationMs: 15_000,
      renewDeadlineMs: 10_000,
      retryPeriodMs: 2_000,
      awsRegion: 'us-east-1',
      awsMaxAttempts: 3,
      awsRetryMode: 'standard',
      logLevel: 'info',
      resyncPeriodMs: 600_000,
      shutdownTimeoutMs: 30_000,
    });
    expect(c.redisUrl).toBeUndefined();
  });

  it('reads env and lets flags win; accepts --flag value and --flag=value', () => {
    const env = {
      LATTICEDB_WORKERS: '4',
      REDIS_URL: 'redis://r:6379',
      AWS_ENDPOINT_URL: 'http://127.0.0.1:5000',
      AWS_REGION: 'eu-west-1',
    };
    const c = parseConfig(
      [
        '--workers',
        '8',
        '--namespaces=a, b,a',
        '--leader-elect',
        '--leader-election-namespace=ops',
      ],
      env,
    );
    expect(c.workers).toBe(8);
    expect(c.namespaces).toEqual(['a', 'b']);
    expect(c.leaderElect).toBe(true);
    expect(c.redisUrl).toBe('redis://r:6379');
    expect(c.awsEndpointUrl).toBe('http://127.0.0.1:5000');
    expect(c.awsRegion).toBe('eu-west-1');
    // An endpoint (a VPC endpoint, say) is not an emulator: the CloudWatch pin is asked for.
    expect(c.awsEmulator).toBe(false);
    expect(parseConfig(['--aws-emulator'], env).awsEmulator).toBe(true);
    expect(parseConfig([], { LATTICEDB_AWS_EMULATOR: 'true' }).awsEmulator).toBe(true);
    expect(parseConfig(['--leader-elect=false'], {}).leaderElect).toBe(false);
  });

  it('names the flag, the variable and the bad value', () => {
    expect(problems(['--workers=0'])).toEqual([
      'invalid value "0" for --workers: must be an integer from 1 to 100',
    ]);
    expect(problems([], { LATTICEDB_WORKERS: 'many' })).toEqual([
      'invalid value "many" for LATTICEDB_WORKERS (--workers): must be an integer from 1 to 100',
    ]);
    expect(problems(['--resync-period=10'])).toEqual([
      'invalid value "10" for --resync-period: must be a duration such as 250ms, 30s, 10m or 1h30m',
    ]);
    expect(problems(['--metrics-bind-address=8080'])[0]).toContain(
      'for --metrics-bind-address: must be [host]:port',
    );
    expect(problems(['--log-level=verbose'])[0]).toBe(
      'invalid value "verbose" for --log-level: must be one of trace, debug, info, warn, error, fatal, silent',
    );
    expect(problems(['--namespaces=ok,Bad_NS'])[0]).toBe(
      'invalid value "Bad_NS" for --namespaces: namespaces must be DNS labels',
    );
    expect(problems(['--leader-elect=yes'])[0]).toBe(
      'invalid value "yes" for --leader-elect: must be true or false',
    );
    expect(problems([], { AWS_RETRY_MODE: 'legacy' })[0]).toBe(
      'invalid value "legacy" for AWS_RETRY_MODE (--aws-retry-mode): must be one of standard, adaptive',
    );
    expect(parseConfig(['--aws-retry-mode=adaptive'], {}).awsRetryMode).toBe('adaptive');
    expect(problems(['--shutdown-timeout=0'])[0]).toBe(
      'invalid value "0" for --shutdown-timeout: must be greater than 0',
    );
  });

  it('refuses durations a timer cannot wait for (setTimeout/setInterval fire after 1 ms instead)', () => {
    expect(problems(['--resync-period=720h'])).toEqual([
      'invalid value "720h" for --resync-period: must be at most 596h31m23.647s',
    ]);
    expect(problems(['--shutdown-timeout=596h31m23.647s'])).toEqual([]);
    expect(problems(['--reconcile-timeout=1000h'])).toHaveLength(1);
  });

  it('never echoes a Redis password', () => {
    const [p] = problems([], { REDIS_URL: 'http://default:hunter2@redis:6379' });
    expect(p).toBe(
      'invalid value "http://***@redis:6379" for REDIS_URL (--redis-url): must be a URL with scheme redis:// or rediss://',
    );
  });

  it('reports every problem at once, including unknown flags and cross-field rules', () => {
    expect(
      problems([
        '--nope',
        '--workers=x',
        '--leader-election-renew-deadline=20s',
        '--leader-elect',
        '--kubeconfig',
      ]),
    ).toEqual([
      'unknown flag "--nope"',
      'flag --kubeconfig needs a value',
      'invalid value "x" for --workers: must be an integer from 1 to 100',
      '--leader-election-lease-duration must be greater than --leader-election-renew-deadline',
      '--leader-elect needs --leader-election-namespace (or POD_NAMESPACE) when not running in a pod',
    ]);
  });

  it('takes the leader election namespace from POD_NAMESPACE or the service account', () => {
    expect(parseConfig(['--leader-elect'], { POD_NAMESPACE: 'ops' }).leaderElectionNamespace).toBe(
      'ops',
    );
    expect(
      parseConfig(['--leader-elect'], {}, { inClusterNamespace: 'sa-ns' }).leaderElectionNamespace,
    ).toBe('sa-ns');
  });

  it('an empty --notifications-secret turns notifications off, as --help says; so does the empty variable', () => {
    expect(usage()).toMatch(/--notifications-secret[\s\S]*empty turns notifications off/);
    expect(parseConfig([], {}).notificationsSecret).toBe('latticedb-notifications');
    expect(problems(['--notifications-secret='])).toEqual([]);
    expect(parseConfig(['--notifications-secret='], {}).notificationsSecret).toBe('');
    expect(parseConfig(['--notifications-secret', ''], {}).notificationsSecret).toBe('');
    const off = { LATTICEDB_NOTIFICATIONS_SECRET: '' };
    expect(parseConfig([], off).notificationsSecret).toBe('');
    // The flag still wins over the variable, and a name is still checked.
    expect(parseConfig(['--notifications-secret=routes'], off).notificationsSecret).toBe('routes');
    expect(problems(['--notifications-secret=Not_A_Name'])).toEqual([
      'invalid value "Not_A_Name" for --notifications-secret: must be a Secret name, or empty to turn it off',
    ]);
  });

  it('--help raises HelpRequested; usage lists every flag with its variable', () => {
    expect(() => parseConfig(['--help'], {})).toThrow(HelpRequested);
    expect(usage()).toContain('--redis-url=<value>');
    expect(usage()).toContain('env REDIS_URL');
    expect(usage()).toContain('--leader-elect ');
  });
});
