/**
 * The FlagStore port: what reconcilers (FlagRollout, Release's maintenance flag, FailoverPlan's
 * read-only flag) and the CLI need from the flag store, in domain words. Writes are conditional on
 * the version the caller observed, so two writers never interleave half-updates.
 * Implementations: RedisFlagStore (redis-store.ts) and FakeFlagStore (test/unit/flags/support).
 */
import type { FlagRecord, FlagWrite, RolloutInfo, StoredRolloutInfo } from './model.js';

export interface KillSwitchState {
  readonly group: string;
  readonly active: boolean;
}

/** One consistent look at a flag. */
export interface FlagObservation {
  readonly name: string;
  /** Undefined when the flag does not exist (never written, deleted, Redis flushed) or is unreadable. */
  readonly record: FlagRecord | undefined;
  /** The version to pass to compareAndSet/delete: 0 when the flag does not exist. */
  readonly version: number;
  /** Why a stored flag could not be read (it still has `version`, so a CAS can overwrite it). */
  readonly problem?: string;
  /**
   * State of the kill-switch group asked for in `read(…, { killSwitch })`, else of the stored
   * flag's group; undefined when neither names one.
   */
  readonly killSwitch: KillSwitchState | undefined;
}

export type WriteResult =
  | { readonly ok: true; readonly version: number }
  | { readonly ok: false; readonly conflict: { readonly currentVersion: number } };

export interface ReadOptions {
  /** The kill-switch group the caller cares about (e.g. spec.killSwitch): read in the same round trip. */
  readonly killSwitch?: string | null;
}

export interface FlagStore {
  read(flag: string, options?: ReadOptions): Promise<FlagObservation>;
  /** Every flag in the index, sorted by name (flags whose hash vanished are left out). */
  list(): Promise<FlagObservation[]>;
  /**
   * Replaces the flag (fields and targets) iff its current version is `expectedVersion`
   * (0 = must not exist), bumps the version and publishes a change notice, all or nothing.
   */
  compareAndSet(flag: string, expectedVersion: number, next: FlagWrite): Promise<WriteResult>;
  /** Removes the flag, its targets and rollout info iff at `expectedVersion`; 0 on a missing flag is ok. */
  delete(flag: string, expectedVersion: number): Promise<WriteResult>;
  setKillSwitch(group: string, active: boolean): Promise<void>;
  readKillSwitch(group: string): Promise<boolean>;
  /**
   * `latticedb-flags hand-over`: in one atomic step, compare-and-set the flag (as compareAndSet)
   * and replace its rollout info with `{ owner, phase: HandedOver }`, so the FlagRollout `owner`
   * takes the flag over and the one that managed it lets go (CONTRACT.md §2). Nothing is
   * written on a version conflict.
   */
  handOver(
    flag: string,
    expectedVersion: number,
    next: FlagWrite,
    owner: string,
  ): Promise<WriteResult>;
  /** Rollout metadata for `report`; last writer wins (only the owning controller writes it). */
  writeRolloutInfo(flag: string, info: RolloutInfo): Promise<void>;
  clearRolloutInfo(flag: string): Promise<void>;
  readRolloutInfo(flag: string): Promise<StoredRolloutInfo | undefined>;
}
