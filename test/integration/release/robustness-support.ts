// Helpers for the Release robustness tests (crash-resume, throttling, steady state): the real
// controller as a child process (Node 24 + tsx, `controller/main.ts` with every kind, as the rbac
// test runs it) whose AWS endpoint is a fault proxy in this process. The proxy logs every AWS call
// with its body, in order, and can SIGKILL the controller the moment moto has answered a chosen
// call — before the answer is relayed, so the controller never learns that its write happened.
import {
  CloudWatchClient,
  PutMetricAlarmCommand,
  SetAlarmStateCommand,
} from '@aws-sdk/client-cloudwatch';
import { Redis } from 'ioredis';
import type { ReleaseSpec, ReleaseStatus } from '../../../reconcilers/release/api.js';
import { isReadOperation } from '../../env/aws-protocol.js';
import {
  startFaultProxy,
  type FaultProxy,
  type FaultProxyOptions,
  type ProxiedCall,
} from '../../env/fault-proxy.js';
import { applyCrdFiles, cloudWatchClientConfig, testEnv } from '../../env/fixtures.js';
import type { SeededLatticeDb } from '../../fixtures/moto/seed.js';
import { taskSetCounts } from '../../fixtures/moto/task-set-counts.js';
import { crdFiles, startControllerFromSource, type ControllerProcess } from '../deploy/support.js';
import { canarySpec as canaryReleaseSpec } from './scenario.js';
import { installCrd } from './support.js';

export interface LoggedCall extends ProxiedCall {
  readonly seq: number;
}

/** What to do when moto has answered a call: return true to consume the hook. */
type AnsweredHook = (call: LoggedCall) => boolean | Promise<boolean>;

/** A fault proxy that keeps an ordered log of every AWS call the controller made. */
export class CallLog {
  readonly calls: LoggedCall[] = [];
  #proxy: FaultProxy | undefined;
  #answered: AnsweredHook | undefined;
  /** The proxy hands both hooks the same call object. */
  readonly #logged = new WeakMap<ProxiedCall, LoggedCall>();

  async start(options: Pick<FaultProxyOptions, 'random'> = {}): Promise<FaultProxy> {
    this.#proxy = await startFaultProxy(testEnv().awsEndpoint, {
      ...options,
      // ECS task-set counts as real ECS reports them (moto has none): allTasksRunning reads them.
      rewrites: [taskSetCounts()],
      onRequest: (call) => {
        const logged = { ...call, seq: this.calls.length };
        this.calls.push(logged);
        this.#logged.set(call, logged);
      },
      onUpstreamResponse: async (call) => {
        const hook = this.#answered;
        const logged = this.#logged.get(call);
        if (hook === undefined || logged === undefined) return;
        // Consumed: unless a new hook was installed meanwhile (the caller may re-arm at once).
        if ((await hook(logged)) && this.#answered === hook) this.#answered = undefined;
      },
    });
    return this.#proxy;
  }

  get proxy(): FaultProxy {
    if (this.#proxy === undefined) throw new Error('CallLog.start() first');
    return this.#proxy;
  }

  /** Runs `hook` on each answered call (before its answer is relayed) until it returns true. */
  onAnswered(hook: AnsweredHook | undefined): void {
    this.#answered = hook;
  }

  clear(): void {
    this.calls.length = 0;
    this.#proxy?.resetCounts();
  }

  /** Calls of `operation` (unfaulted only, unless `withFaults`). */
  of(operation: string, withFaults = false): LoggedCall[] {
    return this.calls.filter(
      (c) => c.operation === operation && (withFaults || c.fault === undefined),
    );
  }

  writes(): LoggedCall[] {
    return this.calls.filter((c) => !isReadOperation(c.operation) && c.fault === undefined);
  }

  async stop(): Promise<void> {
    await this.#proxy?.stop();
  }
}

export const jsonBody = (call: ProxiedCall): Record<string, unknown> =>
  JSON.parse(call.body) as Record<string, unknown>;

/** A ModifyListener call (query protocol): the listener and its forward weights by target group. */
export function listenerWeights(call: ProxiedCall): {
  listenerArn: string;
  weights: Record<string, number>;
} {
  const form = new URLSearchParams(call.body);
  const weights: Record<string, number> = {};
  const prefix = 'DefaultActions.member.1.ForwardConfig.TargetGroups.member.';
  for (let i = 1; form.has(`${prefix}${i}.TargetGroupArn`); i++) {
    weights[form.get(`${prefix}${i}.TargetGroupArn`) ?? ''] = Number(
      form.get(`${prefix}${i}.Weight`) ?? '1',
    );
  }
  return { listenerArn: form.get('ListenerArn') ?? '', weights };
}

/**
 * moto never progresses an ECS deployment (aws-emulator.md §3): this rewrite of DescribeServices
 * answers makes every rolling (ECS-controller) service look converged on the task definition it
 * was last given — one PRIMARY deployment, COMPLETED, all tasks running — as ECS reports once a
 * rolling update has finished. Task-set (EXTERNAL) services are left as moto reports them.
 */
export function convergedRollingDeployments(body: unknown): unknown {
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
        rolloutStateReason: 'ECS deployment completed (rewritten by the test fault proxy)',
      },
    ];
  }
  return out;
}

export const convergedRollingRule = {
  service: 'ecs',
  operation: 'DescribeServices',
  fault: 'rewrite',
  transformJson: convergedRollingDeployments,
} as const;

/** The controller process serves every kind: it waits for all their informers to sync. */
export async function installAllCrds(): Promise<void> {
  await installCrd();
  await applyCrdFiles(crdFiles());
}

/** The controller process for one namespace, AWS through `awsEndpoint`, Redis of the test stack. */
export function startReleaseController(
  namespace: string,
  awsEndpoint: string,
  extraArgs: readonly string[] = [],
): ControllerProcess {
  const env = testEnv();
  return startControllerFromSource(
    [
      `--kubeconfig=${env.kubeconfigPath}`,
      `--namespaces=${namespace}`,
      `--aws-endpoint-url=${awsEndpoint}`,
      '--aws-region=us-east-1',
      '--aws-emulator',
      `--redis-url=${env.redisUrl}`,
      '--metrics-bind-address=0',
      '--health-probe-bind-address=0',
      '--shutdown-timeout=2s',
      ...extraArgs,
    ],
    {
      PATH: process.env.PATH ?? '',
      HOME: process.env.HOME ?? '/tmp',
      AWS_ACCESS_KEY_ID: 'test',
      AWS_SECRET_ACCESS_KEY: 'test',
      AWS_EC2_METADATA_DISABLED: 'true',
    },
  );
}

/** The last log lines of a controller process, for a failure message. */
export function logTail(controller: ControllerProcess | undefined, lines = 25): string {
  if (controller === undefined) return '(no controller)';
  const text = controller.lines
    .slice(-lines)
    .map(
      (l) => `${l.level} ${l.msg} ${JSON.stringify({ ...l, level: undefined, msg: undefined })}`,
    );
  return [...text, ...controller.other.slice(-5)].join('\n');
}

/** A Release is finished and quiet: Healthy with nothing left to retire. */
export const settledHealthy = (s: ReleaseStatus): boolean =>
  s.phase === 'Healthy' && s.stage === 'Done' && s.retiring === undefined;

/** A fresh moto world: the seeded LatticeDB cluster with images 2.1.0 (running) and 2.2.0. */
export { seedWorld } from './scenario.js';

/** Canary of 2.2.0 on the seeded EXTERNAL service: 20 %, pause 2 s, 50 %, pause 1 s, promote. */
export function canarySpec(s: SeededLatticeDb): ReleaseSpec {
  return canaryReleaseSpec(s, {
    steps: [
      { setWeight: 20 },
      { pause: { duration: '2s' } },
      { setWeight: 50 },
      { pause: { duration: '1s' } },
    ],
  });
}

/** The green (canary) group's weight in each ModifyListener of the production listener, in order. */
export function productionGreenWeights(log: CallLog, s: SeededLatticeDb): number[] {
  return log
    .of('ModifyListener')
    .map(listenerWeights)
    .filter((m) => m.listenerArn === s.alb.listenerArn)
    .map((m) => m.weights[s.alb.greenTargetGroupArn] ?? 0);
}

/** mulberry32: a small deterministic PRNG, so the same calls are faulted on every run. */
export function seededRandom(seed: number): () => number {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Reconciles that ended in an error (retried by the work queue with backoff). */
export const reconcileErrors = (controller: ControllerProcess): number =>
  controller.lines.filter((l) => l.msg === 'reconciler error').length;

/**
 * Watches the test Redis with MONITOR for maintenance-flag writes: the flag store's compare-and-set
 * script ends with a PUBLISH of the change, so that command (run from Lua) marks a completed write.
 */
export class FlagWriteWatch {
  readonly #monitor: Redis;
  #hook: ((flag: string) => void) | undefined;

  private constructor(monitor: Redis) {
    this.#monitor = monitor;
    monitor.on('monitor', (_time: string, args: string[], source: string) => {
      if (source !== 'lua' || args[0]?.toLowerCase() !== 'publish') return;
      const change = parseChange(args[2]);
      if (change?.op === 'set' && typeof change.flag === 'string') this.#hook?.(change.flag);
    });
  }

  static async start(): Promise<FlagWriteWatch> {
    const client = new Redis(testEnv().redisUrl, { lazyConnect: true });
    return new FlagWriteWatch(await client.monitor());
  }

  /** Calls `hook` with the flag's name after each completed flag write (undefined: stop). */
  onWrite(hook: ((flag: string) => void) | undefined): void {
    this.#hook = hook;
  }

  stop(): void {
    this.#monitor.disconnect();
  }
}

function parseChange(text: string | undefined): { op?: unknown; flag?: unknown } | undefined {
  try {
    return JSON.parse(text ?? '') as { op?: unknown; flag?: unknown };
  } catch {
    return undefined;
  }
}

/** Creates (or keeps) a CloudWatch alarm in moto and puts it into `state`. */
export async function setAlarm(name: string, state: 'OK' | 'ALARM'): Promise<void> {
  const cw = new CloudWatchClient(cloudWatchClientConfig());
  try {
    await cw.send(
      new PutMetricAlarmCommand({
        AlarmName: name,
        Namespace: 'LatticeDB/ReleaseTest',
        MetricName: 'Errors',
        Statistic: 'Sum',
        Period: 60,
        EvaluationPeriods: 1,
        Threshold: 10,
        ComparisonOperator: 'GreaterThanThreshold',
      }),
    );
    await cw.send(
      new SetAlarmStateCommand({ AlarmName: name, StateValue: state, StateReason: 'test' }),
    );
  } finally {
    cw.destroy();
  }
}
