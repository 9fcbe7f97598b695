/**
 * core/v1 Events about our objects, as client-go's recorder writes them: `involvedObject`,
 * `source`, `reportingComponent`/`reportingInstance`, and a `count` that grows (PATCH) when the
 * same reason + message repeats for the same object within the aggregation window, instead of a
 * new Event each time. Recording never throws into a reconcile: failures are logged.
 */
import type { Logger } from 'pino';
import { systemClock, type Clock } from '../clock.js';
import { sanitizeMessage } from '../observability/redact.js';
import type { KubeClient } from './client.js';
import { isNotFound } from './errors.js';
import type { CoreEvent, KubeObject } from './types.js';

export type EventType = 'Normal' | 'Warning';

export interface EventRecorder {
  /** Records an Event about `obj`. Resolves when written (or when writing failed and was logged). */
  event(obj: KubeObject, type: EventType, reason: string, message: string): Promise<void>;
}

export const REPORTING_CONTROLLER = 'delivery.latticedb.com/latticedb-controller';

export interface KubeEventRecorderOptions {
  readonly kube: KubeClient;
  readonly logger: Logger;
  /** This replica's identity (Lease holder identity), at most 128 characters. */
  readonly instance: string;
  readonly clock?: Clock;
  readonly reportingController?: string;
  readonly component?: string;
  /** Repeats within this window increment `count` (default 10 min, like client-go). */
  readonly aggregationWindowMs?: number;
  /** Bound on remembered (object, reason, message) entries (default 4096). */
  readonly maxEntries?: number;
}

interface Seen {
  readonly namespace: string;
  readonly name: string;
  count: number;
  last: number;
}

export class KubeEventRecorder implements EventRecorder {
  readonly #o: Required<Omit<KubeEventRecorderOptions, 'kube' | 'logger' | 'clock'>>;
  readonly #kube: KubeClient;
  readonly #log: Logger;
  readonly #clock: Clock;
  readonly #seen = new Map<string, Seen>(); // insertion order = LRU order
  readonly #chains = new Map<string, Promise<void>>();
  #sequence = 0;

  constructor(options: KubeEventRecorderOptions) {
    this.#kube = options.kube;
    this.#log = options.logger;
    this.#clock = options.clock ?? systemClock;
    this.#o = {
      instance: options.instance.slice(0, 128),
      reportingController: options.reportingController ?? REPORTING_CONTROLLER,
      component: options.component ?? 'latticedb-controller',
      aggregationWindowMs: options.aggregationWindowMs ?? 600_000,
      maxEntries: options.maxEntries ?? 4096,
    };
  }

  event(obj: KubeObject, type: EventType, reason: string, message: string): Promise<void> {
    const safe = sanitizeMessage(message);
    const m = obj.metadata ?? {};
    const key = [m.namespace, m.name, m.uid, type, reason, safe].join('\u0000');
    // Serialise per key so two quick repeats become create + patch, not two creates.
    const run = (this.#chains.get(key) ?? Promise.resolve()).then(() =>
      this.#record(obj, type, reason, safe, key),
    );
    const chained = run.finally(() => {
      if (this.#chains.get(key) === chained) this.#chains.delete(key);
    });
    this.#chains.set(key, chained);
    return chained;
  }

  async #record(
    obj: KubeObject,
    type: EventType,
    reason: string,
    message: string,
    key: string,
  ): Promise<void> {
    const now = this.#clock.now();
    const seen = this.#seen.get(key);
    try {
      if (seen !== undefined && now.getTime() - seen.last <= this.#o.aggregationWindowMs) {
        if (await this.#bump(seen, now)) return;
      }
      const created = await this.#kube.createEvent(this.#build(obj, type, reason, message, now));
      this.#remember(key, {
        namespace: created.metadata.namespace,
        name: created.metadata.name,
        count: 1,
        last: now.getTime(),
      });
    } catch (err) {
      this.#log.warn(
        { err, reason, object: `${obj.metadata?.namespace}/${obj.metadata?.name}` },
        'could not record event',
      );
    }
  }

  /** Increments the count of an existing Event; false if it is gone (Events expire after 1 h). */
  async #bump(seen: Seen, now: Date): Promise<boolean> {
    try {
      const count = seen.count + 1;
      await this.#kube.patchEvent(seen.namespace, seen.name, {
        count,
        lastTimestamp: now.toISOString(),
      });
      seen.count = count;
      seen.last = now.getTime();
      return true;
    } catch (err) {
      if (isNotFound(err)) return false;
      throw err;
    }
  }

  #build(obj: KubeObject, type: EventType, reason: string, message: string, now: Date): CoreEvent {
    const m = obj.metadata ?? {};
    const namespace = m.namespace ?? 'default';
    // client-go names Events `<object>.<hex nanoseconds>`; a sequence keeps names unique per ms.
    const nanos = BigInt(now.getTime()) * 1_000_000n + BigInt(this.#sequence++ % 1_000_000);
    const stamp = now.toISOString();
    return {
      metadata: { name: `${m.name ?? 'unknown'}.${nanos.toString(16)}`, namespace },
      involvedObject: {
        apiVersion: obj.apiVersion,
        kind: obj.kind,
        name: m.name,
        namespace: m.namespace,
        uid: m.uid,
        resourceVersion: m.resourceVersion,
      },
      type,
      reason,
      message,
      count: 1,
      firstTimestamp: stamp,
      lastTimestamp: stamp,
      source: { component: this.#o.component, host: this.#o.instance },
      reportingComponent: this.#o.reportingController,
      reportingInstance: this.#o.instance,
    };
  }

  #remember(key: string, seen: Seen): void {
    this.#seen.delete(key);
    this.#seen.set(key, seen);
    while (this.#seen.size > this.#o.maxEntries) {
      const oldest = this.#seen.keys().next();
      if (oldest.done === true) break;
      this.#seen.delete(oldest.value);
    }
  }
}
