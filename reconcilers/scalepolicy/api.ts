// ScalePolicy: the one owner of an ECS service's desired count. Either a fixed count, reached
// gradually (scale-down in steps with health checks between them), or Application Auto Scaling
// bounds and policies, in which case the policy never writes desiredCount against the autoscaler.
// The single source of truth for the CRD (crds/generate.ts) and the reconciler's types.
import { Type, type Static } from '@sinclair/typebox';
import { CommonReason, ConditionType } from '../shared/api/conditions.js';
import { Duration } from '../shared/api/duration.js';
import { MetricCheck, MetricMeasurement } from '../shared/api/metric-check.js';
import { EcsServiceRef } from '../shared/api/ecs-service-ref.js';
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
import { StringEnum, immutable, withRules } from '../shared/api/schema.js';
import { commonStatusFields } from '../shared/api/status.js';

export const ScalePolicyKind = {
  group: API_GROUP,
  version: API_VERSION,
  plural: 'scalepolicies',
  singular: 'scalepolicy',
  kind: 'ScalePolicy',
  listKind: 'ScalePolicyList',
  shortNames: ['sp'],
} as const satisfies KindDescriptor<'ScalePolicy'>;

/** ECS's own limit on tasks per service. */
export const MAX_TASKS = 5000;

const TaskCount = (description: string) =>
  Type.Integer({ minimum: 0, maximum: MAX_TASKS, description });

export const PredefinedMetric = {
  ECSServiceAverageCPUUtilization: 'ECSServiceAverageCPUUtilization',
  ECSServiceAverageMemoryUtilization: 'ECSServiceAverageMemoryUtilization',
  ALBRequestCountPerTarget: 'ALBRequestCountPerTarget',
} as const;
export type PredefinedMetric = (typeof PredefinedMetric)[keyof typeof PredefinedMetric];

export const TargetTrackingPolicy = withRules(
  Type.Object({
    predefinedMetric: StringEnum(Object.values(PredefinedMetric), {
      description:
        'The predefined metric to track: average CPU or memory utilization of the service, or ALB requests per target.',
    }),
    resourceLabel: Type.Optional(
      Type.String({
        pattern: '^app/[A-Za-z0-9-]+/[0-9a-f]{16}/targetgroup/[A-Za-z0-9-]+/[0-9a-f]{16}$',
        maxLength: 1023,
        description:
          'app/<alb>/<id>/targetgroup/<tg>/<id>: the target group whose requests are counted; required for ALBRequestCountPerTarget.',
      }),
    ),
    target: Type.Number({
      exclusiveMinimum: 0,
      maximum: 1e6,
      description: 'Target value: percent for utilization metrics, requests per target for ALB.',
    }),
    scaleInCooldown: Type.Optional(
      Duration({
        default: '5m',
        max: '24h',
        description: 'Wait after a scale-in before another scale-in (whole seconds are sent).',
      }),
    ),
    scaleOutCooldown: Type.Optional(
      Duration({
        default: '1m',
        max: '24h',
        description: 'Wait after a scale-out before another scale-out (whole seconds are sent).',
      }),
    ),
    disableScaleIn: Type.Optional(
      Type.Boolean({
        default: false,
        description: 'true: this policy only scales out; scale-in is left to other policies.',
      }),
    ),
  }),
  [
    {
      rule: "self.predefinedMetric == 'ALBRequestCountPerTarget' ? has(self.resourceLabel) : !has(self.resourceLabel)",
      message: 'resourceLabel is required for ALBRequestCountPerTarget and only allowed with it',
      fieldPath: '.resourceLabel',
      check: (self) =>
        (self.predefinedMetric === PredefinedMetric.ALBRequestCountPerTarget) ===
        (self.resourceLabel !== undefined),
    },
    {
      rule: "self.predefinedMetric == 'ALBRequestCountPerTarget' || self.target <= 100.0",
      message: 'a utilization target is a percentage: at most 100',
      fieldPath: '.target',
      check: (self) =>
        self.predefinedMetric === PredefinedMetric.ALBRequestCountPerTarget || self.target <= 100,
    },
  ],
);
TargetTrackingPolicy.description = 'A target-tracking scaling policy on a predefined metric.';
export type TargetTrackingPolicy = Static<typeof TargetTrackingPolicy>;

const minMaxRule = {
  rule: '!has(self.minCapacity) || !has(self.maxCapacity) || self.minCapacity <= self.maxCapacity',
  message: 'minCapacity must not exceed maxCapacity',
  fieldPath: '.minCapacity',
  check: (self: { minCapacity?: number; maxCapacity?: number }) =>
    self.minCapacity === undefined ||
    self.maxCapacity === undefined ||
    self.minCapacity <= self.maxCapacity,
};

export const ScheduledAction = withRules(
  Type.Object({
    name: Type.String({
      pattern: '^[A-Za-z0-9][A-Za-z0-9_.-]*$',
      maxLength: 128,
      description:
        'Name of the action; in AWS it is latticedb-<object uid>-<name>, so it is recognised as this object’s.',
    }),
    schedule: Type.String({
      pattern:
        '^(cron\\([^()]+\\)|rate\\([1-9][0-9]* (minute|minutes|hour|hours|day|days)\\)|at\\([0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}\\))$',
      maxLength: 256,
      description: 'Application Auto Scaling schedule: cron(...), rate(...) or at(...).',
    }),
    timezone: Type.Optional(
      Type.String({
        pattern: '^[A-Za-z0-9_+/-]+$',
        maxLength: 64,
        description: 'IANA time zone of a cron() or at() schedule (default UTC).',
      }),
    ),
    minCapacity: Type.Optional(TaskCount('Minimum while the action is in effect.')),
    maxCapacity: Type.Optional(TaskCount('Maximum while the action is in effect.')),
  }),
  [
    minMaxRule,
    {
      rule: 'has(self.minCapacity) || has(self.maxCapacity)',
      message: 'a scheduled action sets minCapacity, maxCapacity or both',
      check: (self) => self.minCapacity !== undefined || self.maxCapacity !== undefined,
    },
  ],
);
ScheduledAction.description = 'An Application Auto Scaling scheduled action on this service.';

export const Autoscaling = withRules(
  Type.Object({
    minCapacity: TaskCount('Lower bound for Application Auto Scaling.'),
    maxCapacity: Type.Integer({
      minimum: 1,
      maximum: MAX_TASKS,
      description: 'Upper bound for Application Auto Scaling.',
    }),
    targetTracking: Type.Optional(
      Type.Array(TargetTrackingPolicy, {
        maxItems: 3,
        'x-kubernetes-list-type': 'map',
        'x-kubernetes-list-map-keys': ['predefinedMetric'],
        description: 'Target-tracking policies, one per predefined metric.',
      }),
    ),
    scheduled: Type.Optional(
      Type.Array(ScheduledAction, {
        maxItems: 20,
        'x-kubernetes-list-type': 'map',
        'x-kubernetes-list-map-keys': ['name'],
        description: 'Scheduled actions that change min/max at given times.',
      }),
    ),
  }),
  [minMaxRule],
);
Autoscaling.description =
  'Application Auto Scaling for the service: the scalable target (min/max), target-tracking policies and scheduled actions. The count is then the autoscaler’s (desiredCount is reached first).';

export const DeletionPolicy = { Retain: 'Retain', Delete: 'Delete' } as const;
export type DeletionPolicy = (typeof DeletionPolicy)[keyof typeof DeletionPolicy];

export const ScaleDown = Type.Object(
  {
    step: Type.Optional(
      Type.Integer({
        minimum: 1,
        maximum: MAX_TASKS,
        default: 1,
        description: 'Tasks removed per step.',
      }),
    ),
    interval: Type.Optional(
      Duration({
        min: '1s',
        default: '5m',
        description:
          'Time between two scale-down steps (the next one is due at a time stored in status).',
      }),
    ),
    healthCheck: Type.Optional(
      Type.Boolean({
        default: true,
        description:
          'Before each step the service must be healthy: running = desired and no failed tasks since the last step. false: steps follow the interval only.',
      }),
    ),
    analysis: Type.Optional(
      Type.Array(MetricCheck, {
        maxItems: 10,
        'x-kubernetes-list-type': 'map',
        'x-kubernetes-list-map-keys': ['name'],
        description:
          'Metric checks measured once when a step is due (e.g. CPU below a ceiling, so removing tasks is safe); every one must be Successful, else the scale-down halts at the current count and measures again at the next poll. Query, window and conditions apply; count, interval and the failure/inconclusive limits are not used here.',
      }),
    ),
  },
  {
    description:
      'How a lower desiredCount is reached: step tasks at a time, interval apart, each step after the health gate.',
  },
);

export const ScalePolicySpec = withRules(
  Type.Object({
    target: withRules(EcsServiceRef, [immutable('target')]),
    desiredCount: Type.Optional(
      TaskCount('Fixed task count; with autoscaling, only the initial count (within the bounds).'),
    ),
    scaleDown: Type.Optional(ScaleDown),
    autoscaling: Type.Optional(Autoscaling),
    progressDeadline: Type.Optional(
      Duration({
        min: '1s',
        default: '10m',
        description:
          'How long runningCount may stay below desiredCount after a change before the policy is Stalled (with ECS’s own service events as the reason).',
      }),
    ),
    deletionPolicy: Type.Optional(
      StringEnum(Object.values(DeletionPolicy), {
        default: DeletionPolicy.Delete,
        description:
          'Delete: deleting the ScalePolicy removes the scalable target, policies and scheduled actions it created (a finalizer). Retain: leaves them as they are. The desired count is never changed by a deletion.',
      }),
    ),
    suspend: Type.Optional(
      Type.Boolean({ default: false, description: 'Stop acting (keep observing).' }),
    ),
  }),
  [
    {
      rule: 'has(self.desiredCount) || has(self.autoscaling)',
      message: 'set desiredCount, autoscaling or both',
      check: (self) => self.desiredCount !== undefined || self.autoscaling !== undefined,
    },
    {
      rule: '!has(self.desiredCount) || !has(self.autoscaling) || (self.desiredCount >= self.autoscaling.minCapacity && self.desiredCount <= self.autoscaling.maxCapacity)',
      message: 'with autoscaling, desiredCount must lie within [minCapacity, maxCapacity]',
      fieldPath: '.desiredCount',
      check: (self) =>
        self.desiredCount === undefined ||
        self.autoscaling === undefined ||
        (self.desiredCount >= self.autoscaling.minCapacity &&
          self.desiredCount <= self.autoscaling.maxCapacity),
    },
  ],
);
export type ScalePolicySpec = Static<typeof ScalePolicySpec>;

export const ScalePolicyPhase = {
  Stable: 'Stable',
  ScalingUp: 'ScalingUp',
  ScalingDown: 'ScalingDown',
  WaitingForTasks: 'WaitingForTasks',
  Suspended: 'Suspended',
  /** Stalled: a person must act (service missing, tasks cannot be placed, InvalidSpec). */
  Degraded: 'Degraded',
} as const;
export type ScalePolicyPhase = (typeof ScalePolicyPhase)[keyof typeof ScalePolicyPhase];
export const ScalePolicyPhaseSchema = StringEnum(Object.values(ScalePolicyPhase));

export const ScalePolicyConditionType = {
  ...ConditionType,
  AutoscalingRegistered: 'AutoscalingRegistered',
  /** The last health gate before a scale-down step. */
  HealthChecksPassed: 'HealthChecksPassed',
  /** A Release of the same service is in flight: scale-down waits, dynamic scale-in suspended. */
  ReleaseInFlight: 'ReleaseInFlight',
  /**
   * A FailoverPlan holds the service (a failover in flight or safe mode, or it serves from this
   * service as its standby): scale-down waits, dynamic scale-in and scheduled scaling suspended.
   */
  FailoverPlanHold: 'FailoverPlanHold',
} as const;
export type ScalePolicyConditionType =
  (typeof ScalePolicyConditionType)[keyof typeof ScalePolicyConditionType];

export const ScalePolicyReason = {
  ...CommonReason,
  Stable: 'Stable',
  ScalingUp: 'ScalingUp',
  ScalingDown: 'ScalingDown',
  WaitingForTasks: 'WaitingForTasks',
  HealthCheckFailed: 'HealthCheckFailed',
  Registered: 'Registered',
  SafeModeHold: 'SafeModeHold',
  ServiceNotFound: 'ServiceNotFound',
  PlacementFailed: 'PlacementFailed',
  HealthChecksPassed: 'HealthChecksPassed',
  WaitingForInterval: 'WaitingForInterval',
  WaitingForRelease: 'WaitingForRelease',
  NoRelease: 'NoRelease',
  HeldByFailoverPlan: 'HeldByFailoverPlan',
  NotHeld: 'NotHeld',
  NotRegistered: 'NotRegistered',
  DriftDetected: 'DriftDetected',
} as const;
export type ScalePolicyReason = (typeof ScalePolicyReason)[keyof typeof ScalePolicyReason];

export const CountMover = {
  Controller: 'Controller',
  Autoscaler: 'Autoscaler',
  Other: 'Other',
} as const;
export type CountMover = (typeof CountMover)[keyof typeof CountMover];

export const ScalePolicyStatus = Type.Object({
  ...commonStatusFields(ScalePolicyPhaseSchema),
  desired: Type.Optional(
    Type.Integer({ minimum: 0, description: 'ECS desiredCount as last observed.' }),
  ),
  running: Type.Optional(
    Type.Integer({ minimum: 0, description: 'ECS runningCount as last observed.' }),
  ),
  pending: Type.Optional(Type.Integer({ description: 'ECS pendingCount as last observed.' })),
  failedTasks: Type.Optional(
    Type.Integer({
      minimum: 0,
      description: 'Failed tasks ECS reports over the service deployments, as last observed.',
    }),
  ),
  lastScaleAt: Type.Optional(
    DateTime({ description: 'When this controller last changed desiredCount.' }),
  ),
  lastMovedBy: Type.Optional(
    StringEnum(Object.values(CountMover), {
      description:
        'Who moved desiredCount last: this controller, Application Auto Scaling, or someone else (console, CLI).',
    }),
  ),
  lastMovedAt: Type.Optional(DateTime({ description: 'When that move was first observed.' })),
  scaling: Type.Optional(
    Type.Object(
      {
        goal: Type.Integer({
          minimum: 0,
          description: 'The count this policy is heading for (spec.desiredCount when set).',
        }),
        count: Type.Integer({
          minimum: 0,
          description:
            'The desiredCount this controller last set (written ahead of the UpdateService call).',
        }),
        from: Type.Optional(
          Type.Integer({ minimum: 0, description: 'The desiredCount before that change.' }),
        ),
        at: DateTime({ description: 'When that change was decided.' }),
        nextStepAt: Type.Optional(
          DateTime({
            description:
              'When the next scale-down step is due (a time in status, so it survives restarts).',
          }),
        ),
        failedTasksAtStep: Type.Optional(
          Type.Integer({
            minimum: 0,
            description:
              'failedTasks when that change was made: more since then fail the health gate.',
          }),
        ),
        reached: Type.Optional(
          Type.Boolean({
            description:
              'The goal was reached; with autoscaling the count is then left to the autoscaler.',
          }),
        ),
      },
      { description: 'The count this controller owns and where it is in getting there.' },
    ),
  ),
  health: Type.Optional(
    Type.Object(
      {
        checkedAt: DateTime({ description: 'When the gate was evaluated.' }),
        healthy: Type.Boolean({ description: 'Whether the next scale-down step may go ahead.' }),
        message: Type.String({
          maxLength: 1024,
          description: 'Why (or why not), with the values.',
        }),
        measurements: Type.Optional(
          Type.Array(MetricMeasurement, {
            maxItems: 10,
            description: 'The analysis metrics measured for the gate (scaleDown.analysis).',
          }),
        ),
      },
      { description: 'The last health gate before a scale-down step.' },
    ),
  ),
  autoscaling: Type.Optional(
    Type.Object(
      {
        registered: Type.Boolean({
          description: 'This object registered the scalable target (and deregisters it).',
        }),
        minCapacity: Type.Optional(
          Type.Integer({ minimum: 0, description: 'The scalable target minimum last applied.' }),
        ),
        maxCapacity: Type.Optional(
          Type.Integer({ minimum: 0, description: 'The scalable target maximum last applied.' }),
        ),
        policies: Type.Optional(
          Type.Array(Type.String({ maxLength: 256 }), {
            maxItems: 30,
            description:
              'Scaling policies this object created (only these are ever changed or deleted).',
          }),
        ),
        scheduledActions: Type.Optional(
          Type.Array(Type.String({ maxLength: 256 }), {
            maxItems: 30,
            description: 'Scheduled actions this object created.',
          }),
        ),
        scaleInSuspendedFor: Type.Optional(
          Type.String({
            maxLength: 253,
            description:
              'The Release (or "FailoverPlan <name>", which also suspends scheduled scaling) during whose run this object suspended dynamic scale-in (restored after).',
          }),
        ),
      },
      { description: 'What this object holds in Application Auto Scaling.' },
    ),
  ),
});
export type ScalePolicyStatus = Static<typeof ScalePolicyStatus>;

export type ScalePolicy = CustomObject<'ScalePolicy', ScalePolicySpec, ScalePolicyStatus>;

export const scalePolicyCrd: CrdDefinition = {
  names: ScalePolicyKind,
  description:
    'ScalePolicy owns the desired count of one ECS service: a fixed count reached gradually, or Application Auto Scaling bounds and policies.',
  spec: ScalePolicySpec,
  status: ScalePolicyStatus,
  printerColumns: [
    { name: 'Service', type: 'string', jsonPath: '.spec.target.service' },
    { name: 'Desired', type: 'integer', jsonPath: '.status.desired' },
    { name: 'Running', type: 'integer', jsonPath: '.status.running' },
    { name: 'Min', type: 'integer', jsonPath: '.spec.autoscaling.minCapacity' },
    { name: 'Max', type: 'integer', jsonPath: '.spec.autoscaling.maxCapacity' },
    { name: 'Phase', type: 'string', jsonPath: '.status.phase' },
    readyColumn(),
    reasonColumn(),
    AGE_COLUMN,
    messageColumn(),
  ],
};
