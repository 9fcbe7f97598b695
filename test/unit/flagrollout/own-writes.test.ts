// Recognising the notices of our own writes: announced before the write is sent (the notice may
// overtake the reply), withdrawn when nothing of ours is published, forgotten after a while.
import { describe, expect, it } from 'vitest';
import {
  AnnouncingFlagStore,
  OWN_NOTICE_WAIT_MS,
  OwnWrites,
} from '../../../reconcilers/flagrollout/changes/own-writes.js';
import type { FlagWrite, WriteResult } from '../../../flags/index.js';
import { FakeClock } from '../controller/support/fake-clock.js';
import { FakeFlagStore } from '../flags/support/fake-flag-store.js';

const WRITE: FlagWrite = {
  enabled: true,
  basisPoints: 2500,
  salt: 'search',
  targets: [],
  killSwitch: null,
  updatedBy: 'controller:ns/a',
};

/** Records what OwnWrites knew while each compare-and-set was in flight. */
class ObservingStore extends FakeFlagStore {
  readonly own: OwnWrites;
  /** Deliver the notice during the write, before the reply. */
  noticeOvertakes = false;
  seenDuringWrite: (string | undefined)[] = [];
  fail: Error | undefined;

  constructor(own: OwnWrites) {
    super();
    this.own = own;
  }

  override compareAndSet(flag: string, expected: number, next: FlagWrite): Promise<WriteResult> {
    if (this.noticeOvertakes)
      this.seenDuringWrite.push(
        this.own.writerOf('conn', { op: 'set', flag, version: expected + 1 }),
      );
    if (this.fail !== undefined) return Promise.reject(this.fail);
    return super.compareAndSet(flag, expected, next);
  }
}

function setup() {
  const clock = new FakeClock();
  const own = new OwnWrites(clock);
  const inner = new ObservingStore(own);
  const store = new AnnouncingFlagStore(inner, own, { feed: 'conn', writer: 'ns/a' });
  return { clock, own, inner, store };
}

describe('OwnWrites + AnnouncingFlagStore', () => {
  it('knows the writer of a notice that overtakes the reply, once', async () => {
    const { own, inner, store } = setup();
    inner.noticeOvertakes = true;
    expect(await store.compareAndSet('search', 0, WRITE)).toEqual({ ok: true, version: 1 });
    expect(inner.seenDuringWrite).toEqual(['ns/a']);
    expect(own.writerOf('conn', { op: 'set', flag: 'search', version: 1 })).toBeUndefined();
    expect(own.size).toBe(0);
  });

  it('knows the writer of a notice that arrives after the reply', async () => {
    const { own, store } = setup();
    await store.compareAndSet('search', 0, WRITE);
    await store.compareAndSet('search', 1, WRITE);
    const notice = { op: 'set', flag: 'search', version: 2 } as const;
    expect(own.writerOf('other-connection', notice)).toBeUndefined();
    expect(own.writerOf('conn', { ...notice, version: 1 })).toBeUndefined(); // replaced by v2
    expect(own.writerOf('conn', notice)).toBe('ns/a');
  });

  it('withdraws the announcement when the write is lost or fails', async () => {
    const { own, inner, store } = setup();
    await inner.compareAndSet('search', 0, { ...WRITE, updatedBy: 'cli:oncall' });
    const lost = await store.compareAndSet('search', 0, WRITE);
    expect(lost).toEqual({ ok: false, conflict: { currentVersion: 1 } });
    expect(own.size).toBe(0);
    inner.fail = new Error('redis down');
    await expect(store.compareAndSet('search', 1, WRITE)).rejects.toThrow('redis down');
    expect(own.size).toBe(0);
  });

  it('announces deletes that publish (a flag existed) and only those', async () => {
    const { own, store } = setup();
    await store.delete('search', 0); // nothing there: nothing published
    expect(own.size).toBe(0);
    await store.compareAndSet('search', 0, WRITE);
    own.writerOf('conn', { op: 'set', flag: 'search', version: 1 });
    await store.delete('search', 1);
    expect(own.writerOf('conn', { op: 'delete', flag: 'search', version: 0 })).toBe('ns/a');
  });

  it('forgets an announcement whose notice never came', async () => {
    const { clock, own, store } = setup();
    await store.compareAndSet('search', 0, WRITE);
    clock.advance(OWN_NOTICE_WAIT_MS + 1);
    expect(own.writerOf('conn', { op: 'set', flag: 'search', version: 1 })).toBeUndefined();
    expect(own.size).toBe(0);
  });

  it('does not announce kill switches: they concern every rollout of the group', async () => {
    const { own, inner, store } = setup();
    await store.setKillSwitch('exp', true);
    expect(own.size).toBe(0);
    expect(await inner.readKillSwitch('exp')).toBe(true);
  });
});
