// FailoverPlan: regional disaster recovery for one ECS service (standby readiness, scale-up, DNS
// switch, validation, measured RTO) and the data-corruption safe mode (read-only flag, restore).
// The single source of truth for the CRD (crds/generate.ts) and the reconciler's types.
import { Type, type Static } from '@sinclair/typebox';
import {
  AwsRegion,
  DbInstanceIdentifier,
  DbSnapshotIdentifier,
  DnsName,
  EcsName,
  HostedZoneId,
} from '../shared/api/aws.js';
import { CommonReason, ConditionType } from '../shared/api/conditions.js';
import { FlagName } from '../shared/api/flag-names.js';
import { Duration } from '../shared/api/duration.js';
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
import { RedisRef } from '../shared/api/redis-ref.js';
import { StringEnum, described, withRules } from '../shared/api/schema.js';
import { commonStatusFields } from '../shared/api/status.js';

export const FailoverPlanKind = {
  group: API_GROUP,
  version: API_VERSION,
  plural: 'failoverplans',
  singular: 'failoverplan',
  kind: 'FailoverPlan',
  listKind: 'FailoverPlanList',
  shortNames: ['fp'],
} as const satisfies KindDescriptor<'FailoverPlan'>;

const regionalService = {
  region: AwsRegion(),
  cluster: EcsName({ description: 'ECS cluster name.' }),
  service: EcsName({ description: 'ECS service name.' }),
};

export const PrimarySite = Type.Object(regionalService, {
  description: 'Where the service normally runs.',
});

export const SecondarySite = Type.Object(
  {
    ...regionalService,
    desiredCount: Type.Optional(
      Type.Integer({
        minimum: 0,
        maximum: 5000,
        description:
          "Tasks to run after failing over; absent: match the primary's last known count.",
      }),
    ),
  },
  { description: 'The standby service in another region.' },
);

export const DnsRecordType = { CNAME: 'CNAME' } as const;
export type DnsRecordType = (typeof DnsRecordType)[keyof typeof DnsRecordType];

export const DnsSwitch = withRules(
  Type.Object({
    hostedZoneId: HostedZoneId(),
    recordName: DnsName({ description: 'Record that clients resolve, e.g. prod.latticedb.com.' }),
    type: Type.Optional(
      StringEnum(Object.values(DnsRecordType), {
        default: DnsRecordType.CNAME,
        description: 'Record type (CNAME to each region’s load balancer).',
      }),
    ),
    ttl: Type.Optional(
      Type.Integer({
        minimum: 0,
        maximum: 172800,
        default: 60,
        description: 'Record TTL in seconds; clients follow a failover within about this long.',
      }),
    ),
    primaryValue: DnsName({
      description: "Record value while the primary is active (its ALB's DNS name).",
    }),
    secondaryValue: DnsName({ description: 'Record value after failing over.' }),
  }),
  [
    {
      rule: 'self.primaryValue != self.secondaryValue',
      message: 'secondaryValue must differ from primaryValue',
      fieldPath: '.secondaryValue',
      check: (self) => self.primaryValue !== self.secondaryValue,
    },
  ],
);

/** What runs once the restored instance is available, before anyone re-points at it. */
export const RestoreValidation = withRules(
  Type.Object(
    {
      httpChecks: Type.Optional(
        Type.Array(HttpCheck, {
          maxItems: 10,
          description:
            'HTTP checks of the restored data (e.g. an internal data-check endpoint); re-run every poll until they pass.',
        }),
      ),
      task: Type.Optional(
        Type.Object(
          {
            container: EcsName({
              description:
                "Container of the primary service's current task definition whose command is overridden.",
            }),
            command: Type.Array(Type.String({ minLength: 1, maxLength: 4096 }), {
              minItems: 1,
              maxItems: 64,
              description:
                'The data validation queries (ECS RunTask in the primary region); exit code 0 passes. The task gets RESTORED_DB_INSTANCE, RESTORED_DB_HOST, RESTORED_DB_PORT and RESTORED_DB_ENDPOINT.',
            }),
            timeout: Type.Optional(
              Duration({
                min: '1s',
                default: '30m',
                description: 'The validation fails when the task has not stopped after this long.',
              }),
            ),
          },
          { description: 'A one-off ECS task whose exit code decides.' },
        ),
      ),
    },
    {
      description:
        'Validation of the restored instance once it is available: HTTP checks and/or an ECS task.',
    },
  ),
  [
    {
      rule: 'has(self.httpChecks) || has(self.task)',
      message: 'validation needs httpChecks or a task',
      reason: 'FieldValueRequired',
      check: (self) => self.httpChecks !== undefined || self.task !== undefined,
    },
  ],
);
export type RestoreValidation = Static<typeof RestoreValidation>;

export const SafeMode = withRules(
  Type.Object(
    {
      enabled: Type.Optional(
        Type.Boolean({
          default: false,
          description:
            'Turn safe mode on: the read-only flag on at once (writes stopped), then the evidence snapshot (snapshot) and the restore (restore), when declared.',
        }),
      ),
      reason: Type.Optional(
        Type.String({
          maxLength: 1024,
          description: 'Why safe mode is on; required while enabled.',
        }),
      ),
      readOnlyFlag: Type.Optional(
        FlagName({
          default: 'read_only_mode',
          description: 'Flag turned on while in safe mode (default read_only_mode).',
        }),
      ),
      snapshot: Type.Optional(
        Type.Object(
          { dbInstanceIdentifier: DbInstanceIdentifier() },
          {
            description: 'Snapshot taken when safe mode turns on (evidence of the corrupt state).',
          },
        ),
      ),
      restore: Type.Optional(
        withRules(
          Type.Object(
            {
              dbInstanceIdentifier: DbInstanceIdentifier({ description: 'The affected instance.' }),
              snapshotIdentifier: Type.Optional(
                DbSnapshotIdentifier({
                  description: 'Snapshot to restore; nothing is restored without it.',
                }),
              ),
              targetInstanceIdentifier: DbInstanceIdentifier({
                description: 'New instance created from the snapshot.',
              }),
              validation: Type.Optional(RestoreValidation),
            },
            {
              description: 'Point-in-snapshot restore into a new instance (never over the source).',
            },
          ),
          [
            {
              rule: 'self.targetInstanceIdentifier != self.dbInstanceIdentifier',
              message:
                'targetInstanceIdentifier must differ from dbInstanceIdentifier (restore creates a new instance)',
              fieldPath: '.targetInstanceIdentifier',
              check: (self) => self.targetInstanceIdentifier !== self.dbInstanceIdentifier,
            },
          ],
        ),
      ),
    },
    {
      description:
        'Data-corruption safe mode: read-only flag on, changes frozen, optional restore.',
    },
  ),
  [
    {
      rule: '!has(self.enabled) || !self.enabled || (has(self.reason) && self.reason.trim().size() > 0)',
      message: 'a reason is required while safe mode is enabled',
      fieldPath: '.reason',
      reason: 'FieldValueRequired',
      check: (self) => self.enabled !== true || (self.reason ?? '').trim().length > 0,
    },
  ],
);
export type SafeMode = Static<typeof SafeMode>;

export const FailoverPlanSpec = withRules(
  Type.Object({
    primary: PrimarySite,
    secondary: SecondarySite,
    dns: described(DnsSwitch, 'The Route 53 record switched from primary to secondary.'),
    healthChecks: Type.Optional(
      Type.Array(HttpCheck, {
        maxItems: 10,
        description: 'Readiness of the standby, evaluated continuously.',
      }),
    ),
    activeRegion: AwsRegion({
      description: 'The region that should serve; set it to the secondary region to fail over.',
    }),
    validation: Type.Optional(
      Type.Array(HttpCheck, {
        maxItems: 10,
        description: 'Checks after a switch, before it counts as done.',
      }),
    ),
    force: Type.Optional(
      Type.Boolean({
        default: false,
        description:
          'Fail over (or back) even when the target site is not ready; status.lastFailover.forced records it.',
      }),
    ),
    safeMode: Type.Optional(SafeMode),
    redis: Type.Optional(RedisRef),
    suspend: Type.Optional(
      Type.Boolean({ default: false, description: 'Stop acting (keep observing).' }),
    ),
  }),
  [
    {
      rule: 'self.secondary.region != self.primary.region',
      message: 'secondary.region must differ from primary.region',
      fieldPath: '.secondary.region',
      check: (self) => self.secondary.region !== self.primary.region,
    },
    {
      rule: 'self.activeRegion == self.primary.region || self.activeRegion == self.secondary.region',
      message: 'activeRegion must be the primary or the secondary region',
      messageExpression:
        "'activeRegion must be ' + self.primary.region + ' (primary) or ' + self.secondary.region + ' (secondary), not ' + self.activeRegion",
      fieldPath: '.activeRegion',
      check: (self) =>
        self.activeRegion === self.primary.region || self.activeRegion === self.secondary.region,
    },
  ],
);
export type FailoverPlanSpec = Static<typeof FailoverPlanSpec>;

export const FailoverPlanPhase = {
  Standby: 'Standby',
  Ready: 'Ready',
  FailingOver: 'FailingOver',
  FailedOver: 'FailedOver',
  FailingBack: 'FailingBack',
  SafeMode: 'SafeMode',
  Restoring: 'Restoring',
  Degraded: 'Degraded',
} as const;
export type FailoverPlanPhase = (typeof FailoverPlanPhase)[keyof typeof FailoverPlanPhase];
export const FailoverPlanPhaseSchema = StringEnum(Object.values(FailoverPlanPhase));

export const FailoverPlanConditionType = {
  ...ConditionType,
  StandbyReady: 'StandbyReady',
  SafeMode: 'SafeMode',
} as const;
export type FailoverPlanConditionType =
  (typeof FailoverPlanConditionType)[keyof typeof FailoverPlanConditionType];

export const FailoverPlanReason = {
  ...CommonReason,
  StandbyHealthy: 'StandbyHealthy',
  StandbyUnhealthy: 'StandbyUnhealthy',
  RegionUnreadable: 'RegionUnreadable',
  DnsUnreadable: 'DnsUnreadable',
  ServingUnknown: 'ServingUnknown',
  ClusterNotFound: 'ClusterNotFound',
  ClusterNotActive: 'ClusterNotActive',
  ServiceNotFound: 'ServiceNotFound',
  ServiceNotActive: 'ServiceNotActive',
  ImageMismatch: 'ImageMismatch',
  HostedZoneNotFound: 'HostedZoneNotFound',
  RecordNotFound: 'RecordNotFound',
  HealthCheckFailed: 'HealthCheckFailed',
  TargetNotReady: 'TargetNotReady',
  ScalingTarget: 'ScalingTarget',
  WaitingForTasks: 'WaitingForTasks',
  SwitchingDns: 'SwitchingDns',
  WaitingForDnsSync: 'WaitingForDnsSync',
  Validating: 'Validating',
  FailedBack: 'FailedBack',
  FailingOver: 'FailingOver',
  FailedOver: 'FailedOver',
  FailingBack: 'FailingBack',
  ValidationFailed: 'ValidationFailed',
  SafeModeEnabled: 'SafeModeEnabled',
  TakingEvidenceSnapshot: 'TakingEvidenceSnapshot',
  SafeModeDisabled: 'SafeModeDisabled',
  Restoring: 'Restoring',
  Restored: 'Restored',
  ValidatingRestore: 'ValidatingRestore',
  RestoreValidated: 'RestoreValidated',
  RestoreValidationFailed: 'RestoreValidationFailed',
  SnapshotNotFound: 'SnapshotNotFound',
  InstanceNotOwned: 'InstanceNotOwned',
  FlagStoreUnavailable: 'FlagStoreUnavailable',
} as const;
export type FailoverPlanReason = (typeof FailoverPlanReason)[keyof typeof FailoverPlanReason];

/**
 * The reasons plan/readiness.ts gives a site that could not take over (`status.standby.reason`);
 * the steady state of a plan whose standby is one of these is Degraded with that reason, which the
 * `standby-not-ready` notification (reconcilers/notify.ts) selects.
 */
export const StandbyNotReadyReasons = [
  FailoverPlanReason.RegionUnreadable,
  FailoverPlanReason.DnsUnreadable,
  FailoverPlanReason.ClusterNotFound,
  FailoverPlanReason.ClusterNotActive,
  FailoverPlanReason.ServiceNotFound,
  FailoverPlanReason.ServiceNotActive,
  FailoverPlanReason.ImageMismatch,
  FailoverPlanReason.HostedZoneNotFound,
  FailoverPlanReason.RecordNotFound,
  FailoverPlanReason.HealthCheckFailed,
] as const;

export const StepOutcome = StringEnum(['Running', 'Succeeded', 'Failed', 'Skipped']);

/** The steps of a failover (or failback), in order. */
export const FailoverStepName = {
  VerifyTarget: 'VerifyTarget',
  ScaleTarget: 'ScaleTarget',
  SwitchDns: 'SwitchDns',
  Validate: 'Validate',
} as const;
export type FailoverStepName = (typeof FailoverStepName)[keyof typeof FailoverStepName];

export const FailoverStep = Type.Object({
  name: StringEnum(Object.values(FailoverStepName), { description: 'Which step.' }),
  startedAt: DateTime({ description: 'When the step began.' }),
  completedAt: Type.Optional(DateTime({ description: 'When it succeeded (or was skipped).' })),
  outcome: described(StepOutcome, 'Running, Succeeded, Failed or Skipped.'),
  message: Type.Optional(
    Type.String({ maxLength: 1024, description: 'What the step did or waits for.' }),
  ),
  desiredCount: Type.Optional(
    Type.Integer({
      minimum: 0,
      description: 'ScaleTarget: the desired count set on the target service.',
    }),
  ),
  changeId: Type.Optional(
    Type.String({
      maxLength: 128,
      description: 'SwitchDns: the Route 53 change id, polled until INSYNC.',
    }),
  ),
});
export type FailoverStep = Static<typeof FailoverStep>;

export const StandbyCheck = Type.Object(
  {
    checkedAt: DateTime({ description: 'When the standby was last evaluated.' }),
    region: Type.String({ maxLength: 32, description: 'The site evaluated.' }),
    reason: Type.String({
      maxLength: 64,
      description:
        'StandbyHealthy, or the first thing wrong: RegionUnreadable, DnsUnreadable, ClusterNotFound, ClusterNotActive, ServiceNotFound, ServiceNotActive, ImageMismatch, HostedZoneNotFound, RecordNotFound, HealthCheckFailed.',
    }),
    message: Type.String({
      maxLength: 1024,
      description: 'Everything found wrong, or what passed.',
    }),
  },
  { description: 'The latest standby readiness evaluation.' },
);
export type StandbyCheck = Static<typeof StandbyCheck>;

export const RestoreValidationStatus = Type.Object(
  {
    of: Type.String({
      maxLength: 320,
      description: 'The restore validated: <snapshotIdentifier>/<targetInstanceIdentifier>.',
    }),
    phase: StringEnum(['Running', 'Passed', 'Failed'], {
      description: 'Running, Passed or Failed.',
    }),
    startedAt: DateTime({ description: 'When the validation began.' }),
    finishedAt: Type.Optional(DateTime({ description: 'When it passed or failed.' })),
    startedBy: Type.Optional(
      Type.String({
        maxLength: 36,
        description: "The validation task's ECS startedBy (written before RunTask).",
      }),
    ),
    taskArn: Type.Optional(Type.String({ maxLength: 2048, description: 'The validation task.' })),
    taskStatus: Type.Optional(
      Type.String({ maxLength: 64, description: "The task's last ECS status." }),
    ),
    exitCode: Type.Optional(
      Type.Integer({ description: "The validation container's exit code (0 passes)." }),
    ),
    checks: Type.Optional(
      Type.Array(
        Type.Object({
          name: Type.String({ maxLength: 256, description: 'The check.' }),
          passed: Type.Boolean({ description: 'Whether it passed.' }),
          message: Type.String({ maxLength: 1024, description: 'What was measured.' }),
        }),
        { maxItems: 10, description: 'The HTTP checks as last measured.' },
      ),
    ),
    message: Type.Optional(
      Type.String({ maxLength: 1024, description: 'The result, with the measured values.' }),
    ),
  },
  { description: 'Validation of the restored instance (spec.safeMode.restore.validation).' },
);

export const FailoverPlanStatus = Type.Object({
  ...commonStatusFields(FailoverPlanPhaseSchema),
  activeRegion: Type.Optional(
    Type.String({ maxLength: 32, description: 'The region the DNS record serves now.' }),
  ),
  standbyReady: Type.Optional(
    Type.Boolean({ description: 'Whether the standby site could take over now.' }),
  ),
  standby: Type.Optional(StandbyCheck),
  ignoredAnnotation: Type.Optional(
    Type.String({
      maxLength: 64,
      description: 'The last failover annotation value ignored (told once as ActionIgnored).',
    }),
  ),
  requested: Type.Optional(
    Type.Object(
      {
        region: Type.String({ maxLength: 32, description: 'The region the annotation asked for.' }),
        value: Type.String({
          maxLength: 64,
          description: 'The annotation value handled (each once).',
        }),
        specActiveRegion: Type.String({
          maxLength: 32,
          description:
            'spec.activeRegion when the request was handled; a later change of spec.activeRegion wins over it.',
        }),
        at: DateTime({ description: 'When it was handled.' }),
        absorbed: Type.Optional(
          Type.Boolean({
            description: 'spec.activeRegion came to name the same region: it rules again.',
          }),
        ),
      },
      {
        description:
          'The last delivery.latticedb.com/failover annotation handled: it overrides spec.activeRegion until spec.activeRegion changes or names the same region (absorbed).',
      },
    ),
  ),
  primaryRunningCount: Type.Optional(
    Type.Integer({
      minimum: 0,
      description:
        "The primary's running task count, last seen while it was active (the standby's size when secondary.desiredCount is absent).",
    }),
  ),
  lastFailover: Type.Optional(
    Type.Object(
      {
        from: Type.String({ maxLength: 32, description: 'Region that served before.' }),
        to: Type.String({ maxLength: 32, description: 'Region that serves after.' }),
        direction: Type.Optional(
          StringEnum(['Failover', 'Failback'], {
            description: 'Failover: to the secondary; Failback: back to the primary.',
          }),
        ),
        trigger: Type.Optional(
          Type.String({ maxLength: 256, description: 'What started it (spec or annotation).' }),
        ),
        forced: Type.Optional(
          Type.Boolean({ description: 'Went on with a target that was not ready (spec.force).' }),
        ),
        startedAt: DateTime({ description: 'The trigger: when the change was first seen.' }),
        completedAt: Type.Optional(DateTime({ description: 'When validation passed.' })),
        rtoSeconds: Type.Optional(
          Type.Integer({ minimum: 0, description: 'Measured: trigger → validated.' }),
        ),
        steps: Type.Optional(
          Type.Array(FailoverStep, {
            maxItems: 20,
            description: 'Its steps in order, each with its times and outcome.',
          }),
        ),
      },
      { description: 'The latest failover or failback, with its steps.' },
    ),
  ),
  safeMode: Type.Optional(
    Type.Object(
      {
        active: Type.Boolean({ description: 'Whether the read-only flag is on for this plan.' }),
        since: Type.Optional(DateTime({ description: 'When the flag went on.' })),
        reason: Type.Optional(
          Type.String({ maxLength: 1024, description: 'spec.safeMode.reason when it went on.' }),
        ),
        flag: Type.Optional(Type.String({ maxLength: 128, description: 'The read-only flag.' })),
        flagOwner: Type.Optional(
          Type.String({
            maxLength: 320,
            description:
              "The controller that last wrote the read-only flag before safe mode (a FlagRollout's controller:<ns>/<name>); safe mode off hands the flag back to it.",
          }),
        ),
        snapshots: Type.Optional(
          Type.Array(
            Type.Object({
              id: Type.String({ maxLength: 255, description: 'The DB snapshot identifier.' }),
              status: Type.String({
                maxLength: 64,
                description: "RDS's status of the snapshot (available, creating, …).",
              }),
              createdAt: Type.Optional(DateTime({ description: 'When the snapshot was taken.' })),
            }),
            {
              maxItems: 10,
              description: "The database's snapshots, newest first (the 10 newest).",
            },
          ),
        ),
        evidenceSnapshot: Type.Optional(
          Type.String({
            maxLength: 255,
            description:
              'The snapshot of spec.safeMode.snapshot.dbInstanceIdentifier taken once the read-only flag was on (evidence of the corrupt state), named <instance>-evidence-<first 8 hex digits of the plan UID>-<since>; never deleted.',
          }),
        ),
        snapshotId: Type.Optional(
          Type.String({ maxLength: 255, description: 'The snapshot restored from.' }),
        ),
        restoredInstance: Type.Optional(
          Type.String({ maxLength: 63, description: 'The instance restored into.' }),
        ),
        restoreStatus: Type.Optional(
          Type.String({ maxLength: 64, description: "The restored instance's RDS status." }),
        ),
        endpoint: Type.Optional(
          Type.String({
            maxLength: 300,
            description: "The restored instance's endpoint (host:port).",
          }),
        ),
        nextStep: Type.Optional(
          Type.String({ maxLength: 1024, description: 'What a person does next.' }),
        ),
        validation: Type.Optional(RestoreValidationStatus),
      },
      { description: 'The data-corruption safe mode as applied.' },
    ),
  ),
});
export type FailoverPlanStatus = Static<typeof FailoverPlanStatus>;

export type FailoverPlan = CustomObject<'FailoverPlan', FailoverPlanSpec, FailoverPlanStatus>;

export const failoverPlanCrd: CrdDefinition = {
  names: FailoverPlanKind,
  description:
    'FailoverPlan keeps a standby region ready for one ECS service, fails over (scale, DNS switch, validation) when activeRegion changes, and runs the data-corruption safe mode.',
  spec: FailoverPlanSpec,
  status: FailoverPlanStatus,
  printerColumns: [
    { name: 'Active', type: 'string', jsonPath: '.status.activeRegion' },
    { name: 'Standby-Ready', type: 'boolean', jsonPath: '.status.standbyReady' },
    { name: 'Phase', type: 'string', jsonPath: '.status.phase' },
    // The unit in the name: kubectl prints an integer bare (a `2` read as minutes is wrong).
    {
      name: 'Last-RTO-Seconds',
      type: 'integer',
      jsonPath: '.status.lastFailover.rtoSeconds',
      description: 'Seconds from the trigger of the last failover or failback to its validation.',
    },
    readyColumn(),
    reasonColumn(),
    AGE_COLUMN,
    messageColumn(),
  ],
};
