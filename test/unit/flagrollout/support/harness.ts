// The FlagRollout handler in the generic resource reconciler, with a fake apiserver, FakeFlagStore,
// a fake metric source and a fake clock: `reconcile()` is one pass of the work queue, `run()`
// follows the requeues like the queue would, `restart()` is a new controller process (new
// handler, nothing kept but the apiserver and Redis).
import { pino } from 'pino';
import { deepFreeze } from '../../../../controller/informer/store.js';
import { KubeEventRecorder } from '../../../../controller/k8s/events.js';
import type { Result } from '../../../../controller/reconcile.js';
import { ResourceReconciler } from '../../../../controller/resource/reconciler.js';
import {
  FlagRolloutKind,
  type FlagRolloutSpec,
  type FlagRolloutState,
} from '../../../../reconcilers/flagrollout/api.js';
import { noMetrics } from '../../../../reconcilers/flagrollout/metrics.js';
import type { RolloutObject } from '../../../../reconcilers/flagrollout/ports.js';
import { flagRolloutRegistration } from '../../../../reconcilers/flagrollout/setup.js';
import {
  InvalidFlagInputError,
  type FlagWrite,
  type WriteResult,
} from '../../../../flags/index.js';
import type { Hold } from '../../../../reconcilers/shared/interlock/index.js';
import type { FlagStoreResult } from '../../../../reconcilers/shared/runtime/index.js';
import { FakeMetricSource } from '../../analysis/fake-metric-source.js';
import { FakeClock } from '../../controller/support/fake-clock.js';
import { FakeKubeClient } from '../../controller/support/fake-kube-client.js';
import { FakeFlagStore } from '../../flags/support/fake-flag-store.js';

export const RES = { ...FlagRolloutKind, kind: FlagRolloutKind.kind };
export const NS = 'prod';
export const NAME = 'new-query-optimizer';

/** A store where another writer can slip in just before our compare-and-set. */
export class ContendedFlagStore extends FakeFlagStore {
  /** How many of the next compare-and-sets lose to a racing writer. */
  races = 0;
  /** When set, compare-and-sets are refused as invalid input with this message (nothing written). */
  refuse: string | undefined;

  override compareAndSet(flag: string, expected: number, next: FlagWrite): Promise<WriteResult> {
    if (this.refuse !== undefined) return Promise.reject(new InvalidFlagInputError(this.refuse));
    if (this.races > 0) {
      this.races--;
      this.tamper(flag, { basisPoints: 4200, updatedBy: 'cli:racer' });
    }
    return super.compareAndSet(flag, expected, next);
  }
}

const silent = pino({ level: 'silent' });

export interface Harness {
  readonly kube: FakeKubeClient;
  readonly clock: FakeClock;
  readonly store: ContendedFlagStore;
  readonly metrics: FakeMetricSource;
  reconcile(): Promise<Result>;
  /** Reconciles, advancing the clock by each requeue, until `until` holds or `max` passes. */
  run(until: (h: Harness) => boolean, max?: number): Promise<number>;
  restart(): void;
  /** Aborts the reconcile signal (lost leadership). */
  abort(): void;
  object(): RolloutObject;
  status(): FlagRolloutState;
  editSpec(change: Partial<FlagRolloutSpec>): void;
  /** Event reasons in the order first recorded. */
  events(): string[];
  /** The flag's split in basis points, `off`, or `missing`. */
  served(): Promise<number | 'off' | 'missing'>;
}

export function harness(
  spec: FlagRolloutSpec,
  options: {
    storeFor?: () => Promise<FlagStoreResult>;
    pollMs?: number;
    /** The FailoverPlan interlock's answer (absent: no interlock). */
    failoverHold?: () => Promise<Hold | undefined>;
  } = {},
): Harness {
  const kube = new FakeKubeClient();
  const clock = new FakeClock('2026-11-26T10:00:00.000Z');
  const store = new ContendedFlagStore({ clock });
  const metrics = new FakeMetricSource();
  kube.create(RES, {
    apiVersion: 'delivery.latticedb.com/v1alpha1',
    kind: 'FlagRollout',
    metadata: { name: NAME, namespace: NS },
    spec,
  });
  const recorder = new KubeEventRecorder({ kube, logger: silent, instance: 'test', clock });
  const cache = {
    get: (ns: string, name: string) => {
      const current = kube.peek<RolloutObject>(RES, ns, name);
      return current === undefined ? undefined : deepFreeze(current);
    },
  };
  const build = () =>
    new ResourceReconciler({
      resource: RES,
      handler: flagRolloutRegistration({
        storeFor:
          options.storeFor ?? (() => Promise.resolve({ ok: true, store, endpoint: 'fake' })),
        metricSource: metrics,
        defaultRegion: 'us-east-1',
        pollMs: options.pollMs ?? 30_000,
        metrics: noMetrics,
        ...(options.failoverHold === undefined ? {} : { failoverHold: options.failoverHold }),
      }).handler,
      cache,
      kube,
      recorder,
      clock,
    });
  let reconciler = build();
  const aborter = new AbortController();
  const ctx = { log: silent, reconcileId: 'rid', signal: aborter.signal };
  const h: Harness = {
    kube,
    clock,
    store,
    metrics,
    reconcile: () => reconciler.reconcile({ namespace: NS, name: NAME }, ctx),
    async run(until, max = 100) {
      for (let i = 1; i <= max; i++) {
        const result = await h.reconcile();
        if (until(h)) return i;
        clock.advance(result.requeueAfterMs ?? 0);
      }
      throw new Error(`not reached after ${max} reconciles; status: ${JSON.stringify(h.status())}`);
    },
    restart() {
      reconciler = build();
    },
    abort() {
      aborter.abort(new Error('leader election lost'));
    },
    object() {
      const obj = kube.peek<RolloutObject>(RES, NS, NAME);
      if (obj === undefined) throw new Error('object is gone');
      return obj;
    },
    status: () => h.object().status ?? {},
    editSpec(change) {
      const obj = h.object();
      kube.update(RES, { ...obj, spec: { ...obj.spec, ...change } });
    },
    events: () => [...kube.events.values()].map((e) => e.reason),
    async served() {
      const flag = await store.read(spec.flag);
      if (flag.record === undefined) return 'missing';
      return flag.record.enabled ? flag.record.basisPoints : 'off';
    },
  };
  return h;
}
