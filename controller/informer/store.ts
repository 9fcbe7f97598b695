/**
 * The informer's cache: deep-frozen objects by `namespace/name`. Freezing makes accidental
 * mutation of shared cache state throw (in strict mode) instead of silently corrupting it;
 * callers that want to change an object `structuredClone` it first.
 *
 * Objects are cached without `metadata.managedFields` and kubectl's last-applied annotation
 * (controller-runtime's TransformStripManagedFields does the same): no handler reads them, and
 * they were most of the cache: a FlagRollout with status carries ~8 KB of managedFields in the
 * heap (an entry for whoever wrote the spec, one for this controller's status), twice the rest
 * of the object, so at 5,000 objects they alone held ~40 MiB (heap snapshot, `npm run bench`).
 */
import { objectKey, type KubeObject } from '../k8s/types.js';

/** kubectl apply's copy of the whole applied manifest, as an annotation. */
export const LAST_APPLIED_ANNOTATION = 'kubectl.kubernetes.io/last-applied-configuration';

/**
 * `obj` without what the cache never serves: managedFields and the last-applied annotation. A
 * shallow copy where something is dropped (the caller's object is left as it was), else `obj`.
 */
export function stripForCache<T extends KubeObject>(obj: T): T {
  const metadata = obj.metadata;
  if (metadata === undefined) return obj;
  const annotations = metadata.annotations;
  const lastApplied = annotations !== undefined && LAST_APPLIED_ANNOTATION in annotations;
  if (!('managedFields' in metadata) && !lastApplied) return obj;
  const { managedFields: _managedFields, ...stripped } = metadata;
  if (lastApplied) {
    const { [LAST_APPLIED_ANNOTATION]: _lastApplied, ...others } = annotations;
    if (Object.keys(others).length > 0) stripped.annotations = others;
    else delete stripped.annotations;
  }
  return { ...obj, metadata: stripped };
}

export function deepFreeze<T>(value: T): T {
  if (typeof value !== 'object' || value === null || Object.isFrozen(value)) return value;
  for (const child of Object.values(value)) deepFreeze(child);
  return Object.freeze(value);
}

export interface StoreDiff<T> {
  readonly added: T[];
  readonly updated: { readonly old: T; readonly new: T }[];
  readonly deleted: T[];
}

/**
 * One copy of each repeated string value. JSON.parse makes a new string for every value, so each
 * cached object held its own "Reconciling", "RollbackToLastGood", metric names and dimension
 * values, and its condition messages and timestamps several times over: ~1.5 KB of the ~4 KB a
 * FlagRollout kept in the cache once managedFields were gone. Bounded: strings up to 256
 * characters, and the table starts afresh when it holds `maxEntries` (names, UIDs and timestamps
 * are unique; what repeats is learnt again from the next objects).
 */
export class StringPool {
  readonly #maxLength: number;
  readonly #maxEntries: number;
  #table = new Map<string, string>();

  constructor(options: { maxLength?: number; maxEntries?: number } = {}) {
    this.#maxLength = options.maxLength ?? 256;
    this.#maxEntries = options.maxEntries ?? 4096;
  }

  get size(): number {
    return this.#table.size;
  }

  intern(value: string): string {
    if (value.length > this.#maxLength) return value;
    const known = this.#table.get(value);
    if (known !== undefined) return known;
    if (this.#table.size >= this.#maxEntries) this.#table = new Map();
    this.#table.set(value, value);
    return value;
  }

  /** Replaces the string values in `value` (not yet frozen) by their pooled copies, in place. */
  internAll<V>(value: V): V {
    if (typeof value !== 'object' || value === null || Object.isFrozen(value)) return value;
    const record = value as Record<string, unknown>;
    for (const key of Object.keys(record)) {
      const child = record[key];
      if (typeof child === 'string') record[key] = this.intern(child);
      else this.internAll(child);
    }
    return value;
  }
}

/** Shared by every informer: kinds repeat the same condition types and reasons. */
const pool = new StringPool();

/** What the cache keeps of `obj`: stripped, strings pooled, deep-frozen. */
export function toCached<T extends KubeObject>(obj: T): T {
  return deepFreeze(pool.internAll(stripForCache(obj)));
}

export class Store<T extends KubeObject> {
  #objects = new Map<string, T>();

  get size(): number {
    return this.#objects.size;
  }

  get(key: string): T | undefined {
    return this.#objects.get(key);
  }

  list(): T[] {
    return [...this.#objects.values()];
  }

  keys(): string[] {
    return [...this.#objects.keys()];
  }

  /** Stores a frozen copy of `obj`; returns the previous object, if any. */
  upsert(obj: T): { readonly old: T | undefined; readonly stored: T } {
    const key = objectKey(obj);
    const old = this.#objects.get(key);
    const stored = toCached(obj);
    this.#objects.set(key, stored);
    return { old, stored };
  }

  delete(obj: KubeObject): T | undefined {
    const key = objectKey(obj);
    const old = this.#objects.get(key);
    this.#objects.delete(key);
    return old;
  }

  /** Replaces the whole content (after a relist) and reports what changed. */
  replace(items: readonly T[]): StoreDiff<T> {
    const next = new Map<string, T>();
    const diff: StoreDiff<T> = { added: [], updated: [], deleted: [] };
    for (const item of items) {
      const stored = toCached(item);
      const key = objectKey(stored);
      next.set(key, stored);
      const old = this.#objects.get(key);
      if (old === undefined) diff.added.push(stored);
      else if (old.metadata?.resourceVersion !== stored.metadata?.resourceVersion) {
        diff.updated.push({ old, new: stored });
      }
    }
    for (const [key, old] of this.#objects) if (!next.has(key)) diff.deleted.push(old);
    this.#objects = next;
    return diff;
  }
}
