/**
 * What has been notified, kept on the object itself (annotation
 * `notifications.delivery.latticedb.com/sent`, as Argo Rollouts' notifications keep theirs), so a
 * restarted controller or a new leader continues where the last one stopped instead of repeating:
 * `through` is the time of the last history entry handled, `keys` the entries (and, for an entry
 * delivered to only some routes, `<entry>/<route>`) handled at that second. Entries are handled in
 * history order; an entry is recorded only after every matching route took it.
 */
import { createHash } from 'node:crypto';
import type { KubeObject } from '../k8s/types.js';

export const SENT_ANNOTATION = 'notifications.delivery.latticedb.com/sent';

/** One `status.history` entry, as every kind writes it. */
export interface HistoryEntry {
  readonly time: string;
  readonly from?: string;
  readonly to: string;
  readonly reason: string;
  readonly message?: string;
}

export interface Ledger {
  readonly through: string;
  readonly keys: readonly string[];
}

export function entryKey(uid: string, e: HistoryEntry): string {
  return createHash('sha256')
    .update([uid, e.time, e.from ?? '', e.to, e.reason, e.message ?? ''].join('\u0000'))
    .digest('hex')
    .slice(0, 16);
}

export function readLedger(obj: KubeObject): Ledger | undefined {
  const raw = obj.metadata?.annotations?.[SENT_ANNOTATION];
  if (raw === undefined) return undefined;
  try {
    const v = JSON.parse(raw) as Partial<Ledger>;
    if (typeof v.through !== 'string' || Number.isNaN(Date.parse(v.through))) return undefined;
    const keys = Array.isArray(v.keys) ? v.keys.filter((k) => typeof k === 'string') : [];
    return { through: v.through, keys };
  } catch {
    return undefined;
  }
}

const at = (time: string): number => Date.parse(time);

/** The later of two ledgers (the cache may still hold our previous annotation). */
export function newer(a: Ledger | undefined, b: Ledger | undefined): Ledger | undefined {
  if (a === undefined) return b;
  if (b === undefined) return a;
  if (at(a.through) !== at(b.through)) return at(a.through) > at(b.through) ? a : b;
  return { through: a.through, keys: [...new Set([...a.keys, ...b.keys])] };
}

export function isHandled(l: Ledger, e: HistoryEntry, key: string): boolean {
  return at(e.time) < at(l.through) || (at(e.time) === at(l.through) && l.keys.includes(key));
}

/** Records `key` (an entry, or `<entry>/<route>`) at the entry's time. */
export function record(l: Ledger | undefined, e: HistoryEntry, key: string): Ledger {
  if (l !== undefined && at(l.through) === at(e.time)) {
    return { through: l.through, keys: [...new Set([...l.keys, key])] };
  }
  return { through: e.time, keys: [key] };
}

/**
 * Where an object without the annotation starts: at its creation, but no further back than
 * `lookbackMs` (enabling notifications does not replay the history of old objects).
 */
export function initialLedger(obj: KubeObject, now: Date, lookbackMs: number): Ledger {
  const created = obj.metadata?.creationTimestamp;
  const floor = now.getTime() - lookbackMs;
  const start = created !== undefined && Date.parse(created) > floor ? Date.parse(created) : floor;
  // `through` excludes entries before `start` only: keys empty, and the time one ms earlier.
  return { through: new Date(start - 1).toISOString(), keys: [] };
}
