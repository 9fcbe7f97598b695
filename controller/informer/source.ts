/**
 * What an informer needs from the API server: paged lists and watches of one collection. The
 * client-node implementation is in `custom-object-source.ts`; unit tests use an in-memory one.
 */
import type { KubeObject } from '../k8s/types.js';

export interface ListPage<T extends KubeObject> {
  readonly items: T[];
  /** The collection's resourceVersion at the time of the (first page of the) list. */
  readonly resourceVersion: string;
  readonly continueToken?: string;
}

export type WatchEventType = 'ADDED' | 'MODIFIED' | 'DELETED' | 'BOOKMARK' | 'ERROR';

/** One watch line. For `ERROR` the object is a `V1Status` (`code` 410 means "relist"). */
export type WatchEvent<T extends KubeObject> =
  | { readonly type: 'ADDED' | 'MODIFIED' | 'DELETED' | 'BOOKMARK'; readonly object: T }
  | { readonly type: 'ERROR'; readonly object: { code?: number; message?: string } };

/**
 * Why a watch ended: `closed` (server ended it cleanly, e.g. its timeout), `timeout` (the client's
 * inactivity timer fired: a silent connection), `gone` (410: our resourceVersion is too old) or
 * `error` (network, auth, 5xx, ...).
 */
export type WatchEnd =
  | { readonly reason: 'closed' }
  | { readonly reason: 'timeout' }
  | { readonly reason: 'gone' }
  | { readonly reason: 'error'; readonly error: unknown };

export interface WatchHandle {
  stop(): void;
}

export interface ListWatchSource<T extends KubeObject> {
  /** For logs, e.g. `releases.delivery.latticedb.com in ns-a`. */
  readonly description: string;
  list(options: { readonly limit: number; readonly continueToken?: string }): Promise<ListPage<T>>;
  /**
   * Starts a watch with bookmarks from `resourceVersion`. `onEnd` is called exactly once unless
   * `stop()` is called first. Events are delivered in order, synchronously from the stream.
   */
  watch(
    options: { readonly resourceVersion: string; readonly timeoutSeconds: number },
    onEvent: (event: WatchEvent<T>) => void,
    onEnd: (end: WatchEnd) => void,
  ): Promise<WatchHandle>;
}
