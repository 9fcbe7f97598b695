/**
 * The evaluation rule (CONTRACT.md §Evaluation), a pure function: the same inputs give the same
 * answer in the controller, the evaluator, the OpenFeature provider and the CLI.
 */
import { bucketOf, isInSplit } from './bucketing.js';

export const EvaluationReason = {
  /** No such flag: off. */
  Default: 'DEFAULT',
  /** The flag's kill-switch group is active: off for everyone, targets included. */
  Killed: 'KILLED',
  /** `enabled` is "0": off for everyone (emergency disable). */
  Disabled: 'DISABLED',
  /** The user is in the targets set: on. */
  TargetingMatch: 'TARGETING_MATCH',
  /** Decided by the user's bucket against the percentage: on or off. */
  Split: 'SPLIT',
  /** The stored flag cannot be read (malformed hash): off. */
  Error: 'ERROR',
} as const;
export type EvaluationReason = (typeof EvaluationReason)[keyof typeof EvaluationReason];

export interface Evaluation {
  readonly value: boolean;
  readonly reason: EvaluationReason;
  /** The user's bucket, present when the split decided. */
  readonly bucket?: number;
}

/** The evaluation-relevant part of a flag, with targets as a set for O(1) look-ups. */
export interface EvaluableFlag {
  readonly enabled: boolean;
  readonly basisPoints: number;
  readonly salt: string;
  readonly targets: ReadonlySet<string>;
}

const OFF_DEFAULT: Evaluation = Object.freeze({ value: false, reason: EvaluationReason.Default });
const OFF_KILLED: Evaluation = Object.freeze({ value: false, reason: EvaluationReason.Killed });
const OFF_DISABLED: Evaluation = Object.freeze({ value: false, reason: EvaluationReason.Disabled });
const ON_TARGETED: Evaluation = Object.freeze({
  value: true,
  reason: EvaluationReason.TargetingMatch,
});

/**
 * Order: missing → off (DEFAULT); kill switch active → off (KILLED); disabled → off (DISABLED);
 * targeted → on (TARGETING_MATCH); bucket < basis points → on (SPLIT); else off (SPLIT).
 */
export function evaluateFlag(
  flag: EvaluableFlag | undefined,
  killSwitchActive: boolean,
  userId: string,
): Evaluation {
  if (flag === undefined) return OFF_DEFAULT;
  if (killSwitchActive) return OFF_KILLED;
  if (!flag.enabled) return OFF_DISABLED;
  if (flag.targets.has(userId)) return ON_TARGETED;
  const bucket = bucketOf(flag.salt, userId);
  return { value: isInSplit(bucket, flag.basisPoints), reason: EvaluationReason.Split, bucket };
}

export function toEvaluable(flag: {
  readonly enabled: boolean;
  readonly basisPoints: number;
  readonly salt: string;
  readonly targets: readonly string[];
}): EvaluableFlag {
  return {
    enabled: flag.enabled,
    basisPoints: flag.basisPoints,
    salt: flag.salt,
    targets: new Set(flag.targets),
  };
}
