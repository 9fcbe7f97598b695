import { describe, expect, it } from 'vitest';
import { FakeFlagStore } from './support/fake-flag-store.js';
import {
  describeFlagStoreContract,
  sampleWrite,
  SettableClock,
} from './support/flag-store-contract.js';

describeFlagStoreContract('FakeFlagStore', () => {
  const clock = new SettableClock('2026-11-26T10:00:00Z');
  return { store: new FakeFlagStore({ clock }), clock };
});

describe('FakeFlagStore test hooks', () => {
  it('records the notices a Redis write would publish', async () => {
    const store = new FakeFlagStore();
    await store.compareAndSet('nqo', 0, sampleWrite);
    await store.setKillSwitch('experimental', true);
    await store.delete('nqo', 1);
    expect(store.notices).toEqual([
      { op: 'set', flag: 'nqo', version: 1 },
      { op: 'kill-switch', group: 'experimental', active: true },
      { op: 'delete', flag: 'nqo', version: 0 },
    ]);
  });

  it('flush() forgets everything, as a Redis restart without persistence', async () => {
    const store = new FakeFlagStore();
    await store.compareAndSet('nqo', 0, sampleWrite);
    await store.setKillSwitch('experimental', true);
    store.flush();
    expect((await store.read('nqo')).version).toBe(0);
    expect(await store.readKillSwitch('experimental')).toBe(false);
  });

  it('tamper() makes the caller’s next CAS conflict', async () => {
    const store = new FakeFlagStore();
    await store.compareAndSet('nqo', 0, sampleWrite);
    store.tamper('nqo', { basisPoints: 10_000 });
    expect(await store.compareAndSet('nqo', 1, sampleWrite)).toEqual({
      ok: false,
      conflict: { currentVersion: 2 },
    });
  });

  it('failNext() fails one call and leaves the data alone', async () => {
    const store = new FakeFlagStore();
    store.failNext();
    await expect(store.compareAndSet('nqo', 0, sampleWrite)).rejects.toThrow(
      'Connection is closed.',
    );
    expect(await store.compareAndSet('nqo', 0, sampleWrite)).toEqual({ ok: true, version: 1 });
  });
});
