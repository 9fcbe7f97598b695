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

export const SafeMode = withRules(
  Type.Object(
    {
      enabled: Type.Optional(
        Type.Boolean({
          default: false,
          description: 'Turn safe mode on: read-only flag on, snapshot taken, writes stopped.',
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
  FailingOver: 'FailingOver',
  FailedOver: 'FailedOver',
  FailingBack: 'FailingBack',
  ValidationFailed: 'ValidationFailed',
  SafeModeEnabled: 'SafeModeEnabled',
  SafeModeDisabled: 'SafeModeDisabled',
  Restoring: 'Restoring',
  Restored: 'Restored',
} as const;
export type FailoverPlanReason = (typeof FailoverPlanReason)[keyof typeof FailoverPlanReason];

export const StepOutcome = StringEnum(['Running', 'Succeeded', 'Failed', 'Skipped']);

export const FailoverStep = Type.Object({
  name: Type.String({
    maxLength: 128,
    description: 'The step, e.g. scale-secondary or switch-dns.',
  }),
  startedAt: DateTime({ description: 'When it started.' }),
  completedAt: Type.Optional(DateTime({ description: 'When it finished.' })),
  outcome: described(StepOutcome, 'Running, Succeeded, Failed or Skipped.'),
  message: Type.Optional(Type.String({ maxLength: 1024, description: 'What happened.' })),
});
export type FailoverStep = Static<typeof FailoverStep>;

export const FailoverPlanStatus = Type.Object({
  ...commonStatusFields(FailoverPlanPhaseSchema),
  activeRegion: Type.Optional(
    Type.String({ maxLength: 32, description: 'The region that serves traffic now.' }),
  ),
  standbyReady: Type.Optional(
    Type.Boolean({ description: 'The standby region passed its health checks.' }),
  ),
  lastFailover: Type.Optional(
    Type.Object(
      {
        from: Type.String({ maxLength: 32, description: 'Region failed over from.' }),
        to: Type.String({ maxLength: 32, description: 'Region failed over to.' }),
        startedAt: DateTime({ description: 'When it started.' }),
        completedAt: Type.Optional(DateTime({ description: 'When traffic was served from to.' })),
        rtoSeconds: Type.Optional(
          Type.Integer({ minimum: 0, description: 'Recovery time: start to completion, seconds.' }),
        ),
        steps: Type.Optional(
          Type.Array(FailoverStep, { maxItems: 20, description: 'Its steps, in order.' }),
        ),
      },
      { description: 'The most recent failover (or failback).' },
    ),
  ),
  safeMode: Type.Optional(
    Type.Object(
      {
        active: Type.Boolean({ description: 'Safe mode is on.' }),
        since: Type.Optional(DateTime({ description: 'Since when.' })),
        reason: Type.Optional(
          Type.String({ maxLength: 1024, description: 'Why (from the spec).' }),
        ),
        snapshotId: Type.Optional(
          Type.String({ maxLength: 255, description: 'The RDS snapshot taken on entering it.' }),
        ),
        restoredInstance: Type.Optional(
          Type.String({ maxLength: 63, description: 'The instance restored from that snapshot.' }),
        ),
      },
      { description: 'The data-corruption safe mode.' },
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
    { name: 'Last-RTO', type: 'integer', jsonPath: '.status.lastFailover.rtoSeconds' },
    readyColumn(),
    reasonColumn(),
    AGE_COLUMN,
    messageColumn(),
  ],
};
