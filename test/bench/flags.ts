// The flag-evaluation figures of `npm run bench`: what the package's evaluator costs an application.
//
// For 1, 100 and 10,000 flags in a real redis-server:
//   - the evaluator (`latticedb-controller/flags`, local copy kept fresh by change notices):
//     evaluations per second and per-call p50/p99, in-process, flags cached;
//   - the naive baseline in the same run: one `HGETALL` (plus the kill-switch `GET`) per evaluation,
//     the way a service without a local copy would read a flag;
//   - a fleet of idle evaluators: the Redis commands per second it costs at rest (INFO's
//     total_commands_processed over a window, less the INFO calls themselves).
// Figures, not assertions.
import { performance } from 'node:perf_hooks';
import { Redis } from 'ioredis';
import { evaluateFlag, FlagEvaluator, RedisFlagStore } from '../../flags/index.js';
import { parseFlagHash, isKillSwitchActive } from '../../flags/codec.js';
import { DEFAULT_KEY_PREFIX, flagKeys } from '../../flags/model.js';
import { toEvaluable } from '../../flags/evaluate.js';
import { fmt, table } from './report.js';

export interface FlagBenchOptions {
  readonly redisUrl: string;
  readonly flagCounts: readonly number[];
  /** Evaluations timed per measurement (after a warm-up of a tenth as many). */
  readonly evaluations: number;
  /** HGETALL evaluations timed for the baseline (each is a round trip, so fewer). */
  readonly baselineEvaluations: number;
  readonly fleetSize: number;
  readonly fleetWindowMs: number;
  readonly log: (line: string) => void;
}

interface Latencies {
  readonly perSecond: number;
  readonly p50Ns: number;
  readonly p99Ns: number;
}

interface FlagCountResult {
  readonly flags: number;
  readonly evaluator: Latencies;
  readonly hgetall: Latencies;
  readonly fleet: { readonly commandsPerSecond: number; readonly windowMs: number };
  readonly evaluatorStartMs: number;
}

const keys = flagKeys(DEFAULT_KEY_PREFIX);

export async function runFlagBench(options: FlagBenchOptions): Promise<string> {
  const redis = new Redis(options.redisUrl, { lazyConnect: false });
  const results: FlagCountResult[] = [];
  try {
    for (const flags of options.flagCounts) {
      await redis.flushdb();
      options.log(`flags: seeding ${fmt.int(flags)} flags …`);
      const names = await seedFlags(redis, flags);
      results.push(await measure(redis, names, options));
    }
  } finally {
    await redis.flushdb();
    redis.disconnect();
  }
  return report(results, options);
}

async function seedFlags(redis: Redis, count: number): Promise<string[]> {
  const store = new RedisFlagStore({ redis });
  const names = Array.from({ length: count }, (_, i) => `bench_flag_${String(i).padStart(5, '0')}`);
  const batch = 200;
  for (let i = 0; i < names.length; i += batch) {
    await Promise.all(
      names.slice(i, i + batch).map((name, j) =>
        store.compareAndSet(name, 0, {
          enabled: true,
          basisPoints: (5_000 + (i + j) * 37) % 10_001,
          salt: name,
          targets: ['internal-1', 'internal-2'],
          killSwitch: (i + j) % 2 === 0 ? 'experimental' : null,
          updatedBy: 'bench',
        }),
      ),
    );
  }
  return names;
}

async function measure(
  redis: Redis,
  names: readonly string[],
  options: FlagBenchOptions,
): Promise<FlagCountResult> {
  const started = performance.now();
  const evaluator = new FlagEvaluator({ connection: { url: options.redisUrl } });
  await evaluator.start();
  const evaluatorStartMs = performance.now() - started;
  const pick = picker(names);
  let on = 0;
  const evaluatorLatencies = timeSync(options.evaluations, (i) => {
    if (evaluator.isOn(pick(i), `user-${i % 100_003}`)) on++;
  });
  await evaluator.close();
  options.log(`flags: ${names.length} flags, evaluator done (${on} on)`);

  const hgetall = await timeAsync(options.baselineEvaluations, async (i) => {
    const name = pick(i);
    const hash = await redis.hgetall(keys.flag(name));
    const parsed = parseFlagHash(name, hash, []);
    if (!parsed.ok) return;
    const group = parsed.record.killSwitch;
    const killed = group !== null && isKillSwitchActive(await redis.get(keys.killSwitch(group)));
    evaluateFlag(toEvaluable(parsed.record), killed, `user-${i % 100_003}`);
  });

  const fleet = await fleetAtRest(redis, options);
  return { flags: names.length, evaluator: evaluatorLatencies, hgetall, fleet, evaluatorStartMs };
}

/** Spreads evaluations over the flags deterministically (a fixed stride, no Math.random). */
function picker(names: readonly string[]): (i: number) => string {
  return (i) => names[(i * 7919) % names.length]!;
}

function timeSync(count: number, fn: (i: number) => void): Latencies {
  for (let i = 0; i < Math.ceil(count / 10); i++) fn(i);
  const samples = new Float64Array(count);
  const start = process.hrtime.bigint();
  for (let i = 0; i < count; i++) {
    const t0 = process.hrtime.bigint();
    fn(i);
    samples[i] = Number(process.hrtime.bigint() - t0);
  }
  const totalNs = Number(process.hrtime.bigint() - start);
  return summarise(samples, totalNs);
}

async function timeAsync(count: number, fn: (i: number) => Promise<void>): Promise<Latencies> {
  for (let i = 0; i < Math.ceil(count / 10); i++) await fn(i);
  const samples = new Float64Array(count);
  const start = process.hrtime.bigint();
  for (let i = 0; i < count; i++) {
    const t0 = process.hrtime.bigint();
    await fn(i);
    samples[i] = Number(process.hrtime.bigint() - t0);
  }
  const totalNs = Number(process.hrtime.bigint() - start);
  return summarise(samples, totalNs);
}

function summarise(samples: Float64Array, totalNs: number): Latencies {
  const sorted = samples.slice().sort();
  const at = (q: number): number =>
    sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]!;
  return { perSecond: (samples.length / totalNs) * 1e9, p50Ns: at(0.5), p99Ns: at(0.99) };
}

/**
 * N evaluators started and left alone: every command they send in the window is the cost of
 * keeping local copies fresh (periodic full reloads, kill-switch polls, pings), whatever the
 * evaluator does to stay current.
 */
async function fleetAtRest(
  redis: Redis,
  options: FlagBenchOptions,
): Promise<FlagCountResult['fleet']> {
  const fleet = Array.from(
    { length: options.fleetSize },
    () => new FlagEvaluator({ connection: { url: options.redisUrl } }),
  );
  try {
    // One after another, as a fleet's pods start: a whole fleet loading 10,000 flags at once is a
    // restart storm, not the state at rest this measures.
    for (const evaluator of fleet) await evaluator.start();
    const before = await commandsProcessed(redis);
    const t0 = performance.now();
    await new Promise((resolve) => setTimeout(resolve, options.fleetWindowMs));
    const after = await commandsProcessed(redis);
    const windowMs = performance.now() - t0;
    // The second INFO is counted in `after`: one command of ours, not the fleet's.
    return { commandsPerSecond: ((after - before - 1) / windowMs) * 1000, windowMs };
  } finally {
    await Promise.all(fleet.map((e) => e.close()));
  }
}

async function commandsProcessed(redis: Redis): Promise<number> {
  const info = await redis.info('stats');
  const m = /total_commands_processed:(\d+)/.exec(info);
  if (m === null) throw new Error('INFO stats has no total_commands_processed');
  return Number(m[1]);
}

function report(results: readonly FlagCountResult[], options: FlagBenchOptions): string {
  const col = (f: (r: FlagCountResult) => string): string[] => results.map(f);
  const ns = (n: number): string => (n < 1000 ? `${Math.round(n)} ns` : fmt.seconds(n / 1e9));
  const rows: string[][] = [
    ['evaluator start (connect + full load)', ...col((r) => fmt.ms(r.evaluatorStartMs))],
    ['evaluator: evaluations per second', ...col((r) => fmt.int(r.evaluator.perSecond))],
    [
      'evaluator: p50 / p99 per evaluation',
      ...col((r) => `${ns(r.evaluator.p50Ns)} / ${ns(r.evaluator.p99Ns)}`),
    ],
    ['baseline HGETALL: evaluations per second', ...col((r) => fmt.int(r.hgetall.perSecond))],
    [
      'baseline HGETALL: p50 / p99',
      ...col((r) => `${ns(r.hgetall.p50Ns)} / ${ns(r.hgetall.p99Ns)}`),
    ],
    [
      'evaluator / baseline throughput',
      ...col((r) => `${(r.evaluator.perSecond / r.hgetall.perSecond).toFixed(0)}×`),
    ],
    [
      `fleet of ${options.fleetSize} idle evaluators: Redis commands/s`,
      ...col((r) => `${r.fleet.commandsPerSecond.toFixed(2)} (over ${fmt.ms(r.fleet.windowMs)})`),
    ],
  ];
  return [
    `Flag evaluation (${fmt.int(options.evaluations)} evaluations timed one by one; baseline ${fmt.int(options.baselineEvaluations)} sequential round trips)`,
    table(['', ...results.map((r) => `${fmt.int(r.flags)} flags`)], rows),
  ].join('\n');
}
