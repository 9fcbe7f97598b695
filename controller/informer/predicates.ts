/**
 * Event filters (controller-runtime `pkg/predicate`): they decide which informer updates enqueue a
 * key, never what the cache holds.
 */
import type { KubeObject } from '../k8s/types.js';

export type UpdatePredicate = (oldObj: KubeObject, newObj: KubeObject) => boolean;

/**
 * controller-runtime's `GenerationChanged || AnnotationsChanged || LabelsChanged`, plus changes of
 * finalizers and `deletionTimestamp` (which do not bump `generation` on custom resources). So a
 * status-only write — typically our own status patch — does not reconcile the object again, while
 * a spec edit, an operator's annotation or a deletion does.
 *
 * Unlike controller-runtime's predicate, a periodic resync (the informer delivers the same object
 * as old and new) passes: level-based controllers rely on it to re-check the world. The cost is
 * controller-runtime's too: a status wiped by someone else is corrected at the next resync or
 * spec change, not at once.
 */
export const specOrMetadataChanged: UpdatePredicate = (oldObj, newObj) => {
  const o = oldObj.metadata ?? {};
  const n = newObj.metadata ?? {};
  if (oldObj === newObj || o.resourceVersion === n.resourceVersion) return true; // resync
  return (
    o.generation !== n.generation ||
    o.deletionTimestamp !== n.deletionTimestamp ||
    !sameRecord(o.annotations, n.annotations) ||
    !sameRecord(o.labels, n.labels) ||
    !sameList(o.finalizers, n.finalizers)
  );
};

function sameRecord(
  a: Readonly<Record<string, string>> | undefined,
  b: Readonly<Record<string, string>> | undefined,
): boolean {
  const aKeys = Object.keys(a ?? {});
  if (aKeys.length !== Object.keys(b ?? {}).length) return false;
  return aKeys.every((k) => b !== undefined && Object.hasOwn(b, k) && a?.[k] === b[k]);
}

function sameList(a: readonly string[] | undefined, b: readonly string[] | undefined): boolean {
  const x = a ?? [];
  const y = b ?? [];
  return x.length === y.length && x.every((v, i) => v === y[i]);
}
