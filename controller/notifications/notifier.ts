/**
 * The notifier: for each object of a kind that declares notifiable transitions, sends the
 * `status.history` entries not yet notified to the routes that select them, then records them on the
 * object (ledger.ts). It runs as its own controller (own work queue and workers, leader only), fed
 * by the kind's informers: a slow or failing receiver never delays a reconcile of the kind, and a
 * failed delivery is retried with the work queue's per-key exponential backoff.
 */
import type { Logger } from 'pino';
import type { Clock } from '../clock.js';
import type { KubeClient } from '../k8s/client.js';
import { isNotFound, KubeApiError } from '../k8s/errors.js';
import type { GroupVersionResource, KubeObject } from '../k8s/types.js';
import {
  noRequeue,
  type ReconcileContext,
  type Reconciler,
  type Request,
  type Result,
} from '../reconcile.js';
import type { ObjectCache } from '../resource/types.js';
import { deliver, DeliveryError, type DeliverOptions, type Notification } from './deliver.js';
import {
  entryKey,
  initialLedger,
  isHandled,
  newer,
  readLedger,
  record,
  SENT_ANNOTATION,
  type HistoryEntry,
  type Ledger,
} from './ledger.js';
import {
  NotificationConfigError,
  parseRoutes,
  routeMatches,
  type NotificationEvent,
  type Route,
} from './routes.js';

/** A kind's mapping of its history entries onto notification events (undefined: not notified). */
export type Classify = (entry: HistoryEntry, obj: KubeObject) => NotificationEvent | undefined;

export interface NotifierOptions {
  readonly kube: KubeClient;
  readonly logger: Logger;
  readonly clock: Clock;
  /** Where the Secret lives (the controller's namespace) and its name. */
  readonly namespace: string;
  readonly secretName: string;
  /** How long a read of the Secret is reused (default 30 s). */
  readonly configTtlMs?: number;
  /** How far back an object seen for the first time is notified (default 1 h). */
  readonly lookbackMs?: number;
  readonly delivery?: Omit<DeliverOptions, 'signal'>;
}

/** The routes, read from the Secret at most once per TTL; shared by every kind's notifier. */
export class Notifier {
  readonly o: NotifierOptions;
  #cached: { at: number; routes: Route[] } | undefined;
  #lastProblem = '';

  constructor(options: NotifierOptions) {
    this.o = options;
  }

  /** Routes now (empty: no Secret, or a Secret that does not parse — logged once). */
  async routes(): Promise<Route[]> {
    const now = this.o.clock.now().getTime();
    if (this.#cached !== undefined && now - this.#cached.at < (this.o.configTtlMs ?? 30_000)) {
      return this.#cached.routes;
    }
    let routes: Route[] = [];
    let problem = '';
    try {
      const secret = await this.o.kube.getSecret(this.o.namespace, this.o.secretName);
      routes = parseRoutes(secret.data);
    } catch (err) {
      if (isNotFound(err)) {
        problem = `Secret ${this.o.namespace}/${this.o.secretName} not found: notifications off`;
      } else if (
        err instanceof NotificationConfigError ||
        (err instanceof KubeApiError && err.code < 500)
      ) {
        // a bad Secret, or RBAC refusing it (403): off until someone fixes it
        problem = `notifications off: ${err.message}`;
      } else {
        // the API server unreachable: not "off" — the reconcile fails and is retried with backoff
        throw err;
      }
    }
    if (problem !== this.#lastProblem) {
      if (problem === '')
        this.o.logger.info({ routes: routes.length }, 'notification routes loaded');
      else this.o.logger.warn(problem);
      this.#lastProblem = problem;
    }
    this.#cached = { at: now, routes };
    return routes;
  }
}

export interface NotifyReconcilerOptions {
  readonly notifier: Notifier;
  readonly kind: string;
  readonly resource: GroupVersionResource;
  readonly cache: ObjectCache<KubeObject>;
  readonly classify: Classify;
}

interface WithHistory {
  status?: { history?: HistoryEntry[]; revision?: { number?: unknown } };
}

/** Ledgers remembered between the write and the cache catching up; older ones are in the cache. */
const MAX_REMEMBERED = 10_000;

export class NotifyReconciler implements Reconciler {
  readonly #o: NotifyReconcilerOptions;
  /** Our last ledger per UID: the informer cache may not show our annotation write yet. */
  readonly #written = new Map<string, Ledger>();

  constructor(options: NotifyReconcilerOptions) {
    this.#o = options;
  }

  async reconcile(req: Request, ctx: ReconcileContext): Promise<Result> {
    const obj: (KubeObject & WithHistory) | undefined = this.#o.cache.get(req.namespace, req.name);
    const uid = obj?.metadata?.uid;
    if (obj === undefined || uid === undefined) return noRequeue;
    const history = obj.status?.history ?? [];
    const { notifier } = this.#o;
    const start =
      newer(readLedger(obj), this.#written.get(uid)) ??
      initialLedger(obj, notifier.o.clock.now(), notifier.o.lookbackMs ?? 3_600_000);
    // Only entries the kind notifies; the others are never recorded (no write without a message).
    const todo = history
      .map((entry) => ({ entry, key: entryKey(uid, entry), event: this.#o.classify(entry, obj) }))
      .filter((t) => t.event !== undefined && !isHandled(start, t.entry, t.key));
    if (todo.length === 0) return noRequeue;
    const routes = await notifier.routes();
    let ledger = start;
    let sent = false;
    try {
      for (const { entry, key, event } of todo) {
        if (event === undefined) continue;
        for (const route of routes) {
          if (!routeMatches(route, this.#o.kind, req.namespace, event)) continue;
          if (isHandled(ledger, entry, `${key}/${route.name}`)) continue;
          const n = this.#notification(obj, uid, entry, key, event);
          try {
            await deliver(route.destination, n, { ...notifier.o.delivery, signal: ctx.signal });
            ctx.log.info({ route: route.name, event, id: key }, 'notification sent');
          } catch (err) {
            if (!(err instanceof DeliveryError && err.permanent)) throw err;
            // A receiver that refuses the payload will not change its mind: log, move on.
            ctx.log.warn(
              { route: route.name, event, id: key, err: err.message },
              'notification refused',
            );
          }
          sent = true;
          ledger = record(ledger, entry, `${key}/${route.name}`);
        }
        ledger = record(ledger, entry, key);
      }
    } finally {
      // Recorded on the object only when something went out: that is what must not repeat.
      if (sent) await this.#write(obj, uid, ledger);
      else if (routes.length > 0) this.#written.set(uid, ledger);
    }
    return noRequeue;
  }

  #notification(
    obj: KubeObject & WithHistory,
    uid: string,
    e: HistoryEntry,
    key: string,
    event: NotificationEvent,
  ): Notification {
    const revision = obj.status?.revision?.number;
    return {
      id: `${uid}/${key}`,
      event,
      kind: this.#o.kind,
      namespace: obj.metadata?.namespace ?? '',
      name: obj.metadata?.name ?? '',
      uid,
      ...(typeof revision === 'number' ? { revision } : {}),
      ...(e.from === undefined ? {} : { from: e.from }),
      phase: e.to,
      reason: e.reason,
      message: e.message ?? '',
      time: e.time,
    };
  }

  /** Records the ledger on the object (JSON Patch of one annotation; the kind's status untouched). */
  async #write(obj: KubeObject, uid: string, ledger: Ledger): Promise<void> {
    const value = JSON.stringify({ through: ledger.through, keys: ledger.keys });
    const path = `/metadata/annotations/${SENT_ANNOTATION.replace(/~/g, '~0').replace(/\//g, '~1')}`;
    const ops =
      obj.metadata?.annotations === undefined
        ? [
            {
              op: 'add' as const,
              path: '/metadata/annotations',
              value: { [SENT_ANNOTATION]: value },
            },
          ]
        : [{ op: 'add' as const, path, value }];
    await this.#o.notifier.o.kube.jsonPatch(
      this.#o.resource,
      obj.metadata?.namespace ?? '',
      obj.metadata?.name ?? '',
      ops,
    );
    this.#written.delete(uid); // re-insert: the map's order is least recently written first
    this.#written.set(uid, ledger);
    for (const old of this.#written.keys()) {
      if (this.#written.size <= MAX_REMEMBERED) break;
      this.#written.delete(old);
    }
  }
}
