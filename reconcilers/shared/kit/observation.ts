// The observation convention every kind follows: a kind's `Observed` has one field per thing it
// may read. `undefined` = not read this time (the current stage did not need it); `null` = read,
// and absent (the service, the scalable target, the snapshot does not exist). A decision never
// treats `undefined` as absent: a check with no data is inconclusive, never a pass.
//
// `readAll` runs a kind's reads in parallel by name, so observe.ts stays a flat list of
// "what, if needed" entries.

/** A value read from the world: `undefined` not read, `null` read and absent. */
export type Observation<T> = T | null | undefined;

/** True when the thing was read (present or absent). */
export function wasRead<T>(value: Observation<T>): value is T | null {
  return value !== undefined;
}

/**
 * Awaits every value of `reads` in parallel and returns them under the same keys, leaving out
 * the ones that were not read (`undefined`), so optional fields of `Observed` stay absent.
 */
export async function readAll<T extends Record<string, unknown>>(
  reads: T,
): Promise<{ [K in keyof T]?: Exclude<Awaited<T[K]>, undefined> }> {
  const entries = await Promise.all(
    Object.entries(reads).map(async ([key, value]) => [key, await value] as const),
  );
  return Object.fromEntries(entries.filter(([, value]) => value !== undefined)) as {
    [K in keyof T]?: Exclude<Awaited<T[K]>, undefined>;
  };
}
