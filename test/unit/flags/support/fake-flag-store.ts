/**
 * In-memory FlagStore with the Redis store's semantics: the same validation, versions that bump on
 * every write, conflicts on a stale expected version, kill switches, rollout info and the change
 * notices a write would publish. For unit tests of reconcilers; the shared contract suite
 * (flag-store-contract.ts) runs against both this fake and RedisFlagStore.
 *
 * Test hooks: `notices` (what was published), `flush()` (Redis restarted empty), `tamper()` (another
 * writer or a hand edit), `failNext()` (an outage on the next call).
 */
import type {
  ChangeNotice,
  FlagClock,
  FlagObservation,
  FlagRecord,
  FlagStore,
  FlagWrite,
  ReadOptions,
  RolloutInfo,
  StoredRolloutInfo,
  WriteResult,
} from '../../../../flags/index.js';
import {
  assertFlagName,
  assertKillSwitchGroup,
  flagWriteProblems,
  HANDED_OVER_PHASE,
  InvalidFlagInputError,
  rfc3339,
} from '../../../../flags/index.js';

export class FakeFlagStore implements FlagStore {
  readonly notices: ChangeNotice[] = [];
  /** Every call, e.g. to assert that invalid input left the store untouched. */
  readonly calls: string[] = [];
  private readonly flags = new Map<string, FlagRecord>();
  private readonly killSwitches = new Set<string>();
  private readonly rollouts = new Map<string, StoredRolloutInfo>();
  private readonly clock: FlagClock;
  private failure: Error | undefined;

  constructor(options: { clock?: FlagClock } = {}) {
    this.clock = options.clock ?? { now: () => new Date() };
  }

  read(flag: string, options: ReadOptions = {}): Promise<FlagObservation> {
    return this.call('read', () => {
      assertFlagName(flag);
      const asked = options.killSwitch ?? undefined;
      if (asked !== undefined) assertKillSwitchGroup(asked);
      return this.observe(flag, asked);
    });
  }

  list(): Promise<FlagObservation[]> {
    return this.call('list', () =>
      [...this.flags.keys()].sort().map((name) => this.observe(name, undefined)),
    );
  }

  compareAndSet(flag: string, expectedVersion: number, next: FlagWrite): Promise<WriteResult> {
    return this.call('compareAndSet', () => {
      assertFlagName(flag);
      assertVersion(expectedVersion);
      const problems = flagWriteProblems(next);
      if (problems.length > 0) throw new InvalidFlagInputError(problems.join('; '));
      const current = this.flags.get(flag)?.version ?? 0;
      if (current !== expectedVersion) return { ok: false, conflict: { currentVersion: current } };
      const version = current + 1;
      this.flags.set(flag, {
        name: flag,
        enabled: next.enabled,
        basisPoints: next.basisPoints,
        salt: next.salt,
        targets: [...new Set(next.targets)].sort(),
        killSwitch: next.killSwitch,
        version,
        updatedAt: rfc3339(this.clock.now()),
        updatedBy: next.updatedBy,
      });
      this.notices.push({ op: 'set', flag, version });
      return { ok: true, version };
    });
  }

  async handOver(
    flag: string,
    expectedVersion: number,
    next: FlagWrite,
    owner: string,
  ): Promise<WriteResult> {
    const result = await this.compareAndSet(flag, expectedVersion, next);
    if (result.ok) {
      this.rollouts.set(flag, {
        owner,
        phase: HANDED_OVER_PHASE,
        step: 0,
        stepCount: 0,
        updatedAt: rfc3339(this.clock.now()),
      });
    }
    return result;
  }

  delete(flag: string, expectedVersion: number): Promise<WriteResult> {
    return this.call('delete', () => {
      assertFlagName(flag);
      assertVersion(expectedVersion);
      const current = this.flags.get(flag)?.version ?? 0;
      if (current !== expectedVersion) return { ok: false, conflict: { currentVersion: current } };
      const existed = this.flags.delete(flag);
      this.rollouts.delete(flag);
      if (existed) this.notices.push({ op: 'delete', flag, version: 0 });
      return { ok: true, version: 0 };
    });
  }

  setKillSwitch(group: string, active: boolean): Promise<void> {
    return this.call('setKillSwitch', () => {
      assertKillSwitchGroup(group);
      if (active) this.killSwitches.add(group);
      else this.killSwitches.delete(group);
      this.notices.push({ op: 'kill-switch', group, active });
    });
  }

  readKillSwitch(group: string): Promise<boolean> {
    return this.call('readKillSwitch', () => {
      assertKillSwitchGroup(group);
      return this.killSwitches.has(group);
    });
  }

  writeRolloutInfo(flag: string, info: RolloutInfo): Promise<void> {
    return this.call('writeRolloutInfo', () => {
      assertFlagName(flag);
      this.rollouts.set(flag, { ...info, updatedAt: rfc3339(this.clock.now()) });
    });
  }

  clearRolloutInfo(flag: string): Promise<void> {
    return this.call('clearRolloutInfo', () => {
      assertFlagName(flag);
      this.rollouts.delete(flag);
    });
  }

  readRolloutInfo(flag: string): Promise<StoredRolloutInfo | undefined> {
    return this.call('readRolloutInfo', () => {
      assertFlagName(flag);
      return this.rollouts.get(flag);
    });
  }

  /** Redis restarted without persistence: every key is gone. */
  flush(): void {
    this.flags.clear();
    this.killSwitches.clear();
    this.rollouts.clear();
  }

  /** Another writer changes the flag (bumps the version, publishes), bypassing the caller's CAS. */
  tamper(flag: string, change: Partial<FlagWrite>): FlagRecord {
    const current = this.flags.get(flag);
    if (current === undefined) throw new Error(`tamper: no flag ${flag}`);
    const next = { ...current, ...change, version: current.version + 1 };
    this.flags.set(flag, next);
    this.notices.push({ op: 'set', flag, version: next.version });
    return next;
  }

  /** The next call rejects with `error` (a Redis outage), without touching the data. */
  failNext(error: Error = new Error('Connection is closed.')): void {
    this.failure = error;
  }

  private call<T>(name: string, body: () => T): Promise<T> {
    this.calls.push(name);
    const failure = this.failure;
    if (failure !== undefined) {
      this.failure = undefined;
      return Promise.reject(failure);
    }
    try {
      return Promise.resolve(body());
    } catch (err) {
      return Promise.reject(err instanceof Error ? err : new Error(String(err)));
    }
  }

  private observe(flag: string, asked: string | undefined): FlagObservation {
    const record = this.flags.get(flag);
    const group = asked ?? record?.killSwitch ?? undefined;
    return {
      name: flag,
      record,
      version: record?.version ?? 0,
      killSwitch: group === undefined ? undefined : { group, active: this.killSwitches.has(group) },
    };
  }
}

function assertVersion(version: number): void {
  if (!Number.isSafeInteger(version) || version < 0) {
    throw new InvalidFlagInputError(`expected version ${version} must be an integer >= 0`);
  }
}
