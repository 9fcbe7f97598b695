// The step-timing figures of `npm run bench`: how punctually the real reconcilers move a rollout
// along its schedule, with the production delays (DEFAULT_TUNING, the FlagRollout defaults), the
// controller in this process, the apiserver, moto and Redis of the local stack.
//
// - Release: a canary of `steps` weight changes (10, 20, … then promotion to 100 %) with a
//   `pause` between them; every production ModifyListener is timestamped at a proxy in front of
//   moto. A change's lateness is its time minus its due time, the previous change + the pause
//   (what the plan promises: each weight serves at least the pause); drift is the last change's
//   time against the first one's + (n − 1) × pause (what the schedule adds up to).
// - FlagRollout: the same for a flag ramped in `steps` percentages with a `hold` each; every write
//   is timestamped when its change notice arrives on the flags channel.
import { performance } from 'node:perf_hooks';
import { setTimeout as delay } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { CustomObjectsApi, type KubeConfig } from '@kubernetes/client-node';
import { Redis } from 'ioredis';
import { pino } from 'pino';
import { parseConfig } from '../../controller/config.js';
import { Manager } from '../../controller/manager.js';
import { FlagRolloutKind } from '../../reconcilers/flagrollout/api.js';
import { setupFlagRollout } from '../../reconcilers/flagrollout/setup.js';
import { ReleaseKind } from '../../reconcilers/release/api.js';
import { setupRelease } from '../../reconcilers/release/setup.js';
import { AwsClients } from '../../reconcilers/shared/adapters/aws/clients.js';
import { DEFAULT_KEY_PREFIX, flagKeys } from '../../flags/model.js';
import { ensureNamespace, installCrds, kubeConfigFromFile } from '../demo/cluster.js';
import { startFaultProxy } from '../env/fault-proxy.js';
import type { EnvironmentHandles } from '../env/index.js';
import { seedLatticeDbService, type SeededLatticeDb } from '../fixtures/moto/seed.js';
import { fmt, table } from './report.js';

// FlagRollout watches FailoverPlans (the interlock): its informer needs their CRD.
const CRDS = ['releases', 'flagrollouts', 'failoverplans'].map((plural) =>
  fileURLToPath(new URL(`../../crds/${plural}.delivery.latticedb.com.yaml`, import.meta.url)),
);

export interface StepTimingOptions {
  /** Weight changes (Release) and percentage writes (FlagRollout). */
  readonly steps: number;
  /** The pause / hold between two of them, ms. */
  readonly intervalMs: number;
  readonly log: (line: string) => void;
}

export interface Timeline {
  readonly what: string;
  /** ms (performance.now()) of each change, in order. */
  readonly at: readonly number[];
}

export async function measureStepTiming(
  env: EnvironmentHandles,
  kc: KubeConfig,
  options: StepTimingOptions,
): Promise<Timeline[]> {
  process.env.AWS_ACCESS_KEY_ID ??= 'test';
  process.env.AWS_SECRET_ACCESS_KEY ??= 'test';
  const clients = new AwsClients({
    region: 'us-east-1',
    endpoint: env.awsEndpoint,
    credentials: { accessKeyId: 'test', secretAccessKey: 'test' },
    maxAttempts: 1,
  });
  const listenerChanges: { body: string; at: number }[] = [];
  const proxy = await startFaultProxy(env.awsEndpoint, {
    onRequest: (call) => {
      if (call.operation === 'ModifyListener')
        listenerChanges.push({ body: call.body, at: performance.now() });
    },
  });
  const namespace = 'bench-steps';
  const subscriber = new Redis(env.redisUrl);
  const keys = flagKeys(DEFAULT_KEY_PREFIX);
  const flag = 'bench_step_timing';
  const flagWrites: number[] = [];
  let manager: Manager | undefined;
  try {
    const s = await seedLatticeDbService(clients, { endpoint: env.awsEndpoint });
    await installCrds(kc, CRDS);
    await ensureNamespace(kc, namespace);
    await subscriber.subscribe(keys.channel);
    subscriber.on('message', (_channel: string, message: string) => {
      if (message.includes(flag)) flagWrites.push(performance.now());
    });
    manager = startController(env, namespace, proxy.endpoint);
    const api = kc.makeApiClient(CustomObjectsApi);
    const weights = Array.from({ length: options.steps - 1 }, (_, i) =>
      Math.round(((i + 1) * 100) / options.steps),
    );
    const pause = `${options.intervalMs / 1000}s`;
    options.log(`step timing: a canary over ${weights.join(', ')} then 100 %, pause ${pause}`);
    await create(api, namespace, ReleaseKind, 'steps', {
      target: { ...s.canary.ref, container: s.containerName },
      image: s.ecr.images['2.2.0'] ?? '',
      strategy: {
        canary: {
          steps: weights.flatMap((w) => [{ setWeight: w }, { pause: { duration: pause } }]),
          trafficRouting: { alb: albOf(s) },
        },
      },
    });
    options.log(`step timing: a flag over ${weights.join(', ')} then 100 %, hold ${pause}`);
    await create(api, namespace, FlagRolloutKind, 'steps', {
      flag,
      enabled: true,
      steps: [...weights.map((percentage) => ({ percentage, hold: pause })), { percentage: 100 }],
    });
    const deadline = performance.now() + options.steps * options.intervalMs * 4 + 120_000;
    const canaryChanges = () => canaryIncreases(listenerChanges, s);
    while (canaryChanges().length < options.steps || flagWrites.length < options.steps) {
      if (performance.now() > deadline) {
        throw new Error(
          `bench: step timing saw ${canaryChanges().length} weight changes and ${flagWrites.length} flag writes of ${options.steps}`,
        );
      }
      await delay(100);
    }
    const gaps = (at: readonly number[]) =>
      at
        .slice(1, options.steps)
        .map((t, i) => Math.round(t - at[i]!))
        .join(' ');
    options.log(`step timing: canary gaps ms ${gaps(canaryChanges())}`);
    options.log(`step timing: flag gaps ms ${gaps(flagWrites)}`);
    return [
      { what: `Release canary (pause ${pause})`, at: canaryChanges().slice(0, options.steps) },
      { what: `FlagRollout (hold ${pause})`, at: flagWrites.slice(0, options.steps) },
    ];
  } finally {
    if (manager !== undefined) await manager.stop();
    subscriber.disconnect();
    await proxy.stop();
    clients.destroy();
  }
}

export function stepTimingReport(timelines: readonly Timeline[], intervalMs: number): string {
  const rows = timelines.map((t) => {
    const lateness = t.at.slice(1).map((at, i) => at - (t.at[i]! + intervalMs));
    const gaps = t.at.slice(1).map((at, i) => at - t.at[i]!);
    const drift = t.at.at(-1)! - (t.at[0]! + (t.at.length - 1) * intervalMs);
    // Against the schedule: change k is due at the first change + k × interval.
    const behind = t.at.slice(1).map((at, i) => at - (t.at[0]! + (i + 1) * intervalMs));
    const sorted = [...lateness].sort((a, b) => a - b);
    const p99 = sorted[Math.min(sorted.length - 1, Math.ceil(0.99 * sorted.length) - 1)]!;
    return [
      t.what,
      fmt.int(t.at.length),
      `${fmt.ms(Math.min(...gaps))} / ${fmt.ms(Math.max(...gaps))}`,
      fmt.ms(p99),
      fmt.ms(Math.max(...lateness)),
      fmt.ms(Math.max(...behind)),
      fmt.ms(drift),
    ];
  });
  return [
    'Step timing (production delays; lateness = change − (previous change + interval); behind schedule = change k − (first change + k × interval))',
    table(
      [
        '',
        'changes',
        'gap min / max',
        'lateness p99',
        'lateness max',
        'behind schedule max',
        'drift at the end',
      ],
      rows,
    ),
  ].join('\n');
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

function albOf(s: SeededLatticeDb) {
  return {
    listenerArn: s.alb.listenerArn,
    stableTargetGroupArn: s.alb.blueTargetGroupArn,
    canaryTargetGroupArn: s.alb.greenTargetGroupArn,
  };
}

/** Times of the production ModifyListener calls that raised the canary group's weight. */
function canaryIncreases(
  calls: readonly { body: string; at: number }[],
  s: SeededLatticeDb,
): number[] {
  const out: number[] = [];
  let last = 0;
  for (const call of calls) {
    const form = new URLSearchParams(call.body);
    if (form.get('ListenerArn') !== s.alb.listenerArn) continue;
    const prefix = 'DefaultActions.member.1.ForwardConfig.TargetGroups.member.';
    for (let i = 1; form.has(`${prefix}${i}.TargetGroupArn`); i++) {
      if (form.get(`${prefix}${i}.TargetGroupArn`) !== s.alb.greenTargetGroupArn) continue;
      const weight = Number(form.get(`${prefix}${i}.Weight`) ?? '0');
      if (weight > last) out.push(call.at);
      last = weight;
    }
  }
  return out;
}

/** Both kinds with their production delays, in this process. */
function startController(env: EnvironmentHandles, namespace: string, awsEndpoint: string): Manager {
  const config = parseConfig(
    [
      `--kubeconfig=${env.kubeconfigPath}`,
      `--namespaces=${namespace}`,
      '--metrics-bind-address=0',
      '--health-probe-bind-address=0',
      `--redis-url=${env.redisUrl}`,
      `--aws-endpoint-url=${awsEndpoint}`,
      '--aws-region=us-east-1',
      '--aws-max-attempts=1',
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
  manager.register(setupFlagRollout(deps));
  void manager.start();
  return manager;
}
