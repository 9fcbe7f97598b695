/**
 * Prometheus metrics with controller-runtime's names (`pkg/internal/controller/metrics`,
 * `pkg/metrics/workqueue.go`, leader election) in a private Registry, two per-kind metrics of our
 * own (`latticedb_resources{kind,phase}` from the caches, `latticedb_transitions_total{kind,from,
 * to}` from status writes; the phase is `status.phase` by convention), plus a hook for the
 * domain's own `latticedb_*` metrics. Label values are pre-initialised so dashboards see zeros.
 */
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import type { QueueMetricsSink } from '../workqueue/queue.js';

export const ReconcileResult = {
  Success: 'success',
  Error: 'error',
  Requeue: 'requeue',
  RequeueAfter: 'requeue_after',
} as const;
export type ReconcileResult = (typeof ReconcileResult)[keyof typeof ReconcileResult];

// controller-runtime's reconcile_time_seconds buckets.
const RECONCILE_BUCKETS = [
  0.005, 0.01, 0.025, 0.05, 0.1, 0.15, 0.2, 0.25, 0.3, 0.35, 0.4, 0.45, 0.5, 0.6, 0.7, 0.8, 0.9, 1,
  1.25, 1.5, 1.75, 2, 2.5, 3, 3.5, 4, 4.5, 5, 6, 7, 8, 9, 10, 15, 20, 25, 30, 40, 50, 60,
];
// client-go workqueue: ExponentialBuckets(10e-9, 10, 12).
const QUEUE_BUCKETS = Array.from({ length: 12 }, (_, i) => Number((1e-8 * 10 ** i).toPrecision(1)));

/** Metrics a reconciler author may create; names must start with `latticedb_`. */
export interface DomainMetrics {
  counter<L extends string>(config: MetricConfig<L>): Counter<L>;
  gauge<L extends string>(config: MetricConfig<L>): Gauge<L>;
  histogram<L extends string>(
    config: MetricConfig<L> & { readonly buckets?: number[] },
  ): Histogram<L>;
}

export interface MetricConfig<L extends string> {
  readonly name: string;
  readonly help: string;
  readonly labelNames?: readonly L[];
}

/** The label of an object without `status.phase` (not reconciled yet, or a kind without phases). */
export const NO_PHASE = 'None';

/** The label value that stands for every value past a {@link LabelCap}'s limit. */
export const OTHER_LABEL = 'Other';

/**
 * Bounds the values of a label that comes from user input (a check name in a spec, a phase read
 * from a status anyone with `patch` on `/status` can write): each series costs Prometheus memory
 * for as long as the process lives. The first `max` distinct values are kept (cut to
 * `maxLength` characters); later ones become {@link OTHER_LABEL}.
 */
export class LabelCap {
  readonly #seen = new Set<string>();
  readonly #max: number;
  readonly #maxLength: number;

  constructor(max = 50, maxLength = 63) {
    this.#max = max;
    this.#maxLength = maxLength;
  }

  value(raw: string): string {
    const value = raw.slice(0, this.#maxLength);
    if (this.#seen.has(value)) return value;
    if (this.#seen.size >= this.#max) return OTHER_LABEL;
    this.#seen.add(value);
    return value;
  }
}

/** `status.phase` when it is a string, else {@link NO_PHASE}. */
export function phaseOf(obj: object | undefined): string {
  const status = (obj as { status?: unknown } | undefined)?.status;
  const phase = (status as { phase?: unknown } | undefined)?.phase;
  return typeof phase === 'string' && phase !== '' ? phase : NO_PHASE;
}

/**
 * Per-object gauges of a kind, read from its cache at scrape time (as kube-state-metrics does):
 * `latticedb_<kind>_info{namespace,name,<labels>} 1` and one gauge per value
 * (`<name>{namespace,name}`). One series per object, gone with the object.
 */
export interface ObjectInfo {
  /** Labels beyond namespace and name, e.g. phase, revision. */
  readonly labels: readonly string[];
  labelsOf(obj: object): Readonly<Record<string, string>>;
  /** Numeric gauges by metric name (must start with `latticedb_`); undefined skips the object. */
  readonly values?: Readonly<
    Record<string, { readonly help: string; of(obj: object): number | undefined }>
  >;
}

const objectMeta = (obj: object): { namespace: string; name: string } => {
  const m = (obj as { metadata?: { namespace?: string; name?: string } }).metadata;
  return { namespace: m?.namespace ?? '', name: m?.name ?? '' };
};

/** Anything that can report in-flight work (a `WorkQueue`). */
interface ProcessingStats {
  processingStats(): { unfinishedSeconds: number; longestSeconds: number };
}

export class RuntimeMetrics {
  readonly registry: Registry;
  readonly reconcileTotal: Counter<'controller' | 'result'>;
  readonly reconcileErrors: Counter<'controller'>;
  readonly terminalReconcileErrors: Counter<'controller'>;
  readonly reconcilePanics: Counter<'controller'>;
  readonly reconcileTime: Histogram<'controller'>;
  readonly activeWorkers: Gauge<'controller'>;
  readonly maxConcurrentReconciles: Gauge<'controller'>;
  readonly leaderElectionStatus: Gauge<'name'>;
  /** Phase changes written by this replica (so: by the leader). */
  readonly transitions: Counter<'kind' | 'from' | 'to'>;
  /** Phases as label values: read from status, which is user-writable, so capped. */
  readonly phaseLabels = new LabelCap();
  readonly domain: DomainMetrics;
  readonly #queues = new Map<string, ProcessingStats>();
  readonly #caches = new Map<string, () => readonly object[]>();
  readonly #wq;

  constructor(options: { readonly registry?: Registry; readonly defaultMetrics?: boolean } = {}) {
    const registers = [(this.registry = options.registry ?? new Registry())];
    if (options.defaultMetrics ?? true) collectDefaultMetrics({ register: this.registry });
    const c = <L extends string>(name: string, help: string, labelNames: readonly L[]) =>
      new Counter<L>({ name, help, labelNames, registers });
    const g = <L extends string>(name: string, help: string, labelNames: readonly L[]) =>
      new Gauge<L>({ name, help, labelNames, registers });
    const h = <L extends string>(
      name: string,
      help: string,
      labelNames: readonly L[],
      buckets: number[],
    ) => new Histogram<L>({ name, help, labelNames, buckets, registers });
    const ctl = ['controller'] as const;
    this.reconcileTotal = c(
      'controller_runtime_reconcile_total',
      'Total number of reconciliations per controller',
      ['controller', 'result'],
    );
    this.reconcileErrors = c(
      'controller_runtime_reconcile_errors_total',
      'Total number of reconciliation errors per controller',
      ctl,
    );
    this.terminalReconcileErrors = c(
      'controller_runtime_terminal_reconcile_errors_total',
      'Total number of terminal reconciliation errors per controller',
      ctl,
    );
    this.reconcilePanics = c(
      'controller_runtime_reconcile_panics_total',
      'Total number of reconciliation panics per controller',
      ctl,
    );
    this.reconcileTime = h(
      'controller_runtime_reconcile_time_seconds',
      'Length of time per reconciliation per controller',
      ctl,
      RECONCILE_BUCKETS,
    );
    this.activeWorkers = g(
      'controller_runtime_active_workers',
      'Number of currently used workers per controller',
      ctl,
    );
    this.maxConcurrentReconciles = g(
      'controller_runtime_max_concurrent_reconciles',
      'Maximum number of concurrent reconciles per controller',
      ctl,
    );
    this.leaderElectionStatus = g(
      'leader_election_master_status',
      'Gauge of if the reporting system is master of the relevant lease, 0 indicates backup, 1 indicates master.',
      ['name'],
    );
    this.transitions = c(
      'latticedb_transitions_total',
      'Status phase changes written, per kind, from and to phase (None = no phase yet)',
      ['kind', 'from', 'to'],
    );
    const caches = this.#caches;
    const phases = this.phaseLabels;
    new Gauge({
      name: 'latticedb_resources',
      help: 'Objects in the informer cache per kind and status phase (every replica reports its own cache)',
      labelNames: ['kind', 'phase'],
      registers,
      collect() {
        this.reset();
        for (const [kind, list] of caches) {
          const counts = new Map<string, number>();
          for (const obj of list()) {
            const phase = phases.value(phaseOf(obj));
            counts.set(phase, (counts.get(phase) ?? 0) + 1);
          }
          for (const [phase, n] of counts) this.set({ kind, phase }, n);
        }
      },
    });
    const wq = ['controller', 'name'] as const;
    this.#wq = {
      depth: g('workqueue_depth', 'Current depth of workqueue', wq),
      adds: c('workqueue_adds_total', 'Total number of adds handled by workqueue', wq),
      latency: h(
        'workqueue_queue_duration_seconds',
        'How long in seconds an item stays in workqueue before being requested',
        wq,
        QUEUE_BUCKETS,
      ),
      work: h(
        'workqueue_work_duration_seconds',
        'How long in seconds processing an item from workqueue takes',
        wq,
        QUEUE_BUCKETS,
      ),
      retries: c('workqueue_retries_total', 'Total number of retries handled by workqueue', wq),
    };
    const queues = this.#queues;
    new Gauge({
      name: 'workqueue_unfinished_work_seconds',
      help: "How many seconds of work has been done that is in progress and hasn't been observed by work_duration. Large values indicate stuck threads.",
      labelNames: wq,
      registers,
      collect() {
        for (const [name, q] of queues)
          this.set({ controller: name, name }, q.processingStats().unfinishedSeconds);
      },
    });
    new Gauge({
      name: 'workqueue_longest_running_processor_seconds',
      help: 'How many seconds has the longest running processor for workqueue been running.',
      labelNames: wq,
      registers,
      collect() {
        for (const [name, q] of queues)
          this.set({ controller: name, name }, q.processingStats().longestSeconds);
      },
    });
    this.domain = domainMetrics(this.registry);
  }

  /** Pre-initialises every label of one controller (zeros instead of missing series). */
  initController(controller: string, maxConcurrent: number): void {
    for (const result of Object.values(ReconcileResult))
      this.reconcileTotal.inc({ controller, result }, 0);
    this.reconcileErrors.inc({ controller }, 0);
    this.terminalReconcileErrors.inc({ controller }, 0);
    this.reconcilePanics.inc({ controller }, 0);
    this.activeWorkers.set({ controller }, 0);
    this.maxConcurrentReconciles.set({ controller }, maxConcurrent);
  }

  /** The metrics sink for one controller's queue (pass it to the `WorkQueue` constructor). */
  queueSink(controller: string): QueueMetricsSink {
    const labels = { controller, name: controller };
    const wq = this.#wq;
    wq.depth.set(labels, 0);
    wq.adds.inc(labels, 0);
    wq.retries.inc(labels, 0);
    return {
      added: () => {
        wq.adds.inc(labels);
      },
      depth: (n) => {
        wq.depth.set(labels, n);
      },
      queued: (s) => {
        wq.latency.observe(labels, s);
      },
      worked: (s) => {
        wq.work.observe(labels, s);
      },
      retried: () => {
        wq.retries.inc(labels);
      },
    };
  }

  /** Feeds `latticedb_resources` for `kind` from its cache (read at scrape time). */
  trackResources(kind: string, list: () => readonly object[]): void {
    this.#caches.set(kind, list);
  }

  /** Registers the per-object gauges of `kind` (see {@link ObjectInfo}), read from `list`. */
  trackObjects(kind: string, info: ObjectInfo, list: () => readonly object[]): void {
    const registers = [this.registry];
    new Gauge({
      name: `latticedb_${kind.toLowerCase()}_info`,
      help: `One series per ${kind} in the informer cache, labelled with its state (value 1)`,
      labelNames: ['namespace', 'name', ...info.labels],
      registers,
      collect() {
        this.reset();
        for (const obj of list()) this.set({ ...info.labelsOf(obj), ...objectMeta(obj) }, 1);
      },
    });
    for (const [name, value] of Object.entries(info.values ?? {})) {
      if (!/^latticedb_[a-z0-9_]+$/.test(name)) throw new Error(`bad metric name ${name}`);
      new Gauge({
        name,
        help: value.help,
        labelNames: ['namespace', 'name'],
        registers,
        collect() {
          this.reset();
          for (const obj of list()) {
            const v = value.of(obj);
            if (v !== undefined) this.set(objectMeta(obj), v);
          }
        },
      });
    }
  }

  /** Feeds the unfinished-work and longest-running-processor gauges from `queue`. */
  trackQueue(controller: string, queue: ProcessingStats): void {
    this.#queues.set(controller, queue);
  }
}

/** The metric already registered under `name` (setups may run more than once in tests). */
function reuse<M>(
  registry: Registry,
  name: string,
  type: abstract new (...args: never[]) => M,
): M | undefined {
  const found = registry.getSingleMetric(name);
  if (found === undefined) return undefined;
  if (found instanceof type) return found;
  throw new Error(`metric "${name}" is already registered with another type`);
}

function domainMetrics(registry: Registry): DomainMetrics {
  const check = (name: string): void => {
    if (!/^latticedb_[a-z0-9_]+$/.test(name)) {
      throw new Error(`domain metric "${name}" must match latticedb_[a-z0-9_]+`);
    }
  };
  const registers = [registry];
  return {
    counter: <L extends string>(c: MetricConfig<L>) => {
      check(c.name);
      return (
        reuse(registry, c.name, Counter<L>) ??
        new Counter<L>({ ...c, labelNames: c.labelNames ?? [], registers })
      );
    },
    gauge: <L extends string>(c: MetricConfig<L>) => {
      check(c.name);
      return (
        reuse(registry, c.name, Gauge<L>) ??
        new Gauge<L>({ ...c, labelNames: c.labelNames ?? [], registers })
      );
    },
    histogram: <L extends string>(c: MetricConfig<L> & { readonly buckets?: number[] }) => {
      check(c.name);
      return (
        reuse(registry, c.name, Histogram<L>) ??
        new Histogram<L>({ ...c, labelNames: c.labelNames ?? [], registers })
      );
    },
  };
}
