/**
 * How a domain kind is registered with the manager. `reconcilers/index.ts` exports
 * `setups: readonly KindSetup[]`; `main.ts` calls each with the {@link KindDeps} and registers the
 * result.
 */
import type { Logger } from 'pino';
import type { Clock } from './clock.js';
import type { ControllerConfig } from './config.js';
import type { ExternalSource } from './external-source.js';
import type { AwsSettings, RedisSettings, SharedFn } from './external.js';
import type { KubeClient } from './k8s/client.js';
import type { EventRecorder } from './k8s/events.js';
import type { CustomObject, GroupVersionResource, KubeObject } from './k8s/types.js';
import type { Classify } from './notifications/notifier.js';
import type { DomainMetrics, ObjectInfo } from './observability/metrics.js';
import type { Request } from './reconcile.js';
import type { BaseStatus, KindHandler } from './resource/types.js';

/** Another collection whose changes should reconcile objects of this kind. */
export interface ExtraWatch {
  /** Custom resource to watch (same namespaces as the kind). */
  readonly resource: GroupVersionResource;
  /** The objects of this kind to reconcile when `obj` changes (sync; only compute keys). */
  mapToRequests(obj: KubeObject): Request[];
  /**
   * The kind's workers start without waiting for this watch's cache to sync: for a watch that only
   * wakes objects sooner, whose reconcile reads what it needs from the API itself (the FailoverPlan
   * interlock). A collection whose CRD is missing or that RBAC forbids then does not stop the kind;
   * past `--cache-sync-timeout` an error names it all the same, and `/readyz` lists it unsynced.
   */
  readonly optional?: boolean;
}

export interface KindRegistration<Spec = unknown, Status extends BaseStatus = BaseStatus> {
  /** Kind name, e.g. `Release`; the controller is named after it in lower case. */
  readonly kind: string;
  readonly resource: GroupVersionResource;
  readonly handler: KindHandler<Spec, Status>;
  /** Workers for this kind; default `--workers`. */
  readonly maxConcurrentReconciles?: number;
  readonly watches?: readonly ExtraWatch[];
  /**
   * Event sources outside Kubernetes (a Redis channel, …) that enqueue keys of this kind. They
   * run on the leader only, from the moment the workers start until shutdown: a standby has no
   * workers to act on what they report, and a new leader reconciles every object first anyway.
   */
  readonly sources?: readonly ExternalSource<CustomObject<Spec, Status>>[];
  /**
   * Which `status.history` entries are notifications (Slack, webhooks; see
   * controller/notifications/). Absent: the kind sends none.
   */
  readonly notify?: Classify;
  /** Per-object gauges (`latticedb_<kind>_info` and values) for dashboards; absent: none. */
  readonly info?: ObjectInfo;
}

/** Everything a kind's setup receives. Only `main.ts` builds real clients. */
export interface KindDeps {
  readonly kube: KubeClient;
  readonly recorder: EventRecorder;
  readonly clock: Clock;
  readonly logger: Logger;
  /** Create `latticedb_*` metrics on the controller's registry. */
  readonly metrics: DomainMetrics;
  /** How to build AWS SDK clients (region, endpoint, retries); see reconcilers/shared/runtime. */
  readonly aws: AwsSettings;
  /** The controller-wide Redis, or undefined when `--redis-url`/`REDIS_URL` is not set. */
  readonly redis: RedisSettings | undefined;
  /**
   * One instance per `key` for the whole process (AWS clients, Redis connections), built on first
   * use and closed at shutdown after the workers stopped; throws `ShuttingDownError` afterwards.
   */
  readonly shared: SharedFn;
  /** Read-only configuration (durations in ms). */
  readonly config: ControllerConfig;
  /** Runs `fn` during graceful shutdown, after the workers stopped (before shared instances close). */
  onShutdown(fn: () => unknown): void;
}

export type KindSetup = (deps: KindDeps) => KindRegistration;
