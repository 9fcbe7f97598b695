// The local test stack: etcd + kube-apiserver, redis-server and moto_server on free loopback ports,
// started together and torn down together. Used by the vitest global setup (test/env/global-setup.ts)
// and by plain scripts (`npm run demo`). Overrides, as envtest has them:
//   LATTICEDB_USE_EXISTING_CLUSTER=true + KUBECONFIG  use that cluster, start no apiserver
//   REDIS_URL                                          use that Redis
//   AWS_ENDPOINT_URL                                   use that AWS endpoint
import { performance } from 'node:perf_hooks';
import { join } from 'node:path';
import { KubeConfig } from '@kubernetes/client-node';
import { ensureControlPlaneBinaries, kubectlPath } from './binaries.js';
import { startControlPlane, type ControlPlane } from './control-plane.js';
import {
  startControlServer,
  type ControlServer,
  type EnvironmentControl,
} from './environment-control.js';
import { watchLaunchChain } from './launch-chain.js';
import { startMoto, type MotoServer } from './moto.js';
import { ensurePrerequisites } from './prerequisites.js';
import { startRedisServer, type RedisServer } from './redis.js';
import { createStateDir, prepareStateDir, removeStateDir } from './state-dir.js';

export interface EnvironmentHandles {
  /** Admin kubeconfig (bearer token, CA data): for client-node and `kubectl --kubeconfig`. */
  readonly kubeconfigPath: string;
  /** https://127.0.0.1:<port> */
  readonly kubeServer: string;
  /** base64 PEM of the cluster CA; absent for an existing cluster without CA data */
  readonly kubeCaData?: string;
  /** bearer token of a system:masters user; absent for an existing cluster using other auth */
  readonly kubeAdminToken?: string;
  /** kubectl of the same version as the apiserver when built, else the one on PATH */
  readonly kubectlPath: string;
  /** redis://:<password>@127.0.0.1:<port> */
  readonly redisUrl: string;
  /** moto (or AWS_ENDPOINT_URL): the `endpoint` of AWS SDK clients */
  readonly awsEndpoint: string;
  /** logs, PKI, kubeconfig, redis config of this run */
  readonly stateDir: string;
  /** HTTP endpoint for EnvironmentControl from other processes (test workers) */
  readonly controlUrl: string;
  /** which parts this environment started (and so can stop and restart) */
  readonly managed: {
    readonly kubeApiserver: boolean;
    readonly redis: boolean;
    readonly moto: boolean;
  };
}

export interface TestEnvironment extends EnvironmentHandles {
  /** Only the data, e.g. to hand to another process. */
  readonly handles: EnvironmentHandles;
  /** Stop/start the apiserver and Redis in the middle of a test. */
  readonly control: EnvironmentControl;
  /** Stops every process this environment started and deletes its state dir. Idempotent. */
  stop(): Promise<void>;
}

export interface StartEnvironmentOptions {
  /** Default: a new directory under <repo>/.test-env/ (stale ones of dead runs are reaped). */
  readonly stateDir?: string;
  /** Where overrides are read from; default process.env. */
  readonly env?: NodeJS.ProcessEnv;
  /**
   * For scripts: stop everything on SIGINT/SIGTERM, or when a process that launched this one in its
   * process group (npx, sh, tsx) exits, then exit. Default false (vitest owns signals).
   */
  readonly stopOnSignals?: boolean;
  /** Build kube-apiserver/etcd/kubectl from Go modules when missing. Default true. */
  readonly buildMissingBinaries?: boolean;
  /** Keep the state dir (logs) after stop. Default: LATTICEDB_TEST_KEEP_STATE=true. */
  readonly keepStateDir?: boolean;
  /** Startup timeout per process. Default 90 s. */
  readonly startTimeoutMs?: number;
  /** Progress lines; default stderr. */
  readonly log?: (line: string) => void;
}

export async function startEnvironment(
  options: StartEnvironmentOptions = {},
): Promise<TestEnvironment> {
  const env = options.env ?? process.env;
  const log = options.log ?? ((line: string) => process.stderr.write(`[test-env] ${line}\n`));
  const started = performance.now();
  const stateDir = options.stateDir ? prepareStateDir(options.stateDir) : createStateDir();
  const existing = env.LATTICEDB_USE_EXISTING_CLUSTER === 'true' ? existingCluster(env) : undefined;

  const parts = await startParts(stateDir, env, existing !== undefined, { ...options, log });
  const control = processControl(parts.controlPlane, parts.redis);
  let controlServer: ControlServer;
  try {
    controlServer = await startControlServer(control);
  } catch (err) {
    await stopAll(parts);
    throw err;
  }
  const { controlPlane, redis, moto } = parts;
  const handles: EnvironmentHandles = {
    ...(controlPlane
      ? {
          kubeconfigPath: controlPlane.kubeconfigPath,
          kubeServer: controlPlane.server,
          kubeCaData: controlPlane.caData,
          kubeAdminToken: controlPlane.adminToken,
        }
      : existing!), // set when there is no control plane
    kubectlPath: kubectlPath(env),
    redisUrl: redis?.url ?? env.REDIS_URL ?? '',
    awsEndpoint: moto?.endpoint ?? env.AWS_ENDPOINT_URL ?? '',
    stateDir,
    controlUrl: controlServer.url,
    managed: {
      kubeApiserver: controlPlane !== undefined,
      redis: redis !== undefined,
      moto: moto !== undefined,
    },
  };
  log(
    `up in ${((performance.now() - started) / 1000).toFixed(1)} s: kube ${handles.kubeServer}` +
      `${controlPlane ? '' : ' (existing)'}, redis ${redis ? `127.0.0.1:${redis.port}` : '(REDIS_URL)'}, ` +
      `aws ${handles.awsEndpoint}${moto ? '' : ' (AWS_ENDPOINT_URL)'}; state ${stateDir}`,
  );

  const keep = options.keepStateDir ?? env.LATTICEDB_TEST_KEEP_STATE === 'true';
  let stopping: Promise<void> | undefined;
  const stop = (): Promise<void> =>
    (stopping ??= (async () => {
      await controlServer.close();
      await stopAll(parts);
      if (!keep) removeStateDir(stateDir);
    })());
  if (options.stopOnSignals) stopOnSignals(stop, log);
  return { ...handles, handles, control, stop };
}

interface Parts {
  readonly controlPlane?: ControlPlane;
  readonly redis?: RedisServer;
  readonly moto?: MotoServer;
}

/** Starts what no override replaces, in parallel; on any failure stops the others and throws. */
async function startParts(
  stateDir: string,
  env: NodeJS.ProcessEnv,
  existingCluster: boolean,
  options: StartEnvironmentOptions & { log: (line: string) => void },
): Promise<Parts> {
  const startTimeoutMs = options.startTimeoutMs ?? 90_000;
  ensurePrerequisites({ redis: !env.REDIS_URL, moto: !env.AWS_ENDPOINT_URL }, env, options.log);
  const results = await Promise.allSettled([
    existingCluster
      ? undefined
      : ensureControlPlaneBinaries({
          env,
          build: options.buildMissingBinaries,
          buildLogPath: join(stateDir, 'build-k8s.log'),
          log: options.log,
        }).then((binaries) => startControlPlane({ stateDir, binaries, startTimeoutMs })),
    env.REDIS_URL ? undefined : startRedisServer({ dir: stateDir }),
    env.AWS_ENDPOINT_URL ? undefined : startMoto({ dir: stateDir, startTimeoutMs }),
  ]);
  const [controlPlane, redis, moto] = results.map((r) =>
    r.status === 'fulfilled' ? r.value : undefined,
  ) as [ControlPlane | undefined, RedisServer | undefined, MotoServer | undefined];
  const failures = results.flatMap((r) => (r.status === 'rejected' ? [r.reason as unknown] : []));
  if (failures.length > 0) {
    await stopAll({ controlPlane, redis, moto });
    const reasons = failures.map((f) => (f instanceof Error ? f.message : String(f)));
    throw new Error(
      `test environment did not start (state dir ${stateDir}):\n${reasons.join('\n')}`,
    );
  }
  return { controlPlane, redis, moto };
}

function stopOnSignals(stop: () => Promise<void>, log: (line: string) => void): void {
  for (const [signal, code] of [
    ['SIGINT', 130],
    ['SIGTERM', 143],
  ] as const) {
    process.once(signal, () => {
      log(`${signal}: stopping the test environment`);
      void stop().finally(() => process.exit(code));
    });
  }
  watchLaunchChain(() => {
    log('the process that started this one exited: stopping the test environment');
    void stop().finally(() => process.exit(143));
  });
}

async function stopAll(parts: Parts): Promise<void> {
  await Promise.all(
    [parts.controlPlane, parts.redis, parts.moto].map(async (p) => {
      await p?.stop();
    }),
  );
}

function existingCluster(env: NodeJS.ProcessEnv): {
  kubeconfigPath: string;
  kubeServer: string;
  kubeCaData?: string;
  kubeAdminToken?: string;
} {
  const path = env.KUBECONFIG;
  if (!path || path.includes(':')) {
    throw new Error(
      'LATTICEDB_USE_EXISTING_CLUSTER=true needs KUBECONFIG set to one kubeconfig file',
    );
  }
  const kc = new KubeConfig();
  kc.loadFromFile(path);
  const cluster = kc.getCurrentCluster();
  if (!cluster) throw new Error(`${path} has no current cluster`);
  return {
    kubeconfigPath: path,
    kubeServer: cluster.server,
    kubeCaData: cluster.caData,
    kubeAdminToken: kc.getCurrentUser()?.token,
  };
}

function processControl(
  controlPlane: ControlPlane | undefined,
  redis: RedisServer | undefined,
): EnvironmentControl {
  const kube = (): ControlPlane => {
    if (!controlPlane) throw new Error('the kube-apiserver is not managed here (existing cluster)');
    return controlPlane;
  };
  const redisServer = (): RedisServer => {
    if (!redis) throw new Error('Redis is not managed here (REDIS_URL)');
    return redis;
  };
  return {
    stopKubeApiserver: () => kube().stopApiserver(),
    startKubeApiserver: () => kube().startApiserver(),
    async restartKubeApiserver() {
      await kube().stopApiserver();
      await kube().startApiserver();
    },
    stopRedis: () => redisServer().stop(),
    startRedis: () => redisServer().start(),
    async restartRedis() {
      await redisServer().stop();
      await redisServer().start();
    },
    async ensureRunning() {
      await Promise.all([controlPlane?.startApiserver(), redis?.start()]);
    },
  };
}
