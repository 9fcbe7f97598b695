/**
 * The reconcile contract shared by the runtime and every reconciler.
 *
 * Level-based, as in controller-runtime: a request names an object, never an event or a copy of
 * it; the reconciler reads the current state and converges towards the desired one.
 */
import type { Logger } from 'pino';

/** The key of one object. The queue holds these as `namespace/name` strings. */
export interface Request {
  readonly namespace: string;
  readonly name: string;
}

/**
 * What the worker does after a successful reconcile. There is no boolean `requeue`: either the
 * key is forgotten (`noRequeue`) or it comes back after a delay the reconciler computed.
 */
export interface Result {
  readonly requeueAfterMs?: number;
}

/** Reconciled; nothing to do until the object (or something it watches) changes. */
export const noRequeue: Result = Object.freeze({});

/**
 * Reconciled for now; reconcile again after `ms` (for timed steps: compute the deadline, never
 * poll). Values below 1 ms are raised to 1 ms ("as soon as possible").
 */
export function requeueAfter(ms: number): Result {
  if (Number.isNaN(ms)) throw new RangeError('requeueAfter: delay is NaN');
  return Object.freeze({ requeueAfterMs: Math.max(1, Math.ceil(ms)) });
}

/**
 * An error that retrying cannot fix (e.g. a referenced resource that must be recreated by a
 * human). Logged and counted, never retried; the resource controller marks the object `Stalled`
 * with `reason`.
 */
export class TerminalError extends Error {
  override readonly name = 'TerminalError';
  /** CamelCase condition reason, e.g. `TargetGroupMissing`. */
  readonly reason: string;

  constructor(message: string, options?: { readonly cause?: unknown; readonly reason?: string }) {
    super(message, options?.cause === undefined ? undefined : { cause: options.cause });
    this.reason = options?.reason ?? 'TerminalError';
  }
}

/** True for a `TerminalError`, including one wrapped as the `cause` of another error. */
export function isTerminalError(err: unknown): boolean {
  return terminalErrorOf(err) !== undefined;
}

/**
 * The `TerminalError` in `err`'s cause chain (`err` itself included), for its `reason`: a
 * wrapping error is terminal too, but has no reason of its own.
 */
export function terminalErrorOf(err: unknown): TerminalError | undefined {
  for (let e: unknown = err, depth = 0; e instanceof Error && depth < 8; depth++) {
    if (e instanceof TerminalError) return e;
    e = e.cause;
  }
  return undefined;
}

/** Per-reconcile context: a child logger (`reconcileID`, `key`, `kind`), an id and a deadline. */
export interface ReconcileContext {
  readonly log: Logger;
  readonly reconcileId: string;
  /** Aborted on the per-reconcile timeout and on shutdown; pass it to I/O that accepts one. */
  readonly signal: AbortSignal;
}

/** Anything the controller can drive: reconcile one key. */
export interface Reconciler {
  reconcile(req: Request, ctx: ReconcileContext): Promise<Result>;
}

/** `namespace/name` (or `name` for cluster-scoped objects), as client-go's MetaNamespaceKeyFunc. */
export function keyOf(req: Request): string {
  return req.namespace === '' ? req.name : `${req.namespace}/${req.name}`;
}

/** Inverse of {@link keyOf}. */
export function requestOf(key: string): Request {
  const slash = key.indexOf('/');
  return slash < 0
    ? { namespace: '', name: key }
    : { namespace: key.slice(0, slash), name: key.slice(slash + 1) };
}
