/**
 * A list + watch cache of one collection (client-go's reflector + indexer, minus indexes).
 *
 * Loop: list (paged) → watch from the list's resourceVersion with bookmarks → on a clean close or
 * a client inactivity timeout, watch again from the last resourceVersion seen; on 410 Gone relist
 * at once; on any other watch or list error relist after an exponential backoff (1 s → 30 s); if
 * no event or bookmark arrived for `watchdogMs` (a half-open connection, a stuck server) relist.
 * A periodic resync hands every cached object to `onUpdate(obj, obj)` so level-based controllers
 * re-check everything even when nothing changed.
 *
 * Handlers are synchronous and should only enqueue keys. Objects are deep-frozen, and cached
 * without managedFields and kubectl's last-applied annotation (see store.ts).
 */
import type { Logger } from 'pino';
import { ExponentialBackoff } from '../backoff.js';
import { systemClock, type Clock } from '../clock.js';
import { isGone } from '../k8s/errors.js';
import type { KubeObject } from '../k8s/types.js';
import type { ListWatchSource, WatchEnd, WatchEvent, WatchHandle } from './source.js';
import { Store, toCached } from './store.js';

export interface InformerHandlers<T> {
  onAdd?(obj: T): void;
  onUpdate?(oldObj: T, newObj: T): void;
  onDelete?(obj: T): void;
}

export interface InformerOptions<T extends KubeObject> {
  readonly source: ListWatchSource<T>;
  readonly logger: Logger;
  readonly clock?: Clock;
  /** Re-deliver every object this often; 0 disables. */
  readonly resyncPeriodMs?: number;
  /** Relist when neither an event nor a bookmark arrived for this long (default 5 min). */
  readonly watchdogMs?: number;
  /** Page size of lists (default 500). */
  readonly pageSize?: number;
  /**
   * Server-side watch timeout. client-node 2.0's `Watch` aborts a connection silent for 30 s, so
   * the default (25 s) makes the server end the watch cleanly first, after a bookmark that keeps
   * our resourceVersion fresh.
   */
  readonly watchTimeoutSeconds?: number;
  readonly backoff?: ExponentialBackoff;
}

type WatchOutcome = WatchEnd | { readonly reason: 'watchdog' } | { readonly reason: 'stopped' };

export class Informer<T extends KubeObject> {
  readonly #store = new Store<T>();
  readonly #handlers: InformerHandlers<T>[] = [];
  readonly #source: ListWatchSource<T>;
  readonly #log: Logger;
  readonly #clock: Clock;
  readonly #opts: { resync: number; watchdog: number; pageSize: number; watchTimeout: number };
  readonly #backoff: ExponentialBackoff;
  #resourceVersion = '';
  #synced = false;
  #lastListError: unknown;
  #stopped = true;
  #lastActivity = 0;
  #sessionStart = 0;
  #sessionDelivered = false;
  #relists = 0;
  #loop: Promise<void> | undefined;
  #resyncTimer: NodeJS.Timeout | undefined;
  #interrupt: (() => void) | undefined;

  constructor(options: InformerOptions<T>) {
    this.#source = options.source;
    this.#log = options.logger.child({ informer: options.source.description });
    this.#clock = options.clock ?? systemClock;
    this.#opts = {
      resync: options.resyncPeriodMs ?? 0,
      watchdog: options.watchdogMs ?? 300_000,
      pageSize: options.pageSize ?? 500,
      watchTimeout: options.watchTimeoutSeconds ?? 25,
    };
    this.#backoff = options.backoff ?? new ExponentialBackoff({ initialMs: 1_000, maxMs: 30_000 });
  }

  addEventHandler(handlers: InformerHandlers<T>): void {
    this.#handlers.push(handlers);
  }

  /** What is listed and watched, e.g. `releases.delivery.latticedb.com in ns-a`. */
  get description(): string {
    return this.#source.description;
  }

  /** True once the first list has been stored (and stays true, as in client-go). */
  hasSynced(): boolean {
    return this.#synced;
  }

  /** Why the last list failed (a 403, a missing CRD's 404), until a list succeeds. */
  get lastListError(): unknown {
    return this.#lastListError;
  }

  /** Number of completed lists (the initial one included). */
  get relistCount(): number {
    return this.#relists;
  }

  get(namespace: string, name: string): T | undefined {
    return this.#store.get(namespace === '' ? name : `${namespace}/${name}`);
  }

  list(): T[] {
    return this.#store.list();
  }

  keys(): string[] {
    return this.#store.keys();
  }

  start(): void {
    if (!this.#stopped) return;
    this.#stopped = false;
    this.#loop = this.#run();
    if (this.#opts.resync > 0) {
      this.#resyncTimer = setInterval(() => {
        this.#resync();
      }, this.#opts.resync);
      this.#resyncTimer.unref();
    }
  }

  /** Stops watching; resolves when the loop has exited. The cache keeps its last content. */
  async stop(): Promise<void> {
    this.#stopped = true;
    clearInterval(this.#resyncTimer);
    this.#interrupt?.();
    await this.#loop;
  }

  async #run(): Promise<void> {
    let needList = true;
    while (!this.#stopped) {
      if (needList) {
        try {
          await this.#relist();
          needList = false;
          this.#lastListError = undefined;
        } catch (err) {
          this.#lastListError = err;
          const delay = this.#backoff.next();
          this.#log.warn({ err, retryInMs: delay }, 'list failed');
          await this.#sleep(delay);
          continue;
        }
      }
      const outcome = await this.#watchOnce();
      needList = await this.#afterWatch(outcome);
    }
  }

  /** Decides what follows a watch: true = relist. Sleeps for the backoff after errors. */
  async #afterWatch(outcome: WatchOutcome): Promise<boolean> {
    switch (outcome.reason) {
      case 'stopped':
        return false;
      case 'closed':
      case 'timeout':
        // Resume from the last resourceVersion; but a server (or proxy) that ends every watch at
        // once without sending anything must not make us spin.
        if (!this.#sessionDelivered && this.#now() - this.#sessionStart < 1_000) {
          await this.#sleep(this.#backoff.next());
        }
        return false;
      case 'gone':
        this.#log.info('watch resourceVersion too old (410 Gone); relisting');
        return true;
      case 'watchdog':
        this.#log.warn({ silentMs: this.#opts.watchdog }, 'watch silent too long; relisting');
        return true;
      case 'error': {
        const delay = this.#backoff.next();
        this.#log.warn({ err: outcome.error, retryInMs: delay }, 'watch failed; relisting');
        await this.#sleep(delay);
        return true;
      }
    }
  }

  async #relist(): Promise<void> {
    const items = await this.#listAll();
    const diff = this.#store.replace(items.items);
    this.#resourceVersion = items.resourceVersion;
    this.#lastActivity = this.#now();
    this.#synced = true;
    this.#relists++;
    this.#log.debug({ objects: items.items.length, rv: items.resourceVersion }, 'listed');
    for (const obj of diff.added) this.#emit((h) => h.onAdd?.(obj));
    for (const u of diff.updated) this.#emit((h) => h.onUpdate?.(u.old, u.new));
    for (const obj of diff.deleted) this.#emit((h) => h.onDelete?.(obj));
  }

  /** All pages; restarts once from the first page if a continue token expires (410). */
  async #listAll(): Promise<{ items: T[]; resourceVersion: string }> {
    for (let attempt = 0; ; attempt++) {
      try {
        const items: T[] = [];
        let resourceVersion: string | undefined;
        let continueToken: string | undefined;
        do {
          const page = await this.#source.list({ limit: this.#opts.pageSize, continueToken });
          items.push(...page.items);
          resourceVersion ??= page.resourceVersion;
          continueToken = page.continueToken;
        } while (continueToken !== undefined && continueToken !== '' && !this.#stopped);
        return { items, resourceVersion };
      } catch (err) {
        if (attempt > 0 || !isGone(err)) throw err;
      }
    }
  }

  #watchOnce(): Promise<WatchOutcome> {
    if (this.#stopped) return Promise.resolve({ reason: 'stopped' });
    return new Promise((resolve) => {
      let handle: WatchHandle | undefined;
      let settled = false;
      let watchdog: NodeJS.Timeout | undefined;
      const finish = (outcome: WatchOutcome): void => {
        if (settled) return;
        settled = true;
        clearTimeout(watchdog);
        this.#interrupt = undefined;
        handle?.stop();
        resolve(outcome);
      };
      const check = (): void => {
        const idle = this.#now() - this.#lastActivity;
        if (idle >= this.#opts.watchdog) finish({ reason: 'watchdog' });
        else watchdog = setTimeout(check, this.#opts.watchdog - idle).unref();
      };
      this.#interrupt = () => {
        finish({ reason: 'stopped' });
      };
      this.#sessionStart = this.#now();
      this.#sessionDelivered = false;
      check();
      const options = {
        resourceVersion: this.#resourceVersion,
        timeoutSeconds: this.#opts.watchTimeout,
      };
      const onEvent = (event: WatchEvent<T>): void => {
        if (!settled) this.#onEvent(event, finish);
      };
      this.#source.watch(options, onEvent, finish).then(
        (h) => {
          if (settled) h.stop();
          else handle = h;
        },
        (error: unknown) => {
          finish({ reason: 'error', error });
        },
      );
    });
  }

  #onEvent(event: WatchEvent<T>, finish: (o: WatchOutcome) => void): void {
    if (event.type === 'ERROR') {
      const { code, message } = event.object;
      if (code === 410) finish({ reason: 'gone' });
      else finish({ reason: 'error', error: new Error(`watch error ${code}: ${message}`) });
      return;
    }
    this.#lastActivity = this.#now();
    this.#sessionDelivered = true;
    this.#backoff.reset(); // the server delivers: a later failure starts from the shortest delay
    const obj = event.object;
    this.#resourceVersion = obj.metadata?.resourceVersion ?? this.#resourceVersion;
    switch (event.type) {
      case 'BOOKMARK':
        return;
      case 'ADDED':
      case 'MODIFIED': {
        const { old, stored } = this.#store.upsert(obj);
        if (old === undefined) this.#emit((h) => h.onAdd?.(stored));
        else if (old.metadata?.resourceVersion !== stored.metadata?.resourceVersion) {
          this.#emit((h) => h.onUpdate?.(old, stored));
        }
        return;
      }
      case 'DELETED': {
        const old = this.#store.delete(obj);
        const gone = old ?? toCached(obj);
        this.#emit((h) => h.onDelete?.(gone));
        return;
      }
    }
  }

  #resync(): void {
    if (!this.#synced) return;
    for (const obj of this.#store.list()) this.#emit((h) => h.onUpdate?.(obj, obj));
  }

  #emit(call: (h: InformerHandlers<T>) => void): void {
    for (const h of this.#handlers) {
      try {
        call(h);
      } catch (err) {
        this.#log.error({ err }, 'informer event handler threw');
      }
    }
  }

  #sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const done = (): void => {
        clearTimeout(timer);
        this.#interrupt = undefined;
        resolve();
      };
      const timer = setTimeout(done, ms);
      this.#interrupt = done;
    });
  }

  #now(): number {
    return this.#clock.now().getTime();
  }
}
