/**
 * Writes `/status` the controller-runtime + Argo Rollouts way: compare with what the cache holds,
 * skip if equal, else merge-patch only the difference with `metadata.resourceVersion` (stale ⇒
 * 409, retried by the queue), and record the returned resourceVersion for the stale-cache guard.
 *
 * The precondition guards the status and spec the patch was computed from, but resourceVersion
 * moves with every metadata write too: the notifier's ledger annotation (or any label,
 * annotation or finalizer edit) made the status patch of a reconcile that had just acted fail
 * with 409, so its outcome was recorded only by the next reconcile. On a 409 the object is read
 * again: when its status and generation are still the ones the patch was computed from, only
 * metadata moved and the same patch is sent once more against the new resourceVersion (an
 * annotation that matters, an operator action, triggers its own reconcile anyway). Otherwise the
 * 409 stands.
 */
import type { Logger } from 'pino';
import type { KubeClient, StatusPatch } from './client.js';
import { scrubSecretsDeep } from '../observability/secrets.js';
import { isConflict } from './errors.js';
import { createMergePatch, jsonEqual } from './merge-patch.js';
import type { ResourceVersionTracker } from './resource-version.js';
import { objectKey, type CustomObject, type GroupVersionResource } from './types.js';

export interface StatusWriteResult<T> {
  /** False when the status was already equal and nothing was sent. */
  readonly changed: boolean;
  /** The object after the write (or the input when unchanged). */
  readonly object: T;
  /** The body that was sent, for logs and tests. */
  readonly patch?: StatusPatch;
}

export class StatusWriter {
  readonly #kube: KubeClient;
  readonly #res: GroupVersionResource;
  readonly #tracker: ResourceVersionTracker;
  readonly #log: Logger | undefined;

  constructor(
    kube: KubeClient,
    res: GroupVersionResource,
    tracker: ResourceVersionTracker,
    log?: Logger,
  ) {
    this.#kube = kube;
    this.#res = res;
    this.#tracker = tracker;
    this.#log = log;
  }

  async write<T extends CustomObject>(obj: T, wanted: object): Promise<StatusWriteResult<T>> {
    // No registered secret value is ever written to status, whichever message carried it here.
    const next = scrubSecretsDeep(wanted);
    const previous = (obj.status ?? {}) as Record<string, unknown>;
    const diff = createMergePatch(previous, next as Record<string, unknown>);
    if (diff === undefined) return { changed: false, object: obj };
    const { namespace = '', name = '', resourceVersion = '' } = obj.metadata;
    let patch: StatusPatch = { metadata: { resourceVersion }, status: diff };
    let updated: T;
    try {
      updated = await this.#kube.patchStatus<T>(this.#res, namespace, name, patch);
    } catch (err) {
      if (!isConflict(err)) throw err;
      const current = await this.#kube.get<T>(this.#res, namespace, name);
      const onlyMetadataMoved =
        current.metadata.generation === obj.metadata.generation &&
        jsonEqual(current.status ?? {}, previous);
      if (!onlyMetadataMoved) throw err;
      this.#log?.debug(
        { resourceVersion: current.metadata.resourceVersion },
        'status patch conflicted on a metadata-only change; sent again',
      );
      patch = {
        metadata: { resourceVersion: current.metadata.resourceVersion ?? '' },
        status: diff,
      };
      updated = await this.#kube.patchStatus<T>(this.#res, namespace, name, patch);
    }
    this.#tracker.record(objectKey(updated), updated.metadata.resourceVersion);
    if (!jsonEqual(updated.status, next)) {
      // Usually a schema that prunes or defaults a field we set: every reconcile would write again.
      const drift = createMergePatch(
        (updated.status ?? {}) as Record<string, unknown>,
        next as Record<string, unknown>,
      );
      this.#log?.warn(
        { drift },
        'stored status differs from the one written (pruned or defaulted?)',
      );
    }
    return { changed: true, object: updated, patch };
  }
}
