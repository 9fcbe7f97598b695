// The memory figures of `npm run bench` (suite `memory`): the production controller
// (controller/main.ts compiled with tsc, every kind registered, the image's Node flags) serving N
// objects of one kind at a time, with the real reconcilers writing real status. The objects are
// the kind's example manifest (manifests/examples/), named apart (and, for FlagRollout, each on its
// own flag in Redis); their AWS targets do not exist in moto, so Releases, ScalePolicies and
// FailoverPlans settle on a status saying so (conditions, message, history), FlagRollouts hold
// their first step.
//
// The controller runs as the image runs it: tsc output bundled by build/bundle.ts (the variant
// `unbundled` runs the tsc output itself, for comparison).
//
// Memory is read inside the controller (a preloaded probe answers over IPC with
// process.memoryUsage() after a full GC): once every object's status has observed its generation,
// and again after `settleMs` (at least one resync period).
//
// `variants` compare process settings (allocator environment, V8 flags) on the same objects: after
// the run above, the controller is restarted once per variant (the image's settings first, as the
// baseline of the comparison) and sampled 2 × `settleMs` after its start. A restart finds every
// status already written, so these rows are lower than the first run's (no status writes, no
// Events): compare the variants with one another, not with the first run.
import { spawn, type ChildProcess } from 'node:child_process';
import { closeSync, openSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { setTimeout as delay } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { CustomObjectsApi, type KubeConfig } from '@kubernetes/client-node';
import { ensureNamespace, installCrds, loadYamlFile } from '../demo/cluster.js';
import type { EnvironmentHandles } from '../env/index.js';
import { logTail } from '../env/processes.js';
import { bundleController } from '../../build/bundle.js';
import { compileNoopController } from './build.js';
import type { MemorySample } from './protocol.js';
import { fmt, table } from './report.js';

const MAIN = fileURLToPath(new URL('../../controller/main.ts', import.meta.url));
const GROUP = 'delivery.latticedb.com';
const VERSION = 'v1alpha1';

interface KindCase {
  readonly kind: string;
  readonly plural: string;
  readonly example: string;
  /**
   * The example's spec made unique to object `i` of a run where it must be. `run` tells the runs of
   * one invocation apart: Redis outlives a run, so a flag of an earlier run still has its writer.
   * `checkOrigin` is a local HTTP server answering every path with 200 (see `checkServer`).
   */
  readonly spec: (
    spec: Record<string, unknown>,
    i: number,
    run: string,
    checkOrigin: string,
  ) => Record<string, unknown>;
}

/**
 * The example's HTTP checks aim at public hostnames; resolving and timing them out made each
 * FailoverPlan reconcile take ~1 s (1,000 objects settled in 442 s, 5,000 would outlast the wait).
 * Aimed at a local server they pass at once, as a healthy standby's would.
 */
const localChecks = (checks: unknown, origin: string): unknown =>
  Array.isArray(checks)
    ? checks.map((c: Record<string, unknown>) => ({
        ...c,
        url: `${origin}${new URL(String(c.url)).pathname}`,
      }))
    : checks;

const KINDS: readonly KindCase[] = [
  {
    kind: 'Release',
    plural: 'releases',
    example: 'release-canary.yaml',
    spec: (spec) => spec,
  },
  {
    kind: 'FlagRollout',
    plural: 'flagrollouts',
    example: 'flagrollout-new-query-optimizer.yaml',
    spec: (spec, i, run) => ({ ...spec, flag: `bench_memory_${run}_${i}` }),
  },
  {
    kind: 'ScalePolicy',
    plural: 'scalepolicies',
    example: 'scalepolicy-gradual.yaml',
    spec: (spec) => spec,
  },
  {
    kind: 'FailoverPlan',
    plural: 'failoverplans',
    example: 'failoverplan-regional-dr.yaml',
    spec: (spec, _i, _run, origin) => ({
      ...spec,
      healthChecks: localChecks(spec.healthChecks, origin),
      validation: localChecks(spec.validation, origin),
    }),
  },
];

/** Process settings compared on the same objects (see the header). */
export interface MemoryVariant {
  readonly label: string;
  /** Added to the image's Node flags. */
  readonly nodeFlags: readonly string[];
  /** Added to (or replacing) the image's environment. */
  readonly env: Readonly<Record<string, string>>;
  /** Runs tsc's output instead of the bundle. */
  readonly unbundled: boolean;
}

/**
 * `--memory-variants` parsed: variants separated by `,`, each a space-separated list of Node flags
 * (`--…`), environment assignments (`NAME=value`) and `unbundled`; `image` is the image's settings
 * alone.
 */
export function parseMemoryVariants(text: string): MemoryVariant[] {
  return text
    .split(',')
    .map((v) => v.trim())
    .filter((v) => v !== '')
    .map((label) => {
      const tokens = label === 'image' ? [] : label.split(/\s+/);
      const unbundled = tokens.includes('unbundled');
      const bad = tokens.find(
        (t) => t !== 'unbundled' && !t.startsWith('--') && !/^[A-Za-z_][A-Za-z0-9_]*=/.test(t),
      );
      if (bad !== undefined)
        throw new Error(`bench: --memory-variants: "${bad}" is neither --flag nor NAME=value`);
      return {
        label,
        nodeFlags: tokens.filter((t) => t.startsWith('--')),
        unbundled,
        env: Object.fromEntries(
          tokens
            .filter((t) => !t.startsWith('--') && t !== 'unbundled')
            .map((t) => [t.slice(0, t.indexOf('=')), t.slice(t.indexOf('=') + 1)]),
        ),
      };
    });
}

export interface MemoryOptions {
  readonly counts: readonly number[];
  /** Node/V8 flags of the controller (the image's). */
  readonly nodeFlags: readonly string[];
  /** Environment of the controller set by the image (Dockerfile `ENV`). */
  readonly env: Readonly<Record<string, string>>;
  /** Settings compared after each run on the same objects (empty: none). */
  readonly variants: readonly MemoryVariant[];
  readonly resync: string;
  readonly settleMs: number;
  readonly concurrency: number;
  readonly kinds?: readonly string[];
  /** Write a heap snapshot of the controller here after each run (for a profile). */
  readonly snapshotDir?: string;
  readonly log: (line: string) => void;
}

export interface MemoryResult {
  readonly kind: string;
  readonly objects: number;
  readonly baseline: MemorySample;
  /** Every status observed its generation. */
  readonly settled: MemorySample;
  /** `settleMs` later (resyncs included). */
  readonly after: MemorySample;
  /** Create → every status observed, s. */
  readonly settleSeconds: number;
  /** Mean bytes of one object as the apiserver returns it (JSON, status included). */
  readonly objectBytes: number;
  /** The controller restarted on the same objects with each of `variants`. */
  readonly variants: readonly VariantResult[];
}

export interface VariantResult {
  readonly variant: MemoryVariant;
  readonly baseline: MemorySample;
  /** `settleMs` after the restart. */
  readonly first: MemorySample;
  /** 2 × `settleMs` after the restart. */
  readonly after: MemorySample;
}

export async function measureMemory(
  env: EnvironmentHandles,
  kc: KubeConfig,
  options: MemoryOptions,
): Promise<MemoryResult[]> {
  const kinds = KINDS.filter((k) => options.kinds?.includes(k.kind) ?? true);
  const dir = join(env.stateDir, 'bench-memory-build');
  const unbundledEntry = await compileNoopController(dir, options.log, MAIN);
  const entry = unbundledEntry.replace(/\.js$/, '.bundle.js');
  await bundleController(unbundledEntry, entry);
  const entryOf = (v: MemoryVariant): string => (v.unbundled ? unbundledEntry : entry);
  const probe = join(dir, 'memory-probe.mjs');
  writeFileSync(probe, PROBE);
  await installCrds(
    kc,
    KINDS.map((k) =>
      fileURLToPath(new URL(`../../crds/${k.plural}.${GROUP}.yaml`, import.meta.url)),
    ),
  );
  const api = kc.makeApiClient(CustomObjectsApi);
  const checks = createServer((_req, res) => {
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end('{"status":"ok","region":"us-west-2"}');
  });
  await new Promise<void>((resolve) => checks.listen(0, '127.0.0.1', resolve));
  const checkOrigin = `http://127.0.0.1:${(checks.address() as AddressInfo).port}`;
  try {
    return await measureKinds(env, kc, kinds, api, checkOrigin, entry, probe, entryOf, options);
  } finally {
    checks.close();
  }
}

async function measureKinds(
  env: EnvironmentHandles,
  kc: KubeConfig,
  kinds: readonly KindCase[],
  api: CustomObjectsApi,
  checkOrigin: string,
  entry: string,
  probe: string,
  entryOf: (v: MemoryVariant) => string,
  options: MemoryOptions,
): Promise<MemoryResult[]> {
  const results: MemoryResult[] = [];
  for (const k of kinds) {
    for (const n of options.counts) {
      const namespace = `mem-${k.plural}-${n}`;
      await ensureNamespace(kc, namespace);
      const logPath = join(env.stateDir, `bench-memory-${k.plural}-${n}.log`);
      const image: MemoryVariant = { label: 'image', nodeFlags: [], env: {}, unbundled: false };
      const child = startController(entryOf(image), probe, env, namespace, logPath, options, image);
      try {
        const baseline = await sample(child);
        const [example] = loadYamlFile(
          fileURLToPath(new URL(`../../manifests/examples/${k.example}`, import.meta.url)),
        ) as { spec: Record<string, unknown> }[];
        if (example === undefined) throw new Error(`bench: ${k.example} is empty`);
        options.log(`memory: creating ${fmt.int(n)} ${k.kind} objects in ${namespace} …`);
        const t0 = performance.now();
        await pool(n, options.concurrency, (i) =>
          api.createNamespacedCustomObject({
            group: GROUP,
            version: VERSION,
            plural: k.plural,
            namespace,
            body: {
              apiVersion: `${GROUP}/${VERSION}`,
              kind: k.kind,
              metadata: { name: `m-${String(i).padStart(5, '0')}` },
              spec: k.spec(example.spec, i, String(n), checkOrigin),
            },
          }),
        );
        const objectBytes = await untilObserved(api, k, namespace, n, options.log, child, logPath);
        const settleSeconds = (performance.now() - t0) / 1000;
        const settled = await sample(child);
        options.log(
          `memory: ${k.kind} × ${fmt.int(n)} observed in ${settleSeconds.toFixed(1)} s, RSS ${fmt.mib(settled.rss)}; ` +
            `waiting ${options.settleMs / 1000} s`,
        );
        await delay(options.settleMs);
        const after = await sample(child);
        if (options.snapshotDir !== undefined) {
          const path = join(options.snapshotDir, `controller-${k.plural}-${n}.heapsnapshot`);
          await snapshot(child, path);
          options.log(`memory: heap snapshot ${path}`);
        }
        await stop(child);
        const variants: VariantResult[] = [];
        for (const variant of options.variants) {
          options.log(`memory: ${k.kind} × ${fmt.int(n)} restarted with ${variant.label}`);
          const again = startController(
            entryOf(variant),
            probe,
            env,
            namespace,
            logPath,
            options,
            variant,
          );
          try {
            const baseline = await sample(again);
            await delay(options.settleMs);
            const first = await sample(again);
            await delay(options.settleMs);
            const after = await sample(again);
            variants.push({ variant, baseline, first, after });
          } finally {
            await stop(again);
          }
        }
        results.push({
          kind: k.kind,
          objects: n,
          baseline,
          settled,
          after,
          settleSeconds,
          objectBytes,
          variants,
        });
      } finally {
        await stop(child);
        await api
          .deleteCollectionNamespacedCustomObject({
            group: GROUP,
            version: VERSION,
            plural: k.plural,
            namespace,
          })
          .catch(() => undefined);
      }
    }
  }
  return results;
}

export function memoryReport(
  results: readonly MemoryResult[],
  nodeFlags: readonly string[],
  imageEnv: Readonly<Record<string, string>>,
  settleMs: number,
): string {
  const settleS = settleMs / 1000;
  const rows = results.map((r) => [
    r.kind,
    fmt.int(r.objects),
    `${r.settleSeconds.toFixed(1)} s`,
    fmt.bytes(r.objectBytes),
    fmt.mib(r.baseline.rss),
    fmt.mib(r.settled.rss),
    fmt.mib(r.after.rss),
    `${fmt.mib(r.after.heapUsed)} / ${fmt.mib(r.after.heapTotal)}`,
    fmt.mib(r.after.external),
    fmt.mib(r.after.rss - r.after.heapTotal - r.after.external),
    fmt.bytes((r.after.heapUsed - r.baseline.heapUsed) / r.objects),
    r.after.rss <= 200 * 1024 * 1024 ? 'yes' : 'NO',
  ]);
  const variantRows = results.flatMap((r) =>
    r.variants.map((v) => [
      r.kind,
      fmt.int(r.objects),
      v.variant.label,
      fmt.mib(v.baseline.rss),
      fmt.mib(v.first.rss),
      fmt.mib(v.after.rss),
      `${fmt.mib(v.after.heapUsed)} / ${fmt.mib(v.after.heapTotal)}`,
      fmt.mib(v.after.external),
      fmt.mib(v.after.rss - v.after.heapTotal - v.after.external),
    ]),
  );
  const variantTable =
    variantRows.length === 0
      ? []
      : [
          '',
          "The same objects, the controller restarted with each setting (added to the image's; after a full GC; compare rows of one kind and count)",
          table(
            [
              'kind',
              'objects',
              'setting',
              'RSS idle',
              `RSS +${fmt.int(settleS)} s`,
              `RSS +${fmt.int(2 * settleS)} s`,
              'heap used / reserved',
              'external',
              'RSS outside heap + external',
            ],
            variantRows,
          ),
        ];
  return [
    `Memory with the real reconcilers (controller/main.ts compiled and bundled, ${nodeFlags.join(' ') || 'no Node flags'}${
      Object.keys(imageEnv).length === 0
        ? ''
        : `, image env ${Object.entries(imageEnv)
            .map(([k, v]) => `${k}=${v}`)
            .join(' ')}`
    }; after a full GC)`,
    table(
      [
        'kind',
        'objects',
        'create → all observed',
        'object (JSON)',
        'RSS idle',
        'RSS all observed',
        'RSS later',
        'heap used / reserved later',
        'external',
        'RSS outside heap + external',
        'heap per object',
        '≤ 200 MiB',
      ],
      rows,
    ),
    ...variantTable,
  ].join('\n');
}

/** Answers 'memory' over IPC with process.memoryUsage() after a full GC (needs --expose-gc). */
const PROBE = `import { writeHeapSnapshot } from 'node:v8';
process.on('message', (m) => {
  if (typeof m === 'object' && m !== null && typeof m.snapshot === 'string') {
    process.send?.({ snapshot: writeHeapSnapshot(m.snapshot) });
    return;
  }
  if (typeof m !== 'object' || m === null || typeof m.memory !== 'number') return;
  globalThis.gc?.();
  const u = process.memoryUsage();
  process.send?.({ id: m.memory, memory: { rss: u.rss, heapUsed: u.heapUsed, heapTotal: u.heapTotal, external: u.external } });
});
// The IPC channel must not keep the controller alive on its own.
process.channel?.unref();
`;

function startController(
  entry: string,
  probe: string,
  env: EnvironmentHandles,
  namespace: string,
  logPath: string,
  o: MemoryOptions,
  variant: MemoryVariant,
): ChildProcess {
  const logFd = openSync(logPath, 'a');
  const child = spawn(
    process.execPath,
    [
      '--expose-gc',
      ...o.nodeFlags,
      ...variant.nodeFlags,
      `--import=${probe}`,
      entry,
      `--kubeconfig=${env.kubeconfigPath}`,
      `--namespaces=${namespace}`,
      `--resync-period=${o.resync}`,
      '--metrics-bind-address=0',
      '--health-probe-bind-address=0',
      '--log-level=warn',
      '--leader-elect=false',
      `--redis-url=${env.redisUrl}`,
      `--aws-endpoint-url=${env.awsEndpoint}`,
      '--aws-region=us-east-1',
      '--aws-emulator',
      '--aws-max-attempts=1',
      '--shutdown-timeout=5s',
    ],
    {
      env: {
        ...process.env,
        ...o.env,
        ...variant.env,
        AWS_ACCESS_KEY_ID: 'test',
        AWS_SECRET_ACCESS_KEY: 'test',
      },
      stdio: ['ignore', logFd, logFd, 'ipc'],
    },
  );
  closeSync(logFd);
  return child;
}

let sampleId = 0;

async function sample(child: ChildProcess): Promise<MemorySample> {
  // The probe's handler exists once the preload ran; a few tries cover the start.
  for (let attempt = 0; attempt < 50; attempt++) {
    // Each request has its id: a late answer to an earlier, timed-out request is not taken.
    const id = ++sampleId;
    const answer = new Promise<MemorySample | undefined>((resolve) => {
      const onMessage = (m: unknown) => {
        const { id: answered, memory } = m as { id?: number; memory?: MemorySample };
        if (memory === undefined || answered !== id) return;
        child.off('message', onMessage);
        resolve(memory);
      };
      child.on('message', onMessage);
      setTimeout(() => {
        child.off('message', onMessage);
        resolve(undefined);
      }, 2_000);
    });
    child.send({ memory: id });
    const got = await answer;
    if (got !== undefined) return got;
    if (child.exitCode !== null) throw new Error(`bench: controller exited (${child.exitCode})`);
  }
  throw new Error('bench: the controller never answered the memory probe');
}

async function snapshot(child: ChildProcess, path: string): Promise<void> {
  const written = new Promise<void>((resolve) => {
    const onMessage = (m: unknown) => {
      if ((m as { snapshot?: string }).snapshot === undefined) return;
      child.off('message', onMessage);
      resolve();
    };
    child.on('message', onMessage);
  });
  child.send({ snapshot: path });
  await Promise.race([written, delay(120_000)]);
}

async function stop(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null) return;
  const exited = new Promise((resolve) => child.once('exit', resolve));
  child.kill('SIGTERM');
  const outcome = await Promise.race([exited.then(() => 'exited'), delay(15_000, 'timeout')]);
  if (outcome === 'timeout') child.kill('SIGKILL');
}

/** Polls until every object's status observed its generation; returns the mean object size. */
async function untilObserved(
  api: CustomObjectsApi,
  k: KindCase,
  namespace: string,
  n: number,
  log: (line: string) => void,
  child: ChildProcess,
  logPath: string,
): Promise<number> {
  const deadline = performance.now() + 300_000 + n * 200;
  for (;;) {
    let observed = 0;
    let bytes = 0;
    let count = 0;
    let _continue: string | undefined;
    do {
      const page = (await api.listNamespacedCustomObject({
        group: GROUP,
        version: VERSION,
        plural: k.plural,
        namespace,
        limit: 500,
        _continue,
      })) as {
        items: { metadata?: { generation?: number }; status?: { observedGeneration?: number } }[];
        metadata?: { continue?: string };
      };
      for (const o of page.items) {
        count++;
        bytes += JSON.stringify(o).length;
        if (o.status?.observedGeneration === o.metadata?.generation) observed++;
      }
      _continue = page.metadata?.continue || undefined;
    } while (_continue !== undefined);
    if (observed >= n) return bytes / count;
    if (child.exitCode !== null)
      throw new Error(`bench: controller exited\n${logTail(logPath, 20)}`);
    if (performance.now() > deadline) {
      throw new Error(`bench: ${observed}/${n} ${k.kind} observed\n${logTail(logPath, 20)}`);
    }
    log(`memory: ${observed}/${n} ${k.kind} observed`);
    await delay(3_000);
  }
}

async function pool(
  count: number,
  concurrency: number,
  task: (i: number) => Promise<unknown>,
): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(concurrency, count) }, async () => {
      while (next < count) await task(next++);
    }),
  );
}
