/**
 * The FlagStore contract, run against FakeFlagStore (unit) and RedisFlagStore on a real redis-server
 * (integration), so the fake the reconcilers' unit tests use cannot drift from the real store.
 */
import { beforeEach, describe, expect, it } from 'vitest';
import type { FlagStore, FlagWrite } from '../../../../flags/index.js';
import { InvalidFlagInputError } from '../../../../flags/index.js';

export class SettableClock {
  private current: Date;
  constructor(iso: string) {
    this.current = new Date(iso);
  }
  now(): Date {
    return new Date(this.current);
  }
  set(iso: string): void {
    this.current = new Date(iso);
  }
}

export interface FlagStoreHarness {
  readonly store: FlagStore;
  readonly clock: SettableClock;
}

export const sampleWrite: FlagWrite = {
  enabled: true,
  basisPoints: 500,
  salt: 'new_query_optimizer',
  targets: ['u-internal-2', 'u-internal-1', 'u-internal-2'],
  killSwitch: 'experimental',
  updatedBy: 'controller:default/nqo',
};

export function describeFlagStoreContract(
  name: string,
  harness: () => Promise<FlagStoreHarness> | FlagStoreHarness,
): void {
  describe(`FlagStore contract: ${name}`, () => {
    let store: FlagStore;
    let clock: SettableClock;
    beforeEach(async () => {
      ({ store, clock } = await harness());
      clock.set('2026-11-26T10:00:00.500Z');
    });

    it('reads a missing flag as version 0, and the kill switch asked for', async () => {
      expect(await store.read('nqo')).toEqual({
        name: 'nqo',
        record: undefined,
        version: 0,
        killSwitch: undefined,
      });
      const asked = await store.read('nqo', { killSwitch: 'experimental' });
      expect(asked.killSwitch).toEqual({ group: 'experimental', active: false });
    });

    it('creates with expected version 0 and reads back every field', async () => {
      expect(await store.compareAndSet('nqo', 0, sampleWrite)).toEqual({ ok: true, version: 1 });
      const { record, version, killSwitch } = await store.read('nqo');
      expect(version).toBe(1);
      expect(record).toEqual({
        name: 'nqo',
        enabled: true,
        basisPoints: 500,
        salt: 'new_query_optimizer',
        targets: ['u-internal-1', 'u-internal-2'],
        killSwitch: 'experimental',
        version: 1,
        updatedAt: '2026-11-26T10:00:00Z',
        updatedBy: 'controller:default/nqo',
      });
      expect(killSwitch).toEqual({ group: 'experimental', active: false });
    });

    it('bumps the version on every write and replaces the targets', async () => {
      await store.compareAndSet('nqo', 0, sampleWrite);
      const next = { ...sampleWrite, basisPoints: 2500, targets: ['u-3'], killSwitch: null };
      expect(await store.compareAndSet('nqo', 1, next)).toEqual({ ok: true, version: 2 });
      expect(await store.compareAndSet('nqo', 2, next)).toEqual({ ok: true, version: 3 });
      const { record } = await store.read('nqo');
      expect(record).toMatchObject({ basisPoints: 2500, targets: ['u-3'], killSwitch: null });
      expect(record?.version).toBe(3);
    });

    it('refuses a stale version and reports the current one, changing nothing', async () => {
      await store.compareAndSet('nqo', 0, sampleWrite);
      await store.compareAndSet('nqo', 1, { ...sampleWrite, basisPoints: 2500 });
      const before = await store.read('nqo');
      expect(await store.compareAndSet('nqo', 1, { ...sampleWrite, enabled: false })).toEqual({
        ok: false,
        conflict: { currentVersion: 2 },
      });
      expect(await store.compareAndSet('nqo', 0, sampleWrite)).toEqual({
        ok: false,
        conflict: { currentVersion: 2 },
      });
      expect(await store.read('nqo')).toEqual(before);
    });

    it('refuses to update a missing flag with a non-zero version', async () => {
      expect(await store.compareAndSet('nqo', 3, sampleWrite)).toEqual({
        ok: false,
        conflict: { currentVersion: 0 },
      });
      expect((await store.read('nqo')).record).toBeUndefined();
    });

    it('deletes conditionally; a missing flag deletes at version 0; recreation restarts at 1', async () => {
      await store.compareAndSet('nqo', 0, sampleWrite);
      await store.writeRolloutInfo('nqo', {
        owner: 'default/nqo',
        phase: 'Holding',
        step: 1,
        stepCount: 5,
      });
      expect(await store.delete('nqo', 7)).toEqual({ ok: false, conflict: { currentVersion: 1 } });
      expect(await store.delete('nqo', 1)).toEqual({ ok: true, version: 0 });
      expect((await store.read('nqo')).record).toBeUndefined();
      expect(await store.readRolloutInfo('nqo')).toBeUndefined();
      expect(await store.list()).toEqual([]);
      expect(await store.delete('nqo', 0)).toEqual({ ok: true, version: 0 });
      expect(await store.compareAndSet('nqo', 0, sampleWrite)).toEqual({ ok: true, version: 1 });
    });

    it('sets and clears kill switches, seen by read and list', async () => {
      await store.compareAndSet('nqo', 0, sampleWrite);
      await store.compareAndSet('plain', 0, { ...sampleWrite, killSwitch: null });
      await store.setKillSwitch('experimental', true);
      expect(await store.readKillSwitch('experimental')).toBe(true);
      expect((await store.read('nqo')).killSwitch).toEqual({ group: 'experimental', active: true });
      const listed = await store.list();
      expect(listed.map((o) => [o.name, o.killSwitch])).toEqual([
        ['nqo', { group: 'experimental', active: true }],
        ['plain', undefined],
      ]);
      await store.setKillSwitch('experimental', false);
      expect(await store.readKillSwitch('experimental')).toBe(false);
      expect((await store.read('nqo')).killSwitch?.active).toBe(false);
    });

    it('hands over: the flag written and the rollout info replaced together, or neither', async () => {
      await store.compareAndSet('nqo', 0, sampleWrite);
      await store.writeRolloutInfo('nqo', {
        owner: 'x/first',
        phase: 'Disabled',
        step: 1,
        stepCount: 3,
        nextStepAt: '2026-11-27T10:00:00Z',
      });
      const handed = { ...sampleWrite, enabled: false, updatedBy: 'cli:ops' };
      // A stale version: nothing at all is written, the old owner's info stays.
      expect(await store.handOver('nqo', 7, handed, 'y/second')).toEqual({
        ok: false,
        conflict: { currentVersion: 1 },
      });
      expect(await store.readRolloutInfo('nqo')).toMatchObject({ owner: 'x/first' });
      expect((await store.read('nqo')).record).toMatchObject({ version: 1, enabled: true });

      expect(await store.handOver('nqo', 1, handed, 'y/second')).toEqual({ ok: true, version: 2 });
      expect((await store.read('nqo')).record).toMatchObject({
        version: 2,
        enabled: false,
        basisPoints: sampleWrite.basisPoints,
        targets: ['u-internal-1', 'u-internal-2'],
        updatedBy: 'cli:ops',
      });
      expect(await store.readRolloutInfo('nqo')).toEqual({
        owner: 'y/second',
        phase: 'HandedOver',
        step: 0,
        stepCount: 0,
        updatedAt: '2026-11-26T10:00:00Z',
      });
    });

    it('keeps rollout info for report, replacing it whole on each write', async () => {
      await store.writeRolloutInfo('nqo', {
        owner: 'default/nqo',
        phase: 'Holding',
        step: 2,
        stepCount: 5,
        nextStepAt: '2026-11-27T10:00:00Z',
        lastAnalysis: {
          verdict: 'Successful',
          at: '2026-11-26T09:59:00Z',
          summary: 'error-rate 0.2 < 1',
        },
      });
      expect(await store.readRolloutInfo('nqo')).toEqual({
        owner: 'default/nqo',
        phase: 'Holding',
        step: 2,
        stepCount: 5,
        nextStepAt: '2026-11-27T10:00:00Z',
        lastAnalysis: {
          verdict: 'Successful',
          at: '2026-11-26T09:59:00Z',
          summary: 'error-rate 0.2 < 1',
        },
        updatedAt: '2026-11-26T10:00:00Z',
      });
      await store.writeRolloutInfo('nqo', {
        owner: 'default/nqo',
        phase: 'Complete',
        step: 4,
        stepCount: 5,
      });
      expect(await store.readRolloutInfo('nqo')).toEqual({
        owner: 'default/nqo',
        phase: 'Complete',
        step: 4,
        stepCount: 5,
        updatedAt: '2026-11-26T10:00:00Z',
      });
      await store.clearRolloutInfo('nqo');
      expect(await store.readRolloutInfo('nqo')).toBeUndefined();
    });

    it.each([
      ['an empty flag name', '', sampleWrite],
      ['an upper-case flag name', 'NQO', sampleWrite],
      ['a reserved flag name', 'index', sampleWrite],
      ['a percentage above 100 %', 'nqo', { ...sampleWrite, basisPoints: 10_001 }],
      ['a negative percentage', 'nqo', { ...sampleWrite, basisPoints: -1 }],
      ['a fractional basis point', 'nqo', { ...sampleWrite, basisPoints: 1.5 }],
      ['a salt with a colon', 'nqo', { ...sampleWrite, salt: 'a:b' }],
      ['a malformed kill-switch group', 'nqo', { ...sampleWrite, killSwitch: 'Bad Group' }],
      ['an empty targeted user', 'nqo', { ...sampleWrite, targets: [''] }],
      ['an empty writer', 'nqo', { ...sampleWrite, updatedBy: '' }],
    ])('rejects %s without writing', async (_what, flag, write) => {
      await expect(store.compareAndSet(flag, 0, write)).rejects.toThrow(InvalidFlagInputError);
      expect(await store.list()).toEqual([]);
    });

    it('rejects a negative expected version and a malformed kill-switch group', async () => {
      await expect(store.compareAndSet('nqo', -1, sampleWrite)).rejects.toThrow(
        InvalidFlagInputError,
      );
      await expect(store.setKillSwitch('no spaces', true)).rejects.toThrow(InvalidFlagInputError);
      await expect(store.read('nqo', { killSwitch: 'UPPER' })).rejects.toThrow(
        InvalidFlagInputError,
      );
    });
  });
}
