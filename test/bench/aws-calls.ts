// The AWS-calls figures of `npm run bench` (suite `aws`): what N healthy Releases and N stable
// ScalePolicies cost per resync period at steady state, N ECS services in moto, both kinds on the
// same services (the Release names the image its service runs, so it is adopted as stable without
// a write; the policy asks for the count the service has). The real Release and ScalePolicy
// setups run in this process, AWS through the fault proxy, which counts every call by operation.
//
// After every object is Healthy / Stable and one more period has passed (the first reconciles'
// one-off reads), the calls of `periods` resync periods are counted: per period, by operation, as
// a ratio to the floor ⌈N/10⌉ DescribeServices (10 names per call is the API's limit). Writes
// must be 0. moto never finishes an ECS deployment, so DescribeServices answers are rewritten to
// a converged deployment, as ECS reports a healthy service. With `autoscaling` (--aws-autoscaling)
// each ScalePolicy declares Application Auto Scaling instead of a fixed count (target tracking on
// CPU, min 3 / max 10, one scheduled action), so its steady state also reads the scalable target,
// the policies and the scheduled actions.
import { performance } from 'node:perf_hooks';
import { setTimeout as delay } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { CustomObjectsApi, type KubeConfig } from '@kubernetes/client-node';
import { pino } from 'pino';
import { parseConfig } from '../../controller/config.js';
import { Manager } from '../../controller/manager.js';
import { ReleaseKind } from '../../reconcilers/release/api.js';
import { setupRelease } from '../../reconcilers/release/setup.js';
import { ScalePolicyKind } from '../../reconcilers/scalepolicy/api.js';
import { setupScalePolicy } from '../../reconcilers/scalepolicy/setup.js';
import { AwsClients } from '../../reconcilers/shared/adapters/aws/clients.js';
import { ensureNamespace, installCrds, kubeConfigFromFile } from '../demo/cluster.js';
import { isReadOperation } from '../env/aws-protocol.js';
import { startFaultProxy } from '../env/fault-proxy.js';
import type { EnvironmentHandles } from '../env/index.js';
import { awsvpc, seedRollingService } from '../fixtures/moto/seed-ecs.js';
import { seedLatticeDbService } from '../fixtures/moto/seed.js';
import { fmt, table } from './report.js';

// FailoverPlans too: a ScalePolicy with autoscaling reads the FailoverPlan hold of its service
// (shared/interlock), which waits for the FailoverPlan informer to sync.
const CRDS = ['releases', 'scalepolicies', 'failoverplans'].map((plural) =>
  fileURLToPath(new URL(`../../crds/${plural}.delivery.latticedb.com.yaml`, import.meta.url)),
);
/** The most services one DescribeServices call may name. */
const BATCH = 10;

export interface AwsCallsOptions {
  readonly counts: readonly number[];
  readonly resyncMs: number;
  /** Resync periods counted. */
  readonly periods: number;
  /** ScalePolicies with an `autoscaling` block instead of `desiredCount`. */
  readonly autoscaling?: boolean;
  readonly log: (line: string) => void;
}

/** The bench's autoscaling block: target tracking on CPU, min 3 / max 10, one scheduled action. */
const AUTOSCALING = {
  minCapacity: 3,
  maxCapacity: 10,
  targetTracking: [{ predefinedMetric: 'ECSServiceAverageCPUUtilization', target: 70 }],
  scheduled: [{ name: 'nights', schedule: 'cron(0 20 ? * MON-FRI *)', minCapacity: 3 }],
} as const;

export interface AwsCallsResult {
  readonly objects: number;
  readonly resyncMs: number;
  readonly periods: number;
  readonly autoscaling: boolean;
  /** Seeding N services in moto, s. */
  readonly seedSeconds: number;
  /** Creating the 2N objects → all Healthy / Stable, s. */
  readonly convergeSeconds: number;
  /** Calls per operation over the counted periods. */
  readonly calls: ReadonlyMap<string, number>;
  readonly writes: number;
  /** Objects whose resourceVersion changed over the counted periods (status rewritten). */
  readonly objectsRewritten: number;
}

export async function measureAwsCalls(
  env: EnvironmentHandles,
  kc: KubeConfig,
  options: AwsCallsOptions,
): Promise<AwsCallsResult[]> {
  process.env.AWS_ACCESS_KEY_ID ??= 'test';
  process.env.AWS_SECRET_ACCESS_KEY ??= 'test';
  const clients = new AwsClients({
    region: 'us-east-1',
    endpoint: env.awsEndpoint,
    credentials: { accessKeyId: 'test', secretAccessKey: 'test' },
    maxAttempts: 1,
  });
  let counting = false;
  const calls = new Map<string, number>();
  let writes = 0;
  const proxy = await startFaultProxy(env.awsEndpoint, {
    onRequest: (call) => {
      if (!counting) return;
      calls.set(call.operation, (calls.get(call.operation) ?? 0) + 1);
      if (!isReadOperation(call.operation)) writes++;
    },
  });
  proxy.setRules([
    {
      service: 'ecs',
      operation: 'DescribeServices',
      fault: 'rewrite',
      transformJson: convergedRollingDeployments,
    },
  ]);
  await installCrds(kc, CRDS);
  const api = kc.makeApiClient(CustomObjectsApi);
  const results: AwsCallsResult[] = [];
  try {
    for (const n of options.counts) {
      const name = `bench-aws-${n}`;
      const namespace = name;
      const t0 = performance.now();
      const s = await seedLatticeDbService(clients, {
        endpoint: env.awsEndpoint,
        name,
        database: false,
        testListener: false,
      });
      const services = Array.from({ length: n }, (_, i) => `svc-${i}`);
      await pool(services, 10, (service) =>
        seedRollingService(clients.ecs(), {
          cluster: s.cluster,
          service,
          taskDefinitionArn: s.taskDefinitionArn,
          desiredCount: 1,
          network: awsvpc(s.network),
          containerPort: s.containerPort,
        }),
      );
      const seedSeconds = (performance.now() - t0) / 1000;
      options.log(
        `aws calls: ${fmt.int(n)} services seeded in moto in ${seedSeconds.toFixed(1)} s`,
      );
      await ensureNamespace(kc, namespace);
      const manager = startController(env, namespace, proxy.endpoint, options.resyncMs);
      try {
        const t1 = performance.now();
        await pool(services, 20, async (service) => {
          const target = { region: s.region, cluster: s.cluster, service };
          await create(api, namespace, ReleaseKind, service, {
            target: { ...target, container: s.containerName },
            image: s.ecr.images['2.1.0'] ?? '',
            strategy: { rolling: {} },
          });
          await create(
            api,
            namespace,
            ScalePolicyKind,
            service,
            options.autoscaling === true
              ? { target, autoscaling: AUTOSCALING }
              : { target, desiredCount: 1 },
          );
        });
        await untilSteady(api, namespace, n, options.log);
        const convergeSeconds = (performance.now() - t1) / 1000;
        options.log(
          `aws calls: ${fmt.int(2 * n)} objects steady in ${convergeSeconds.toFixed(1)} s; ` +
            `one period, then counting ${options.periods}`,
        );
        await delay(options.resyncMs);
        const before = await versions(api, namespace);
        calls.clear();
        writes = 0;
        counting = true;
        await delay(options.periods * options.resyncMs);
        counting = false;
        const after = await versions(api, namespace);
        const objectsRewritten = [...after].filter(([k, v]) => before.get(k) !== v).length;
        results.push({
          objects: n,
          resyncMs: options.resyncMs,
          periods: options.periods,
          autoscaling: options.autoscaling === true,
          seedSeconds,
          convergeSeconds,
          calls: new Map(calls),
          writes,
          objectsRewritten,
        });
      } finally {
        await manager.stop();
      }
    }
  } finally {
    await proxy.stop();
    clients.destroy();
  }
  return results;
}

export function awsCallsReport(results: readonly AwsCallsResult[]): string {
  const operations = [...new Set(results.flatMap((r) => [...r.calls.keys()]))].sort();
  const perPeriod = (r: AwsCallsResult, op: string) => (r.calls.get(op) ?? 0) / r.periods;
  const total = (r: AwsCallsResult) => [...r.calls.values()].reduce((a, b) => a + b, 0) / r.periods;
  const floor = (r: AwsCallsResult) => Math.ceil(r.objects / BATCH);
  const rows: string[][] = [
    ['seed N services in moto', ...results.map((r) => `${r.seedSeconds.toFixed(1)} s`)],
    [
      'create 2N objects → all Healthy / Stable',
      ...results.map((r) => `${r.convergeSeconds.toFixed(1)} s`),
    ],
    ...operations.map((op) => [
      `${op} per resync`,
      ...results.map((r) => perPeriod(r, op).toFixed(1)),
    ]),
    ['all calls per resync', ...results.map((r) => total(r).toFixed(1))],
    ['floor ⌈N/10⌉ DescribeServices', ...results.map((r) => fmt.int(floor(r)))],
    ['ratio to the floor', ...results.map((r) => `${(total(r) / floor(r)).toFixed(2)}×`)],
    ['AWS writes', ...results.map((r) => fmt.int(r.writes))],
    ['objects whose status was rewritten', ...results.map((r) => fmt.int(r.objectsRewritten))],
  ];
  const r0 = results[0];
  const heading =
    r0 === undefined ? '' : ` (resync ${r0.resyncMs / 1000} s, ${r0.periods} periods counted)`;
  const policies =
    r0?.autoscaling === true
      ? 'N ScalePolicies with autoscaling (CPU target tracking, min 3 / max 10, 1 scheduled action)'
      : 'N ScalePolicies';
  return [
    `AWS calls at steady state: N Releases + ${policies} on N ECS services${heading}`,
    table(['', ...results.map((r) => `N = ${fmt.int(r.objects)}`)], rows),
  ].join('\n');
}

async function untilSteady(
  api: CustomObjectsApi,
  namespace: string,
  n: number,
  log: (line: string) => void,
): Promise<void> {
  const deadline = performance.now() + 600_000 + n * 1_000;
  let last = '';
  for (;;) {
    const releases = await phases(api, namespace, ReleaseKind.plural);
    const policies = await phases(api, namespace, ScalePolicyKind.plural);
    const healthy = releases.filter((p) => p === 'Healthy').length;
    const stable = policies.filter((p) => p === 'Stable').length;
    if (healthy === n && stable === n) return;
    const line = `${healthy}/${n} Releases Healthy, ${stable}/${n} ScalePolicies Stable`;
    if (line !== last) log(`aws calls: ${line}`);
    last = line;
    if (performance.now() > deadline) throw new Error(`bench: not steady: ${line}`);
    await delay(1_000);
  }
}

async function phases(api: CustomObjectsApi, namespace: string, plural: string) {
  const out = (await api.listNamespacedCustomObject({
    group: ReleaseKind.group,
    version: ReleaseKind.version,
    namespace,
    plural,
  })) as { items: { status?: { phase?: string } }[] };
  return out.items.map((i) => i.status?.phase);
}

async function versions(api: CustomObjectsApi, namespace: string) {
  const out = new Map<string, string>();
  for (const plural of [ReleaseKind.plural, ScalePolicyKind.plural]) {
    const list = (await api.listNamespacedCustomObject({
      group: ReleaseKind.group,
      version: ReleaseKind.version,
      namespace,
      plural,
    })) as { items: { metadata: { name: string; resourceVersion: string } }[] };
    for (const i of list.items) out.set(`${plural}/${i.metadata.name}`, i.metadata.resourceVersion);
  }
  return out;
}

async function create(
  api: CustomObjectsApi,
  namespace: string,
  kind: { group: string; version: string; plural: string; kind: string },
  name: string,
  spec: object,
): Promise<void> {
  const { group, version, plural } = kind;
  await api.createNamespacedCustomObject({
    group,
    version,
    plural,
    namespace,
    body: { apiVersion: `${group}/${version}`, kind: kind.kind, metadata: { name }, spec },
  });
}

async function pool<T>(
  items: readonly T[],
  concurrency: number,
  each: (item: T) => Promise<unknown>,
): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(concurrency, items.length) }, async () => {
      while (next < items.length) await each(items[next++]!);
    }),
  );
}

/** Release and ScalePolicy with their production delays, in this process. */
function startController(
  env: EnvironmentHandles,
  namespace: string,
  awsEndpoint: string,
  resyncMs: number,
): Manager {
  const config = parseConfig(
    [
      `--kubeconfig=${env.kubeconfigPath}`,
      `--namespaces=${namespace}`,
      '--metrics-bind-address=0',
      '--health-probe-bind-address=0',
      `--redis-url=${env.redisUrl}`,
      `--aws-endpoint-url=${awsEndpoint}`,
      '--aws-region=us-east-1',
      '--aws-emulator',
      '--aws-max-attempts=1',
      `--resync-period=${resyncMs}ms`,
      '--shutdown-timeout=2s',
    ],
    {},
  );
  const manager = new Manager({
    config,
    kubeConfig: kubeConfigFromFile(env.kubeconfigPath),
    logger: pino({ level: 'silent' }),
  });
  const deps = manager.deps();
  manager.register(setupRelease(deps));
  manager.register(setupScalePolicy(deps));
  void manager.start();
  return manager;
}

/**
 * moto never finishes an ECS deployment: each rolling service's DescribeServices answer is
 * rewritten to one PRIMARY deployment, COMPLETED, all tasks running (as the integration tests'
 * `convergedRollingDeployments`, which lives in a vitest-only module).
 */
function convergedRollingDeployments(body: unknown): unknown {
  const out = body as { services?: Record<string, unknown>[] };
  for (const s of out.services ?? []) {
    const controller = (s.deploymentController as { type?: string } | undefined)?.type;
    if (controller === 'EXTERNAL' || typeof s.taskDefinition !== 'string') continue;
    const desired = typeof s.desiredCount === 'number' ? s.desiredCount : 0;
    const [first] = (s.deployments as Record<string, unknown>[] | undefined) ?? [];
    s.runningCount = desired;
    s.pendingCount = 0;
    s.deployments = [
      {
        ...first,
        status: 'PRIMARY',
        taskDefinition: s.taskDefinition,
        desiredCount: desired,
        runningCount: desired,
        pendingCount: 0,
        failedTasks: 0,
        rolloutState: 'COMPLETED',
        rolloutStateReason: 'ECS deployment completed (rewritten by the bench proxy)',
      },
    ];
  }
  return out;
}
