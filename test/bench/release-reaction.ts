// The Release reaction figures of `npm run bench`: how fast the controller turns an operator's
// edit into the first AWS call that acts on it, on the local stack (apiserver, moto; the real
// Release setup in this process, AWS through a recording proxy that timestamps every call).
//
// - spec change → first AWS write: a Release resting after an abort gets a new spec
//   (`restartedAt`, so every trial is a new revision of the same image); measured from just
//   before the merge patch is sent to the arrival of the first write (RegisterTaskDefinition) at
//   the proxy, with the reads made in between.
// - abort → traffic back to stable: the revision paused at 20 %; from just before the abort
//   annotation is sent to the arrival of the ModifyListener that gives the canary group 0 %.
//
// The task-definition family gets `history` extra revisions first (the old lookup's cost grew
// with them), and one more per trial.
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { setTimeout as delay } from 'node:timers/promises';
import {
  DescribeTaskDefinitionCommand,
  RegisterTaskDefinitionCommand,
  type RegisterTaskDefinitionCommandInput,
} from '@aws-sdk/client-ecs';
import {
  CustomObjectsApi,
  PatchStrategy,
  setHeaderOptions,
  type KubeConfig,
} from '@kubernetes/client-node';
import { pino } from 'pino';
import { parseConfig } from '../../controller/config.js';
import { Manager } from '../../controller/manager.js';
import {
  ReleaseKind,
  type ReleaseSpec,
  type ReleaseStatus,
} from '../../reconcilers/release/api.js';
import { setupReleaseWith } from '../../reconcilers/release/setup.js';
import { AwsClients } from '../../reconcilers/shared/adapters/aws/clients.js';
import { ensureNamespace, installCrds, kubeConfigFromFile } from '../demo/cluster.js';
import { isReadOperation } from '../env/aws-protocol.js';
import { startFaultProxy } from '../env/fault-proxy.js';
import type { EnvironmentHandles } from '../env/index.js';
import { seedLatticeDbService, type SeededLatticeDb } from '../fixtures/moto/seed.js';

const CRD = fileURLToPath(
  new URL('../../crds/releases.delivery.latticedb.com.yaml', import.meta.url),
);
const MERGE_PATCH = setHeaderOptions('Content-Type', PatchStrategy.MergePatch);
const NAME = 'ldb';
const res = {
  group: ReleaseKind.group,
  version: ReleaseKind.version,
  plural: ReleaseKind.plural,
} as const;

interface Call {
  readonly operation: string;
  readonly body: string;
  readonly at: number;
}

export interface ReleaseReactions {
  readonly trials: number;
  readonly history: number;
  /** Spec change → first AWS write, ms, one per trial. */
  readonly firstWriteMs: number[];
  /** AWS reads between the spec change and that write, one per trial. */
  readonly readsBeforeWrite: number[];
  /** Abort annotation → ModifyListener giving the canary 0 %, ms, one per trial. */
  readonly abortMs: number[];
}

export async function measureReleaseReactions(
  env: EnvironmentHandles,
  kc: KubeConfig,
  options: { readonly trials: number; readonly history: number; readonly log: (l: string) => void },
): Promise<ReleaseReactions> {
  const { trials, history, log } = options;
  process.env.AWS_ACCESS_KEY_ID ??= 'test';
  process.env.AWS_SECRET_ACCESS_KEY ??= 'test';
  const clients = new AwsClients({
    region: 'us-east-1',
    endpoint: env.awsEndpoint,
    credentials: { accessKeyId: 'test', secretAccessKey: 'test' },
    maxAttempts: 1,
    emulator: true,
  });
  const calls: Call[] = [];
  const proxy = await startFaultProxy(env.awsEndpoint, {
    onRequest: (call) => {
      calls.push({ operation: call.operation, body: call.body, at: performance.now() });
    },
  });
  const namespace = 'bench-release';
  const api = kc.makeApiClient(CustomObjectsApi);
  const result: ReleaseReactions = {
    trials,
    history,
    firstWriteMs: [],
    readsBeforeWrite: [],
    abortMs: [],
  };
  let manager: Manager | undefined;
  try {
    const s = await seedLatticeDbService(clients, { endpoint: env.awsEndpoint });
    await growFamily(clients, s, history);
    await installCrds(kc, [CRD]);
    await ensureNamespace(kc, namespace);
    manager = startController(env, namespace, proxy.endpoint);
    const get = async (): Promise<ReleaseStatus | undefined> =>
      (
        (await api.getNamespacedCustomObject({ ...res, namespace, name: NAME })) as {
          status?: ReleaseStatus;
        }
      ).status;
    const patch = (body: object) =>
      api.patchNamespacedCustomObject({ ...res, namespace, name: NAME, body }, MERGE_PATCH);
    const until = async (what: string, ok: (st: ReleaseStatus) => boolean) => {
      const deadline = performance.now() + 120_000;
      for (;;) {
        const st = await get();
        if (st !== undefined && ok(st)) return st;
        if (performance.now() > deadline) throw new Error(`bench: timed out waiting for ${what}`);
        await delay(50);
      }
    };
    const paused = (n: number) => (st: ReleaseStatus) =>
      st.revision?.number === n && st.pause?.reason === 'StepPaused';
    const aborted = (n: number) => (st: ReleaseStatus) =>
      st.revision?.number === n && st.stage === 'Done' && st.outcome === 'Aborted';
    const abort = async (n: number) => {
      const mark = calls.length;
      const t0 = performance.now();
      await patch({ metadata: { annotations: { [`${ReleaseKind.group}/abort`]: String(n) } } });
      const back = await waitForCall(calls, mark, (c) => canaryWeight(c, s) === 0);
      await until(`revision ${n} aborted`, aborted(n));
      return back.at - t0;
    };

    // Warm-up: revision 1 from first sight to its pause, then aborted (not measured).
    await api.createNamespacedCustomObject({
      ...res,
      namespace,
      body: {
        apiVersion: `${res.group}/${res.version}`,
        kind: ReleaseKind.kind,
        metadata: { name: NAME, namespace },
        spec: specOf(s),
      },
    });
    await until('revision 1 at its pause', paused(1));
    await abort(1);
    for (let i = 0; i < trials; i++) {
      const n = i + 2;
      const mark = calls.length;
      const t0 = performance.now();
      await patch({ spec: { restartedAt: new Date(Date.UTC(2026, 0, 1, 0, 0, i)).toISOString() } });
      const write = await waitForCall(calls, mark, (c) => !isReadOperation(c.operation));
      result.firstWriteMs.push(write.at - t0);
      result.readsBeforeWrite.push(
        calls.slice(mark).filter((c) => c.at < write.at && isReadOperation(c.operation)).length,
      );
      await until(`revision ${n} at its pause`, paused(n));
      result.abortMs.push(await abort(n));
      log(
        `release trial ${i + 1}/${trials}: first write ${Math.round(result.firstWriteMs.at(-1) ?? 0)} ms ` +
          `(${result.readsBeforeWrite.at(-1) ?? 0} reads before), abort ${Math.round(result.abortMs.at(-1) ?? 0)} ms`,
      );
    }
  } finally {
    if (manager !== undefined) await manager.stop();
    await api
      .deleteNamespacedCustomObject({ ...res, namespace, name: NAME })
      .catch(() => undefined);
    await proxy.stop();
    clients.destroy();
  }
  return result;
}

/** 20 % then paused until promoted: each revision rests there until the bench aborts it. */
function specOf(s: SeededLatticeDb): ReleaseSpec {
  return {
    target: { ...s.canary.ref, container: s.containerName },
    image: s.ecr.images['2.2.0'] ?? '',
    strategy: {
      canary: {
        steps: [{ setWeight: 20 }, { pause: {} }],
        trafficRouting: {
          alb: {
            listenerArn: s.alb.listenerArn,
            stableTargetGroupArn: s.alb.blueTargetGroupArn,
            canaryTargetGroupArn: s.alb.greenTargetGroupArn,
          },
        },
      },
    },
  };
}

/** The real Release setup in this process (test delays: 100 ms after an action, 500 ms polls). */
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
      '--aws-emulator',
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
  manager.register(
    setupReleaseWith({ afterActionMs: 100, pollMs: 500, probeMs: 50 })(manager.deps()),
  );
  void manager.start();
  return manager;
}

/** `history` more revisions of the seeded family, as a long-lived service accumulates. */
async function growFamily(clients: AwsClients, s: SeededLatticeDb, history: number): Promise<void> {
  const ecs = clients.ecs();
  const out = await ecs.send(
    new DescribeTaskDefinitionCommand({ taskDefinition: s.taskDefinitionArn }),
  );
  const td = out.taskDefinition;
  if (td === undefined) throw new Error('bench: the seeded task definition is missing');
  const input: RegisterTaskDefinitionCommandInput = {
    family: td.family,
    containerDefinitions: td.containerDefinitions,
    ...(td.networkMode === undefined ? {} : { networkMode: td.networkMode }),
    ...(td.requiresCompatibilities === undefined
      ? {}
      : { requiresCompatibilities: td.requiresCompatibilities }),
    ...(td.cpu === undefined ? {} : { cpu: td.cpu }),
    ...(td.memory === undefined ? {} : { memory: td.memory }),
  };
  for (let i = 0; i < history; i++) await ecs.send(new RegisterTaskDefinitionCommand(input));
}

/** The canary (green) group's weight in a production ModifyListener call, else undefined. */
function canaryWeight(call: Call, s: SeededLatticeDb): number | undefined {
  if (call.operation !== 'ModifyListener') return undefined;
  const form = new URLSearchParams(call.body);
  if (form.get('ListenerArn') !== s.alb.listenerArn) return undefined;
  const prefix = 'DefaultActions.member.1.ForwardConfig.TargetGroups.member.';
  for (let i = 1; form.has(`${prefix}${i}.TargetGroupArn`); i++) {
    if (form.get(`${prefix}${i}.TargetGroupArn`) === s.alb.greenTargetGroupArn)
      return Number(form.get(`${prefix}${i}.Weight`) ?? '1');
  }
  return 0;
}

async function waitForCall(
  calls: readonly Call[],
  from: number,
  match: (c: Call) => boolean,
): Promise<Call> {
  const deadline = performance.now() + 60_000;
  for (;;) {
    const found = calls.slice(from).find(match);
    if (found !== undefined) return found;
    if (performance.now() > deadline) throw new Error('bench: the expected AWS call never came');
    await delay(5);
  }
}

/** The p-th percentile (nearest rank) of `values`. */
export function percentile(values: readonly number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  if (sorted.length === 0) return Number.NaN;
  const rank = Math.ceil((p / 100) * sorted.length);
  return sorted[Math.min(sorted.length, Math.max(1, rank)) - 1] ?? Number.NaN;
}
