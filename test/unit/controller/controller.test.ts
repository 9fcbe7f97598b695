import { pino } from 'pino';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { ABORT_GRACE_MS, Controller } from '../../../controller/controller.js';
import { RuntimeMetrics } from '../../../controller/observability/metrics.js';
import {
  noRequeue,
  requeueAfter,
  TerminalError,
  type ReconcileContext,
  type Request,
  type Result,
} from '../../../controller/reconcile.js';
import { ItemExponentialFailureRateLimiter } from '../../../controller/workqueue/rate-limiter.js';

const silent = pino({ level: 'silent' });

async function value(
  metrics: RuntimeMetrics,
  name: string,
  labels: Record<string, string>,
): Promise<number | undefined> {
  const metric = metrics.registry.getSingleMetric(name);
  const data = await metric?.get();
  return data?.values.find((v) => Object.entries(labels).every(([k, l]) => v.labels[k] === l))
    ?.value;
}

function setup(
  reconcile: (req: Request, ctx: ReconcileContext) => Promise<Result>,
  workers = 2,
  timeoutMs = 0,
) {
  const metrics = new RuntimeMetrics({ defaultMetrics: false });
  const controller = new Controller({
    name: 'widget',
    kind: 'Widget',
    reconciler: { reconcile },
    logger: silent,
    metrics,
    maxConcurrentReconciles: workers,
    reconcileTimeoutMs: timeoutMs,
    rateLimiter: new ItemExponentialFailureRateLimiter(100, 60_000),
  });
  return { controller, metrics };
}

describe('Controller', () => {
  beforeEach(() => {
    vi.useFakeTimers({ now: new Date('2026-11-26T10:00:00Z') });
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  it('abortAll (lost leadership) aborts running reconciles synchronously and hands out nothing more', async () => {
    const signals: AbortSignal[] = [];
    const { controller } = setup(
      (_req, ctx) =>
        new Promise<Result>((resolve) => {
          signals.push(ctx.signal);
          ctx.signal.addEventListener('abort', () => {
            resolve(noRequeue);
          });
        }),
    );
    controller.start();
    controller.enqueue('ns/a');
    controller.enqueue('ns/b');
    await vi.advanceTimersByTimeAsync(10);
    expect(signals).toHaveLength(2);
    controller.abortAll(new Error('leader election lost'));
    expect(signals.every((s) => s.aborted)).toBe(true); // before any await
    controller.enqueue('ns/c');
    await vi.advanceTimersByTimeAsync(100);
    expect(signals).toHaveLength(2);
  });

  it('pre-initialises every metric label', async () => {
    const { metrics } = setup(() => Promise.resolve(noRequeue), 3);
    for (const result of ['success', 'error', 'requeue', 'requeue_after']) {
      expect(
        await value(metrics, 'controller_runtime_reconcile_total', {
          controller: 'widget',
          result,
        }),
      ).toBe(0);
    }
    expect(
      await value(metrics, 'controller_runtime_reconcile_panics_total', { controller: 'widget' }),
    ).toBe(0);
    expect(
      await value(metrics, 'controller_runtime_terminal_reconcile_errors_total', {
        controller: 'widget',
      }),
    ).toBe(0);
    expect(
      await value(metrics, 'controller_runtime_max_concurrent_reconciles', {
        controller: 'widget',
      }),
    ).toBe(3);
    expect(await value(metrics, 'workqueue_depth', { name: 'widget' })).toBe(0);
    const text = await metrics.registry.metrics();
    for (const name of [
      'controller_runtime_active_workers',
      'controller_runtime_reconcile_time_seconds',
      'workqueue_adds_total',
      'workqueue_queue_duration_seconds',
      'workqueue_work_duration_seconds',
      'workqueue_retries_total',
      'workqueue_unfinished_work_seconds',
      'workqueue_longest_running_processor_seconds',
      'leader_election_master_status',
    ]) {
      expect(text).toContain(`# TYPE ${name} `);
    }
  });

  it('never runs two reconciles of one key at once, but runs different keys in parallel', async () => {
    let active = 0;
    let maxSameKey = 0;
    const perKey = new Map<string, number>();
    const { controller } = setup(async (req) => {
      const key = `${req.namespace}/${req.name}`;
      perKey.set(key, (perKey.get(key) ?? 0) + 1);
      maxSameKey = Math.max(maxSameKey, perKey.get(key)!);
      active++;
      await new Promise((r) => setTimeout(r, 1_000));
      active--;
      perKey.set(key, perKey.get(key)! - 1);
      return noRequeue;
    }, 4);
    controller.start();
    controller.enqueue({ namespace: 'ns', name: 'a' });
    controller.enqueue({ namespace: 'ns', name: 'b' });
    await vi.advanceTimersByTimeAsync(10);
    expect(active).toBe(2);
    controller.enqueue('ns/a'); // while ns/a runs
    await vi.advanceTimersByTimeAsync(10);
    expect(active).toBe(2);
    await vi.advanceTimersByTimeAsync(3_000);
    expect(maxSameKey).toBe(1);
  });

  it('retries errors with per-key backoff, forgets on success, and counts results', async () => {
    const attempts: number[] = [];
    let calls = 0;
    const { controller, metrics } = setup(() => {
      attempts.push(Date.now());
      return ++calls < 4 ? Promise.reject(new Error('flaky')) : Promise.resolve(noRequeue);
    });
    controller.start();
    controller.enqueue('ns/a');
    await vi.advanceTimersByTimeAsync(5_000);
    const gaps = attempts.slice(1).map((t, i) => t - attempts[i]!);
    expect(gaps).toEqual([100, 200, 400]);
    expect(controller.queue.numRequeues('ns/a')).toBe(0); // forgotten after success
    expect(
      await value(metrics, 'controller_runtime_reconcile_total', {
        controller: 'widget',
        result: 'error',
      }),
    ).toBe(3);
    expect(
      await value(metrics, 'controller_runtime_reconcile_total', {
        controller: 'widget',
        result: 'success',
      }),
    ).toBe(1);
    expect(
      await value(metrics, 'controller_runtime_reconcile_errors_total', { controller: 'widget' }),
    ).toBe(3);
    expect(await value(metrics, 'workqueue_retries_total', { name: 'widget' })).toBe(3);
  });

  it('requeueAfter comes back after the delay', async () => {
    const times: number[] = [];
    const { controller, metrics } = setup(() => {
      times.push(Date.now());
      return Promise.resolve(times.length === 1 ? requeueAfter(30_000) : noRequeue);
    });
    controller.start();
    controller.enqueue('ns/a');
    await vi.advanceTimersByTimeAsync(60_000);
    expect(times.map((t) => t - times[0]!)).toEqual([0, 30_000]);
    expect(
      await value(metrics, 'controller_runtime_reconcile_total', {
        controller: 'widget',
        result: 'requeue_after',
      }),
    ).toBe(1);
  });

  it('counts terminal errors and does not retry them', async () => {
    const reconcile = vi.fn(() => Promise.reject(new TerminalError('cannot', { reason: 'Nope' })));
    const { controller, metrics } = setup(reconcile);
    controller.start();
    controller.enqueue('ns/a');
    await vi.advanceTimersByTimeAsync(10_000);
    expect(reconcile).toHaveBeenCalledTimes(1);
    expect(
      await value(metrics, 'controller_runtime_terminal_reconcile_errors_total', {
        controller: 'widget',
      }),
    ).toBe(1);
    expect(
      await value(metrics, 'controller_runtime_reconcile_errors_total', { controller: 'widget' }),
    ).toBe(1);
  });

  it('catches and counts thrown non-Errors ("panics") and retries them', async () => {
    let calls = 0;
    const { controller, metrics } = setup(() => {
      calls++;
      // eslint-disable-next-line @typescript-eslint/only-throw-error -- the point: a non-Error "panic"
      if (calls === 1) throw 'boom';
      return Promise.resolve(noRequeue);
    });
    controller.start();
    controller.enqueue('ns/a');
    await vi.advanceTimersByTimeAsync(1_000);
    expect(calls).toBe(2);
    expect(
      await value(metrics, 'controller_runtime_reconcile_panics_total', { controller: 'widget' }),
    ).toBe(1);
  });

  it('aborts the signal after the reconcile timeout and passes a reconcileId', async () => {
    let seen: ReconcileContext | undefined;
    const { controller } = setup(
      async (_req, ctx) => {
        seen = ctx;
        await new Promise((r) => setTimeout(r, 10_000));
        return noRequeue;
      },
      1,
      2_000,
    );
    controller.start();
    controller.enqueue('ns/a');
    await vi.advanceTimersByTimeAsync(1_999);
    expect(seen?.signal.aborted).toBe(false);
    await vi.advanceTimersByTimeAsync(1);
    expect(seen?.signal.aborted).toBe(true);
    expect(seen?.reconcileId).toMatch(/^[0-9a-f-]{36}$/);
  });

  it('shutdown waits for in-flight work within the deadline and hands back what is left', async () => {
    const signals: AbortSignal[] = [];
    const { controller } = setup(async (req, ctx) => {
      signals.push(ctx.signal);
      await new Promise((r) => setTimeout(r, req.name === 'slow' ? 60_000 : 500));
      return noRequeue;
    });
    controller.start();
    controller.enqueue('ns/fast');
    controller.enqueue('ns/slow');
    controller.enqueue('ns/queued');
    await vi.advanceTimersByTimeAsync(10);
    const report = controller.shutdown(5_000);
    await vi.advanceTimersByTimeAsync(5_000);
    expect(signals.map((s) => s.aborted)).toEqual([false, true]);
    await vi.advanceTimersByTimeAsync(ABORT_GRACE_MS); // `slow` ignores its signal
    expect(await report).toEqual({
      pending: ['ns/queued'],
      handedBack: ['ns/slow'],
      stillRunning: ['ns/slow'],
    });
  });

  it('a handed-back reconcile that honours its abort is not reported as still running', async () => {
    const { controller } = setup(
      (_req, ctx) =>
        new Promise((_, reject) => {
          ctx.signal.addEventListener('abort', () => {
            reject(new Error('aborted'));
          });
        }),
    );
    controller.start();
    controller.enqueue('ns/slow');
    await vi.advanceTimersByTimeAsync(10);
    const report = controller.shutdown(1_000);
    await vi.advanceTimersByTimeAsync(1_000);
    expect(await report).toEqual({ pending: [], handedBack: ['ns/slow'], stillRunning: [] });
  });
});
