// Release: progressive delivery of one ECS service (canary, blue/green, rolling), with pre-flight,
// analysis, smoke and post-deployment checks, an optional database migration, and rollback.
// The single source of truth for the CRD (crds/generate.ts) and the reconciler's types.
import { Type, type Static } from '@sinclair/typebox';
import { AnalysisSpec, AnalysisStatus } from '../shared/api/analysis.js';
import {
  AlbListenerArn,
  CloudWatchAlarmName,
  DbInstanceIdentifier,
  ImageRef,
  SecretValueFromArn,
  TargetGroupArn,
} from '../shared/api/aws.js';
import { CommonReason, ConditionType } from '../shared/api/conditions.js';
import { Duration } from '../shared/api/duration.js';
import { EcsContainerRef } from '../shared/api/ecs-service-ref.js';
import { FlagName } from '../shared/api/flag-names.js';
import { DateTime } from '../shared/api/formats.js';
import { HttpCheck } from '../shared/api/http-check.js';
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
import { CheckName } from '../shared/api/metric-check.js';
import { RedisRef } from '../shared/api/redis-ref.js';
import { StringEnum, described, exactlyOneOf, immutable, withRules } from '../shared/api/schema.js';
import { commonStatusFields } from '../shared/api/status.js';

export const ReleaseKind = {
  group: API_GROUP,
  version: API_VERSION,
  plural: 'releases',
  singular: 'release',
  kind: 'Release',
  listKind: 'ReleaseList',
  shortNames: ['rel'],
} as const satisfies KindDescriptor<'Release'>;

export const MAX_CANARY_STEPS = 50;
export const MAX_ROLLBACK_WINDOW = 10;

// ---------------------------------------------------------------------------------------------
// Spec: strategy

const Weight = (description: string) => Type.Integer({ minimum: 0, maximum: 100, description });

export const CanaryStep = withRules(
  Type.Object(
    {
      setWeight: Type.Optional(Weight('Percent of traffic the canary target group receives.')),
      pause: Type.Optional(
        Type.Object(
          {
            duration: Type.Optional(
              Duration({ description: 'How long to wait; absent: until the promote action.' }),
            ),
          },
          { description: 'Hold at the current weight for a duration, or until promote.' },
        ),
      ),
      analysis: Type.Optional(
        Type.Object(
          {
            metrics: Type.Optional(
              Type.Array(CheckName, {
                // Empty would be a gate without checks, which the engine judges Successful: the
                // step would promote on no data. Absent means all of spec.analysis.metrics.
                minItems: 1,
                maxItems: 10,
                'x-kubernetes-list-type': 'set',
                description:
                  'Names from spec.analysis.metrics (at least one); absent: all of them.',
              }),
            ),
          },
          {
            description:
              'A gate: measure the analysis checks; success goes on, failure rolls back.',
          },
        ),
      ),
    },
    { description: 'One canary step: exactly one of setWeight, pause, analysis.' },
  ),
  [exactlyOneOf(['setWeight', 'pause', 'analysis'])],
);
export type CanaryStep = Static<typeof CanaryStep>;

export const AlbCanaryRouting = withRules(
  Type.Object({
    listenerArn: AlbListenerArn(),
    stableTargetGroupArn: TargetGroupArn(),
    canaryTargetGroupArn: TargetGroupArn(),
  }),
  [
    {
      rule: 'self.stableTargetGroupArn != self.canaryTargetGroupArn',
      message: 'canaryTargetGroupArn must differ from stableTargetGroupArn',
      fieldPath: '.canaryTargetGroupArn',
      check: (self) => self.stableTargetGroupArn !== self.canaryTargetGroupArn,
    },
  ],
);

export const CanaryStrategy = withRules(
  Type.Object(
    {
      steps: Type.Optional(
        withRules(
          Type.Array(CanaryStep, {
            minItems: 1,
            maxItems: MAX_CANARY_STEPS,
            description:
              'The steps, in order (or use the shorthand initialWeight/stepWeight/stepInterval).',
          }),
          [
            // validate.ts names the exact step (setWeightErrors).
            {
              rule: 'self.filter(s, has(s.setWeight)).map(s, s.setWeight).isSorted()',
              message: 'setWeight values must not decrease from one step to the next',
            },
          ],
        ),
      ),
      initialWeight: Type.Optional(
        Type.Integer({ minimum: 1, maximum: 100, description: 'Shorthand: first weight.' }),
      ),
      stepWeight: Type.Optional(
        Type.Integer({ minimum: 1, maximum: 100, description: 'Shorthand: added per step.' }),
      ),
      stepInterval: Type.Optional(
        Duration({ min: '1s', description: 'Shorthand: pause (and analysis) between steps.' }),
      ),
      maxWeight: Type.Optional(
        Type.Integer({
          minimum: 1,
          maximum: 100,
          description: 'Shorthand: last weight before promotion (absent: 100).',
        }),
      ),
      trafficRouting: Type.Object(
        { alb: described(AlbCanaryRouting, 'The ALB listener and its two target groups.') },
        { description: 'Where traffic is shifted.' },
      ),
    },
    {
      description:
        'Canary on an EXTERNAL-controller service: a task set behind canaryTargetGroupArn, ALB weights moved by steps, or by the shorthand initialWeight/stepWeight/stepInterval.',
    },
  ),
  [
    {
      rule: 'has(self.steps) != has(self.stepWeight)',
      message:
        'set exactly one of steps or the shorthand (initialWeight, stepWeight, stepInterval)',
      check: (self) => (self.steps !== undefined) !== (self.stepWeight !== undefined),
    },
    {
      rule: '[has(self.initialWeight), has(self.stepWeight), has(self.stepInterval)].all(x, x) || [has(self.initialWeight), has(self.stepWeight), has(self.stepInterval)].all(x, !x)',
      message: 'the shorthand needs initialWeight, stepWeight and stepInterval together',
      check: (self) =>
        new Set([
          self.initialWeight !== undefined,
          self.stepWeight !== undefined,
          self.stepInterval !== undefined,
        ]).size === 1,
    },
    {
      rule: '!has(self.maxWeight) || has(self.stepWeight)',
      message: 'maxWeight belongs to the shorthand; with steps, the last setWeight is the maximum',
      fieldPath: '.maxWeight',
      check: (self) => self.maxWeight === undefined || self.stepWeight !== undefined,
    },
    {
      rule: '!has(self.initialWeight) || !has(self.maxWeight) || self.initialWeight <= self.maxWeight',
      message: 'maxWeight must be at least initialWeight',
      fieldPath: '.maxWeight',
      check: (self) =>
        self.initialWeight === undefined ||
        self.maxWeight === undefined ||
        self.initialWeight <= self.maxWeight,
    },
  ],
);
export type CanaryStrategy = Static<typeof CanaryStrategy>;

export const Approval = { Required: 'Required', Auto: 'Auto' } as const;
export type Approval = (typeof Approval)[keyof typeof Approval];

export const AlbBlueGreenRouting = withRules(
  Type.Object({
    listenerArn: AlbListenerArn({ description: 'Production listener.' }),
    blueTargetGroupArn: TargetGroupArn(),
    greenTargetGroupArn: TargetGroupArn(),
    testListenerArn: Type.Optional(
      AlbListenerArn({
        description: 'Listener that sends test traffic to green before the switch.',
      }),
    ),
  }),
  [
    {
      rule: 'self.blueTargetGroupArn != self.greenTargetGroupArn',
      message: 'greenTargetGroupArn must differ from blueTargetGroupArn',
      fieldPath: '.greenTargetGroupArn',
      check: (self) => self.blueTargetGroupArn !== self.greenTargetGroupArn,
    },
    {
      rule: '!has(self.testListenerArn) || self.testListenerArn != self.listenerArn',
      message: 'testListenerArn must differ from listenerArn',
      fieldPath: '.testListenerArn',
      check: (self) => self.testListenerArn !== self.listenerArn,
    },
  ],
);

export const BlueGreenStrategy = withRules(
  Type.Object(
    {
      approval: Type.Optional(
        StringEnum(Object.values(Approval), {
          default: 'Required',
          description:
            'Required: wait for the approve action before switching. Auto: switch when green is healthy.',
        }),
      ),
      autoPromoteAfter: Type.Optional(
        Duration({ description: 'With approval Required: switch anyway after this long.' }),
      ),
      scaleDownDelay: Type.Optional(
        Duration({
          default: '1h',
          description: 'How long blue stays up after the switch (instant rollback).',
        }),
      ),
      trafficRouting: Type.Object(
        { alb: described(AlbBlueGreenRouting, 'The ALB listeners and the two target groups.') },
        { description: 'Where traffic is switched.' },
      ),
    },
    {
      description:
        'Blue/green with task sets: green at full size, smoke tests, approval, one switch.',
    },
  ),
  [
    {
      rule: "!has(self.autoPromoteAfter) || !has(self.approval) || self.approval == 'Required'",
      message: 'autoPromoteAfter applies only with approval: Required',
      fieldPath: '.autoPromoteAfter',
      check: (self) => self.autoPromoteAfter === undefined || self.approval !== 'Auto',
    },
  ],
);
export type BlueGreenStrategy = Static<typeof BlueGreenStrategy>;

export const RollingStrategy = withRules(
  Type.Object(
    {
      minimumHealthyPercent: Type.Optional(
        Type.Integer({
          minimum: 0,
          maximum: 100,
          default: 100,
          description: 'ECS deploymentConfiguration: tasks kept running, in percent of desired.',
        }),
      ),
      maximumPercent: Type.Optional(
        Type.Integer({
          minimum: 100,
          maximum: 200,
          default: 200,
          description: 'ECS deploymentConfiguration: tasks allowed during the update, in percent.',
        }),
      ),
      circuitBreaker: Type.Optional(
        Type.Object(
          {
            enable: Type.Optional(
              Type.Boolean({
                default: true,
                description: 'Stop a deployment that cannot succeed.',
              }),
            ),
            rollback: Type.Optional(
              Type.Boolean({ default: true, description: 'Let ECS roll it back when it stops.' }),
            ),
          },
          { description: 'The ECS deployment circuit breaker.' },
        ),
      ),
    },
    { description: 'ECS rolling update (default deployment controller) with the circuit breaker.' },
  ),
  [
    {
      // Equal bounds leave ECS no room to start or stop a task: the deployment cannot progress.
      rule: 'self.minimumHealthyPercent < self.maximumPercent',
      message: 'minimumHealthyPercent must be below maximumPercent, or ECS cannot replace any task',
      fieldPath: '.minimumHealthyPercent',
      check: (self) => (self.minimumHealthyPercent ?? 100) < (self.maximumPercent ?? 200),
    },
  ],
);
export type RollingStrategy = Static<typeof RollingStrategy>;

export const ReleaseStrategy = withRules(
  Type.Object(
    {
      canary: Type.Optional(CanaryStrategy),
      blueGreen: Type.Optional(BlueGreenStrategy),
      rolling: Type.Optional(RollingStrategy),
    },
    { description: 'How the revision reaches traffic: exactly one of canary, blueGreen, rolling.' },
  ),
  [exactlyOneOf(['canary', 'blueGreen', 'rolling'])],
);
export type ReleaseStrategy = Static<typeof ReleaseStrategy>;

// ---------------------------------------------------------------------------------------------
// Spec: checks, migration, the rest

export const PreflightChecks = Type.Object(
  {
    imageExists: Type.Optional(
      Type.Boolean({ default: true, description: 'The image is in ECR.' }),
    ),
    serviceStable: Type.Optional(
      Type.Boolean({ default: true, description: 'No ECS deployment is in progress.' }),
    ),
    capacity: Type.Optional(
      Type.Boolean({
        default: true,
        description: "The cluster has the service's capacity provider or launch type.",
      }),
    ),
    strict: Type.Optional(
      Type.Boolean({ default: false, description: 'Warnings fail pre-flight.' }),
    ),
    skip: Type.Optional(
      withRules(
        Type.Object(
          {
            reason: Type.String({
              minLength: 1,
              maxLength: 1024,
              description: 'Why pre-flight is skipped (required, recorded in status).',
            }),
          },
          { description: 'Skip pre-flight entirely; the reason is recorded in status.' },
        ),
        [
          {
            rule: 'self.reason.trim().size() > 0',
            message: 'a reason is required to skip pre-flight checks',
            fieldPath: '.reason',
            check: (self) => self.reason.trim().length > 0,
          },
        ],
      ),
    ),
  },
  { description: 'Checks before any traffic; warnings are recorded, failures stop the revision.' },
);

export const ReleaseChecks = Type.Object(
  {
    preflight: Type.Optional(PreflightChecks),
    smoke: Type.Optional(
      Type.Array(HttpCheck, {
        maxItems: 10,
        description: 'Run against green/canary before traffic and again after promotion.',
      }),
    ),
    postDeployment: Type.Optional(
      Type.Object(
        {
          allTasksRunning: Type.Optional(
            Type.Boolean({
              default: true,
              description: 'The service runs its desired count of the new revision.',
            }),
          ),
          noAlarmsFiring: Type.Optional(
            Type.Array(CloudWatchAlarmName(), {
              maxItems: 20,
              'x-kubernetes-list-type': 'set',
              description: 'CloudWatch alarms that must not be in ALARM.',
            }),
          ),
        },
        { description: 'Checks after promotion; a failure rolls back.' },
      ),
    ),
  },
  { description: 'Pre-flight, smoke and post-deployment checks.' },
);

export const Migration = Type.Object(
  {
    snapshot: Type.Optional(
      Type.Object(
        { dbInstanceIdentifier: DbInstanceIdentifier() },
        {
          description: 'A manual RDS snapshot taken (and awaited) before the migration.',
        },
      ),
    ),
    maintenanceFlag: Type.Optional(
      FlagName({ description: 'Flag held on while migrating, e.g. maintenance_mode.' }),
    ),
    task: Type.Object(
      {
        command: Type.Array(Type.String({ minLength: 1, maxLength: 4096 }), {
          minItems: 1,
          maxItems: 64,
          description: 'Command override of the container, run with the new image (ECS RunTask).',
        }),
        timeout: Type.Optional(
          Duration({ min: '1s', default: '30m', description: 'The task fails after this long.' }),
        ),
      },
      { description: 'The migration task: the new image with a command override.' },
    ),
    reversible: Type.Boolean({
      description:
        'false: once the migration succeeded, a failed deploy freezes instead of rolling back.',
    }),
  },
  {
    description: 'Database-migration variant: snapshot, maintenance flag, migration task, deploy.',
  },
);
export type Migration = Static<typeof Migration>;

const ENV_NAME_PATTERN = '^[A-Za-z_][A-Za-z0-9_]*$';

export const SecretEnv = Type.Object({
  name: Type.String({
    pattern: ENV_NAME_PATTERN,
    maxLength: 255,
    description: 'Environment variable name in the container.',
  }),
  valueFrom: SecretValueFromArn(),
});

const envNames = new RegExp(ENV_NAME_PATTERN);

export const ReleaseSpec = withRules(
  Type.Object({
    target: withRules(EcsContainerRef, [
      immutable('target', 'one Release per ECS service; create a new Release instead'),
    ]),
    image: ImageRef(),
    environment: Type.Optional(
      withRules(
        Type.Record(Type.String(), Type.String({ maxLength: 32768 }), {
          maxProperties: 200,
          description: 'Environment of the container; a change ships as a new revision.',
        }),
        [
          {
            rule: "self.all(k, k.matches('^[A-Za-z_][A-Za-z0-9_]*$'))",
            message: 'environment variable names must match ^[A-Za-z_][A-Za-z0-9_]*$',
            check: (self) => Object.keys(self).every((key) => envNames.test(key)),
          },
        ],
      ),
    ),
    secrets: Type.Optional(
      Type.Array(SecretEnv, {
        maxItems: 100,
        'x-kubernetes-list-type': 'map',
        'x-kubernetes-list-map-keys': ['name'],
        description:
          'Secrets injected by ECS from Secrets Manager or SSM; a change ships as a new revision.',
      }),
    ),
    restartedAt: Type.Optional(
      DateTime({
        description: 'Changing it redeploys the same configuration (e.g. after a secret rotation).',
      }),
    ),
    strategy: ReleaseStrategy,
    analysis: Type.Optional(AnalysisSpec),
    checks: Type.Optional(ReleaseChecks),
    migration: Type.Optional(Migration),
    rollbackWindow: Type.Optional(
      Type.Object(
        {
          revisions: Type.Integer({
            minimum: 0,
            maximum: MAX_ROLLBACK_WINDOW,
            description:
              'Returning to one of the last N stable revisions skips steps and analysis.',
          }),
        },
        { description: 'Fast path back to a recent stable revision.' },
      ),
    ),
    progressDeadline: Type.Optional(
      Duration({
        min: '1m',
        default: '30m',
        description:
          'A revision that makes no progress this long is rolled back (pauses and approval waits excluded).',
      }),
    ),
    suspend: Type.Optional(
      Type.Boolean({ default: false, description: 'Stop acting (keep observing).' }),
    ),
    redis: Type.Optional(RedisRef),
  }),
  [
    {
      rule: '!has(self.secrets) || !has(self.environment) || self.secrets.all(s, !(s.name in self.environment))',
      message: 'a name cannot be both in environment and in secrets',
      fieldPath: '.secrets',
      check: (self) =>
        (self.secrets ?? []).every((secret) => !(secret.name in (self.environment ?? {}))),
    },
    {
      rule: '!has(self.strategy.canary) || !has(self.strategy.canary.steps) || !self.strategy.canary.steps.exists(s, has(s.analysis)) || has(self.analysis)',
      message: 'analysis steps need spec.analysis',
      fieldPath: '.analysis',
      reason: 'FieldValueRequired',
      check: (self) =>
        self.analysis !== undefined ||
        !(self.strategy.canary?.steps ?? []).some((step) => step.analysis !== undefined),
    },
    {
      rule: '!has(self.strategy.canary) || !has(self.strategy.canary.steps) || !has(self.analysis) || self.strategy.canary.steps.all(s, !has(s.analysis) || !has(s.analysis.metrics) || s.analysis.metrics.all(m, self.analysis.metrics.exists(c, c.name == m)))',
      message: 'analysis steps may only name metrics defined in spec.analysis.metrics',
      fieldPath: '.strategy.canary.steps',
      // validate.ts names the exact step and metric (unknownMetricErrors).
    },
  ],
);
export type ReleaseSpec = Static<typeof ReleaseSpec>;

// ---------------------------------------------------------------------------------------------
// Status

export const ReleasePhase = {
  Pending: 'Pending',
  Preflight: 'Preflight',
  Migrating: 'Migrating',
  Progressing: 'Progressing',
  Paused: 'Paused',
  AwaitingApproval: 'AwaitingApproval',
  Promoting: 'Promoting',
  Healthy: 'Healthy',
  RollingBack: 'RollingBack',
  RolledBack: 'RolledBack',
  Aborted: 'Aborted',
  Failed: 'Failed',
  Frozen: 'Frozen',
  /** Stalled by something a person must fix (the ECS service is missing, the spec is invalid). */
  Degraded: 'Degraded',
} as const;
export type ReleasePhase = (typeof ReleasePhase)[keyof typeof ReleasePhase];
export const ReleasePhaseSchema = StringEnum(Object.values(ReleasePhase));

export const StrategyName = {
  Canary: 'Canary',
  BlueGreen: 'BlueGreen',
  Rolling: 'Rolling',
} as const;
export type StrategyName = (typeof StrategyName)[keyof typeof StrategyName];

export const ReleaseConditionType = {
  ...ConditionType,
  /** The service runs a healthy stable revision that takes all traffic. */
  Available: 'Available',
  /** A pause step, an approval wait, an inconclusive analysis or `suspend` holds progress. */
  Paused: 'Paused',
  PreflightPassed: 'PreflightPassed',
  AnalysisPassed: 'AnalysisPassed',
  SmokeTestsPassed: 'SmokeTestsPassed',
  MigrationSucceeded: 'MigrationSucceeded',
} as const;
export type ReleaseConditionType = (typeof ReleaseConditionType)[keyof typeof ReleaseConditionType];

export const ReleaseReason = {
  ...CommonReason,
  StepPaused: 'StepPaused',
  AwaitingApproval: 'AwaitingApproval',
  AnalysisRunning: 'AnalysisRunning',
  AnalysisSucceeded: 'AnalysisSucceeded',
  AnalysisFailed: 'AnalysisFailed',
  AnalysisInconclusive: 'AnalysisInconclusive',
  PreflightFailed: 'PreflightFailed',
  PreflightSkipped: 'PreflightSkipped',
  SmokeTestFailed: 'SmokeTestFailed',
  PostDeploymentCheckFailed: 'PostDeploymentCheckFailed',
  ProgressDeadlineExceeded: 'ProgressDeadlineExceeded',
  CircuitBreakerTripped: 'CircuitBreakerTripped',
  MigrationRunning: 'MigrationRunning',
  MigrationFailed: 'MigrationFailed',
  Frozen: 'Frozen',
  Promoted: 'Promoted',
  RevisionHealthy: 'RevisionHealthy',
  Superseded: 'Superseded',
  Aborted: 'Aborted',
  RollingBack: 'RollingBack',
  RolledBack: 'RolledBack',
  FastRollback: 'FastRollback',
  // Added with the reconciler (issue 5):
  Adopted: 'Adopted',
  ServiceNotFound: 'ServiceNotFound',
  ServiceDrifted: 'ServiceDrifted',
  StrategyMismatch: 'StrategyMismatch',
  PreflightPassed: 'PreflightPassed',
  SmokeTestsPassed: 'SmokeTestsPassed',
  MigrationSucceeded: 'MigrationSucceeded',
  NotPaused: 'NotPaused',
  Pinned: 'Pinned',
  /** The revision's task definition runs another image (or environment/secrets) than it names. */
  TaskDefinitionMismatch: 'TaskDefinitionMismatch',
  /** A task set another (deleted) Release left on the service: out of traffic, then deleted. */
  LeftoverTaskSet: 'LeftoverTaskSet',
  /** Another Release claims the ECS service (its tag): this one is Stalled until it is free. */
  ServiceClaimed: 'ServiceClaimed',
  /** The claim of a deleted Release of the same name was taken over (plan/claim.ts). */
  ServiceClaimTakenOver: 'ServiceClaimTakenOver',
  /** The finalizer removed the claim tag (task sets and traffic are left as they are). */
  ServiceClaimReleased: 'ServiceClaimReleased',
  /** The service has an ARN in the old short format, which ECS refuses to tag: it cannot be claimed. */
  ShortServiceArn: 'ShortServiceArn',
} as const;
export type ReleaseReason = (typeof ReleaseReason)[keyof typeof ReleaseReason];

/**
 * Operator actions: annotations whose value names the revision they act on, `<revision>` or
 * `<revision>.<n>`:
 *
 *     kubectl annotate release/x delivery.latticedb.com/promote=3 --overwrite
 *
 * Each value is applied once: `status.actions.<action>` keeps the last value handled, and the same
 * value again is ignored — also after the annotation was removed and re-added. To give an action
 * again for the same revision (a second promote after `retry=3`, another approve), add any suffix
 * after a dot: `kubectl annotate release/x delivery.latticedb.com/approve=3.2 --overwrite`, then
 * `3.3`, …; status messages name the value to use. A value naming another revision is ignored with
 * a Warning event (`ActionIgnored`), as is a malformed one (the event names the annotation and the
 * value). promote skips the current pause or analysis hold; approve switches blue/green (given
 * early, it waits for the approval gate); abort sends all traffic back to stable; retry restarts an
 * aborted, failed, rolled-back or frozen revision (or unpins after rollback); rollback returns to
 * the previous stable revision.
 */
export const ReleaseAction = {
  promote: `${API_GROUP}/promote`,
  abort: `${API_GROUP}/abort`,
  retry: `${API_GROUP}/retry`,
  approve: `${API_GROUP}/approve`,
  rollback: `${API_GROUP}/rollback`,
} as const;
export type ReleaseAction = keyof typeof ReleaseAction;

export const MAX_DEPLOYMENT_LOG = 20;
export const MAX_FLAGS_LEFT_ON = 5;

const Arn = Type.String({ maxLength: 2048 });

export const Revision = Type.Object({
  number: Type.Integer({
    minimum: 0,
    format: 'int64',
    description: 'Revision number; operator actions name it (abort=<number>).',
  }),
  specHash: Type.String({
    maxLength: 128,
    description:
      'Hash of the spec fields that make a revision: image, environment, secrets, restartedAt.',
  }),
  taskDefinitionArn: Type.Optional(
    described(
      Arn,
      "The revision's ECS task definition; absent until registered (or found by its spec-hash tag).",
    ),
  ),
  image: Type.String({ maxLength: 512, description: 'Container image of the revision.' }),
  taskSetArn: Type.Optional(described(Arn, 'ECS task set running it (canary, blue/green).')),
  fastPath: Type.Optional(
    Type.Boolean({
      description:
        'Delivered without steps, analysis or approval (rollbackWindow, or the rollback action).',
    }),
  ),
  registering: Type.Optional(
    Type.Boolean({
      description:
        'Written ahead of RegisterTaskDefinition: only a revision that may have registered (its answer lost to a crash or a failed status write) looks its task definition up by tag.',
    }),
  ),
});
export type Revision = Static<typeof Revision>;

export const CheckOutcome = StringEnum(['Passed', 'Warning', 'Failed', 'Skipped', 'Inconclusive']);
export type CheckOutcome = Static<typeof CheckOutcome>;

export const CheckResult = Type.Object({
  name: Type.String({ maxLength: 253, description: 'The check.' }),
  outcome: described(
    CheckOutcome,
    'Passed, Warning (not yet), Failed, Skipped, or Inconclusive (no data to judge: never a pass).',
  ),
  at: Type.Optional(DateTime({ description: 'When it ran.' })),
  message: Type.Optional(
    Type.String({ maxLength: 1024, description: 'What was measured against what was expected.' }),
  ),
});
export type CheckResult = Static<typeof CheckResult>;

const checkResults = (maxItems: number) =>
  Type.Optional(Type.Array(CheckResult, { maxItems, description: 'One result per check.' }));

export const MigrationPhase = StringEnum([
  'Pending',
  'Snapshotting',
  'Running',
  'Succeeded',
  'Failed',
]);
export type MigrationPhase = Static<typeof MigrationPhase>;

export const DeploymentOutcome = StringEnum([
  'Succeeded',
  'RolledBack',
  'Aborted',
  'Failed',
  'Frozen',
  'Superseded',
]);
export type DeploymentOutcome = Static<typeof DeploymentOutcome>;

export const DeploymentLogEntry = Type.Object({
  time: DateTime({ description: 'When the revision finished.' }),
  revision: Type.Integer({ minimum: 0, format: 'int64', description: 'Revision number.' }),
  image: Type.String({ maxLength: 512, description: 'Its image.' }),
  outcome: described(DeploymentOutcome, 'How it ended.'),
  durationSeconds: Type.Integer({ minimum: 0, description: 'From start to finish.' }),
  strategy: StringEnum(Object.values(StrategyName), { description: 'Strategy it ran with.' }),
  message: Type.Optional(Type.String({ maxLength: 1024, description: 'Why it ended so.' })),
});
export type DeploymentLogEntry = Static<typeof DeploymentLogEntry>;

const actionValue = (action: string) =>
  Type.Optional(
    Type.String({
      maxLength: 256,
      description: `The last ${action} annotation value handled (each value is applied once).`,
    }),
  );

/**
 * Where `status.revision` is in its pipeline; `phase` is derived from it (plan/phase.ts).
 * Cleanup → Preflight → Register → [Snapshot → MaintenanceOn → Migration] → Deploy → Smoke →
 * (canary: Steps | blue/green: Approval) → Switch → PostChecks → [MaintenanceOff] → Done;
 * any failure → RollingBack → Done. Rolling skips Smoke, Steps, Approval and Switch.
 */
export const ReleaseStage = {
  Cleanup: 'Cleanup',
  Preflight: 'Preflight',
  Register: 'Register',
  Snapshot: 'Snapshot',
  MaintenanceOn: 'MaintenanceOn',
  Migration: 'Migration',
  Deploy: 'Deploy',
  Smoke: 'Smoke',
  Steps: 'Steps',
  Approval: 'Approval',
  Switch: 'Switch',
  PostChecks: 'PostChecks',
  MaintenanceOff: 'MaintenanceOff',
  RollingBack: 'RollingBack',
  Done: 'Done',
} as const;
export type ReleaseStage = (typeof ReleaseStage)[keyof typeof ReleaseStage];

export const PauseReason = StringEnum(['StepPaused', 'AwaitingApproval', 'AnalysisInconclusive']);
export type PauseReason = Static<typeof PauseReason>;

/** Why the current revision stopped progressing (rolled back, aborted, …) and what it ends as. */
export const RollbackState = Type.Object(
  {
    outcome: StringEnum(['RolledBack', 'Aborted', 'Failed', 'Superseded', 'Frozen'], {
      description: 'What the revision ends as.',
    }),
    reason: Type.String({ maxLength: 128, description: 'Why, e.g. AnalysisFailed.' }),
    message: Type.String({
      maxLength: 1024,
      description: 'What was measured against what limit, and what to do next.',
    }),
    at: DateTime({ description: 'When it was decided.' }),
    fromStage: StringEnum(Object.values(ReleaseStage), {
      description: 'The stage the revision had reached: traffic is undone only from Deploy on.',
    }),
  },
  { description: 'Why the current revision stopped progressing and what it ends as.' },
);
export type RollbackState = Static<typeof RollbackState>;

/**
 * The state of one delivery attempt of `status.revision`: its steps, clocks, checks, analysis,
 * holds and how it ended. A new revision or a retry replaces it whole (plan/revision.ts
 * `resetAttempt`), so a field added here is cleared by the next attempt without anyone having to
 * remember it. What outlives an attempt — the revisions, history, the migration record (a retry
 * runs it as `migration.attempt` of its own), the action values handled — stays beside it.
 */
const attemptFields = {
  stepCount: Type.Optional(Type.Integer({ minimum: 0, description: 'Number of canary steps.' })),
  currentStepIndex: Type.Optional(
    Type.Integer({
      minimum: 0,
      description: 'Index (from 0) of the current canary step; STEP shows it from 1.',
    }),
  ),
  step: Type.Optional(
    Type.String({ maxLength: 16, description: 'Current step of stepCount, from 1 (e.g. 3/7).' }),
  ),
  stepStartedAt: Type.Optional(DateTime({ description: 'When the current step started.' })),
  nextStepAt: Type.Optional(DateTime({ description: 'When a timed pause ends.' })),
  weightChangedAt: Type.Optional(
    DateTime({
      description:
        'When this attempt last moved the canary weights forward (after the write succeeded); a following pause counts from here.',
    }),
  ),
  progressStartedAt: Type.Optional(
    DateTime({ description: 'When this attempt (the revision, or its retry) started.' }),
  ),
  lastProgressAt: Type.Optional(
    DateTime({ description: 'Last step or stage change: progressDeadline counts from here.' }),
  ),
  /**
   * Rolling: when ECS accepted this attempt's UpdateService. A deployment of the revision missing
   * after it was rolled back by ECS (or replaced by another writer), never a reason to update again.
   */
  serviceUpdatedAt: Type.Optional(
    DateTime({ description: "Rolling: when ECS accepted this attempt's UpdateService." }),
  ),
  preflight: Type.Optional(
    Type.Object(
      {
        skipped: Type.Boolean({
          description: 'Pre-flight was skipped (spec.checks.preflight.skip).',
        }),
        reason: Type.Optional(
          Type.String({ maxLength: 1024, description: 'The reason given for skipping.' }),
        ),
        results: checkResults(10),
      },
      { description: 'Pre-flight checks of the revision.' },
    ),
  ),
  smoke: Type.Optional(
    Type.Object(
      {
        results: checkResults(20),
        phase: Type.Optional(
          StringEnum(['PreTraffic', 'PostPromotion'], {
            description: 'Which run the results belong to: before traffic, or after promotion.',
          }),
        ),
      },
      { description: 'Smoke tests of the revision.' },
    ),
  ),
  analysis: Type.Optional(AnalysisStatus),
  postDeployment: Type.Optional(
    Type.Object(
      { results: checkResults(30) },
      { description: 'Post-deployment checks (tasks running, alarms).' },
    ),
  ),
  pause: Type.Optional(
    Type.Object(
      {
        reason: described(PauseReason, 'StepPaused, AwaitingApproval or AnalysisInconclusive.'),
        since: DateTime({ description: 'Since when.' }),
      },
      { description: 'Why progress is held.' },
    ),
  ),
  promotedGate: Type.Optional(
    Type.Integer({
      minimum: 0,
      description:
        'The analysis gate (its step index) the promote action let pass although it was not Successful.',
    }),
  ),
  rollback: Type.Optional(RollbackState),
  outcome: Type.Optional(described(DeploymentOutcome, 'How revision ended, once stage is Done.')),
};

export const ReleaseAttempt = Type.Object(attemptFields, {
  description:
    'The current delivery attempt of the revision (steps, checks, analysis, holds, outcome); a new revision or a retry replaces it whole.',
});
export type ReleaseAttempt = Static<typeof ReleaseAttempt>;

/**
 * Kept at the top level, although a new attempt sets them afresh: `stage` is the state machine's
 * cursor, which the Release's own transitions read and move (a spec change supersedes from any
 * stage, a finished revision starts the next from Done, validation refuses a strategy change while
 * one is in flight), and `currentWeight` is the traffic the service takes now, which the WEIGHT
 * column and the info gauge read; `phase`, `message` and `conditions` are what kubectl, Argo CD
 * and kstatus read. `resetAttempt` sets both (Cleanup, 0).
 */
export const ReleaseStatus = Type.Object({
  ...commonStatusFields(ReleasePhaseSchema),
  strategy: Type.Optional(
    StringEnum(Object.values(StrategyName), { description: 'Canary, BlueGreen or Rolling.' }),
  ),
  revision: Type.Optional(described(Revision, 'The revision in flight, or the last one shipped.')),
  stableRevision: Type.Optional(
    described(Revision, 'The last revision that completed healthy; rollbacks return to it.'),
  ),
  canaryRevision: Type.Optional(
    described(Revision, 'The canary (or green) revision while it runs beside stable.'),
  ),
  stableHistory: Type.Optional(
    Type.Array(Revision, {
      maxItems: MAX_ROLLBACK_WINDOW,
      description: 'The last healthy revisions, newest last, for rollbackWindow.',
    }),
  ),
  currentWeight: Type.Optional(
    Type.Integer({ minimum: 0, maximum: 100, description: 'Percent of traffic on the canary.' }),
  ),
  serviceClaim: Type.Optional(
    Type.String({
      maxLength: 1024,
      description:
        'ARN of the ECS service this Release holds its claim on (tag delivery.latticedb.com/release=<namespace>/<name>/<uid>), recorded once the tag was written or found.',
    }),
  ),
  lastWrite: Type.Optional(
    Type.String({
      maxLength: 64,
      description:
        'The last AWS or Redis write that succeeded, recorded with the status after it (<type> <digest>): a write found done without it is told as found after a restart. "pending <type> <digest>": a scale, delete, StopTask or flag write written ahead of its call, told as found done when its effect is seen.',
    }),
  ),
  imageTag: Type.Optional(
    Type.String({
      maxLength: 128,
      description: 'Tag (or short digest) of the image being released, for the IMAGE column.',
    }),
  ),
  migration: Type.Optional(
    Type.Object(
      {
        phase: described(MigrationPhase, 'Pending, Snapshotting, Running, Succeeded or Failed.'),
        snapshotId: Type.Optional(
          Type.String({ maxLength: 255, description: 'The RDS manual snapshot taken first.' }),
        ),
        taskArn: Type.Optional(described(Arn, 'The migration task (ECS RunTask).')),
        exitCode: Type.Optional(
          Type.Integer({ description: "The migration container's exit code." }),
        ),
        startedAt: Type.Optional(DateTime({ description: 'When the migration started.' })),
        finishedAt: Type.Optional(DateTime({ description: 'When it finished.' })),
        message: Type.Optional(Type.String({ maxLength: 1024, description: 'What happened.' })),
        revision: Type.Optional(
          Type.Integer({
            minimum: 0,
            format: 'int64',
            description:
              'The revision this record belongs to (a retry keeps a succeeded migration).',
          }),
        ),
        attempt: Type.Optional(
          Type.Integer({
            minimum: 0,
            description: 'Retries of a failed migration; part of the RunTask startedBy.',
          }),
        ),
        /**
         * Incremented by a retry after the snapshot failed: part of the snapshot id, since RDS keeps
         * a failed snapshot's identifier taken. A retry after the task failed keeps the snapshot.
         */
        snapshotAttempt: Type.Optional(
          Type.Integer({
            minimum: 0,
            description: 'Retries after a failed snapshot; part of the snapshot id.',
          }),
        ),
        snapshotFailed: Type.Optional(
          Type.Boolean({
            description: 'The snapshot of this record failed (the retry action takes a new one).',
          }),
        ),
        startedBy: Type.Optional(
          Type.String({
            maxLength: 128,
            description: 'RunTask idempotency key, written ahead of the call.',
          }),
        ),
        flagOn: Type.Optional(
          Type.Boolean({
            description: 'This revision turned the maintenance flag on, so it turns it off again.',
          }),
        ),
        flag: Type.Optional(
          Type.String({ maxLength: 128, description: 'The maintenance flag flagOn refers to.' }),
        ),
      },
      { description: 'The database migration of the revision (spec.migration).' },
    ),
  ),
  actions: Type.Optional(
    Type.Object(
      {
        promote: actionValue('promote'),
        abort: actionValue('abort'),
        retry: actionValue('retry'),
        approve: actionValue('approve'),
        rollback: actionValue('rollback'),
        lastIgnored: Type.Optional(
          Type.Object(
            {
              annotation: Type.String({ maxLength: 128, description: 'The annotation.' }),
              value: Type.String({ maxLength: 128, description: 'Its value (shortened).' }),
              message: Type.String({ maxLength: 1024, description: 'Why it was ignored.' }),
              at: DateTime({ description: 'When.' }),
            },
            {
              description:
                'The last action annotation that was ignored (another revision, malformed, not applicable), as its Warning event ActionIgnored said.',
            },
          ),
        ),
      },
      {
        description:
          'The last value of each action annotation already handled (each is applied once; a suffix, 3.2, makes a new request).',
      },
    ),
  ),
  deploymentLog: Type.Optional(
    Type.Array(DeploymentLogEntry, {
      maxItems: MAX_DEPLOYMENT_LOG,
      description: 'One line per finished revision, as the playbook DEPLOYMENT_LOG.md.',
    }),
  ),
  stage: Type.Optional(
    StringEnum(Object.values(ReleaseStage), {
      description: 'Where the revision is in its pipeline; phase is derived from it.',
    }),
  ),
  stableTargetGroupArn: Type.Optional(
    described(
      Arn,
      'The target group the stable task set serves; a promoted canary keeps its target group, which becomes the stable one.',
    ),
  ),
  trafficRouting: Type.Optional(
    Type.Object(
      {
        listenerArn: described(Arn, 'The ALB listener.'),
        targetGroupArns: Type.Array(Arn, { maxItems: 2, description: 'Its two target groups.' }),
      },
      {
        description:
          'The listener and target groups the current revision shifts traffic on, fixed when it starts.',
      },
    ),
  ),
  retiring: Type.Optional(
    Type.Object(
      {
        taskSetArn: described(Arn, 'The previous stable task set.'),
        revision: Type.Integer({ minimum: 0, format: 'int64', description: 'Its revision.' }),
        taskDefinitionArn: Type.Optional(described(Arn, 'Its task definition.')),
        deleteAt: DateTime({ description: 'When it is deleted.' }),
      },
      {
        description:
          'The previous stable task set, deleted at deleteAt (blue/green keeps it for scaleDownDelay).',
      },
    ),
  ),
  maintenanceFlagsLeftOn: Type.Optional(
    Type.Array(
      Type.Object({
        flag: Type.String({ maxLength: 128, description: 'The maintenance flag.' }),
        revision: Type.Integer({
          minimum: 0,
          format: 'int64',
          description: 'The revision that left it on.',
        }),
      }),
      {
        maxItems: MAX_FLAGS_LEFT_ON,
        description:
          'Maintenance flags an earlier revision left on; the next revision that completes healthy turns them off.',
      },
    ),
  ),
  pinnedSpecHash: Type.Optional(
    Type.String({
      maxLength: 128,
      description:
        'After the rollback action: the spec hash rolled back from; it starts no new revision until the spec changes or retry names the current revision.',
    }),
  ),
  attempt: Type.Optional(ReleaseAttempt),
});
export type ReleaseStatus = Static<typeof ReleaseStatus>;

/**
 * The attempt's fields as versions before `status.attempt` wrote them, at the top level. The CRD
 * still declares them (deprecated) so that the API server, which prunes fields its schema does
 * not name — also from objects read back from etcd — hands a status written before the upgrade to
 * the controller intact; plan/upgrade.ts moves them into `attempt` on the first reconcile, and the
 * status written then removes them. Frozen: a field added to the attempt later was never written
 * at the top level.
 */
export const LEGACY_ATTEMPT_FIELDS = [
  'outcome',
  'rollback',
  'pause',
  'currentStepIndex',
  'stepCount',
  'step',
  'nextStepAt',
  'stepStartedAt',
  'weightChangedAt',
  'progressStartedAt',
  'lastProgressAt',
  'analysis',
  'serviceUpdatedAt',
  'promotedGate',
  'smoke',
  'postDeployment',
  'preflight',
] as const satisfies readonly (keyof typeof attemptFields)[];
export type LegacyAttemptField = (typeof LEGACY_ATTEMPT_FIELDS)[number];

/** The status schema the CRD declares: ReleaseStatus plus the deprecated top-level fields. */
export const StoredReleaseStatus = Type.Object({
  ...ReleaseStatus.properties,
  ...Object.fromEntries(
    LEGACY_ATTEMPT_FIELDS.map((name) => [
      name,
      {
        ...attemptFields[name],
        description: `Deprecated: written by versions before status.attempt; moved to attempt.${name} by the next reconcile.`,
      },
    ]),
  ),
});

export type Release = CustomObject<'Release', ReleaseSpec, ReleaseStatus>;

export const releaseCrd: CrdDefinition = {
  names: ReleaseKind,
  description:
    'Release rolls a new revision (image, environment, secrets) of one ECS service out with a canary, blue/green or rolling strategy, gated by checks and metric analysis.',
  spec: ReleaseSpec,
  status: StoredReleaseStatus,
  printerColumns: [
    { name: 'Phase', type: 'string', jsonPath: '.status.phase' },
    { name: 'Strategy', type: 'string', jsonPath: '.status.strategy' },
    { name: 'Step', type: 'string', jsonPath: '.status.attempt.step' },
    { name: 'Weight', type: 'integer', jsonPath: '.status.currentWeight' },
    { name: 'Image', type: 'string', jsonPath: '.status.imageTag' },
    // The number operator actions name (`abort=3`), in the default view.
    {
      name: 'Revision',
      type: 'integer',
      jsonPath: '.status.revision.number',
      description: 'The revision in flight or last shipped; actions name it (abort=<revision>).',
    },
    readyColumn(),
    reasonColumn(),
    AGE_COLUMN,
    {
      name: 'Stable',
      type: 'integer',
      jsonPath: '.status.stableRevision.number',
      description: 'The last revision that completed healthy.',
      priority: 1,
    },
    messageColumn(),
  ],
};
