/**
 * Finalizers without lost updates: JSON Patch guarded by a `test` of `metadata.resourceVersion`.
 * If the object changed since we read it the `test` fails with 422 (see `isFailedPatchTest`) and
 * the caller requeues. Like controllerutil's helpers these report whether they changed anything.
 */
import type { KubeClient } from './client.js';
import type { CustomObject, GroupVersionResource, JsonPatchOperation } from './types.js';

export interface FinalizerResult<T> {
  readonly changed: boolean;
  /** The object after the patch (or the input when unchanged). */
  readonly object: T;
}

export function hasFinalizer(obj: CustomObject, finalizer: string): boolean {
  return obj.metadata.finalizers?.includes(finalizer) ?? false;
}

function guard(obj: CustomObject): JsonPatchOperation {
  return { op: 'test', path: '/metadata/resourceVersion', value: obj.metadata.resourceVersion };
}

export async function addFinalizer<T extends CustomObject>(
  kube: KubeClient,
  res: GroupVersionResource,
  obj: T,
  finalizer: string,
): Promise<FinalizerResult<T>> {
  if (hasFinalizer(obj, finalizer)) return { changed: false, object: obj };
  const existing = obj.metadata.finalizers ?? [];
  const add: JsonPatchOperation =
    existing.length > 0
      ? { op: 'add', path: '/metadata/finalizers/-', value: finalizer }
      : { op: 'add', path: '/metadata/finalizers', value: [finalizer] };
  const object = await kube.jsonPatch<T>(
    res,
    obj.metadata.namespace ?? '',
    obj.metadata.name ?? '',
    [guard(obj), add],
  );
  return { changed: true, object };
}

export async function removeFinalizer<T extends CustomObject>(
  kube: KubeClient,
  res: GroupVersionResource,
  obj: T,
  finalizer: string,
): Promise<FinalizerResult<T>> {
  if (!hasFinalizer(obj, finalizer)) return { changed: false, object: obj };
  const remaining = (obj.metadata.finalizers ?? []).filter((f) => f !== finalizer);
  const object = await kube.jsonPatch<T>(
    res,
    obj.metadata.namespace ?? '',
    obj.metadata.name ?? '',
    [guard(obj), { op: 'replace', path: '/metadata/finalizers', value: remaining }],
  );
  return { changed: true, object };
}
