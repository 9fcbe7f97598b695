/**
 * The notification controller of one kind (`notify-<kind>`): a Controller of its own over the
 * kind's informers, so notifications run on the leader only, with their own workers and backoff.
 * An update enqueues the object when its history changed (or on a resync).
 */
import type { Logger } from 'pino';
import type { Clock } from '../clock.js';
import { Controller } from '../controller.js';
import type { Informer } from '../informer/informer.js';
import { objectKey, type GroupVersionResource, type KubeObject } from '../k8s/types.js';
import type { RuntimeMetrics } from '../observability/metrics.js';
import type { ObjectCache } from '../resource/types.js';
import { NotifyReconciler, type Classify, type Notifier } from './notifier.js';

export interface NotificationControllerOptions {
  readonly notifier: Notifier;
  readonly kind: string;
  readonly resource: GroupVersionResource;
  readonly classify: Classify;
  readonly informers: readonly Informer<KubeObject>[];
  readonly cache: ObjectCache<KubeObject>;
  readonly logger: Logger;
  readonly metrics: RuntimeMetrics;
  readonly clock: Clock;
}

const historyOf = (obj: KubeObject): unknown =>
  (obj as { status?: { history?: unknown } }).status?.history;

export function notificationController(o: NotificationControllerOptions): Controller {
  const controller = new Controller({
    name: `notify-${o.kind.toLowerCase()}`,
    kind: o.kind,
    logger: o.logger,
    metrics: o.metrics,
    maxConcurrentReconciles: 1,
    reconciler: new NotifyReconciler({
      notifier: o.notifier,
      kind: o.kind,
      resource: o.resource,
      cache: o.cache,
      classify: o.classify,
    }),
  });
  const enqueue = (obj: KubeObject): void => {
    controller.enqueue(objectKey(obj));
  };
  for (const inf of o.informers) {
    inf.addEventHandler({
      onAdd: enqueue,
      onUpdate: (old, obj) => {
        if (old === obj || JSON.stringify(historyOf(old)) !== JSON.stringify(historyOf(obj)))
          enqueue(obj);
      },
    });
  }
  return controller;
}
