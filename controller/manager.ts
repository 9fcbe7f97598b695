/**
 * The manager: informers for every registered kind run on every replica (a standby's cache is
 * warm), the health and metrics servers start, then leader election; workers and the kinds'
 * external sources run only while leading. Graceful stop (SIGTERM): stop the external sources
 * and taking work, finish or hand back in-flight keys within the shutdown timeout, stop
 * informers, release the Lease (unless an aborted reconcile is still running: then it expires), run
 * shutdown hooks, close the shared instances (AWS clients, Redis connections), close servers.
 * Losing leadership aborts in-flight work at once and ends `start()` with `leadership-lost`
 * at once, before any clean-up (main exits non-zero without the graceful path: another replica
 * may already be acting).
 */
import type { KubeConfig } from '@kubernetes/client-node';
import type { Logger } from 'pino';
import { monotonicClock, systemClock, type Clock } from './clock.js';
import { formatDuration } from './duration.js';
import type { ControllerConfig } from './config.js';
import { Controller, type ShutdownReport } from './controller.js';
import { SharedRegistry } from './external.js';
import { customObjectSource } from './informer/custom-object-source.js';
import { Informer, type InformerOptions } from './informer/informer.js';
import { specOrMetadataChanged } from './informer/predicates.js';
import type { ListWatchSource } from './informer/source.js';
import type { KubeClient } from './k8s/client.js';
import { createKubeClient } from './k8s/client-node.js';
import { reuseConnections } from './k8s/connections.js';
import { KubeEventRecorder, type EventRecorder } from './k8s/events.js';
import { notificationController } from './notifications/controller.js';
import { Notifier, type NotifierOptions } from './notifications/notifier.js';
import {
  objectKey,
  type CustomObject,
  type GroupVersionResource,
  type KubeObject,
} from './k8s/types.js';
import { defaultIdentity, LeaderElector } from './leaderelection/elector.js';
import { kubeLeaseLock, type LeaseLock } from './leaderelection/lease-lock.js';
import {
  parseBindAddress,
  startHealthServer,
  startMetricsServer,
  type RunningServer,
} from './observability/http.js';
import { RuntimeMetrics } from './observability/metrics.js';
import { registerUrlSecrets } from './observability/secrets.js';
import type { KindDeps, KindRegistration } from './registration.js';
import { ResourceReconciler } from './resource/reconciler.js';
import type { BaseStatus, ObjectCache } from './resource/types.js';

export type ManagerExit = 'stopped' | 'leadership-lost';

export interface ManagerOptions {
  readonly config: ControllerConfig;
  readonly kubeConfig: KubeConfig;
  readonly logger: Logger;
  readonly kube?: KubeClient;
  readonly metrics?: RuntimeMetrics;
  readonly clock?: Clock;
  /** Lease holder identity and Event `reportingInstance` (default `hostname_uuid`). */
  readonly identity?: string;
  /** Informer tuning (watchdog, watch timeout), mostly for tests. */
  readonly informer?: Pick<
    InformerOptions<KubeObject>,
    'watchdogMs' | 'watchTimeoutSeconds' | 'pageSize'
  >;
  /** Test seam: the Lease used for leader election (default: the apiserver via client-node). */
  readonly leaseLock?: LeaseLock;
  /** Notification tuning (delivery retries, config TTL, lookback), mostly for tests. */
  readonly notifications?: Partial<
    Pick<NotifierOptions, 'configTtlMs' | 'lookbackMs' | 'delivery'>
  >;
  /** Test seam: the list/watch source of a collection (default: the apiserver via client-node). */
  readonly sourceFor?: (
    res: GroupVersionResource,
    namespace: string | undefined,
  ) => ListWatchSource<KubeObject>;
}

export class Manager {
  readonly kube: KubeClient;
  readonly recorder: EventRecorder;
  readonly metrics: RuntimeMetrics;
  readonly identity: string;
  readonly #o: ManagerOptions;
  readonly #log: Logger;
  readonly #clock: Clock;
  readonly #shared: SharedRegistry;
  readonly #informers = new Map<string, Informer<KubeObject>>(); // by `plural.group[/namespace]`
  readonly #controllers: Controller[] = [];
  /** The informers each controller reads (its kind's and its watches'): its cache. */
  readonly #watchedBy = new Map<Controller, Informer<KubeObject>[]>();
  /** Informers of a controller's optional watches (ExtraWatch.optional): not waited for. */
  readonly #optionalFor = new Map<Controller, Set<Informer<KubeObject>>>();
  readonly #hooks: (() => unknown)[] = [];
  readonly #servers: RunningServer[] = [];
  #elector: LeaderElector | undefined;
  readonly #notifier: Notifier | undefined;
  #exit: ((how: ManagerExit) => void) | undefined;
  #stopping: Promise<ShutdownReport> | undefined;

  constructor(options: ManagerOptions) {
    this.#o = options;
    this.#log = options.logger;
    registerUrlSecrets(options.config.redisUrl);
    this.#clock = options.clock ?? systemClock;
    this.identity = options.identity ?? defaultIdentity();
    reuseConnections(options.kubeConfig);
    this.kube = options.kube ?? createKubeClient(options.kubeConfig);
    this.metrics = options.metrics ?? new RuntimeMetrics();
    this.recorder = new KubeEventRecorder({
      kube: this.kube,
      logger: this.#log,
      instance: this.identity,
      clock: this.#clock,
    });
    this.#shared = new SharedRegistry({ logger: this.#log });
    const { notificationsSecret, leaderElectionNamespace } = options.config;
    if (notificationsSecret !== '' && leaderElectionNamespace !== undefined) {
      this.#notifier = new Notifier({
        kube: this.kube,
        logger: this.#log.child({ component: 'notifications' }),
        clock: this.#clock,
        namespace: leaderElectionNamespace,
        secretName: notificationsSecret,
        ...options.notifications,
      });
    }
  }

  /** The dependencies handed to every kind's setup. */
  deps(): KindDeps {
    const c = this.#o.config;
    return {
      kube: this.kube,
      recorder: this.recorder,
      clock: this.#clock,
      logger: this.#log,
      metrics: this.metrics.domain,
      aws: {
        defaultRegion: c.awsRegion,
        maxAttempts: c.awsMaxAttempts,
        retryMode: c.awsRetryMode,
        ...(c.awsEndpointUrl === undefined ? {} : { endpoint: c.awsEndpointUrl }),
        ...(c.awsEmulator ? { emulator: true } : {}),
      },
      redis:
        c.redisUrl === undefined
          ? undefined
          : {
              url: c.redisUrl,
              ...(c.redisTlsCaFile === undefined ? {} : { tlsCaFile: c.redisTlsCaFile }),
            },
      shared: this.#shared.shared,
      config: c,
      onShutdown: (fn) => this.#hooks.push(fn),
    };
  }

  /** Adds a kind: informers (per watched namespace), its controller and the resource reconciler. */
  register<Spec, Status extends BaseStatus>(reg: KindRegistration<Spec, Status>): Controller {
    const name = reg.kind.toLowerCase();
    const primary = this.#informersFor(reg.resource);
    const watched = [...primary];
    const optional = new Set<Informer<KubeObject>>();
    const controller = new Controller({
      name,
      kind: reg.kind,
      logger: this.#log,
      metrics: this.metrics,
      maxConcurrentReconciles: reg.maxConcurrentReconciles ?? this.#o.config.workers,
      reconcileTimeoutMs: this.#o.config.reconcileTimeoutMs,
      sources: reg.sources ?? [],
      cached: () => primary.flatMap((i) => i.list()),
      reconciler: new ResourceReconciler({
        resource: { ...reg.resource, kind: reg.kind },
        handler: reg.handler,
        cache: cacheOver(primary) as ObjectCache<CustomObject<Spec, Status>>,
        kube: this.kube,
        recorder: this.recorder,
        clock: this.#clock,
        onPhaseChange: (from, to) => {
          const phase = this.metrics.phaseLabels;
          this.metrics.transitions.inc({
            kind: reg.kind,
            from: phase.value(from),
            to: phase.value(to),
          });
        },
      }),
    });
    this.metrics.trackResources(reg.kind, () => primary.flatMap((i) => i.list()));
    if (reg.info !== undefined)
      this.metrics.trackObjects(reg.kind, reg.info, () => primary.flatMap((i) => i.list()));
    const enqueue = (obj: KubeObject): void => {
      controller.enqueue(objectKey(obj));
    };
    for (const inf of primary)
      inf.addEventHandler({
        onAdd: enqueue,
        onUpdate: (old, obj) => {
          if (specOrMetadataChanged(old, obj)) enqueue(obj);
        },
        onDelete: enqueue,
      });
    for (const watch of reg.watches ?? []) {
      const map = (obj: KubeObject): void => {
        for (const req of watch.mapToRequests(obj)) controller.enqueue(req);
      };
      for (const inf of this.#informersFor(watch.resource)) {
        watched.push(inf);
        // An informer the kind also needs otherwise (its own, or a required watch) stays required.
        if (watch.optional === true && !primary.includes(inf)) optional.add(inf);
        const onUpdate = (oldObj: KubeObject, obj: KubeObject): void => {
          map(oldObj); // e.g. a label moved: the old owner must notice too
          map(obj);
        };
        inf.addEventHandler({ onAdd: map, onUpdate, onDelete: map });
      }
    }
    this.#controllers.push(controller);
    this.#watchedBy.set(controller, watched);
    for (const watch of reg.watches ?? [])
      if (watch.optional !== true)
        for (const inf of this.#informersFor(watch.resource)) optional.delete(inf);
    this.#optionalFor.set(controller, optional);
    if (reg.notify !== undefined && this.#notifier !== undefined) {
      this.#controllers.push(
        notificationController({
          notifier: this.#notifier,
          kind: reg.kind,
          resource: reg.resource,
          classify: reg.notify,
          informers: primary,
          cache: cacheOver(primary),
          logger: this.#log,
          metrics: this.metrics,
          clock: this.#clock,
        }),
      );
    }
    return controller;
  }

  /** True when every informer has listed once (`/readyz`). */
  readiness(): Record<string, boolean> {
    return Object.fromEntries(
      [...this.#informers.values()].map((i) => [`informer ${i.description}`, i.hasSynced()]),
    );
  }

  /** Addresses of the running servers (ports resolved when configured as `:0`). */
  get servers(): readonly RunningServer[] {
    return this.#servers;
  }

  get isLeader(): boolean {
    return this.#elector?.isLeader ?? !this.#o.config.leaderElect;
  }

  /** Runs until `stop()` (⇒ `stopped`) or until leadership is lost (⇒ `leadership-lost`). */
  async start(): Promise<ManagerExit> {
    const exited = new Promise<ManagerExit>((resolve) => (this.#exit = resolve));
    for (const inf of this.#informers.values()) inf.start();
    await this.#startServers();
    const c = this.#o.config;
    if (!c.leaderElect) {
      void this.#startWorkers();
      return exited;
    }
    const elector = new LeaderElector({
      lock:
        this.#o.leaseLock ??
        kubeLeaseLock(
          this.#o.kubeConfig,
          c.leaderElectionNamespace ?? 'default',
          c.leaderElectionId,
          {
            requestTimeoutMs: Math.max(c.renewDeadlineMs / 2, 1_000),
          },
        ),
      identity: this.identity,
      logger: this.#log,
      clock: this.#clock,
      leaseDurationMs: c.leaseDurationMs,
      renewDeadlineMs: c.renewDeadlineMs,
      retryPeriodMs: c.retryPeriodMs,
      onStartedLeading: () => {
        void this.#startWorkers();
      },
      onStatus: (v) => {
        this.metrics.leaderElectionStatus.set({ name: c.leaderElectionId }, v);
      },
    });
    this.#elector = elector;
    void elector.run().then((end) => {
      if (end !== 'lost') return;
      // As controller-runtime: no graceful path. Every reconcile is aborted at once and start()
      // resolves now (main exits); the clean-up below only matters to an in-process caller.
      const reason = new Error('leader election lost');
      for (const c of this.#controllers) c.abortAll(reason);
      this.#exit?.('leadership-lost');
      void this.#shutdown(0, 'leadership-lost');
    });
    return exited;
  }

  /** Graceful stop; resolves with the keys left unprocessed when done (idempotent). */
  stop(): Promise<ShutdownReport> {
    return this.#shutdown(this.#o.config.shutdownTimeoutMs, 'stopped');
  }

  async #startWorkers(): Promise<void> {
    await Promise.all(this.#controllers.map((c) => this.#startWhenSynced(c)));
  }

  /**
   * Like WaitForCacheSync, per kind: reconciling against a half-filled cache would act on missing
   * objects, but one kind whose list fails (403, CRD not installed) must not hold up the others.
   * Past `--cache-sync-timeout` an error names the kind and why; it starts once its cache syncs.
   * An optional watch (ExtraWatch.optional) is not waited for: the kind starts once its own cache
   * has synced, and the error names the watch if it has not synced by the timeout.
   */
  async #startWhenSynced(c: Controller): Promise<void> {
    const informers = this.#watchedBy.get(c) ?? [];
    const optional = this.#optionalFor.get(c) ?? new Set();
    const required = informers.filter((i) => !optional.has(i));
    const started = monotonicClock.nowMs();
    let reported = false;
    let running = false;
    while (this.#stopping === undefined) {
      if (!running && required.every((i) => i.hasSynced())) {
        if (reported) this.#log.info({ kind: c.kind }, 'cache synced late; starting workers');
        c.start();
        running = true;
      }
      const unsynced = informers.filter((i) => !i.hasSynced());
      if (unsynced.length === 0 || (running && reported)) return;
      const waitedMs = monotonicClock.nowMs() - started;
      if (!reported && waitedMs >= this.#o.config.cacheSyncTimeoutMs) {
        reported = true;
        const why = unsynced.map((i) => `${i.description}: ${describeListError(i.lastListError)}`);
        const within = formatDuration(this.#o.config.cacheSyncTimeoutMs);
        this.#log.error(
          { kind: c.kind, informers: unsynced.map((i) => i.description) },
          running
            ? `${c.kind}: watch on ${why.join('; ')} did not sync within ${within}; ` +
                `${c.kind} objects are reconciled without it (a change there reaches them at their next look, not at once)`
            : `${c.kind} cache did not sync within ${within} ` +
                `(${why.join('; ')}); its objects are not reconciled until it does, other kinds run`,
        );
        if (running) return;
      }
      await new Promise((r) => setTimeout(r, 100));
    }
  }

  #shutdown(timeoutMs: number, how: ManagerExit): Promise<ShutdownReport> {
    this.#stopping ??= (async () => {
      this.#log.info({ reason: how, timeoutMs }, 'shutting down');
      const reports = await Promise.all(this.#controllers.map((c) => c.shutdown(timeoutMs)));
      await Promise.all([...this.#informers.values()].map((i) => i.stop()));
      // Release the Lease (a standby takes over at once) only if no reconcile is still running:
      // one that ignored its abort would run alongside the new leader's reconcile of its key.
      // Otherwise the Lease expires after leaseDuration, by when this process has exited.
      const stillRunning = reports.some((r) => r.stillRunning.length > 0);
      await this.#elector?.stop({ release: !stillRunning });
      for (const hook of this.#hooks.splice(0)) {
        try {
          await hook();
        } catch (err) {
          this.#log.warn({ err }, 'shutdown hook failed');
        }
      }
      await this.#shared.closeAll();
      await Promise.all(this.#servers.map((s) => s.close()));
      const report = {
        pending: reports.flatMap((r) => r.pending),
        handedBack: reports.flatMap((r) => r.handedBack),
        stillRunning: reports.flatMap((r) => r.stillRunning),
      };
      this.#log.info(report, 'shutdown complete');
      this.#exit?.(how);
      return report;
    })();
    return this.#stopping;
  }

  async #startServers(): Promise<void> {
    const { healthProbeBindAddress, metricsBindAddress } = this.#o.config;
    const health = parseBindAddress(healthProbeBindAddress);
    const metrics = parseBindAddress(metricsBindAddress);
    if (health !== undefined) {
      const server = await startHealthServer(health, () => this.readiness());
      this.#servers.push(server);
      this.#log.info({ address: server.address }, 'serving /healthz and /readyz');
    }
    if (metrics !== undefined) {
      const server = await startMetricsServer(metrics, this.metrics.registry);
      this.#servers.push(server);
      this.#log.info({ address: server.address }, 'serving /metrics');
    }
  }

  #informersFor(res: GroupVersionResource): Informer<KubeObject>[] {
    const { namespaces, resyncPeriodMs } = this.#o.config;
    const scopes = namespaces.length === 0 ? [undefined] : namespaces;
    return scopes.map((namespace) => {
      const id = `${res.plural}.${res.group}/${res.version}/${namespace ?? ''}`;
      let informer = this.#informers.get(id);
      if (informer === undefined) {
        informer = new Informer<KubeObject>({
          ...this.#o.informer,
          source:
            this.#o.sourceFor?.(res, namespace) ??
            customObjectSource(this.#o.kubeConfig, res, { namespace }),
          logger: this.#log,
          clock: this.#clock,
          resyncPeriodMs,
        });
        this.#informers.set(id, informer);
      }
      return informer;
    });
  }
}

function describeListError(err: unknown): string {
  if (err === undefined) return 'no list answered yet';
  return err instanceof Error ? err.message : JSON.stringify(err);
}

/** One cache over per-namespace informers (or the single cluster-wide one). */
function cacheOver(informers: readonly Informer<KubeObject>[]): ObjectCache<KubeObject> {
  return {
    get(namespace, name) {
      for (const inf of informers) {
        const obj = inf.get(namespace, name);
        if (obj !== undefined) return obj;
      }
      return undefined;
    },
  };
}
