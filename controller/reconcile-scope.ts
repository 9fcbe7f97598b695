/**
 * The running reconcile's AbortSignal, for I/O layers that are shared across reconciles and so
 * cannot take it as a parameter everywhere (the AWS SDK clients, built once per region): they read
 * it here, pass it to every call as the SDK's `abortSignal` (a request in flight is cancelled when
 * it fires: lost leadership, reconcile timeout) and refuse to start a call or a retry once it has.
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
