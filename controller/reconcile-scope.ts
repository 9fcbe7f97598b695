/**
 * The running reconcile's AbortSignal, for I/O layers that are shared across reconciles and so
 * cannot take it as a parameter everywhere (the AWS SDK clients, built once per region): they read
 * it here and refuse to start a call once it is aborted (lost leadership, reconcile timeout).
 */
import { AsyncLocalStorage } from 'node:async_hooks';

const scope = new AsyncLocalStorage<AbortSignal>();

/** Runs `fn` (and everything it awaits) as the reconcile owning `signal`. */
export function withReconcileSignal<T>(signal: AbortSignal, fn: () => T): T {
  return scope.run(signal, fn);
}

/** The signal of the reconcile this code runs for, if any. */
export function currentReconcileSignal(): AbortSignal | undefined {
  return scope.getStore();
}
