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
import { monitorEventLoopDelay, performance, PerformanceObserver } from 'node:perf_hooks';
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
import { table } from './report.js';

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
  /** When moto's answer came back through the proxy (undefined until then). */
  answeredAt?: number;
}

/**
 * Where one trial's spec change → first write went, ms from just before the patch was sent
 * (performance.now() of this process, which also runs the controller).
 */
export interface FirstWriteTrace {
  /** The apiserver answered the patch. */
  readonly patched: number;
  /** The first AWS call of the reconcile that acted (the service read: queue wait + start). */
  readonly firstRead: number;
  /** The last read before the write was answered. */
  readonly readsDone: number;
  /** The write-ahead status checkpoint was stored (the controller logged it), if one came first. */
  readonly checkpointed: number;
  /** The write (RegisterTaskDefinition) arrived at the proxy. */
  readonly write: number;
  /** Every AWS call in the window: `operation start→answered` (ms after the patch was sent). */
  readonly timeline: string;
  /** The longest the event loop of this process (controller, proxy, bench) was blocked, ms. */
  readonly loopBlockedMs: number;
  /** The slowest AWS read before the write: operation and ms from arrival to answer. */
  readonly slowestRead: { readonly operation: string; readonly ms: number } | undefined;
  /** AWS calls that had not been answered when the patch was sent (a reconcile in flight). */
  readonly inFlightAtPatch: number;
  /** Controller log lines in the window, by message (conflicts, stale-cache requeues, …). */
  readonly logLines: Readonly<Record<string, number>>;
  /** Garbage-collection pauses in the window (this process runs the controller), ms (sum), count and kinds. */
  readonly gcMs: number;
  readonly gcs: number;
  readonly gcKinds: string;
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
  /** The first write's breakdown, one per trial. */
  readonly traces: FirstWriteTrace[];
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
  const byCall = new WeakMap<object, Call>();
  const proxy = await startFaultProxy(env.awsEndpoint, {
    onRequest: (call) => {
      const entry: Call = { operation: call.operation, body: call.body, at: performance.now() };
      byCall.set(call, entry);
      calls.push(entry);
    },
    onUpstreamResponse: (call) => {
      const entry = byCall.get(call);
      if (entry !== undefined) entry.answeredAt = performance.now();
    },
  });
  const trace = startTracing();
  const loop = monitorEventLoopDelay({ resolution: 5 });
  loop.enable();
  const namespace = 'bench-release';
  const api = kc.makeApiClient(CustomObjectsApi);
  const result: ReleaseReactions = {
    trials,
    history,
    firstWriteMs: [],
    readsBeforeWrite: [],
    abortMs: [],
    traces: [],
  };
  let manager: Manager | undefined;
  try {
    const s = await seedLatticeDbService(clients, { endpoint: env.awsEndpoint });
    await growFamily(clients, s, history);
    await installCrds(kc, [CRD]);
    await ensureNamespace(kc, namespace);
    manager = startController(env, namespace, proxy.endpoint, trace.logStream);
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
      st.revision?.number === n && st.attempt?.pause?.reason === 'StepPaused';
    const aborted = (n: number) => (st: ReleaseStatus) =>
      st.revision?.number === n && st.stage === 'Done' && st.attempt?.outcome === 'Aborted';
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
      const inFlightAtPatch = calls.filter((c) => c.answeredAt === undefined).length;
      const logMark = trace.lines.length;
      const gcMark = trace.gcs.length;
      loop.reset();
      const t0 = performance.now();
      await patch({
        spec: { restartedAt: new Date(Date.UTC(2026, 0, 1, 0, 0, i)).toISOString() },
      });
      const tPatched = performance.now();
      const write = await waitForCall(calls, mark, (c) => !isReadOperation(c.operation));
      result.firstWriteMs.push(write.at - t0);
      const reads = calls
        .slice(mark)
        .filter((c) => c.at < write.at && isReadOperation(c.operation));
      result.readsBeforeWrite.push(reads.length);
      const inWindow = (t: number) => t >= t0 && t <= write.at;
      const gcs = trace.gcs.slice(gcMark).filter((g) => inWindow(g.start));
      const logLines: Record<string, number> = {};
      for (const l of trace.lines.slice(logMark).filter((l) => inWindow(l.at)))
        logLines[l.msg] = (logLines[l.msg] ?? 0) + 1;
      const checkpoint = trace.lines
        .slice(logMark)
        .find((l) => l.msg === 'status patched' && inWindow(l.at));
      const slowest = reads
        .map((c) => ({ operation: c.operation, ms: (c.answeredAt ?? write.at) - c.at }))
        .sort((a, b) => b.ms - a.ms)[0];
      const loopBlockedMs = loop.max / 1e6;
      result.traces.push({
        timeline: calls
          .slice(mark)
          .filter((c) => c.at <= write.at)
          .map(
            (c) =>
              `${c.operation} ${Math.round(c.at - t0)}→${c.answeredAt === undefined ? '…' : Math.round(c.answeredAt - t0)}`,
          )
          .join(', '),
        loopBlockedMs,
        patched: tPatched - t0,
        checkpointed: (checkpoint?.at ?? Number.NaN) - t0,
        slowestRead: slowest,
        gcKinds: gcs
          .map((g) => `${GC_KINDS[g.kind] ?? g.kind} ${g.duration.toFixed(1)} ms`)
          .join(', '),
        firstRead: (reads[0]?.at ?? write.at) - t0,
        readsDone:
          Math.max(...reads.map((r) => r.answeredAt ?? r.at), reads[0]?.at ?? write.at) - t0,
        write: write.at - t0,
        inFlightAtPatch,
        logLines,
        gcMs: gcs.reduce((sum, g) => sum + g.duration, 0),
        gcs: gcs.length,
      });
      await until(`revision ${n} at its pause`, paused(n));
      result.abortMs.push(await abort(n));
      log(
        `release trial ${i + 1}/${trials}: first write ${Math.round(result.firstWriteMs.at(-1) ?? 0)} ms ` +
          `(${result.readsBeforeWrite.at(-1) ?? 0} reads before), abort ${Math.round(result.abortMs.at(-1) ?? 0)} ms; ` +
          traceLine(result.traces.at(-1)),
      );
    }
  } finally {
    trace.stop();
    loop.disable();
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
function startController(
  env: EnvironmentHandles,
  namespace: string,
  awsEndpoint: string,
  logStream: { write(line: string): void },
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
      '--shutdown-timeout=2s',
    ],
    {},
  );
  const manager = new Manager({
    config,
    kubeConfig: kubeConfigFromFile(env.kubeconfigPath),
    logger: pino({ level: 'debug' }, logStream),
  });
  manager.register(
    setupReleaseWith({ afterActionMs: 100, pollMs: 500, probeMs: 50 })(manager.deps()),
  );
  void manager.start();
  return manager;
}

/** perf_hooks GC entry kinds (constants.NODE_PERFORMANCE_GC_*). */
const GC_KINDS: Record<number, string> = {
  1: 'minor',
  2: 'major',
  4: 'incremental',
  8: 'weak callbacks',
};

interface Tracing {
  /** The controller's log lines (debug and up): message and arrival. */
  readonly lines: { msg: string; at: number }[];
  readonly gcs: { start: number; duration: number; kind: number }[];
  readonly logStream: { write(line: string): void };
  stop(): void;
}

/** Collects the in-process controller's log lines and this process's GC pauses, timestamped. */
function startTracing(): Tracing {
  const lines: { msg: string; at: number }[] = [];
  const gcs: { start: number; duration: number; kind: number }[] = [];
  const observer = new PerformanceObserver((list) => {
    for (const e of list.getEntries()) {
      const kind = (e as { detail?: { kind?: number } }).detail?.kind ?? 0;
      gcs.push({ start: e.startTime, duration: e.duration, kind });
    }
  });
  observer.observe({ entryTypes: ['gc'] });
  return {
    lines,
    gcs,
    logStream: {
      write: (line: string) => {
        const at = performance.now();
        const msg = (JSON.parse(line) as { msg?: string }).msg ?? '';
        lines.push({ msg, at });
      },
    },
    stop: () => {
      observer.disconnect();
    },
  };
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

/** The segments of spec change → first write (p50/p99/max), then the slowest trials in full. */
export function firstWriteBreakdown(r: ReleaseReactions, slowest = 3): string {
  const segments: [string, (t: FirstWriteTrace) => number][] = [
    ['patch sent → apiserver answered', (t) => t.patched],
    [
      'patch sent → first AWS read (watch event, queue, reconcile start, 10 ms batch window)',
      (t) => t.firstRead,
    ],
    ['first read → last read answered (observe)', (t) => t.readsDone - t.firstRead],
    ['slowest single AWS read (moto)', (t) => t.slowestRead?.ms ?? Number.NaN],
    [
      'last read answered → checkpoint stored (decide, status patch)',
      (t) => t.checkpointed - t.readsDone,
    ],
    ['checkpoint stored → write sent', (t) => t.write - t.checkpointed],
    ['GC pauses in the window (sum)', (t) => t.gcMs],
    ['longest event-loop block in the window', (t) => t.loopBlockedMs],
  ];
  const ms = (v: number) => (Number.isFinite(v) ? `${v.toFixed(0)} ms` : '-');
  const rows = segments.map(([label, f]) => {
    const values = r.traces.map(f).filter(Number.isFinite);
    return [label, ms(percentile(values, 50)), ms(percentile(values, 99)), ms(Math.max(...values))];
  });
  const worst = r.traces
    .map((t, i) => ({ t, i }))
    .sort((a, b) => b.t.write - a.t.write)
    .slice(0, slowest);
  const describe = ({ t, i }: { t: FirstWriteTrace; i: number }) =>
    `  trial ${i + 1}: write at ${ms(t.write)} = first read at ${ms(t.firstRead)}, ` +
    `reads +${ms(t.readsDone - t.firstRead)} (slowest ${t.slowestRead?.operation ?? '-'} ${ms(t.slowestRead?.ms ?? Number.NaN)}), ` +
    `checkpoint +${ms(t.checkpointed - t.readsDone)}, write +${ms(t.write - t.checkpointed)}; ` +
    `apiserver answered the patch at ${ms(t.patched)}; AWS calls in flight at the patch ${t.inFlightAtPatch}; ` +
    `GC ${t.gcKinds || 'none'}; event loop blocked ≤ ${ms(t.loopBlockedMs)}; calls ${t.timeline}; log: ${
      Object.entries(t.logLines)
        .map(([m, n]) => `${n}× ${m}`)
        .join('; ') || 'nothing'
    }`;
  return [
    'Spec change → first AWS write, where the time goes (ms after the patch was sent)',
    table(['', 'p50', 'p99', 'max'], rows),
    `slowest ${worst.length} trials:`,
    ...worst.map(describe),
  ].join('\n');
}

function traceLine(t: FirstWriteTrace | undefined): string {
  if (t === undefined) return '';
  const r = (v: number) => Math.round(v);
  const log = Object.entries(t.logLines)
    .map(([m, n]) => `${n}× ${m}`)
    .join('; ');
  return (
    `patched ${r(t.patched)}, first read ${r(t.firstRead)}, ` +
    `reads done ${r(t.readsDone)} (slowest ${t.slowestRead?.operation ?? '-'} ${r(t.slowestRead?.ms ?? Number.NaN)}), ` +
    `checkpoint ${r(t.checkpointed)}, write ${r(t.write)}; in flight ${t.inFlightAtPatch}, ` +
    `GC [${t.gcKinds}], loop blocked ≤ ${r(t.loopBlockedMs)} ms; calls ${t.timeline}` +
    (log === '' ? '' : `; ${log}`)
  );
}
