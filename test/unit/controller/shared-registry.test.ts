import { pino } from 'pino';
import { describe, expect, it, vi } from 'vitest';
import { SharedRegistry, ShuttingDownError } from '../../../controller/external.js';

const log = pino({ level: 'silent' });

describe('SharedRegistry', () => {
  it('creates one instance per key and closes each once, newest first', async () => {
    const registry = new SharedRegistry({ logger: log });
    const closed: string[] = [];
    const create = vi.fn((name: string) => ({ name }));
    const a = registry.shared(
      'a',
      () => create('a'),
      (i) => closed.push(i.name),
    );
    expect(
      registry.shared(
        'a',
        () => create('again'),
        (i) => closed.push(i.name),
      ),
    ).toBe(a);
    registry.shared(
      'b',
      () => create('b'),
      (i) => closed.push(i.name),
    );
    expect(create).toHaveBeenCalledTimes(2);
    expect(registry.size).toBe(2);

    await registry.closeAll();
    expect(closed).toEqual(['b', 'a']);
    expect(registry.size).toBe(0);
    await registry.closeAll();
    expect(closed).toEqual(['b', 'a']);
  });

  it('closes an instance idle past its idleMs together with the instances built on it; a later call builds anew', async () => {
    vi.useFakeTimers();
    try {
      const registry = new SharedRegistry({ logger: log, sweepMs: 1_000 });
      const closed: string[] = [];
      const open = (key: string, idleMs?: number) =>
        registry.shared(
          key,
          () => ({ key }),
          (i) => closed.push(i.key),
          idleMs === undefined ? {} : { idleMs },
        );
      open('redis:old', 10_000); // a rotated Secret's URL: never asked for again
      open('redis:old:changes:flagrollout'); // its subscriber
      open('redis:new', 10_000);
      open('aws:clients'); // no idleMs: kept for the process's life
      for (let t = 0; t < 12; t++) {
        await vi.advanceTimersByTimeAsync(1_000);
        open('redis:new', 10_000); // in use
      }
      expect(closed).toEqual(['redis:old:changes:flagrollout', 'redis:old']);
      expect(registry.size).toBe(2);
      const again = open('redis:old', 10_000);
      expect(again).toEqual({ key: 'redis:old' });
      expect(registry.size).toBe(3);
      await registry.closeAll();
    } finally {
      vi.useRealTimers();
    }
  });

  it('refuses new instances after shutdown began', async () => {
    const registry = new SharedRegistry({ logger: log });
    await registry.closeAll();
    expect(() =>
      registry.shared(
        'late',
        () => ({}),
        () => undefined,
      ),
    ).toThrow(ShuttingDownError);
  });

  it('keeps closing when a close throws, rejects or hangs', async () => {
    const warn = vi.fn();
    const registry = new SharedRegistry({
      logger: { ...log, warn },
      closeTimeoutMs: 20,
    });
    const closed: string[] = [];
    registry.shared(
      'first',
      () => 1,
      () => closed.push('first'),
    );
    registry.shared(
      'hangs',
      () => 2,
      () => new Promise(() => undefined),
    );
    registry.shared(
      'rejects',
      () => 3,
      () => Promise.reject(new Error('boom')),
    );
    registry.shared(
      'throws',
      () => 4,
      () => {
        throw new Error('sync boom');
      },
    );
    await registry.closeAll();
    expect(closed).toEqual(['first']);
    expect(warn.mock.calls.map(([fields]) => (fields as { key: string }).key)).toEqual([
      'throws',
      'rejects',
      'hangs',
    ]);
  });
});
