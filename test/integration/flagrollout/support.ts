// FlagRollout integration helpers: the controller in-process (the real Manager with the real
// FlagRollout setup: RedisFlagStore on the test Redis, CloudWatchMetricSource on moto), objects on
// the real apiserver, raw reads of the Redis keys and CloudWatch datapoints.
import { CloudWatchClient, PutMetricDataCommand } from '@aws-sdk/client-cloudwatch';
import { Redis } from 'ioredis';
import { afterEach, beforeAll, beforeEach } from 'vitest';
import {
  FlagRolloutKind,
  type FlagRolloutSpec,
  type FlagRolloutStatus,
} from '../../../reconcilers/flagrollout/api.js';
import { setupFlagRolloutWith } from '../../../reconcilers/flagrollout/setup.js';
import {
  cloudWatchClientConfig,
  createTestNamespace,
  testEnv,
  waitFor,
} from '../../env/fixtures.js';
import {
  installControllerCrd,
  startInProcessController,
  type RunningController,
} from '../../fixtures/in-process-controller.js';
import { kindObjects } from '../../fixtures/kind-objects.js';

export type { RunningController };

export const CRD = new URL(
  '../../../crds/flagrollouts.delivery.latticedb.com.yaml',
  import.meta.url,
);

// The controller watches FailoverPlans too (the interlock): its informer needs their CRD.
const FAILOVER_PLAN_CRD = new URL(
  '../../../crds/failoverplans.delivery.latticedb.com.yaml',
  import.meta.url,
);

export const installCrd = async (): Promise<void> => {
  await installControllerCrd(CRD);
  await installControllerCrd(FAILOVER_PLAN_CRD);
};

/**
 * The FlagRollout controller for one namespace, in this process. `defaultRedis: false` runs it
 * without `--redis-url` (only rollouts with a redisRef can work).
 */
export function startController(
  namespace: string,
  options: { pollMs?: number; defaultRedis?: boolean } = {},
): RunningController {
  return startInProcessController(
    namespace,
    setupFlagRolloutWith({ pollMs: options.pollMs ?? 1_000 }),
    { defaultRedis: options.defaultRedis },
  );
}

export interface FlagRolloutObject {
  metadata: { name: string; namespace: string; generation?: number; finalizers?: string[] };
  spec: FlagRolloutSpec;
  status?: FlagRolloutStatus;
}

const rollouts = kindObjects<FlagRolloutObject>(FlagRolloutKind);

export function createRollout(
  namespace: string,
  name: string,
  spec: Partial<FlagRolloutSpec> & Pick<FlagRolloutSpec, 'flag' | 'steps'>,
): Promise<void> {
  return rollouts.create(namespace, name, spec);
}

export function getRollout(namespace: string, name: string): Promise<FlagRolloutObject> {
  return rollouts.get(namespace, name);
}

/** A JSON merge patch of the main resource (spec, annotations). */
export function patchRollout(namespace: string, name: string, body: object): Promise<void> {
  return rollouts.mergePatch(namespace, name, body);
}

export function deleteRollout(namespace: string, name: string): Promise<void> {
  return rollouts.delete(namespace, name);
}

export function waitForStatus(
  namespace: string,
  name: string,
  predicate: (status: FlagRolloutStatus) => boolean,
  options: { timeoutMs?: number; message?: string } = {},
): Promise<FlagRolloutStatus> {
  return rollouts.waitForStatus(namespace, name, predicate, {
    timeoutMs: options.timeoutMs ?? 30_000,
    message: options.message ?? `${name} status`,
  });
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

/** Waits until no reconcile has run for `quietMs`: leftovers of the previous step (the re-check
 * after a write, a stale-cache requeue) must not be counted as caused by the next change. */
export async function settled(c: RunningController, quietMs = 1_500): Promise<number> {
  let last = await c.reconciles();
  let since = Date.now();
  await waitFor(
    async () => {
      const now = await c.reconciles();
      if (now !== last) {
        last = now;
        since = Date.now();
      }
      return Date.now() - since >= quietMs;
    },
    { timeoutMs: 15_000, message: 'the controller did not become idle' },
  );
  return last;
}

/** What a FlagRollout integration test runs against; fresh for each test. */
export interface RolloutTestEnv {
  /** The test's own namespace, watched by the controllers started for it. */
  readonly ns: string;
  /** The controller started for each test (unless the file asked for none). */
  readonly controller: RunningController;
  /** A raw client of the test Redis (to read and write flags as an application or a person would). */
  readonly redis: Redis;
  /** Starts a (further) controller on the test's namespace; stopped after the test. */
  start(options?: Parameters<typeof startController>[1]): RunningController;
}

/**
 * Registers the hooks of a FlagRollout integration test file: the CRD once, then per test a fresh
 * namespace (`<prefix>-…`), a raw Redis client and, unless `controller: false`, a controller
 * watching the namespace; every controller of the test is stopped after it.
 */
export function rolloutTestEnv(
  prefix: string,
  options: { readonly beforeAll?: () => Promise<void>; readonly controller?: boolean } = {},
): RolloutTestEnv {
  let current: { ns: string; redis: Redis; controllers: RunningController[] } | undefined;
  const now = () => {
    if (current === undefined) throw new Error('rolloutTestEnv: used outside a test');
    return current;
  };
  const start = (opts?: Parameters<typeof startController>[1]): RunningController => {
    const test = now();
    const c = startController(test.ns, opts);
    test.controllers.push(c);
    return c;
  };
  beforeAll(async () => {
    await installCrd();
    await options.beforeAll?.();
  });
  beforeEach(async () => {
    current = { ns: await createTestNamespace(prefix), redis: rawRedis(), controllers: [] };
    if (options.controller !== false) start();
  });
  afterEach(async () => {
    for (const c of current?.controllers.splice(0) ?? []) await c.stop();
    await current?.redis.quit();
    current = undefined;
  });
  return {
    get ns() {
      return now().ns;
    },
    get controller() {
      const first = now().controllers[0];
      if (first === undefined) throw new Error('rolloutTestEnv: no controller started');
      return first;
    },
    get redis() {
      return now().redis;
    },
    start,
  };
}
