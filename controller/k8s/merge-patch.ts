/**
 * JSON value comparison and RFC 7386 merge-patch generation. A merge patch merges objects
 * recursively, so removing a field needs an explicit `null`; arrays are replaced whole (always
 * send the full `conditions` list).
 */

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** Deep equality of JSON-like values; `undefined` properties count as absent. */
export function jsonEqual(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (Array.isArray(a) || Array.isArray(b)) {
    if (!Array.isArray(a) || !Array.isArray(b) || a.length !== b.length) return false;
    return a.every((v, i) => jsonEqual(v, b[i]));
  }
  if (!isPlainObject(a) || !isPlainObject(b)) return false;
  const keys = new Set([...Object.keys(a), ...Object.keys(b)]);
  for (const k of keys) if (!jsonEqual(a[k], b[k])) return false;
  return true;
}

/**
 * The merge patch that turns `from` into `to` (both JSON objects), or `undefined` if they are
 * equal. Fields in `from` missing in `to` become `null`.
 */
export function createMergePatch(
  from: Record<string, unknown>,
  to: Record<string, unknown>,
): Record<string, Json> | undefined {
  const patch: Record<string, Json> = {};
  for (const [k, v] of Object.entries(to)) {
    if (v === undefined) continue;
    const old = from[k];
    if (jsonEqual(old, v)) continue;
    if (isPlainObject(old) && isPlainObject(v)) patch[k] = createMergePatch(old, v) ?? {};
    else patch[k] = structuredClone(v) as Json;
  }
  for (const [k, v] of Object.entries(from)) {
    if (v !== undefined && to[k] === undefined) patch[k] = null;
  }
  return Object.keys(patch).length === 0 ? undefined : patch;
}
