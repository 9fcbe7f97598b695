import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { monotonicClock } from '../../../controller/clock.js';
import { ItemExponentialFailureRateLimiter } from '../../../controller/workqueue/rate-limiter.js';
import { WorkQueue, type QueueMetricsSink } from '../../../controller/workqueue/queue.js';

function recordingSink(): QueueMetricsSink & { counts: Record<string, number>; lastDepth: number } {
  const counts: Record<string, number> = { added: 0, queued: 0, worked: 0, retried: 0 };
  const sink = {
    counts,
    lastDepth: 0,
    added: () => {
      counts.added = (counts.added ?? 0) + 1;
    },
    depth: (n: number) => {
      sink.lastDepth = n;
    },
    queued: () => {
      counts.queued = (counts.queued ?? 0) + 1;
    },
    worked: () => {
      counts.worked = (counts.worked ?? 0) + 1;
    },
    retried: () => {
      counts.retried = (counts.retried ?? 0) + 1;
    },
  };
  return sink;
}

describe('WorkQueue', () => {
  beforeEach(() => {
    vi.useFakeTimers({ now: new Date('2026-11-26T10:00:00Z') });
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  it('delays run on monotonic time: a wall-clock step back does not postpone a requeue', async () => {
    const q = new WorkQueue();
    q.addAfter('ns/a', 1_000);
    vi.setSystemTime(Date.now() - 60_000); // NTP steps the wall clock back a minute
    await vi.advanceTimersByTimeAsync(1_001);
    expect(q.len()).toBe(1);
  });

  it('deduplicates keys that are waiting and keeps FIFO order', async () => {
    const metrics = recordingSink();
    const q = new WorkQueue({ metrics, clock: monotonicClock });
    q.add('ns/a');
    q.add('ns/b');
    q.add('ns/a');
    expect(q.len()).toBe(2);
    expect(metrics.counts.added).toBe(2);
    expect(await q.get()).toBe('ns/a');
    expect(await q.get()).toBe('ns/b');
    expect(metrics.lastDepth).toBe(0);
  });

  it('never hands out a key that is processing; a re-add is queued again after done', async () => {
    const q = new WorkQueue();
    q.add('ns/a');
    const first = await q.get();
    q.add('ns/a'); // changed while being reconciled
    q.add('ns/a');
    expect(q.len()).toBe(0);
    let second: string | undefined;
    void q.get().then((k) => (second = k));
    await vi.advanceTimersByTimeAsync(10);
    expect(second).toBeUndefined(); // not while the first is in flight
    q.done(first!);
    await vi.advanceTimersByTimeAsync(0);
    expect(second).toBe('ns/a');
    q.done('ns/a');
    expect(q.len()).toBe(0); // the two re-adds coalesced into one
  });

  it('a waiting get() is woken by add()', async () => {
    const q = new WorkQueue();
    const pending = q.get();
    q.add('ns/x');
    expect(await pending).toBe('ns/x');
    expect(q.inFlight()).toEqual(['ns/x']);
  });

  it('addAfter delivers after the delay and keeps the earliest time for a waiting key', async () => {
    const q = new WorkQueue();
    q.addAfter('ns/a', 1_000);
    q.addAfter('ns/a', 5_000); // later: ignored
    q.addAfter('ns/b', 300);
    q.addAfter('ns/b', 100); // earlier: wins
    await vi.advanceTimersByTimeAsync(99);
    expect(q.len()).toBe(0);
    await vi.advanceTimersByTimeAsync(1);
    expect(q.len()).toBe(1);
    expect(await q.get()).toBe('ns/b');
    await vi.advanceTimersByTimeAsync(900);
    expect(await q.get()).toBe('ns/a');
    await vi.advanceTimersByTimeAsync(10_000);
    expect(q.len()).toBe(0); // the 5 s request was folded into the 1 s one
  });

  it('a delay beyond the 24.8-day timer limit neither fires early nor spins', async () => {
    // setTimeout turns a delay above 2^31-1 ms into 1 ms; re-arming that would spin every 1 ms.
    const q = new WorkQueue();
    const thirtyDays = 30 * 24 * 3_600_000;
    const armed = vi.spyOn(globalThis, 'setTimeout');
    q.addAfter('ns/far', thirtyDays);
    await vi.advanceTimersByTimeAsync(1_000);
    expect(q.len()).toBe(0);
    expect(armed.mock.calls.length).toBeLessThanOrEqual(1);
    await vi.advanceTimersByTimeAsync(thirtyDays - 1_001);
    expect(q.len()).toBe(0);
    expect(armed.mock.calls.length).toBeLessThanOrEqual(2);
    await vi.advanceTimersByTimeAsync(1);
    expect(await q.get()).toBe('ns/far');
    armed.mockRestore();
  });

  it('addRateLimited backs off exponentially per key until forget', async () => {
    const metrics = recordingSink();
    const q = new WorkQueue({
      rateLimiter: new ItemExponentialFailureRateLimiter(100, 10_000),
      metrics,
    });
    const deliveredAfter: number[] = [];
    for (let attempt = 0; attempt < 4; attempt++) {
      const start = Date.now();
      q.addRateLimited('ns/a');
      while (q.len() === 0) await vi.advanceTimersByTimeAsync(10);
      deliveredAfter.push(Date.now() - start);
      q.done((await q.get())!);
    }
    expect(deliveredAfter).toEqual([100, 200, 400, 800]);
    expect(q.numRequeues('ns/a')).toBe(4);
    expect(metrics.counts.retried).toBe(4);
    q.forget('ns/a');
    expect(q.numRequeues('ns/a')).toBe(0);
  });

  it('shutDown stops handing out keys, returns pending ones and waits for in-flight', async () => {
    const q = new WorkQueue();
    q.add('ns/running');
    const running = await q.get();
    q.add('ns/queued');
    q.addAfter('ns/later', 60_000);
    const waiting = q.get(); // resolves with ns/queued
    expect(await waiting).toBe('ns/queued');
    q.done('ns/queued');
    q.add('ns/queued-again');
    const pending = q.shutDown();
    expect(pending.sort()).toEqual(['ns/later', 'ns/queued-again']);
    expect(await q.get()).toBeUndefined();
    q.add('ns/new');
    expect(q.len()).toBe(0);
    let idle = false;
    void q.whenIdle().then(() => (idle = true));
    await vi.advanceTimersByTimeAsync(0);
    expect(idle).toBe(false);
    q.done(running!);
    await vi.advanceTimersByTimeAsync(0);
    expect(idle).toBe(true);
    await vi.advanceTimersByTimeAsync(120_000);
    expect(q.len()).toBe(0); // the delayed key was dropped
  });

  it('reports unfinished and longest-running work', async () => {
    const q = new WorkQueue();
    q.add('a');
    q.add('b');
    await q.get();
    await vi.advanceTimersByTimeAsync(2_000);
    await q.get();
    await vi.advanceTimersByTimeAsync(1_000);
    expect(q.processingStats()).toEqual({ unfinishedSeconds: 4, longestSeconds: 3 });
  });
});
