// The benchmarked process: the real controller (`runController`, flags from argv) serving one kind
// whose handler returns the status unchanged, so the figures are the runtime's own cost: informer
// list + watch + cache, queue, workers, status comparison. It counts reconciles per object and
// reports each completed pass (every object reconciled once more) to the bench script over IPC.
// Compiled and started by test/bench/main.ts (build.ts, controller-process.ts).
import { runController } from '../../controller/app.js';
import type { KindSetup } from '../../controller/index.js';
import { BENCH_RESOURCE } from './objects.js';
import { BENCH_EXPECTED_OBJECTS, type BenchMessage, type MemorySample } from './protocol.js';

const expected = Number(process.env[BENCH_EXPECTED_OBJECTS]);
if (!Number.isInteger(expected) || expected <= 0 || process.send === undefined) {
  process.stderr.write(`run by test/bench/main.ts (IPC and ${BENCH_EXPECTED_OBJECTS} needed)\n`);
  process.exit(2);
}

const gc = (globalThis as { gc?: () => void }).gc;

function memory(): MemorySample {
  gc?.();
  const m = process.memoryUsage();
  return { rss: m.rss, heapUsed: m.heapUsed, heapTotal: m.heapTotal, external: m.external };
}

function send(message: BenchMessage): void {
  process.send?.(message);
}

/** Counts reconciles per key and notices when every key has reached the next pass. */
class PassTracker {
  readonly #perKey = new Map<string, number>();
  /** keysAtLeast[p] = keys reconciled at least p times. */
  readonly #keysAtLeast: number[] = [0];
  readonly #firstAt: number[] = [];
  #reconciles = 0;
  readonly #start: number;

  constructor(start: number) {
    this.#start = start;
  }

  record(key: string): void {
    const at = performance.now() - this.#start;
    this.#reconciles++;
    const pass = (this.#perKey.get(key) ?? 0) + 1;
    this.#perKey.set(key, pass);
    this.#firstAt[pass] ??= at;
    this.#keysAtLeast[pass] = (this.#keysAtLeast[pass] ?? 0) + 1;
    if (this.#keysAtLeast[pass] === expected) {
      send({
        type: 'pass',
        pass,
        firstAtMs: this.#firstAt[pass],
        lastAtMs: at,
        reconciles: this.#reconciles,
        memory: memory(),
      });
    }
  }
}

send({ type: 'loaded', memory: memory(), sinceProcessStartMs: performance.now() });
const tracker = new PassTracker(performance.now());

const noopSetup: KindSetup = () => ({
  kind: BENCH_RESOURCE.kind,
  resource: BENCH_RESOURCE,
  handler: {
    validate: () => [],
    reconcile(obj) {
      tracker.record(`${obj.metadata.namespace ?? ''}/${obj.metadata.name ?? ''}`);
      return Promise.resolve({ status: obj.status ?? {} });
    },
  },
});

const code = await runController({
  argv: process.argv.slice(2),
  env: process.env,
  setups: [noopSetup],
});
process.exit(code);
