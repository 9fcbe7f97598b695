/**
 * The handler a domain kind plugs into the generic resource controller. The runtime does the
 * Kubernetes bookkeeping (cache, finalizers, validation conditions, observedGeneration, condition
 * times, status patch, events, retries); the handler observes the world, decides with a pure
 * function and takes at most one step per reconcile.
 */
import type { ConditionInput } from '../k8s/conditions.js';
import type { EventType } from '../k8s/events.js';
import type { CustomObject } from '../k8s/types.js';
import type { ReconcileContext } from '../reconcile.js';

/** A semantic spec error: `field` is a JSON path such as `spec.strategy.canary.steps[2].setWeight`. */
export interface FieldError {
  readonly field: string;
  readonly message: string;
}

/** An Event to emit once the status has been written. */
export interface EventSpec {
  readonly type: EventType;
  /** CamelCase, e.g. `StepCompleted`. */
  readonly reason: string;
  readonly message: string;
}

/** The status fields the runtime manages; every kind's status extends this. */
export interface BaseStatus {
  observedGeneration?: number;
  conditions?: ConditionInput[];
}

export interface HandlerContext<Status> extends ReconcileContext {
  /** The injected clock's current time. */
  now(): Date;
  /**
   * Persists `status` now (write-ahead), before an action that cannot be recognised from the
   * observed world afterwards (e.g. ECS RunTask). Same normalisation as the final write; the
   * final write is then compared against this status. Throws on conflict (the reconcile retries).
   * `events`, once the status is stored: those of what the stored status records (its history),
   * so they go out with it rather than after an action a crash may cut short.
   */
  checkpoint(status: Status, events?: readonly EventSpec[]): Promise<void>;
  /** The handler's `stalledPhase`, for a status the handler itself marks Stalled. */
  readonly stalledPhase?: string;
}

/** What a reconcile decided: the complete next status (built from the previous one), and when to come back. */
export interface Outcome<Status> {
  /**
   * Absent: nothing to record. The reconcile lost a race outside Kubernetes (a compare-and-set)
   * and comes back after `requeueAfterMs` to decide afresh; status stays as stored (a checkpoint
   * included), where writing the previous status again would claim the current generation.
   */
  readonly status?: Status;
  /** Reconcile again after this delay (timed steps); omit when only a change should wake us. */
  readonly requeueAfterMs?: number;
  readonly events?: readonly EventSpec[];
  /**
   * Events of writes this reconcile already made outside Kubernetes (an AWS call, a Redis write).
   * Emitted after `events` when the status is stored — and also when the status write then fails
   * (a 409, an API error): the write happened and will not be made again, so its Event would
   * otherwise be lost. The retry may emit the same Event again; the recorder counts a repeat on
   * the existing Event instead of creating another.
   */
  readonly performedEvents?: readonly EventSpec[];
  /**
   * Runs once `status` is stored (or found equal), before the events. Count here what the status
   * records as done: a lost write (409, crash) makes the next reconcile decide it again, and
   * counting before the write would count it twice.
   */
  readonly afterStatusWrite?: () => void;
}

export interface FinalizeOutcome<Status> {
  /** True when external cleanup is complete; the runtime then removes the finalizer. */
  readonly cleanedUp: boolean;
  /** When not cleaned up: retry after this delay (default: the controller's finalize retry delay). */
  readonly requeueAfterMs?: number;
  /** Optional progress to write to status while cleaning up (e.g. `phase: Deleting`). */
  readonly status?: Status;
  readonly events?: readonly EventSpec[];
}

export interface FinalizerHandler<Spec, Status> {
  /** e.g. `delivery.latticedb.com/cleanup`. */
  readonly name: string;
  /** Whether this object needs the finalizer (it is added before the first reconcile). */
  wanted(obj: CustomObject<Spec, Status>): boolean;
  /** Cleans up outside the cluster; external NotFound counts as success. Must be idempotent. */
  finalize(
    obj: CustomObject<Spec, Status>,
    ctx: HandlerContext<Status>,
  ): Promise<FinalizeOutcome<Status>>;
}

export interface KindHandler<Spec, Status extends BaseStatus> {
  /** Semantic checks beyond the CRD schema; any error ⇒ `InvalidSpec`, `Stalled`, no reconcile. */
  validate(obj: CustomObject<Spec, Status>): FieldError[];
  /** Observe → pure plan → at most one step → next status. Throw to retry with backoff;
   * throw `TerminalError` to mark the object `Stalled` without retrying. */
  reconcile(obj: CustomObject<Spec, Status>, ctx: HandlerContext<Status>): Promise<Outcome<Status>>;
  readonly finalizer?: FinalizerHandler<Spec, Status>;
  /**
   * Called instead of `reconcile` while `validate` reports errors, for what must act even then
   * (operator emergency actions: abort, rollback). Undefined: nothing to do. Its status is written
   * with `InvalidSpec`/`Stalled` kept (the handler's own conditions are not applied meanwhile).
   */
  reconcileInvalid?(
    obj: CustomObject<Spec, Status>,
    ctx: HandlerContext<Status>,
    errors: readonly FieldError[],
  ): Promise<Outcome<Status> | undefined>;
  /**
   * The `status.phase` (and `status.message`) the runtime writes when it marks the object Stalled
   * itself (InvalidSpec, a TerminalError), so that PHASE never reads "Pending" or "Paused" beside
   * `Stalled=True`. Absent: phase and message are left as they were.
   */
  readonly stalledPhase?: string;
}

/** Read access to the informer cache (objects are frozen: clone before changing). */
export interface ObjectCache<T> {
  get(namespace: string, name: string): T | undefined;
}
