/**
 * A coordination.k8s.io/v1 Lease as a leader-election lock (client-go `resourcelock.LeaseLock`).
 * The apiserver wants MicroTime with exactly six fractional digits for `acquireTime`/`renewTime`
 * (`Date#toISOString()` has three ⇒ 400); client-node's `V1MicroTime` pads them. Reads come back as
 * strings (MicroTime is not in client-node's serializer map).
 */
import {
  CoordinationV1Api,
  V1MicroTime,
  type KubeConfig,
  type V1Lease,
} from '@kubernetes/client-node';
import { requestTimeoutOptions } from '../k8s/client-node.js';
import { toKubeApiError } from '../k8s/errors.js';

export interface LeaderElectionRecord {
  readonly holderIdentity: string;
  readonly leaseDurationSeconds: number;
  readonly acquireTime: Date;
  readonly renewTime: Date;
  readonly leaseTransitions: number;
}

export interface LockedRecord {
  readonly record: LeaderElectionRecord;
  readonly resourceVersion: string;
}

export interface LeaseLock {
  readonly description: string;
  /** `undefined` when the Lease does not exist. */
  get(): Promise<LockedRecord | undefined>;
  /** Throws `AlreadyExists` (409) if someone created it first. */
  create(record: LeaderElectionRecord): Promise<LockedRecord>;
  /** Conditional on `resourceVersion` (stale ⇒ 409). */
  update(record: LeaderElectionRecord, resourceVersion: string): Promise<LockedRecord>;
}

export function kubeLeaseLock(
  kc: KubeConfig,
  namespace: string,
  name: string,
  options: { readonly requestTimeoutMs: number },
): LeaseLock {
  const api = kc.makeApiClient(CoordinationV1Api);
  const timeout = requestTimeoutOptions(options.requestTimeoutMs);
  const call = async (fn: () => Promise<V1Lease>): Promise<LockedRecord> => {
    try {
      return fromLease(await fn());
    } catch (err) {
      throw toKubeApiError(err);
    }
  };
  return {
    description: `${namespace}/${name}`,
    async get() {
      try {
        return await call(() => api.readNamespacedLease({ name, namespace }, timeout));
      } catch (err) {
        if ((err as { code?: unknown }).code === 404) return undefined;
        throw err;
      }
    },
    create: (record) =>
      call(() =>
        api.createNamespacedLease({ namespace, body: toLease(name, namespace, record) }, timeout),
      ),
    update: (record, resourceVersion) =>
      call(() =>
        api.replaceNamespacedLease(
          { name, namespace, body: toLease(name, namespace, record, resourceVersion) },
          timeout,
        ),
      ),
  };
}

// client-node's models are data-only classes: the serializer reads their fields, never their
// prototype, so plain objects are what it expects in practice.
function toLease(
  name: string,
  namespace: string,
  r: LeaderElectionRecord,
  resourceVersion?: string,
): V1Lease {
  return {
    apiVersion: 'coordination.k8s.io/v1',
    kind: 'Lease',
    metadata: { name, namespace, resourceVersion },
    spec: {
      holderIdentity: r.holderIdentity,
      leaseDurationSeconds: r.leaseDurationSeconds,
      acquireTime: new V1MicroTime(r.acquireTime.getTime()),
      renewTime: new V1MicroTime(r.renewTime.getTime()),
      leaseTransitions: r.leaseTransitions,
    },
  };
}

function fromLease(lease: V1Lease): LockedRecord {
  const s = lease.spec;
  const time = (t: unknown) => new Date(typeof t === 'string' || t instanceof Date ? t : 0);
  return {
    resourceVersion: lease.metadata?.resourceVersion ?? '',
    record: {
      holderIdentity: s?.holderIdentity ?? '',
      leaseDurationSeconds: s?.leaseDurationSeconds ?? 0,
      acquireTime: time(s?.acquireTime),
      renewTime: time(s?.renewTime),
      leaseTransitions: s?.leaseTransitions ?? 0,
    },
  };
}
