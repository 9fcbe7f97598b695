// The FlagRollout handler end to end (fake apiserver, FakeFlagStore, fake clock) on a flag that
// already serves users: adopted, never lowered, and resumed after a crash right after adoption.
import { describe, expect, it } from 'vitest';
import { FLAG, IDENTITY, rolloutSpec } from './support/fixtures.js';
import { harness, type Harness } from './support/harness.js';

/** A CLI-managed flag at `basisPoints`, written before the FlagRollout exists. */
async function seedCliFlag(h: Harness, basisPoints: number): Promise<void> {
  const seeded = await h.store.compareAndSet(FLAG, 0, {
    enabled: true,
    basisPoints,
    salt: FLAG,
    targets: [],
    killSwitch: null,
    updatedBy: 'cli:alice',
  });
  if (!seeded.ok) throw new Error('seed lost');
}

/** Runs to Complete, recording every split the store served after each reconcile. */
async function runToComplete(h: Harness): Promise<(number | 'off' | 'missing')[]> {
  const splits: (number | 'off' | 'missing')[] = [];
  for (let i = 0; i < 50 && h.status().phase !== 'Complete'; i++) {
    const r = await h.reconcile();
    splits.push(await h.served());
    h.clock.advance(r.requeueAfterMs ?? 0);
  }
  expect(h.status().phase).toBe('Complete');
  return splits;
}

describe('FlagRollout handler: adopting a flag that serves users', () => {
  it('a CLI flag at 30 % goes 30 → 50 → 100 %, never lower, each hold respected', async () => {
    const h = harness(rolloutSpec());
    await seedCliFlag(h, 3000);
    const splits = await runToComplete(h);
    expect(Math.min(...splits.map(Number))).toBe(3000);
    expect([...new Set(splits)]).toEqual([3000, 5000, 10_000]);
    expect(h.events()).toEqual(['Adopted', 'StepStarted', 'StepStarted', 'Complete']);
    expect(h.status()).toMatchObject({
      adopted: { step: 2, percentage: 30 },
      currentStep: 4,
      lastGoodPercentage: 100,
    });
    expect(h.status().history?.[0]).toMatchObject({ reason: 'Adopted', to: 'Holding' });
    // adopt (targets, owner), promote to 50 %, promote to 100 %
    expect(h.store.notices.filter((n) => n.op === 'set')).toHaveLength(4); // + the seed
  });

  it('killed right after the adoption write: the new process holds on, no second write', async () => {
    const h = harness(rolloutSpec());
    await seedCliFlag(h, 3000);
    // The write lands, then the process dies before anything else (no final status patch).
    const cas = h.store.compareAndSet.bind(h.store);
    h.store.compareAndSet = async (...args) => {
      h.store.compareAndSet = cas;
      await cas(...args);
      throw new Error('killed');
    };
    await expect(h.reconcile()).rejects.toThrow('killed');
    expect((await h.store.read(FLAG)).record).toMatchObject({
      basisPoints: 3000,
      updatedBy: IDENTITY,
    });
    // What survives is the write-ahead checkpoint.
    expect(h.status()).toMatchObject({
      adopted: { step: 2, percentage: 30 },
      currentStep: 2,
      nextStepAt: '2026-11-26T10:00:10Z',
    });
    expect(h.status().history?.map((e) => e.reason)).toEqual(['Adopted']);

    h.clock.advance(4_000);
    h.restart();
    const writes = h.store.notices.filter((n) => n.op === 'set').length;
    const r = await h.reconcile();
    expect(r.requeueAfterMs).toBe(6_000); // the hold started at adoption, not now
    expect(h.store.notices.filter((n) => n.op === 'set')).toHaveLength(writes);
    const splits = await runToComplete(h);
    expect(Math.min(...splits.map(Number))).toBe(3000);
    expect(h.store.notices.filter((n) => n.op === 'set')).toHaveLength(writes + 2); // 50, 100 %
  });
});
