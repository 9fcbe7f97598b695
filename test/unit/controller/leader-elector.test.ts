import { pino } from 'pino';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { systemClock } from '../../../controller/clock.js';
import { KubeApiError } from '../../../controller/k8s/errors.js';
import { LeaderElector } from '../../../controller/leaderelection/elector.js';
import type {
  LeaderElectionRecord,
  LeaseLock,
  LockedRecord,
} from '../../../controller/leaderelection/lease-lock.js';

/** A Lease in memory with resourceVersion preconditions; `down` simulates an unreachable apiserver. */
class MemoryLease implements LeaseLock {
  readonly description = 'ns/lease';
  current: LockedRecord | undefined;
  down = false;
  /** Each call fails only after this long, as a request to an unresponsive apiserver times out. */
  hangMs: number | undefined;
  #rv = 0;

  /** Each successful `get` answers only after this long (a slow apiserver). */
  slowMs = 0;

  get() {
    if (this.hangMs !== undefined) return this.#failAfter(this.hangMs);
    if (this.down) return Promise.reject(new Error('connection refused'));
    const current = this.current;
    if (this.slowMs === 0) return Promise.resolve(current);
    return new Promise<LockedRecord | undefined>((resolve) => {
      setTimeout(() => {
        resolve(current);
      }, this.slowMs);
    });
  }

  #failAfter(ms: number): Promise<never> {
    return new Promise((_, reject) => {
      setTimeout(() => {
        reject(new Error('request timed out'));
      }, ms);
    });
  }

  create(record: LeaderElectionRecord) {
    if (this.down) return Promise.reject(new Error('connection refused'));
    if (this.current) return Promise.reject(new KubeApiError(409, 'AlreadyExists', 'exists'));
    this.current = { record, resourceVersion: String(++this.#rv) };
    return Promise.resolve(this.current);
  }

  update(record: LeaderElectionRecord, resourceVersion: string) {
    if (this.down) return Promise.reject(new Error('connection refused'));
    if (this.current?.resourceVersion !== resourceVersion)
      return Promise.reject(new KubeApiError(409, 'Conflict', 'stale'));
    this.current = { record, resourceVersion: String(++this.#rv) };
    return Promise.resolve(this.current);
  }
}

function elector(lock: LeaseLock, identity: string, events: string[]) {
  return new LeaderElector({
    lock,
    identity,
    logger: pino({ level: 'silent' }),
    clock: systemClock, // Date is faked by vi.useFakeTimers
    onStartedLeading: () => events.push(`${identity} started`),
    onStoppedLeading: () => events.push(`${identity} stopped`),
    onStatus: (v) => events.push(`${identity} status=${v}`),
  });
}

describe('LeaderElector', () => {
  beforeEach(() => {
    vi.useFakeTimers({ now: new Date('2026-11-26T10:00:00Z') });
    vi.spyOn(Math, 'random').mockReturnValue(0);
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  it('one candidate leads and renews; the other waits; a graceful stop releases so the other takes over at once', async () => {
    const lock = new MemoryLease();
    const events: string[] = [];
    const a = elector(lock, 'a', events);
    const b = elector(lock, 'b', events);
    void a.run();
    await vi.advanceTimersByTimeAsync(0);
    void b.run();
    await vi.advanceTimersByTimeAsync(30_000); // far beyond the lease duration: renewals keep it
    expect(a.isLeader).toBe(true);
    expect(b.isLeader).toBe(false);
    expect(lock.current?.record.holderIdentity).toBe('a');
    expect(lock.current?.record.renewTime.toISOString()).toBe('2026-11-26T10:00:30.000Z');
    const stopped = a.stop();
    await vi.advanceTimersByTimeAsync(0);
    await stopped;
    expect(lock.current?.record).toMatchObject({ holderIdentity: '', leaseDurationSeconds: 1 });
    await vi.advanceTimersByTimeAsync(2_000); // next retry of b
    expect(b.isLeader).toBe(true);
    expect(lock.current?.record).toMatchObject({ holderIdentity: 'b', leaseTransitions: 1 });
    expect(events).toEqual([
      'a status=0',
      'a status=1',
      'a started',
      'b status=0',
      'a status=0',
      'a stopped',
      'b status=1',
      'b started',
    ]);
    await b.stop();
  });

  it('takes over an abandoned lease only after leaseDuration since it last saw it change', async () => {
    const lock = new MemoryLease();
    const now = new Date('2026-11-26T09:59:59Z');
    lock.current = {
      resourceVersion: '1',
      record: {
        holderIdentity: 'crashed',
        leaseDurationSeconds: 15,
        acquireTime: now,
        renewTime: now,
        leaseTransitions: 4,
      },
    };
    const b = elector(lock, 'b', []);
    void b.run();
    await vi.advanceTimersByTimeAsync(14_000);
    expect(b.isLeader).toBe(false);
    await vi.advanceTimersByTimeAsync(2_000);
    expect(b.isLeader).toBe(true);
    expect(lock.current.record.leaseTransitions).toBe(5);
    await b.stop();
  });

  it('gives up leading within the renew deadline even when each renew attempt hangs', async () => {
    // A standby takes the Lease leaseDuration (15 s) after it last saw a renewal. If a hanging
    // request (up to renewDeadline/2 = 5 s each) could push "lost" past that, two replicas would
    // reconcile at once.
    const lock = new MemoryLease();
    const a = elector(lock, 'a', []);
    let end: string | undefined;
    void a.run().then((e) => (end = e));
    await vi.advanceTimersByTimeAsync(4_000); // acquired at 0 s, renewed at 2 s and 4 s
    const lastRenewal = lock.current?.record.renewTime.getTime() ?? 0;
    lock.hangMs = 5_000;
    await vi.advanceTimersByTimeAsync(lastRenewal + 10_000 - Date.now());
    expect(end).toBe('lost');
    expect(a.isLeader).toBe(false);
  });

  it('a graceful stop without release leaves the Lease to expire (work may still be running)', async () => {
    const lock = new MemoryLease();
    const a = elector(lock, 'a', []);
    void a.run();
    await vi.advanceTimersByTimeAsync(0);
    const stopped = a.stop({ release: false });
    await vi.advanceTimersByTimeAsync(2_000);
    await stopped;
    expect(lock.current?.record.holderIdentity).toBe('a');
    expect(a.isLeader).toBe(false);
  });

  it('a stop that arrives while the winning attempt is in flight still releases the Lease', async () => {
    const lock = new MemoryLease();
    lock.slowMs = 1_000;
    const a = elector(lock, 'a', []);
    void a.run();
    await vi.advanceTimersByTimeAsync(500); // reading the (absent) Lease
    const stopped = a.stop();
    await vi.advanceTimersByTimeAsync(1_000);
    await stopped;
    expect(lock.current?.record).toMatchObject({ holderIdentity: '', leaseDurationSeconds: 1 });
  });

  it('a backward step of the wall clock does not extend leadership past the renew deadline', async () => {
    const lock = new MemoryLease();
    const a = elector(lock, 'a', []);
    let end: string | undefined;
    void a.run().then((e) => (end = e));
    await vi.advanceTimersByTimeAsync(4_000); // acquired at 0 s, renewed at 2 s and 4 s
    lock.down = true;
    await vi.advanceTimersByTimeAsync(1_000);
    // NTP steps the wall clock back 4 s; monotonic time (performance.now) goes on.
    vi.setSystemTime(Date.now() - 4_000);
    expect(performance.now()).toBeGreaterThanOrEqual(5_000);
    await vi.advanceTimersByTimeAsync(9_100); // 14.1 s: past the renew deadline (4 s + 10 s)
    expect(end).toBe('lost');
    expect(a.isLeader).toBe(false);
  });

  it('logs a forbidden Lease (403) at error level and an outage at warn, once', async () => {
    const lines: { level: number; msg: string }[] = [];
    const logger = pino(
      { level: 'debug' },
      {
        write: (line: string) => {
          const { level, msg } = JSON.parse(line) as { level: number; msg: string };
          lines.push({ level, msg });
        },
      },
    );
    const forbidden = new MemoryLease();
    forbidden.get = () => Promise.reject(new KubeApiError(403, 'Forbidden', 'leases is forbidden'));
    const a = new LeaderElector({ lock: forbidden, identity: 'a', logger });
    void a.run();
    await vi.advanceTimersByTimeAsync(4_500);
    const errors = lines.filter((l) => l.level === 50);
    expect(errors.length).toBeGreaterThanOrEqual(2);
    expect(errors[0]?.msg).toMatch(/not allowed .*Lease ns\/lease.*--leader-election-id/);
    await a.stop();

    lines.length = 0;
    const down = new MemoryLease();
    down.down = true;
    const b = new LeaderElector({ lock: down, identity: 'b', logger });
    void b.run();
    await vi.advanceTimersByTimeAsync(6_500);
    expect(lines.filter((l) => l.level === 40).map((l) => l.msg)).toEqual([
      'lease acquire/renew attempt failed; retrying',
    ]);
    await b.stop();
  });

  it('reports leadership lost when renewals fail for the renew deadline', async () => {
    const lock = new MemoryLease();
    const events: string[] = [];
    const a = elector(lock, 'a', events);
    const ended = a.run();
    await vi.advanceTimersByTimeAsync(4_000);
    lock.down = true;
    await vi.advanceTimersByTimeAsync(12_000);
    expect(await ended).toBe('lost');
    expect(a.isLeader).toBe(false);
    expect(events.slice(-2)).toEqual(['a status=0', 'a stopped']);
  });
});
