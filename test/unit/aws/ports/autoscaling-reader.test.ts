// ResourceReader (Application Auto Scaling reads): batching by id, namespace listings that answer
// for every registered resource, cache by maxAgeMs, invalidation after writes, failures.
import { describe, expect, it } from 'vitest';
import {
  ResourceReader,
  type BatchRead,
  type ResourceRead,
} from '../../../../reconcilers/shared/adapters/aws/autoscaling-reader.js';
import { FakeClock } from '../../controller/support/fake-clock.js';
import { rejection } from './contracts/support.js';

/** A world of resources with a version each; `listing` reads answer for the whole namespace. */
function harness(opts: { maxBatch?: number; listing?: boolean } = {}) {
  const clock = new FakeClock();
  const calls: string[][] = [];
  const world = new Map<string, number>();
  let throwNext: Error | undefined;
  const failing = new Map<string, Error>();
  const reader = new ResourceReader<number | undefined>({
    clock,
    batchWindowMs: 0,
    absent: undefined,
    ...(opts.maxBatch === undefined ? {} : { maxBatch: opts.maxBatch }),
    read: (_region, ids): Promise<BatchRead<number | undefined>> => {
      calls.push([...ids]);
      if (throwNext !== undefined) {
        const e = throwNext;
        throwNext = undefined;
        return Promise.reject(e);
      }
      const values = new Map<string, ResourceRead<number | undefined>>();
      const keys = opts.listing === true ? [...world.keys()] : ids;
      for (const id of keys) {
        const failure = failing.get(id);
        if (failure !== undefined) values.set(id, { kind: 'failed', error: failure });
        else if (world.has(id)) values.set(id, { kind: 'ok', value: world.get(id) });
      }
      return Promise.resolve({ values, complete: opts.listing === true });
    },
  });
  return {
    clock,
    calls,
    world,
    reader,
    failing,
    failNextCall: (e: Error) => (throwNext = e),
  };
}

const ids = (n: number, prefix = 'r') => Array.from({ length: n }, (_, i) => `${prefix}${i}`);

describe('ResourceReader', () => {
  it('batches concurrent readers of one region, maxBatch ids per call, one call per region', async () => {
    const h = harness({ maxBatch: 50 });
    for (const id of ids(120)) h.world.set(id, 1);
    await Promise.all([
      ...ids(120).map((id) => h.reader.read('r', id)),
      h.reader.read('other', 'x'),
    ]);
    expect(h.calls.map((c) => c.length).sort((a, b) => a - b)).toEqual([1, 20, 50, 50]);
  });

  it('tells a resource with nothing (absent) from one with a value, and caches both', async () => {
    const h = harness();
    h.world.set('a', 7);
    const [a, b] = await Promise.all([
      h.reader.read('r', 'a', 1_000),
      h.reader.read('r', 'b', 1_000),
    ]);
    expect([a, b]).toEqual([7, undefined]);
    await Promise.all([h.reader.read('r', 'a', 1_000), h.reader.read('r', 'b', 1_000)]);
    expect(h.calls).toHaveLength(1);
  });

  it('serves snapshots strictly younger than maxAgeMs; 0 always reads afresh', async () => {
    const h = harness();
    h.world.set('a', 1);
    await h.reader.read('r', 'a');
    h.clock.advance(59_999);
    await h.reader.read('r', 'a', 60_000);
    expect(h.calls).toHaveLength(1);
    h.clock.advance(1);
    await h.reader.read('r', 'a', 60_000);
    expect(h.calls).toHaveLength(2);
    await h.reader.read('r', 'a');
    expect(h.calls).toHaveLength(3);
  });

  it('a listing answers for every registered resource, so the rest of the period costs nothing', async () => {
    const h = harness({ maxBatch: Infinity, listing: true });
    for (const id of ids(30)) h.world.set(id, 1);
    await Promise.all(ids(30).map((id) => h.reader.read('r', id, 60_000)));
    expect(h.calls).toHaveLength(1);
    // Next period, one at a time: the first reader's read covers all that are due.
    h.clock.advance(61_000);
    h.world.set('r29', 2);
    const seen: (number | undefined)[] = [];
    for (const id of ids(30)) seen.push(await h.reader.read('r', id, 60_000));
    expect(h.calls).toHaveLength(2);
    expect(h.calls[1]).toHaveLength(30); // asked + every registered resource that was due
    expect(seen[29]).toBe(2);
    // A resource that lost its value in the listing reads as absent.
    h.clock.advance(61_000);
    h.world.delete('r3');
    await h.reader.read('r', 'r0', 60_000);
    expect(await h.reader.read('r', 'r3', 60_000)).toBeUndefined();
    expect(h.calls).toHaveLength(3);
  });

  it('never serves a read sent before a write, and the others keep their snapshot', async () => {
    const h = harness({ maxBatch: Infinity, listing: true });
    for (const id of ids(5)) h.world.set(id, 1);
    await Promise.all(ids(5).map((id) => h.reader.read('r', id, 60_000)));
    h.world.set('r1', 2);
    h.reader.invalidate('r', 'r1');
    expect(await h.reader.read('r', 'r1', 60_000)).toBe(2);
    expect(h.calls).toHaveLength(2);
    await h.reader.read('r', 'r2', 60_000);
    expect(h.calls).toHaveLength(2);
  });

  it('a write during an in-flight read: that read is not served to later readers', async () => {
    const h = harness();
    h.world.set('a', 1);
    const first = h.reader.read('r', 'a');
    await Promise.resolve();
    await Promise.resolve();
    h.world.set('a', 2);
    h.reader.invalidate('r', 'a');
    expect(await h.reader.read('r', 'a', 60_000)).toBe(2);
    expect(await first).toBe(1);
    expect(h.calls).toHaveLength(2);
  });

  it('a failed call rejects all its readers and is not cached', async () => {
    const h = harness();
    h.world.set('a', 1);
    h.failNextCall(new Error('throttled'));
    const failed = await Promise.all([
      rejection(h.reader.read('r', 'a', 60_000)),
      rejection(h.reader.read('r', 'b', 60_000)),
    ]);
    expect(failed.map((e) => (e as Error).message)).toEqual(['throttled', 'throttled']);
    expect(await h.reader.read('r', 'a', 60_000)).toBe(1);
  });

  it('a failure for one resource reaches only its readers', async () => {
    const h = harness();
    h.world.set('a', 1);
    h.world.set('b', 2);
    h.failing.set('b', new Error('denied'));
    const [a, b] = await Promise.all([
      h.reader.read('r', 'a', 60_000),
      rejection(h.reader.read('r', 'b', 60_000)),
    ]);
    expect(a).toBe(1);
    expect((b as Error).message).toBe('denied');
    h.failing.delete('b');
    expect(await h.reader.read('r', 'b', 60_000)).toBe(2);
  });
});

describe('ResourceReader refresh-ahead', () => {
  it('does not read ahead resources whose readers always ask afresh (maxAgeMs 0)', async () => {
    const h = harness({ maxBatch: Infinity });
    for (const id of ids(5)) h.world.set(id, 1);
    await Promise.all(ids(5).map((id) => h.reader.read('r', id)));
    h.clock.advance(1_000);
    await h.reader.read('r', 'r0');
    expect(h.calls[1]).toEqual(['r0']);
  });
});
