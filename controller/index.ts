/**
 * The public surface of the runtime for reconciler authors. Import from here only.
 *
 * A kind is a {@link KindSetup}: `(deps: KindDeps) => KindRegistration`. `reconcilers/index.ts`
 * exports `setups: readonly KindSetup[]`. A registration names the custom resource
 * (`{ group, version, plural }`), the kind and a {@link KindHandler}:
 *
 * ```ts
 * export const setupScalePolicy: KindSetup = (deps) => ({
 *   kind: 'ScalePolicy',
 *   resource: { group: 'delivery.latticedb.com', version: 'v1alpha1', plural: 'scalepolicies' },
 *   handler: {
 *     validate: (obj) => validateScalePolicy(obj.spec),               // FieldError[]
 *     async reconcile(obj, ctx) {                                      // HandlerContext<Status>
 *       const ecs = awsClientsFor(deps).ecs(obj.spec.target.region); // reconcilers/shared/runtime
 *       const observed = await observe(obj, ecs);
 *       const step = plan(obj.spec, obj.status, observed, ctx.now());   // pure
 *       ...execute at most one idempotent step...
 *       return { status: step.status, requeueAfterMs: step.wakeAt - ctx.now().getTime(),
 *                events: [{ type: 'Normal', reason: 'ScaledDown', message: '10 → 8 tasks' }] };
 *     },
 *   },
 * });
 * ```
 *
 * The runtime then: reads the object from the informer cache and clones it; requeues if the cache
 * lags behind our last write; runs `finalizer.finalize` while the object is being deleted and then
 * removes the finalizer (guarded JSON Patch); adds the finalizer when `finalizer.wanted(obj)`;
 * on `validate` errors sets `InvalidSpec`=True, `Stalled`=True, `Ready`=False (message naming
 * every field; other status fields kept) and waits for the next spec change — unless the handler's
 * optional `reconcileInvalid` has something that must act even then (operator emergency actions:
 * its status is written with InvalidSpec/Stalled kept, its events emitted); otherwise calls
 * `reconcile`, sets `status.observedGeneration` and each condition's `observedGeneration`, keeps
 * `lastTransitionTime` unless a condition's status flipped (whole seconds), merge-patches
 * `/status` only when it changed (with `metadata.resourceVersion`: conflicts are retried; one
 * caused by a metadata-only write, such as the notifier's ledger annotation, is sent again at
 * once since the status it was computed from still holds), emits
 * the outcome's events after the write and requeues after `requeueAfterMs`. A thrown error is
 * retried with per-key exponential backoff (5 ms → 1000 s) and reported as a sanitised Warning
 * event; a `TerminalError` marks the object Stalled (`reason` from the error) and is not retried.
 * `ctx.checkpoint(status)` writes status immediately (write-ahead, before a non-observable step).
 * Handlers build the complete next status from `obj.status`; `kstatusConditions`/`withKStatus`
 * give consistent `Ready`/`Reconciling`/`Stalled` conditions.
 *
 * Only spec (generation), label, annotation, finalizer and deletion changes of an object trigger
 * a reconcile — not status-only writes such as our own — plus the periodic resync, `watches` and
 * `requeueAfterMs`. Operator actions are therefore annotations (or spec edits).
 *
 * Events from outside Kubernetes: `sources: [{ name, start(ctx) }]` ({@link ExternalSource},
 * controller-runtime's `source.Channel`). `start` runs once, on the leader, when the workers start
 * (a standby has nobody to act on its events, and a new leader reconciles every object first);
 * `ctx.enqueue(req)` feeds the same queue as informer events (deduplicated, never two reconciles
 * of one key at once), `ctx.list()` reads the kind's informer cache to map an event to keys,
 * `ctx.signal` aborts at shutdown. A source must not block, owns its reconnects, and registers
 * its connections with `deps.shared` so shutdown closes them; its errors are logged, never fatal.
 *
 * External connections: `deps.aws` and `deps.redis` are settings; `deps.shared(key, create,
 * close)` keeps one instance per key for the process and closes it at shutdown. The domain's
 * helpers on top are `awsClientsFor(deps)` and `flagStoreFor(deps, redisRef, namespace)` in
 * reconcilers/shared/runtime.
 */

// Reconcile contract
export {
  noRequeue,
  requeueAfter,
  TerminalError,
  isTerminalError,
  terminalErrorOf,
  keyOf,
  requestOf,
  type Request,
  type Result,
  type ReconcileContext,
  type Reconciler,
} from './reconcile.js';

// Kind registration and dependencies
export type { KindSetup, KindRegistration, KindDeps, ExtraWatch } from './registration.js';
export type { ExternalSource, ExternalSourceContext } from './external-source.js';
export {
  AWS_RETRY_MODES,
  ShuttingDownError,
  type AwsRetryMode,
  type AwsSettings,
  type RedisSettings,
  type SharedFn,
  type SharedOptions,
} from './external.js';
export type {
  KindHandler,
  HandlerContext,
  Outcome,
  FinalizerHandler,
  FinalizeOutcome,
  FieldError,
  EventSpec,
  BaseStatus,
} from './resource/types.js';

// Conditions (metav1.Condition + kstatus)
export {
  ConditionStatus,
  ConditionType,
  findCondition,
  isConditionTrue,
  kstatusConditions,
  normalizeConditions,
  removeConditions,
  toRfc3339,
  upsertConditions,
  withKStatus,
  type Condition,
  type ConditionInput,
  type KStatusState,
} from './k8s/conditions.js';

// Kubernetes access
export type { KubeClient, ListOptions, SecretData, StatusPatch } from './k8s/client.js';
export {
  KubeApiError,
  isAlreadyExists,
  isConflict,
  isFailedPatchTest,
  isForbidden,
  isGone,
  isInvalid,
  isNotFound,
  isStaleWrite,
} from './k8s/errors.js';
export type { EventRecorder, EventType } from './k8s/events.js';
export { hasFinalizer } from './k8s/finalizers.js';
export {
  apiVersionOf,
  objectKey,
  type CustomObject,
  type GroupVersionResource,
  type KubeObject,
  type ObjectMeta,
  type ResourceDescriptor,
} from './k8s/types.js';

// Time, durations, configuration, observability
export { systemClock, type Clock } from './clock.js';
export { DURATION_PATTERN, DurationError, formatDuration, parseDuration } from './duration.js';
export type { ControllerConfig } from './config.js';
export type { DomainMetrics, MetricConfig, ObjectInfo } from './observability/metrics.js';
export { LabelCap, OTHER_LABEL } from './observability/metrics.js';
export { sanitizeMessage } from './observability/redact.js';
export {
  safeErrorMessage,
  safeErrorShape,
  SafeError,
  toSafeError,
  type SafeErrorShape,
} from './observability/safe-error.js';
export {
  registerEnvironmentSecrets,
  registerHeaderSecrets,
  registerSecret,
  registerUrlPassword,
  registerUrlSecrets,
} from './observability/secrets.js';
export type { Classify } from './notifications/notifier.js';
export type { Logger } from './observability/logger.js';
export { currentReconcileSignal, withReconcileSignal } from './reconcile-scope.js';
