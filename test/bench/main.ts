// `npm run bench`: memory and full-resync time of the controller runtime with 1,000 and 5,000
// objects of one kind on a real kube-apiserver, with a handler that changes nothing.
//
// For each object count: create the objects (concurrently), start the controller as its own
// process (noop-controller.ts, compiled with tsc as in production) watching only their namespace, and record, from inside it, the
// time to the first reconcile (list + cache sync), to the end of the initial pass (every object
// reconciled once), the length of each periodic-resync pass, and memory after each (after a full
// GC); then its queue metrics from /metrics and how long SIGTERM takes. Figures, not assertions.
//
// Then (suite `flags`, see flags.ts) what the package's flag evaluator costs an application;
// (suite `steps`, see step-timing.ts) how punctually a canary and a flag ramp keep their schedule;
// (suite `reactions`, see release-reaction.ts) spec change → first AWS write and abort → traffic
// back to stable, p50/p99 over --release-trials trials; (suite `aws`, see aws-calls.ts) the AWS
// calls per resync of N Releases + N ScalePolicies at steady state (--aws-counts 50,500); (suite
// `memory`, see memory.ts) the production controller's memory with N objects of each kind.
//
//   npm run bench -- [--suites runtime,flags,steps,reactions] [--counts 1000,5000] [--workers 2]
//                    [--resync 20s] [--resync-passes 2] [--concurrency 25] [--node-flags '…']
//                    [--flag-counts 1,100,10000] [--fleet 50] [--fleet-window 65s] [--steps 10]
//                    [--step-interval 2s] [--release-trials 20] [--release-history 20]
//                    [--aws-counts 50,500] [--aws-resync 10s] [--aws-periods 2]
//                    [--aws-autoscaling]
//                    [--memory-counts 1000,5000] [--memory-kinds Release,…] [--memory-settle 25s]
//                    [--memory-snapshots DIR] [--memory-variants 'image,MALLOC_ARENA_MAX=2,…']
//                    [--keep]
import { cpus, loadavg, platform, release, totalmem } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { parseDuration } from '../../controller/duration.js';
import { controlPlaneVersions, startEnvironment } from '../env/index.js';
import { freePort } from '../env/processes.js';
import { ensureNamespace, installCrds, kubeConfigFromFile } from '../demo/cluster.js';
import { compileNoopController } from './build.js';
import { awsCallsReport, measureAwsCalls } from './aws-calls.js';
import { runFlagBench } from './flags.js';
import { measureMemory, memoryReport, parseMemoryVariants } from './memory.js';
import { measureStepTiming, stepTimingReport } from './step-timing.js';
import { runNoopController, type ControllerRun } from './controller-process.js';
import { shippedImage } from '../unit/deploy/image.js';
import {
  BENCH_CRD,
  deleteObjects,
  objectsWrittenSince,
  seedObjects,
  type SeedResult,
} from './objects.js';
import {
  firstWriteBreakdown,
  measureReleaseReactions,
  percentile,
  type ReleaseReactions,
} from './release-reaction.js';
import { fmt, histogramMean, parsePrometheus, sumOf, table } from './report.js';

const { values: args } = parseArgs({
  options: {
    counts: { type: 'string', default: '1000,5000' },
    workers: { type: 'string', default: '2' },
    resync: { type: 'string', default: '20s' },
    'resync-passes': { type: 'string', default: '2' },
    concurrency: { type: 'string', default: '25' },
    'release-trials': { type: 'string', default: '20' },
    'release-history': { type: 'string', default: '20' },
    keep: { type: 'boolean', default: false },
    suites: { type: 'string', default: 'runtime,flags,steps,reactions,aws,memory' },
    'memory-counts': { type: 'string', default: '1000,5000' },
    'memory-kinds': { type: 'string', default: 'Release,FlagRollout,ScalePolicy,FailoverPlan' },
    // Longer than --resync, so the later sample follows a resync pass.
    'memory-settle': { type: 'string', default: '25s' },
    // A directory: a heap snapshot of the controller after each memory run, to profile.
    'memory-snapshots': { type: 'string' },
    // Process settings compared on the same objects after each memory run (see memory.ts), e.g.
    // 'image,MALLOC_ARENA_MAX=2,--optimize-for-size'.
    'memory-variants': { type: 'string', default: '' },
    'aws-counts': { type: 'string', default: '50,500' },
    'aws-resync': { type: 'string', default: '10s' },
    'aws-periods': { type: 'string', default: '2' },
    // ScalePolicies with an autoscaling block (see aws-calls.ts) instead of a fixed count.
    'aws-autoscaling': { type: 'boolean', default: false },
    steps: { type: 'string', default: '10' },
    'step-interval': { type: 'string', default: '2s' },
    // Node/V8 flags of the controller to compare with none, on the same objects; default the
    // image's (the Dockerfile ENTRYPOINT's), so the table shows what they buy. Sets separated by
    // `;` are each compared.
    'node-flags': { type: 'string' },
    'flag-counts': { type: 'string', default: '1,100,10000' },
    fleet: { type: 'string', default: '50' },
    // Longer than the evaluator's 60 s full-reload period, so the window sees one of each.
    'fleet-window': { type: 'string', default: '65s' },
  },
});
const SUITES = ['runtime', 'flags', 'steps', 'reactions', 'aws', 'memory'] as const;
type Suite = (typeof SUITES)[number];
const suites = new Set(args.suites.split(',').filter((s) => s !== ''));
const unknownSuites = [...suites].filter((s) => !(SUITES as readonly string[]).includes(s));
const runs = (suite: Suite): boolean => suites.has(suite);
const flagCounts = args['flag-counts'].split(',').map(Number);
// `--node-flags 'A;B'` compares several sets of flags (each run on the same objects).
const comparedFlagSets = (args['node-flags'] ?? imageNodeFlags().join(' '))
  .split(';')
  .map((set) => set.split(' ').filter((f) => f !== ''))
  .filter((set) => set.length > 0);
const comparedFlags = comparedFlagSets.map((set) => set.join(' ')).join('; ');
const nodeFlagVariants: readonly (readonly string[])[] = [[], ...comparedFlagSets];
const counts = args.counts.split(',').map(Number);
const awsCounts = args['aws-counts'].split(',').map(Number);
const awsPeriods = Number(args['aws-periods']);
const memoryCounts = args['memory-counts'].split(',').map(Number);
const releaseTrials = Number(args['release-trials']);
const releaseHistory = Number(args['release-history']);
const workers = Number(args.workers);
const resyncPasses = Number(args['resync-passes']);
const resyncMs = parseDuration(args.resync);
if (
  counts.some((n) => !Number.isInteger(n) || n < 1) ||
  awsCounts.some((n) => !Number.isInteger(n) || n < 1) ||
  memoryCounts.some((n) => !Number.isInteger(n) || n < 1) ||
  !(Number.isInteger(awsPeriods) && awsPeriods >= 1) ||
  flagCounts.some((n) => !Number.isInteger(n) || n < 1) ||
  !(resyncPasses >= 1) ||
  !Number.isInteger(releaseTrials) ||
  releaseTrials < 1 ||
  !Number.isInteger(releaseHistory) ||
  releaseHistory < 0 ||
  unknownSuites.length > 0
) {
  process.stderr.write(
    `usage: npm run bench -- [--suites ${SUITES.join(',')}] [--counts 1000,5000] [--resync-passes 2] …\n`,
  );
  process.exit(2);
}

interface Measurement {
  readonly objects: number;
  readonly seed: SeedResult;
  readonly run: ControllerRun;
  /** Status writes by every run on these objects (each run is expected to write none). */
  readonly statusWrites: number;
  readonly nodeFlags: readonly string[];
}

const log = (line: string): void => {
  process.stderr.write(`[bench] ${line}\n`);
};

printMachine();
const env = await startEnvironment({
  stopOnSignals: true,
  keepStateDir: args.keep,
  log: (line) => {
    log(`env: ${line}`);
  },
});
const results: Measurement[] = [];
let flagReport: string | undefined;
let stepReport: string | undefined;
let reactions: ReleaseReactions | undefined;
let awsReport: string | undefined;
let memReport: string | undefined;
try {
  if (runs('runtime')) await runtimeSuite();
  if (runs('flags')) {
    flagReport = await runFlagBench({
      redisUrl: env.redisUrl,
      flagCounts,
      evaluations: 1_000_000,
      baselineEvaluations: 20_000,
      fleetSize: Number(args.fleet),
      fleetWindowMs: parseDuration(args['fleet-window']),
      log,
    });
  }
  if (runs('steps')) {
    const intervalMs = parseDuration(args['step-interval']);
    const timelines = await measureStepTiming(env, kubeConfigFromFile(env.kubeconfigPath), {
      steps: Number(args.steps),
      intervalMs,
      log,
    });
    stepReport = stepTimingReport(timelines, intervalMs);
  }
  if (runs('reactions')) {
    log(
      `Release reactions: ${releaseTrials} trials, ${releaseHistory} task definitions of history`,
    );
    reactions = await measureReleaseReactions(env, kubeConfigFromFile(env.kubeconfigPath), {
      trials: releaseTrials,
      history: releaseHistory,
      log,
    });
  }
  if (runs('aws')) {
    awsReport = awsCallsReport(
      await measureAwsCalls(env, kubeConfigFromFile(env.kubeconfigPath), {
        counts: awsCounts,
        resyncMs: parseDuration(args['aws-resync']),
        periods: awsPeriods,
        autoscaling: args['aws-autoscaling'],
        log,
      }),
    );
  }
  if (runs('memory')) {
    memReport = memoryReport(
      await measureMemory(env, kubeConfigFromFile(env.kubeconfigPath), {
        counts: memoryCounts,
        kinds: args['memory-kinds'].split(','),
        nodeFlags: imageNodeFlags(),
        env: shippedImage().env,
        variants: parseMemoryVariants(args['memory-variants']),
        resync: args.resync,
        settleMs: parseDuration(args['memory-settle']),
        ...(args['memory-snapshots'] === undefined
          ? {}
          : { snapshotDir: args['memory-snapshots'] }),
        concurrency: Number(args.concurrency),
        log,
      }),
      imageNodeFlags(),
      shippedImage().env,
      parseDuration(args['memory-settle']),
    );
  }
} finally {
  await env.stop();
}
if (results.length > 0) process.stdout.write(`\n${report(results)}\n`);
if (flagReport !== undefined) process.stdout.write(`\n${flagReport}\n`);
if (stepReport !== undefined) process.stdout.write(`\n${stepReport}\n`);
if (reactions !== undefined) process.stdout.write(`\n${reactionReport(reactions)}\n`);
if (awsReport !== undefined) process.stdout.write(`\n${awsReport}\n`);
if (memReport !== undefined) process.stdout.write(`\n${memReport}\n`);
process.stdout.write(
  `load average at the end: ${loadavg()
    .map((l) => l.toFixed(2))
    .join(' ')}\n`,
);

async function runtimeSuite(): Promise<void> {
  const entry = await compileNoopController(join(env.stateDir, 'bench-build'), log);
  const kc = kubeConfigFromFile(env.kubeconfigPath);
  await installCrds(kc, [BENCH_CRD]);
  for (const objects of counts) {
    const namespace = `bench-${objects}`;
    await ensureNamespace(kc, namespace);
    log(`creating ${fmt.int(objects)} ScalePolicies in ${namespace} …`);
    const seed = await seedObjects(kc, namespace, objects, Number(args.concurrency), new Date());
    log(`created in ${seed.seconds.toFixed(1)} s; starting the controller (resync ${args.resync})`);
    // The same objects for every variant: the figures differ only by the Node flags.
    const runs: ControllerRun[] = [];
    for (const [i, variant] of nodeFlagVariants.entries()) {
      runs.push(
        await runNoopController({
          entry,
          kubeconfigPath: env.kubeconfigPath,
          namespace,
          objects,
          workers,
          resyncPeriod: args.resync,
          passes: 1 + resyncPasses,
          metricsPort: await freePort(),
          logPath: join(env.stateDir, `bench-controller-${objects}-${i}.log`),
          timeoutMs: resyncMs * (resyncPasses + 1) + 180_000,
          nodeFlags: variant,
          leaseName: `bench-${objects}-${i}`,
          kubeConfig: kc,
        }),
      );
    }
    const statusWrites = await objectsWrittenSince(kc, namespace, seed.resourceVersion);
    nodeFlagVariants.forEach((nodeFlags, i) => {
      results.push({ objects, seed, run: runs[i]!, statusWrites, nodeFlags });
    });
    await deleteObjects(kc, namespace);
    log(`${fmt.int(objects)} objects done`);
  }
}

/** The flags after `node` and before the script in the Dockerfile's ENTRYPOINT. */
function imageNodeFlags(): string[] {
  const [, ...rest] = shippedImage().entrypoint ?? [];
  const scriptAt = rest.findIndex((arg) => !arg.startsWith('-'));
  return scriptAt < 0 ? [] : rest.slice(0, scriptAt);
}

function printMachine(): void {
  const cpu = cpus();
  const versions = controlPlaneVersions();
  process.stdout.write(
    [
      'Machine',
      `  cpus          ${cpu.length} × ${cpu[0]?.model.trim() ?? 'unknown'}`,
      `  memory        ${fmt.mib(totalmem())}`,
      `  os            ${platform()} ${release()}`,
      `  node          ${process.version}`,
      `  kube          kube-apiserver ${versions.kubernetes}, etcd ${versions.etcd} (same machine)`,
      `  load average  ${loadavg()
        .map((l) => l.toFixed(2))
        .join(' ')} (the machine may be shared: compare runs, not single figures)`,
      ...(runs('runtime')
        ? [
            `  runtime suite --workers=${workers} --resync-period=${args.resync} --leader-elect, no-op handler, log level warn; each count runs without Node flags and with: ${comparedFlags || '(none)'}`,
          ]
        : []),
      `  suites        ${[...suites].join(', ')}`,
      '',
    ].join('\n'),
  );
}

function report(ms: readonly Measurement[]): string {
  const col = (f: (m: Measurement) => string): string[] => ms.map(f);
  const resyncs = (m: Measurement) => m.run.passes.slice(1);
  const after = (m: Measurement) => m.run.passes.at(-1)?.memory ?? m.run.baseline;
  const initial = (m: Measurement) => m.run.passes[0]!;
  const metrics = (m: Measurement) => parsePrometheus(m.run.metricsText);
  const q = { name: 'scalepolicy' };
  const rows: string[][] = [
    ['objects (ScalePolicy)', ...col((m) => fmt.int(m.objects))],
    ['create + status patch', ...col((m) => `${m.seed.seconds.toFixed(1)} s`)],
    ['cold start: process start → modules loaded', ...col((m) => fmt.ms(m.run.loadedMs))],
    [
      'cold start: spawn → leader (Lease held)',
      ...col((m) => (m.run.leaderMs === undefined ? '-' : fmt.ms(m.run.leaderMs))),
    ],
    [
      'cold start: process start → first reconcile',
      ...col((m) => fmt.ms(m.run.loadedMs + initial(m).firstAtMs)),
    ],
    ['modules loaded → first reconcile (list + sync)', ...col((m) => fmt.ms(initial(m).firstAtMs))],
    ['initial pass (all objects once)', ...col((m) => fmt.ms(initial(m).lastAtMs))],
    ...resyncs(ms[0]!).map((_, i) => [
      `resync pass ${i + 1} (all objects once)`,
      ...col((m) => {
        const p = resyncs(m)[i];
        return p === undefined ? '-' : fmt.ms(p.lastAtMs - p.firstAtMs);
      }),
    ]),
    ['RSS before start', ...col((m) => fmt.mib(m.run.baseline.rss))],
    ['RSS after initial pass', ...col((m) => fmt.mib(initial(m).memory.rss))],
    ['RSS after last resync', ...col((m) => fmt.mib(after(m).rss))],
    ['heap used before start (after GC)', ...col((m) => fmt.mib(m.run.baseline.heapUsed))],
    ['heap used after initial pass', ...col((m) => fmt.mib(initial(m).memory.heapUsed))],
    ['heap used after last resync', ...col((m) => fmt.mib(after(m).heapUsed))],
    ['heap total (reserved) after last resync', ...col((m) => fmt.mib(after(m).heapTotal))],
    [
      'heap growth per object',
      ...col((m) => fmt.bytes((after(m).heapUsed - m.run.baseline.heapUsed) / m.objects)),
    ],
    [
      'reconciles (total)',
      ...col((m) => fmt.int(sumOf(metrics(m), 'controller_runtime_reconcile_total'))),
    ],
    [
      'reconcile errors',
      ...col((m) => fmt.int(sumOf(metrics(m), 'controller_runtime_reconcile_errors_total'))),
    ],
    ['status writes (all runs on these objects)', ...col((m) => fmt.int(m.statusWrites))],
    ['workqueue adds', ...col((m) => fmt.int(sumOf(metrics(m), 'workqueue_adds_total', q)))],
    ['workqueue retries', ...col((m) => fmt.int(sumOf(metrics(m), 'workqueue_retries_total', q)))],
    [
      'mean queue wait',
      ...col((m) => fmt.seconds(histogramMean(metrics(m), 'workqueue_queue_duration_seconds', q))),
    ],
    [
      'mean work duration',
      ...col((m) => fmt.seconds(histogramMean(metrics(m), 'workqueue_work_duration_seconds', q))),
    ],
    [
      'SIGTERM to exit',
      ...col((m) => `${fmt.ms(m.run.shutdownMs)} (code ${String(m.run.exitCode)})`),
    ],
  ];
  const overlap = ms.filter((m) => initial(m).lastAtMs > resyncMs);
  const note =
    overlap.length > 0
      ? `\nnote: the initial pass outlasted --resync ${args.resync} for ${overlap.map((m) => m.objects).join(', ')} objects; rerun with a longer --resync.`
      : '';
  const heading = (m: Measurement): string =>
    `${fmt.int(m.objects)} objects${m.nodeFlags.length === 0 ? '' : `, ${m.nodeFlags.join(' ')}`}`;
  return `${table(['', ...ms.map(heading)], rows)}${note}`;
}

function reactionReport(r: ReleaseReactions): string {
  const row = (label: string, values: readonly number[], unit: (v: number) => string) => [
    label,
    unit(percentile(values, 50)),
    unit(percentile(values, 99)),
    unit(Math.max(...values)),
  ];
  return [
    `Release reactions (${fmt.int(r.trials)} trials; the family had ${fmt.int(r.history)} extra task definitions, one more per trial)`,
    table(
      ['', 'p50', 'p99', 'max'],
      [
        row('spec change → first AWS write', r.firstWriteMs, fmt.ms),
        row('AWS reads before that write', r.readsBeforeWrite, fmt.int),
        row('abort → traffic back to stable', r.abortMs, fmt.ms),
      ],
    ),
    '',
    firstWriteBreakdown(r),
  ].join('\n');
}
