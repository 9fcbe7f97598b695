/**
 * The LatticeDB flag data model: names, value ranges, Redis key layout and the change notice.
 * Everything here is shared by the controller's store, the application evaluator and the CLI, so
 * that all of them read and write exactly the layout described in CONTRACT.md.
 */

export const DEFAULT_KEY_PREFIX = 'latticedb:flags:';

/** 10,000 buckets: one basis point (0.01 %) is the finest percentage a flag can express. */
export const BUCKET_COUNT = 10_000;

export const FLAG_NAME_PATTERN = /^[a-z0-9][a-z0-9_.-]{0,127}$/;
export const KILL_SWITCH_GROUP_PATTERN = /^[a-z0-9][a-z0-9_.-]{0,62}$/;
/** No ':' so that `${salt}:${userId}` is unambiguous whatever the user id contains. */
export const SALT_PATTERN = /^[A-Za-z0-9_.-]{1,128}$/;
/** Names that would collide with the store's own keys under the same prefix. */
export const RESERVED_FLAG_NAMES: ReadonlySet<string> = new Set([
  'index',
  'kill_switch',
  'changes',
]);
export const MAX_TARGETS = 10_000;
export const MAX_USER_ID_LENGTH = 512;
/**
 * Longest `updatedBy`: room for `controller:<namespace>/<name>` of any object Kubernetes accepts
 * (namespace ≤ 63, name ≤ 253 characters: 328 in all) and for CLI actors.
 */
export const MAX_UPDATED_BY_LENGTH = 512;

/** What a writer decides about a flag (the evaluation-relevant state). */
export interface FlagDefinition {
  readonly enabled: boolean;
  /** Share of users in the split, 0..10000 basis points. */
  readonly basisPoints: number;
  readonly salt: string;
  /** User ids that are on whenever the flag is enabled and not killed, whatever the percentage. */
  readonly targets: readonly string[];
  /** Kill-switch group, or null for none. */
  readonly killSwitch: string | null;
}

/** A write: the definition plus who makes it (`controller:<ns>/<name>`, `cli:<user>`). */
export interface FlagWrite extends FlagDefinition {
  readonly updatedBy: string;
}

/** A flag as stored: the definition plus bookkeeping. Targets are sorted. */
export interface FlagRecord extends FlagDefinition {
  readonly name: string;
  /** Incremented by every write; a CAS names the version it last observed (0 = must not exist). */
  readonly version: number;
  readonly updatedAt: string;
  readonly updatedBy: string;
}

/** Rollout metadata the FlagRollout controller leaves next to the flag, for the CLI `report`. */
export interface RolloutInfo {
  /** `<namespace>/<name>` of the FlagRollout that drives the flag. */
  readonly owner: string;
  readonly phase: string;
  /** Index of the current step in `spec.steps`. */
  readonly step: number;
  readonly stepCount: number;
  /** RFC3339, or undefined when no hold is running. */
  readonly nextStepAt?: string;
  readonly lastAnalysis?: AnalysisSummary;
}

/**
 * The rollout info's phase after `latticedb-flags hand-over`, until the named FlagRollout
 * publishes its own (step and stepCount are 0 then).
 */
export const HANDED_OVER_PHASE = 'HandedOver';

export interface AnalysisSummary {
  readonly verdict: string;
  /** RFC3339 */
  readonly at: string;
  readonly summary: string;
}

/** Rollout metadata as read back; `updatedAt` is set by the store. */
export interface StoredRolloutInfo extends RolloutInfo {
  readonly updatedAt: string;
}

/** JSON published on `<prefix>changes` after every write. */
export type ChangeNotice =
  | { readonly op: 'set' | 'delete'; readonly flag: string; readonly version: number }
  | { readonly op: 'kill-switch'; readonly group: string; readonly active: boolean };

export interface FlagKeys {
  readonly prefix: string;
  readonly flag: (name: string) => string;
  readonly targets: (name: string) => string;
  readonly rollout: (name: string) => string;
  readonly killSwitch: (group: string) => string;
  readonly index: string;
  readonly channel: string;
}

export function flagKeys(prefix: string = DEFAULT_KEY_PREFIX): FlagKeys {
  return {
    prefix,
    flag: (name) => `${prefix}${name}`,
    targets: (name) => `${prefix}${name}:targets`,
    rollout: (name) => `${prefix}${name}:rollout`,
    killSwitch: (group) => `${prefix}kill_switch:${group}`,
    index: `${prefix}index`,
    channel: `${prefix}changes`,
  };
}

/** Thrown for input that can never be written; the message names the field and the rule. */
export class InvalidFlagInputError extends Error {
  override readonly name = 'InvalidFlagInputError';
}

export function flagNameProblem(name: string): string | undefined {
  if (!FLAG_NAME_PATTERN.test(name)) return `flag name "${name}" must match ${FLAG_NAME_PATTERN}`;
  if (RESERVED_FLAG_NAMES.has(name)) return `flag name "${name}" is reserved`;
  return undefined;
}

export function killSwitchGroupProblem(group: string): string | undefined {
  return KILL_SWITCH_GROUP_PATTERN.test(group)
    ? undefined
    : `kill-switch group "${group}" must match ${KILL_SWITCH_GROUP_PATTERN}`;
}

export function assertFlagName(name: string): void {
  const problem = flagNameProblem(name);
  if (problem !== undefined) throw new InvalidFlagInputError(problem);
}

export function assertKillSwitchGroup(group: string): void {
  const problem = killSwitchGroupProblem(group);
  if (problem !== undefined) throw new InvalidFlagInputError(problem);
}

/** Every rule a write must satisfy, as messages (empty = valid). */
export function flagWriteProblems(write: FlagWrite): string[] {
  const problems: string[] = [];
  const { basisPoints, salt, targets, killSwitch, updatedBy } = write;
  if (!Number.isInteger(basisPoints) || basisPoints < 0 || basisPoints > BUCKET_COUNT) {
    problems.push(`basisPoints ${basisPoints} must be an integer in 0..${BUCKET_COUNT}`);
  }
  if (!SALT_PATTERN.test(salt)) problems.push(`salt "${salt}" must match ${SALT_PATTERN}`);
  if (killSwitch !== null) {
    const problem = killSwitchGroupProblem(killSwitch);
    if (problem !== undefined) problems.push(problem);
  }
  if (targets.length > MAX_TARGETS) problems.push(`at most ${MAX_TARGETS} targeted users`);
  const badTarget = targets.find((t) => t.length === 0 || t.length > MAX_USER_ID_LENGTH);
  if (badTarget !== undefined) {
    problems.push(`targeted user ids must be 1..${MAX_USER_ID_LENGTH} characters`);
  }
  if (updatedBy.length === 0 || updatedBy.length > MAX_UPDATED_BY_LENGTH) {
    problems.push(`updatedBy must be 1..${MAX_UPDATED_BY_LENGTH} characters`);
  }
  return problems;
}

/** Percent (0..100, at most two decimals) → basis points; throws on anything else. */
export function percentToBasisPoints(percent: number): number {
  const basisPoints = Math.round(percent * 100);
  if (
    !Number.isFinite(percent) ||
    Math.abs(percent * 100 - basisPoints) > 1e-6 ||
    basisPoints < 0 ||
    basisPoints > BUCKET_COUNT
  ) {
    throw new InvalidFlagInputError(
      `percentage ${percent} must be within 0..100 with at most two decimals`,
    );
  }
  return basisPoints;
}

/** Basis points → percent for display (2500 → 25, 1 → 0.01). */
export function basisPointsToPercent(basisPoints: number): number {
  return basisPoints / 100;
}
