// ServiceObserver: batching, cache by maxAgeMs, in-flight sharing, invalidation after writes,
// refresh-ahead (a steady fleet costs about N/10 DescribeServices per period), failures.
import { describe, expect, it } from 'vitest';
import {
  ServiceObserver,
  type DescribedService,
} from '../../../../reconcilers/shared/adapters/aws/ecs-service-observer.js';
import type { ServiceRef, ServiceState } from '../../../../reconcilers/shared/ports/ecs.js';
import { FakeClock } from '../../controller/support/fake-clock.js';
import { rejection } from './contracts/support.js';

const ref = (service: string, cluster = 'c'): ServiceRef => ({ region: 'r', cluster, service });

function harness(opts: { missing?: string[]; failing?: Record<string, Error> } = {}) {
  const clock = new FakeClock();
  const calls: string[][] = [];
  let throwNext: Error | undefined;
  let version = 0;
  const observer = new ServiceObserver({
    clock,
    batchWindowMs: 0,
    describe: (_region, cluster, names, observedAt) => {
      calls.push([...names]);
      if (throwNext !== undefined) {
        const e = throwNext;
        throwNext = undefined;
        return Promise.reject(e);
      }
      const out = new Map<string, DescribedService>();
      for (const name of names) {
        const failure = opts.failing?.[name];
        if (failure !== undefined) out.set(name, { kind: 'failed', error: failure });
        else if (opts.missing?.includes(name)) out.set(name, { kind: 'missing' });
        else
          out.set(name, { kind: 'found', state: state(ref(name, cluster), observedAt, version) });
      }
      return Promise.resolve(out);
    },
  });
  return {
    clock,
    calls,
    observer,
    bump: () => (version += 1),
    failNextCall: (e: Error) => (throwNext = e),
  };
}

function state(r: ServiceRef, observedAt: Date, desiredCount: number): ServiceState {
  return {
    ref: r,
    arn: `arn:${r.service}`,
    status: 'ACTIVE',
    deploymentController: 'ECS',
    desiredCount,
    runningCount: 0,
    pendingCount: 0,
    capacityProviders: [],
    deployments: [],
    taskSets: [],
    loadBalancers: [],
    observedAt,
  };
}

describe('ServiceObserver', () => {
  it('batches callers of one cluster, 10 names per call, one call per cluster', async () => {
    const h = harness();
    const names = Array.from({ length: 23 }, (_, i) => `s${i}`);
    await Promise.all([
      ...names.map((n) => h.observer.observe(ref(n))),
      h.observer.observe(ref('x', 'other')),
    ]);
    expect(h.calls.map((c) => c.length).sort((a, b) => a - b)).toEqual([1, 3, 10, 10]);
  });

  it('asks once for a name requested twice in the same batch', async () => {
    const h = harness();
    const [a, b] = await Promise.all([h.observer.observe(ref('a')), h.observer.observe(ref('a'))]);
    expect(h.calls).toEqual([['a']]);
    expect(a).toBe(b);
  });

  it('serves snapshots strictly younger than maxAgeMs', async () => {
    const h = harness();
    await h.observer.observe(ref('a'));
    h.clock.advance(59_999);
    await h.observer.observe(ref('a'), 60_000);
    expect(h.calls).toHaveLength(1);
    h.clock.advance(1);
    await h.observer.observe(ref('a'), 60_000);
    expect(h.calls).toHaveLength(2);
    await h.observer.observe(ref('a')); // maxAgeMs 0: always afresh, even at the same instant
    expect(h.calls).toHaveLength(3);
  });

  it('shares an in-flight read with callers that accept its age', async () => {
    const h = harness();
    const first = h.observer.observe(ref('a'));
    await Promise.resolve(); // the batch is sent
    await Promise.resolve();
    const second = h.observer.observe(ref('a'), 1_000);
    expect(await second).toBe(await first);
    expect(h.calls).toHaveLength(1);
  });

  it('never serves a read sent before a write', async () => {
    const h = harness();
    await h.observer.observe(ref('a'));
    h.bump();
    h.observer.invalidate(ref('a'));
    const after = await h.observer.observe(ref('a'), 60_000);
    expect(after?.desiredCount).toBe(1);
    expect(h.calls).toHaveLength(2);
  });

  it('tops a batch up with registered services whose snapshot is getting old', async () => {
    const h = harness();
    const names = Array.from({ length: 50 }, (_, i) => `s${i}`);
    await Promise.all(names.map((n) => h.observer.observe(ref(n), 60_000)));
    expect(h.calls).toHaveLength(5);
    h.clock.advance(61_000);
    for (const n of names) await h.observer.observe(ref(n), 60_000); // one at a time
    expect(h.calls).toHaveLength(10);
    expect(h.observer.registeredCount()).toBe(50);
  });

  it('keeps a steady fleet near N/10 calls per period', async () => {
    const h = harness();
    const period = 60_000;
    const fleet = 50;
    // Each service resyncs once per period at its own phase, a little late each time.
    let callsInLastPeriods = 0;
    for (let p = 0; p < 6; p++) {
      const before = h.calls.length;
      for (let i = 0; i < fleet; i++) {
        h.clock.advance(period / fleet + (i % 7 === 0 ? 40 : 0));
        await h.observer.observe(ref(`s${i}`), period);
      }
      if (p >= 2) callsInLastPeriods += h.calls.length - before;
    }
    // Printed for the record; the assertion is a loose upper bound on the count.
    console.log(`steady fleet of ${fleet}: ${callsInLastPeriods / 4} DescribeServices/period`);
    expect(callsInLastPeriods / 4).toBeLessThanOrEqual(6);
  });

  it('reports MISSING as undefined and per-name failures as errors, not cached', async () => {
    const boom = new Error('ACCESS');
    const h = harness({ missing: ['gone'], failing: { bad: boom } });
    const [gone, bad] = await Promise.all([
      h.observer.observe(ref('gone')),
      rejection(h.observer.observe(ref('bad'), 60_000)),
    ]);
    expect(gone).toBeUndefined();
    expect(bad).toBe(boom);
    expect(await rejection(h.observer.observe(ref('bad'), 60_000))).toBe(boom);
    expect(h.calls).toHaveLength(2);
  });

  it('rejects every caller of a failed call and recovers on the next', async () => {
    const h = harness();
    h.failNextCall(new Error('Throttling'));
    const results = await Promise.all([
      rejection(h.observer.observe(ref('a'))),
      rejection(h.observer.observe(ref('b'))),
    ]);
    expect(results.map((e) => (e as Error).message)).toEqual(['Throttling', 'Throttling']);
    expect((await h.observer.observe(ref('a')))?.ref.service).toBe('a');
  });

  it('forgets services not asked for a long time', async () => {
    const h = harness();
    await h.observer.observe(ref('old'), 60_000);
    h.clock.advance(2 * 3_600_000);
    await h.observer.observe(ref('new'), 60_000);
    expect(h.calls.at(-1)).toEqual(['new']);
    expect(h.observer.registeredCount()).toBe(1);
  });
});
