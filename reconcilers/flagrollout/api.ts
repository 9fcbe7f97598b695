// FlagRollout: a Redis feature flag ramped through percentage steps with holds, gated by metric
// analysis, with emergency disable (`enabled: false`) and a kill-switch group.
// The single source of truth for the CRD (crds/generate.ts) and the reconciler's types.
import { Type, type Static } from '@sinclair/typebox';
import type { ConditionInput } from '../../controller/index.js';
import { AnalysisPhase, AnalysisSpec, AnalysisStatus } from '../shared/api/analysis.js';
import { CommonReason, ConditionType } from '../shared/api/conditions.js';
import { Duration } from '../shared/api/duration.js';
import { FlagName, FlagSalt, KillSwitchGroup } from '../shared/api/flag-names.js';
import { DateTime } from '../shared/api/formats.js';
import {
  AGE_COLUMN,
  API_GROUP,
  API_VERSION,
  messageColumn,
  readyColumn,
  reasonColumn,
  type CrdDefinition,
  type CustomObject,
  type KindDescriptor,
} from '../shared/api/kind.js';
import { RedisRef } from '../shared/api/redis-ref.js';
import { StringEnum, described, immutable, withRules } from '../shared/api/schema.js';
import { commonStatusFields } from '../shared/api/status.js';

export const FlagRolloutKind = {
  group: API_GROUP,
  version: API_VERSION,
  plural: 'flagrollouts',
  singular: 'flagrollout',
  kind: 'FlagRollout',
  listKind: 'FlagRolloutList',
  shortNames: ['fr'],
} as const satisfies KindDescriptor<'FlagRollout'>;

export const MAX_FLAG_STEPS = 20;
export const MAX_TARGETED_USERS = 1000;

/** True when `value` has at most two decimals (0.01 % = one of the store's 10,000 buckets). */
export function isHundredth(value: number): boolean {
  return Math.round(value * 100) / 100 === value;
}

// Percentages are numbers with up to two decimals. `multipleOf: 0.01` would say so, but TypeBox's
// Value.Check tests it with `%`, which refuses 0.07; the rule below is exact in both CEL and JS.
export const Percentage = withRules(
  Type.Number({ minimum: 0, maximum: 100, description: 'Percent of users, up to two decimals.' }),
  [
    {
      rule: 'double(int(self * 100.0 + 0.5)) / 100.0 == self',
      message: 'must have at most two decimals (0.01 % steps)',
      check: isHundredth,
    },
  ],
);

export const FlagStep = Type.Object({
  percentage: Percentage,
  hold: Type.Optional(
    Duration({
      description: 'Time at this step (analysis must pass) before the next; absent: go on.',
    }),
  ),
});
export type FlagStep = Static<typeof FlagStep>;

export const OnFailure = { RollbackToLastGood: 'RollbackToLastGood', Disable: 'Disable' } as const;
export type OnFailure = (typeof OnFailure)[keyof typeof OnFailure];

export const DeletionPolicy = { Retain: 'Retain', Delete: 'Delete' } as const;
export type DeletionPolicy = (typeof DeletionPolicy)[keyof typeof DeletionPolicy];

export const FlagRolloutSpec = withRules(
  Type.Object({
    flag: withRules(FlagName({ description: 'Flag key; stored at latticedb:flags:<flag>.' }), [
      immutable('flag', 'create a new FlagRollout for another flag'),
    ]),
    enabled: Type.Optional(
      Type.Boolean({ default: true, description: 'false: emergency disable, applied at once.' }),
    ),
    killSwitch: Type.Optional(
      KillSwitchGroup({
        description:
          'Kill-switch group: latticedb:flags:kill_switch:<group> set turns the flag off.',
      }),
    ),
    targeting: Type.Optional(
      Type.Object(
        {
          users: Type.Array(Type.String({ minLength: 1, maxLength: 512 }), {
            maxItems: MAX_TARGETED_USERS,
            'x-kubernetes-list-type': 'set',
            description: 'User ids that are on from step 0, whatever the percentage.',
          }),
        },
        { description: 'Users who get the flag before the percentage reaches them.' },
      ),
    ),
    steps: withRules(
      Type.Array(FlagStep, {
        minItems: 1,
        maxItems: MAX_FLAG_STEPS,
        description: 'Percentages in order, e.g. 0 (targeted users only), 5, 25, 50, 100.',
      }),
      [
        // validate.ts names the exact step.
        {
          rule: 'self.map(s, s.percentage).isSorted()',
          message: 'percentages must not decrease from one step to the next',
        },
      ],
    ),
    analysis: Type.Optional(AnalysisSpec),
    onFailure: Type.Optional(
      StringEnum(Object.values(OnFailure), {
        default: OnFailure.RollbackToLastGood,
        description: 'On failed analysis: back to the last good percentage, or off.',
      }),
    ),
    deletionPolicy: Type.Optional(
      StringEnum(Object.values(DeletionPolicy), {
        default: DeletionPolicy.Retain,
        description:
          'Retain: deleting the FlagRollout leaves the flag as it is. Delete: removes it.',
      }),
    ),
    salt: Type.Optional(
      FlagSalt({
        description:
          'Bucketing salt; absent: the flag name. Immutable: a new salt reshuffles users.',
      }),
    ),
    suspend: Type.Optional(
      Type.Boolean({ default: false, description: 'Stop acting (keep observing).' }),
    ),
    redis: Type.Optional(RedisRef),
    estimatedPopulation: Type.Optional(
      Type.Integer({
        minimum: 0,
        format: 'int64',
        description:
          'Approximate active users of the flag; only fills status.exposure.estimatedUsers.',
      }),
    ),
  }),
  [
    {
      rule: '!has(self.analysis) || self.steps.exists(s, has(s.hold))',
      message: 'analysis runs during holds: give at least one step a hold',
      fieldPath: '.analysis',
      check: (self) => self.analysis === undefined || self.steps.some((s) => s.hold !== undefined),
    },
    {
      rule: 'has(self.salt) == has(oldSelf.salt) && (!has(self.salt) || self.salt == oldSelf.salt)',
      message: 'salt is immutable: changing it would move users in and out of the rollout',
      fieldPath: '.salt',
    },
  ],
);
export type FlagRolloutSpec = Static<typeof FlagRolloutSpec>;

export const FlagRolloutPhase = {
  Pending: 'Pending',
  Ramping: 'Ramping',
  Holding: 'Holding',
  Paused: 'Paused',
  Complete: 'Complete',
  Disabled: 'Disabled',
  KilledBySwitch: 'KilledBySwitch',
  RolledBack: 'RolledBack',
  /** Stalled by something a person must fix (flag owned elsewhere, no Redis, invalid spec). */
  Degraded: 'Degraded',
} as const;
export type FlagRolloutPhase = (typeof FlagRolloutPhase)[keyof typeof FlagRolloutPhase];
export const FlagRolloutPhaseSchema = StringEnum(Object.values(FlagRolloutPhase));

export const FlagRolloutConditionType = {
  ...ConditionType,
  /** Redis holds what the spec and the current step say (version matches `status.flagVersion`). */
  FlagSynced: 'FlagSynced',
  AnalysisPassed: 'AnalysisPassed',
  KillSwitchActive: 'KillSwitchActive',
} as const;
export type FlagRolloutConditionType =
  (typeof FlagRolloutConditionType)[keyof typeof FlagRolloutConditionType];

export const FlagRolloutReason = {
  ...CommonReason,
  Ramping: 'Ramping',
  Holding: 'Holding',
  Complete: 'Complete',
  EmergencyDisabled: 'EmergencyDisabled',
  KillSwitchActive: 'KillSwitchActive',
  AnalysisSucceeded: 'AnalysisSucceeded',
  AnalysisFailed: 'AnalysisFailed',
  AnalysisInconclusive: 'AnalysisInconclusive',
  RolledBack: 'RolledBack',
  FlagRewritten: 'FlagRewritten',
  StoreUnavailable: 'StoreUnavailable',
  Pending: 'Pending',
  StepStarted: 'StepStarted',
  Retrying: 'Retrying',
  Resumed: 'Resumed',
  /** The kill switch was active and is not any more. */
  KillSwitchCleared: 'KillSwitchCleared',
  /** The kill switch named in the spec has not been set while this rollout watched it. */
  KillSwitchNotSet: 'KillSwitchNotSet',
  AnalysisRunning: 'AnalysisRunning',
  FlagInSync: 'FlagInSync',
  FlagAdopted: 'FlagAdopted',
  /** The first start found the flag serving users: the rollout began at that split's step. */
  Adopted: 'Adopted',
  /** The flag served users but could not be adopted (another salt): the rollout starts at its first step. */
  NotAdopted: 'NotAdopted',
  FlagDeleted: 'FlagDeleted',
  /** Someone else (the CLI, a hand edit) disabled the flag: respected, not overwritten. */
  ExternalDisable: 'ExternalDisable',
  /** Someone else changed the flag in another way: put back to the spec's current step. */
  ExternalChangeOverwritten: 'ExternalChangeOverwritten',
  /** Another controller (another FlagRollout, a Release) writes this flag: hands off. */
  FlagOwnedElsewhere: 'FlagOwnedElsewhere',
  /** The status was written ahead of a flag write that has not been confirmed yet. */
  FlagWritePending: 'FlagWritePending',
  /** The store refused the write as invalid (nothing written); a spec change is needed. */
  FlagWriteRefused: 'FlagWriteRefused',
} as const;
export type FlagRolloutReason = (typeof FlagRolloutReason)[keyof typeof FlagRolloutReason];

export const FlagRolloutStatus = Type.Object({
  ...commonStatusFields(FlagRolloutPhaseSchema),
  currentStep: Type.Optional(
    Type.Integer({
      minimum: 0,
      description: 'Index (from 0) of the current step; STEP shows it from 1.',
    }),
  ),
  stepCount: Type.Optional(Type.Integer({ minimum: 0, description: 'Number of steps.' })),
  step: Type.Optional(
    Type.String({ maxLength: 16, description: 'Current step of stepCount, from 1 (e.g. 2/5).' }),
  ),
  percentage: Type.Optional(
    Type.Number({
      minimum: 0,
      maximum: 100,
      description: 'What the flag serves now (0 when disabled or killed).',
    }),
  ),
  lastGoodPercentage: Type.Optional(
    Type.Number({
      minimum: 0,
      maximum: 100,
      description: 'The highest percentage whose hold passed; a failed analysis goes back to it.',
    }),
  ),
  nextStepAt: Type.Optional(DateTime({ description: 'When the current hold ends.' })),
  stepStartedAt: Type.Optional(DateTime({ description: 'When the current step was written.' })),
  /**
   * Hold time left when the hold was frozen (disabled, killed, suspended); `nextStepAt` is unset
   * meanwhile and becomes now + this on resume, so a frozen hold is neither skipped nor restarted.
   */
  holdRemainingSeconds: Type.Optional(
    Type.Integer({
      minimum: 0,
      format: 'int64',
      description:
        'Hold time left while the hold is frozen (disabled, killed, suspended); resumed with it.',
    }),
  ),
  /**
   * Set when the rollout started on a flag that already served users (a FlagRollout re-created
   * after a Retain deletion, a restored cluster, a CLI-managed flag): it began at `step`, the highest
   * step not above the served split, and that step serves `percentage` (≥ the step's own) until its
   * hold passes, so adoption never lowers exposure. Kept afterwards as the record of where it began.
   */
  adopted: Type.Optional(
    Type.Object(
      {
        step: Type.Integer({ minimum: 0, description: 'Index (from 0) of the step it began at.' }),
        percentage: Type.Number({
          minimum: 0,
          maximum: 100,
          description: "The split the flag served, kept until that step's hold passes.",
        }),
        at: DateTime({ description: 'When it was adopted.' }),
      },
      {
        description:
          'Set when the rollout started on a flag that already served users: where it began, never lowering exposure.',
      },
    ),
  ),
  completedAt: Type.Optional(
    DateTime({ description: "When the last step's hold ended: the rollout is Complete." }),
  ),
  rollback: Type.Optional(
    Type.Object(
      {
        at: DateTime({ description: 'When the analysis failed.' }),
        step: Type.Integer({
          minimum: 0,
          description: 'Index (from 0) of the step whose analysis failed.',
        }),
        generation: Type.Integer({
          minimum: 0,
          format: 'int64',
          description: 'The spec generation that failed; any spec edit retries the step.',
        }),
        percentage: Type.Optional(
          Type.Number({
            minimum: 0,
            maximum: 100,
            description: 'What the flag went back to; absent when it was disabled.',
          }),
        ),
        message: Type.String({
          maxLength: 1024,
          description: 'What was measured against what limit.',
        }),
      },
      {
        description:
          'Set by a failed analysis; cleared when a new generation of the spec retries the step.',
      },
    ),
  ),
  lastAnalysis: Type.Optional(
    Type.Object(
      {
        step: Type.Integer({ minimum: 0, description: 'Index (from 0) of the step it gated.' }),
        verdict: described(AnalysisPhase, 'Running, Successful, Failed or Inconclusive.'),
        at: DateTime({ description: 'When it was evaluated.' }),
        summary: Type.String({
          maxLength: 1024,
          description: 'Each check: value against its limit.',
        }),
      },
      {
        description:
          'The latest gate evaluation (also in the store rollout info, for latticedb-flags report).',
      },
    ),
  ),
  flagVersion: Type.Optional(
    Type.Integer({
      minimum: 0,
      format: 'int64',
      description:
        'The Redis version of the flag last written by this rollout; another version means someone else wrote.',
    }),
  ),
  exposure: Type.Optional(
    Type.Object(
      {
        percentage: Type.Number({
          minimum: 0,
          maximum: 100,
          description: 'Percent of users in the split.',
        }),
        targetedUsers: Type.Integer({ minimum: 0, description: 'Users targeted by id.' }),
        estimatedUsers: Type.Optional(
          Type.Integer({
            minimum: 0,
            format: 'int64',
            description:
              'Approximate users who get the flag: spec.estimatedPopulation × percentage + targeted users.',
          }),
        ),
      },
      { description: 'Who gets the flag now.' },
    ),
  ),
  analysis: Type.Optional(AnalysisStatus),
});
export type FlagRolloutStatus = Static<typeof FlagRolloutStatus>;

/**
 * The status as the handler builds it: conditions as stated (the runtime adds
 * `lastTransitionTime` and `observedGeneration`).
 */
export type FlagRolloutState = Omit<FlagRolloutStatus, 'conditions'> & {
  conditions?: ConditionInput[];
};

export type FlagRollout = CustomObject<'FlagRollout', FlagRolloutSpec, FlagRolloutStatus>;

export const flagRolloutCrd: CrdDefinition = {
  names: FlagRolloutKind,
  description:
    'FlagRollout ramps a LatticeDB feature flag in Redis through percentage steps with holds, gated by metric analysis, with emergency disable and a kill switch.',
  spec: FlagRolloutSpec,
  status: FlagRolloutStatus,
  printerColumns: [
    { name: 'Flag', type: 'string', jsonPath: '.spec.flag' },
    { name: 'Phase', type: 'string', jsonPath: '.status.phase' },
    { name: 'Percent', type: 'number', jsonPath: '.status.percentage' },
    { name: 'Step', type: 'string', jsonPath: '.status.step' },
    // A string, not a date: kubectl shows future dates as "<invalid>".
    { name: 'Next', type: 'string', jsonPath: '.status.nextStepAt' },
    readyColumn(),
    reasonColumn(),
    AGE_COLUMN,
    messageColumn(),
  ],
};
