/**
 * The small port the runtime (and reconcilers) use for custom objects, Events and (read-only) Secrets. Every method
 * throws {@link KubeApiError} for API errors, so `isConflict`/`isNotFound`/... work on any
 * implementation (client-node adapter in `client-node.ts`, in-memory fake in the unit tests).
 */
import type {
  CoreEvent,
  CustomObject,
  GroupVersionResource,
  JsonPatchOperation,
  ObjectList,
} from './types.js';

export interface ListOptions {
  /** `undefined` = all namespaces. */
  readonly namespace?: string;
  readonly labelSelector?: string;
  readonly limit?: number;
  readonly continueToken?: string;
}

/** The part of a core/v1 Secret the controller reads. Never log `data`. */
export interface SecretData {
  readonly namespace: string;
  readonly name: string;
  readonly resourceVersion?: string;
  readonly data: Readonly<Record<string, string>>;
}

/** Body of a status merge patch: `resourceVersion` makes it conditional (stale ⇒ 409). */
export interface StatusPatch {
  readonly metadata: { readonly resourceVersion: string };
  readonly status: unknown;
}

export interface KubeClient {
  get<T extends CustomObject>(
    res: GroupVersionResource,
    namespace: string,
    name: string,
  ): Promise<T>;

  list<T extends CustomObject>(
    res: GroupVersionResource,
    options?: ListOptions,
  ): Promise<ObjectList<T>>;

  /** JSON merge patch (RFC 7386) of the `/status` subresource; returns the updated object. */
  patchStatus<T extends CustomObject>(
    res: GroupVersionResource,
    namespace: string,
    name: string,
    patch: StatusPatch,
  ): Promise<T>;

  /** JSON Patch (RFC 6902) of the main resource (metadata/spec), e.g. guarded finalizer edits. */
  jsonPatch<T extends CustomObject>(
    res: GroupVersionResource,
    namespace: string,
    name: string,
    operations: readonly JsonPatchOperation[],
  ): Promise<T>;

  /**
   * A Secret's data, base64-decoded to UTF-8 strings (for references such as `redisRef`).
   * Needs RBAC `get secrets`, which the base manifests do not grant: expect 403 (`Forbidden`).
   */
  getSecret(namespace: string, name: string): Promise<SecretData>;

  createEvent(event: CoreEvent): Promise<CoreEvent>;

  /** Merge patch of an existing Event (count aggregation). */
  patchEvent(
    namespace: string,
    name: string,
    patch: Pick<CoreEvent, 'count' | 'lastTimestamp'>,
  ): Promise<CoreEvent>;
}
