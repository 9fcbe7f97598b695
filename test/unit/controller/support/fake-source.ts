// A scripted list/watch source for informer and manager tests: `objects` is the apiserver's
// truth for lists; the test drives the watch with `send` and `end`.
import type { KubeObject } from '../../../../controller/k8s/types.js';
import type {
  ListWatchSource,
  WatchEnd,
  WatchEvent,
} from '../../../../controller/informer/source.js';

export class FakeSource implements ListWatchSource<KubeObject> {
  readonly description: string;
  objects: KubeObject[] = [];
  rv = '10';
  lists: { limit: number; continueToken?: string }[] = [];
  watches: { resourceVersion: string }[] = [];
  listError: Error | undefined;
  #emit: ((e: WatchEvent<KubeObject>) => void) | undefined;
  #end: ((e: WatchEnd) => void) | undefined;
  stopped = 0;

  constructor(description = 'widgets.test') {
    this.description = description;
  }

  list(options: { limit: number; continueToken?: string }) {
    this.lists.push(options);
    if (this.listError !== undefined) return Promise.reject(this.listError);
    const start = Number(options.continueToken ?? 0);
    const items = this.objects.slice(start, start + options.limit);
    const next =
      start + options.limit < this.objects.length ? String(start + options.limit) : undefined;
    return Promise.resolve({
      items: structuredClone(items),
      resourceVersion: this.rv,
      continueToken: next,
    });
  }

  watch(
    options: { resourceVersion: string },
    onEvent: (e: WatchEvent<KubeObject>) => void,
    onEnd: (e: WatchEnd) => void,
  ) {
    this.watches.push({ resourceVersion: options.resourceVersion });
    this.#emit = onEvent;
    this.#end = onEnd;
    return Promise.resolve({
      stop: () => {
        this.stopped++;
      },
    });
  }

  send(e: WatchEvent<KubeObject>): void {
    this.#emit?.(e);
  }

  end(e: WatchEnd): void {
    const end = this.#end;
    this.#end = undefined;
    this.#emit = undefined;
    end?.(e);
  }
}
