// FlagRollout integration helpers: the controller in-process (the real Manager with the real
// FlagRollout setup: RedisFlagStore on the test Redis, CloudWatchMetricSource on moto), objects on
// the real apiserver, raw reads of the Redis keys and CloudWatch datapoints.
import { CloudWatchClient, PutMetricDataCommand } from '@aws-sdk/client-cloudwatch';
import { CustomObjectsApi, PatchStrategy, setHeaderOptions } from '@kubernetes/client-node';
import { Redis } from 'ioredis';
import { pino } from 'pino';
import { parseConfig } from '../../../controller/config.js';
import { Manager, type ManagerExit } from '../../../controller/manager.js';
import {
  FlagRolloutKind,
  type FlagRolloutSpec,
  type FlagRolloutStatus,
} from '../../../reconcilers/flagrollout/api.js';
import { setupFlagRolloutWith } from '../../../reconcilers/flagrollout/setup.js';
import {
  adminKubeConfig,
  applyCrdFiles,
  cloudWatchClientConfig,
  testEnv,
  waitFor,
} from '../../env/fixtures.js';

export const CRD = new URL(
  '../../../crds/flagrollouts.delivery.latticedb.com.yaml',
  import.meta.url,
);
const { group, version, plural } = FlagRolloutKind;
const log = pino({ level: process.env.TEST_LOG_LEVEL ?? 'silent' });

export async function installCrd(): Promise<void> {
  await applyCrdFiles([CRD]);
  // The controller's AWS clients use the SDK's default credential chain; moto takes any.
  process.env.AWS_ACCESS_KEY_ID ??= 'test';
  process.env.AWS_SECRET_ACCESS_KEY ??= 'test';
}

export interface RunningController {
  readonly manager: Manager;
  readonly exited: Promise<ManagerExit>;
  /** Reconciles of FlagRollouts finished so far (any result). */
  reconciles(): Promise<number>;
  stop(): Promise<void>;
}

/**
 * The controller for one namespace, as `main` would run it but in this process. `defaultRedis:
 * false` runs it without `--redis-url` (only rollouts with a redisRef can work).
 */
export function startController(
  namespace: string,
  options: { pollMs?: number; defaultRedis?: boolean } = {},
): RunningController {
  const env = testEnv();
  const config = parseConfig(
    [
      `--namespaces=${namespace}`,
      '--metrics-bind-address=0',
      '--health-probe-bind-address=0',
      ...(options.defaultRedis === false ? [] : [`--redis-url=${env.redisUrl}`]),
      `--aws-endpoint-url=${env.awsEndpoint}`,
      '--aws-region=us-east-1',
      '--aws-max-attempts=1',
      '--shutdown-timeout=2s',
    ],
    {},
  );
  const manager = new Manager({ config, kubeConfig: adminKubeConfig(), logger: log });
  manager.register(setupFlagRolloutWith({ pollMs: options.pollMs ?? 1_000 })(manager.deps()));
  const exited = manager.start();
  return {
    manager,
    exited,
    async reconciles() {
      const metric = await manager.metrics.reconcileTotal.get();
      return metric.values
        .filter((v) => v.labels.controller === 'flagrollout')
        .reduce((sum, v) => sum + v.value, 0);
    },
    async stop() {
      await manager.stop();
      await exited;
    },
  };
}

export interface FlagRolloutObject {
  metadata: { name: string; namespace: string; generation?: number; finalizers?: string[] };
  spec: FlagRolloutSpec;
  status?: FlagRolloutStatus;
}

function custom(): CustomObjectsApi {
  return adminKubeConfig().makeApiClient(CustomObjectsApi);
}

export async function createRollout(
  namespace: string,
  name: string,
  spec: Partial<FlagRolloutSpec> & Pick<FlagRolloutSpec, 'flag' | 'steps'>,
): Promise<void> {
  await custom().createNamespacedCustomObject({
    group,
    version,
    namespace,
    plural,
    body: { apiVersion: `${group}/${version}`, kind: 'FlagRollout', metadata: { name }, spec },
  });
}

export async function getRollout(namespace: string, name: string): Promise<FlagRolloutObject> {
  return (await custom().getNamespacedCustomObject({
    group,
    version,
    namespace,
    plural,
    name,
  })) as FlagRolloutObject;
}

/** A JSON merge patch of the main resource (spec, annotations). */
export async function patchRollout(namespace: string, name: string, body: object): Promise<void> {
  await custom().patchNamespacedCustomObject(
    { group, version, namespace, plural, name, body },
    setHeaderOptions('Content-Type', PatchStrategy.MergePatch),
  );
}

export async function deleteRollout(namespace: string, name: string): Promise<void> {
  await custom().deleteNamespacedCustomObject({ group, version, namespace, plural, name });
}

export async function waitForStatus(
  namespace: string,
  name: string,
  predicate: (status: FlagRolloutStatus) => boolean,
  options: { timeoutMs?: number; message?: string } = {},
): Promise<FlagRolloutStatus> {
  return waitFor(
    async () => {
      const status = (await getRollout(namespace, name)).status;
      return status !== undefined && predicate(status) ? status : undefined;
    },
    {
      timeoutMs: options.timeoutMs ?? 30_000,
      intervalMs: 100,
      message: options.message ?? `${name} status`,
    },
  );
}

export const conditionOf = (status: FlagRolloutStatus | undefined, type: string) =>
  status?.conditions?.find((c) => c.type === type);

/** A client on the test Redis without a key prefix: reads the keys the controller writes. */
export function rawRedis(): Redis {
  return new Redis(testEnv().redisUrl);
}

export interface RawFlag {
  readonly hash: Record<string, string>;
  readonly targets: string[];
}

/** `latticedb:flags:<flag>` and its targets set as stored; undefined when the hash is absent. */
export async function readRawFlag(redis: Redis, flag: string): Promise<RawFlag | undefined> {
  const [hash, targets] = await Promise.all([
    redis.hgetall(`latticedb:flags:${flag}`),
    redis.smembers(`latticedb:flags:${flag}:targets`),
  ]);
  return Object.keys(hash).length === 0 ? undefined : { hash, targets: targets.sort() };
}

/** Puts one datapoint of LatticeDB/FlagRolloutTest `ErrorRate{Rollout=<rollout>}` at now − 2 s. */
export async function putErrorRate(rollout: string, value: number): Promise<void> {
  const cw = new CloudWatchClient(cloudWatchClientConfig());
  try {
    await cw.send(
      new PutMetricDataCommand({
        Namespace: 'LatticeDB/FlagRolloutTest',
        MetricData: [
          {
            MetricName: 'ErrorRate',
            Dimensions: [{ Name: 'Rollout', Value: rollout }],
            Timestamp: new Date(Date.now() - 2_000),
            Value: value,
          },
        ],
      }),
    );
  } finally {
    cw.destroy();
  }
}

/** Analysis on that metric: < 1 succeeds, > 5 fails, measured every second over the last minute. */
export function errorRateAnalysis(rollout: string): NonNullable<FlagRolloutSpec['analysis']> {
  return {
    interval: '1s',
    metrics: [
      {
        name: 'error-rate',
        cloudWatch: {
          metric: {
            namespace: 'LatticeDB/FlagRolloutTest',
            metricName: 'ErrorRate',
            dimensions: [{ name: 'Rollout', value: rollout }],
            stat: 'Maximum',
            period: '1m',
          },
          window: '1m',
        },
        successCondition: '< 1',
        failureCondition: '> 5',
        interval: '1s',
        count: 1,
      },
    ],
  };
}

/** `kubectl get flagrollouts -n <ns>` parsed by the header's column positions (NEXT may be empty). */
export function parseTable(stdout: string): Record<string, string>[] {
  const [header = '', ...rows] = stdout.split('\n').filter((l) => l.trim() !== '');
  const columns = [...header.matchAll(/\S+/g)].map((m) => ({ name: m[0], start: m.index }));
  return rows.map((row) =>
    Object.fromEntries(
      columns.map((c, i) => [
        c.name,
        row.slice(c.start, columns[i + 1]?.start ?? row.length).trim(),
      ]),
    ),
  );
}

/** A flag name no other test uses (Redis is shared by the whole run). */
export function uniqueFlag(prefix: string): string {
  return `${prefix}_${Math.random().toString(16).slice(2, 10)}`;
}
