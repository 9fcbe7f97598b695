/**
 * The informer's cache: deep-frozen objects by `namespace/name`. Freezing makes accidental
 * mutation of shared cache state throw (in strict mode) instead of silently corrupting it;
 * callers that want to change an object `structuredClone` it first.
 */
import { objectKey, type KubeObject } from '../k8s/types.js';

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
    const stored = deepFreeze(obj);
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
      const stored = deepFreeze(item);
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
