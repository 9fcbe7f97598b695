/**
 * Stale-cache guard (Argo Rollouts' `utils/resourceversion/tracker.go`): remembers the
 * resourceVersion of our last write per key. If the cache still holds an older object, acting on
 * it would redo work or fight our own write, so the caller requeues briefly instead.
 *
 * resourceVersions are opaque by contract but etcd revisions in practice; compare numerically and
 * fail open (not stale) when either is not a number.
 */
export class ResourceVersionTracker {
  readonly #written = new Map<string, bigint>();

  /** Records the resourceVersion a write of ours returned. */
  record(key: string, resourceVersion: string | undefined): void {
    const rv = parse(resourceVersion);
    if (rv === undefined) return;
    const prev = this.#written.get(key);
    if (prev === undefined || rv > prev) this.#written.set(key, rv);
  }

  /** True if our last write to `key` is newer than `cachedVersion`. Forgets caught-up keys. */
  isStale(key: string, cachedVersion: string | undefined): boolean {
    const written = this.#written.get(key);
    const cached = parse(cachedVersion);
    if (written === undefined || cached === undefined) return false;
    if (cached >= written) {
      this.#written.delete(key);
      return false;
    }
    return true;
  }

  forget(key: string): void {
    this.#written.delete(key);
  }
}

function parse(rv: string | undefined): bigint | undefined {
  return rv !== undefined && /^[0-9]+$/.test(rv) ? BigInt(rv) : undefined;
}
