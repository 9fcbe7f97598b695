// A watch that keeps going: client-node's `Watch` ends when the server closes the stream (timeout)
// or on any error; this restarts it after a short pause until stopped. The server is asked to end
// each watch after 25 s, before client-node's own 30 s inactivity abort would. The demo only displays
// what it sees, so a restart that replays ADDED events for existing objects is harmless.
import { Watch, type KubeConfig } from '@kubernetes/client-node';

export type WatchEventType = 'ADDED' | 'MODIFIED' | 'DELETED';

export interface WatchStream {
  stop(): void;
}

export function watchForever(
  kc: KubeConfig,
  path: string,
  onEvent: (type: WatchEventType, obj: unknown) => void,
  onError: (err: unknown) => void,
  restartDelayMs = 1_000,
): WatchStream {
  const watch = new Watch(kc);
  let stopped = false;
  let current: AbortController | undefined;
  let timer: NodeJS.Timeout | undefined;
  const start = (): void => {
    if (stopped) return;
    watch
      .watch(
        path,
        { timeoutSeconds: 25 },
        (type, obj) => {
          if (type === 'ADDED' || type === 'MODIFIED' || type === 'DELETED') onEvent(type, obj);
        },
        (err: unknown) => {
          if (stopped) return;
          if (err !== null && err !== undefined && !isTimeoutOrAbort(err)) onError(err);
          timer = setTimeout(start, restartDelayMs);
        },
      )
      .then(
        (controller) => {
          current = controller;
          if (stopped) controller.abort();
        },
        (err: unknown) => {
          if (stopped) return;
          onError(err);
          timer = setTimeout(start, restartDelayMs);
        },
      );
  };
  start();
  return {
    stop() {
      stopped = true;
      clearTimeout(timer);
      current?.abort();
    },
  };
}

function isTimeoutOrAbort(err: unknown): boolean {
  return err instanceof Error && (err.name === 'AbortError' || err.name === 'TimeoutError');
}
