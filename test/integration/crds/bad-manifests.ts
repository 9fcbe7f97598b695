// The table of bad manifests: each one is a good example with one mistake. The integration test
// sends each to the real apiserver (it must refuse it, naming `field`); the unit test runs the
// kind's validate.ts on the same input (it must report `validateField ?? field`).
import { example, type ExampleResource } from './examples.js';

export interface BadManifest {
  readonly title: string;
  /** File name (without .yaml) of the good example in manifests/examples/ the case starts from. */
  readonly base: string;
  /** Spec paths (`strategy.canary.steps[0].setWeight`) to set. */
  readonly set?: Readonly<Record<string, unknown>>;
  /** Spec paths to remove. */
  readonly unset?: readonly string[];
  /** The field the apiserver names. */
  readonly field: string;
  /** Where validate.ts is more precise than a CEL rule can be. */
  readonly validateField?: string;
  /** The mistake is an update of an existing object (transition rules). */
  readonly update?: boolean;
  /** validate.ts cannot see it: unknown fields (strict decoding) and transition rules. */
  readonly serverOnly?: boolean;
}

const CANARY = 'release-canary';
const STEPS = 'release-database-migration';
const HOTFIX = 'release-hotfix-bluegreen';
const CONFIG = 'release-config-change';
const FLAG = 'flagrollout-new-query-optimizer';
const SCALE = 'scalepolicy-gradual';
const DR = 'failoverplan-regional-dr';
const SAFE = 'failoverplan-safe-mode';

const TG = 'arn:aws:elasticloadbalancing:us-east-1:123456789012:targetgroup';
const ALB = 'strategy.canary.trafficRouting.alb';

export const BAD_MANIFESTS: readonly BadManifest[] = [
  // Release: strategy
  {
    title: 'two strategies',
    base: CANARY,
    set: { 'strategy.rolling': {} },
    field: 'spec.strategy',
  },
  { title: 'no strategy', base: CANARY, unset: ['strategy'], field: 'spec.strategy' },
  { title: 'empty strategy', base: CANARY, set: { strategy: {} }, field: 'spec.strategy' },
  {
    title: 'setWeight 101',
    base: STEPS,
    set: { 'strategy.canary.steps[0].setWeight': 101 },
    field: 'spec.strategy.canary.steps[0].setWeight',
  },
  {
    title: 'negative setWeight',
    base: STEPS,
    set: { 'strategy.canary.steps[0].setWeight': -5 },
    field: 'spec.strategy.canary.steps[0].setWeight',
  },
  {
    title: 'negative pause duration',
    base: STEPS,
    set: { 'strategy.canary.steps[1].pause.duration': '-5m' },
    field: 'spec.strategy.canary.steps[1].pause.duration',
  },
  {
    title: 'decreasing setWeights',
    base: STEPS,
    set: { 'strategy.canary.steps[3].setWeight': 5 },
    field: 'spec.strategy.canary.steps',
    validateField: 'spec.strategy.canary.steps[3].setWeight',
  },
  {
    title: 'a step with setWeight and pause',
    base: STEPS,
    set: { 'strategy.canary.steps[0].pause': {} },
    field: 'spec.strategy.canary.steps[0]',
  },
  {
    title: 'an empty step',
    base: STEPS,
    set: { 'strategy.canary.steps[1]': {} },
    field: 'spec.strategy.canary.steps[1]',
  },
  {
    title: 'steps and the shorthand together',
    base: CANARY,
    set: { 'strategy.canary.steps': [{ setWeight: 5 }] },
    field: 'spec.strategy.canary',
  },
  {
    title: 'incomplete shorthand',
    base: CANARY,
    unset: ['strategy.canary.stepInterval'],
    field: 'spec.strategy.canary',
  },
  {
    title: 'maxWeight with explicit steps',
    base: STEPS,
    set: { 'strategy.canary.maxWeight': 50 },
    field: 'spec.strategy.canary.maxWeight',
  },
  {
    title: 'maxWeight below initialWeight',
    base: CANARY,
    set: { 'strategy.canary.initialWeight': 50, 'strategy.canary.maxWeight': 40 },
    field: 'spec.strategy.canary.maxWeight',
  },
  {
    title: 'stable and canary target groups equal',
    base: CANARY,
    set: { [`${ALB}.canaryTargetGroupArn`]: `${TG}/latticedb-stable/73e2d6bc24d8a067` },
    field: `spec.${ALB}.canaryTargetGroupArn`,
  },
  {
    title: 'load balancer ARN where a listener ARN belongs',
    base: CANARY,
    set: {
      [`${ALB}.listenerArn`]:
        'arn:aws:elasticloadbalancing:us-east-1:123456789012:loadbalancer/app/latticedb-production/50dc6c495c0c9188',
    },
    field: `spec.${ALB}.listenerArn`,
  },
  {
    title: 'target group ARN with a malformed id',
    base: CANARY,
    set: { [`${ALB}.stableTargetGroupArn`]: `${TG}/latticedb-stable/XYZ` },
    field: `spec.${ALB}.stableTargetGroupArn`,
  },
  {
    title: 'shorthand interval is not a duration',
    base: CANARY,
    set: { 'strategy.canary.stepInterval': '10 minutes' },
    field: 'spec.strategy.canary.stepInterval',
  },
  {
    title: 'unknown field in the strategy',
    base: CANARY,
    set: { 'strategy.canary.stepWieght': 10 },
    field: 'spec.strategy.canary.stepWieght',
    serverOnly: true,
  },
  {
    title: 'analysis step names an unknown metric',
    base: STEPS,
    set: { 'strategy.canary.steps[2].analysis.metrics': ['nope'] },
    field: 'spec.strategy.canary.steps',
    validateField: 'spec.strategy.canary.steps[2].analysis.metrics[0]',
  },
  {
    title: 'analysis steps without spec.analysis',
    base: STEPS,
    unset: ['analysis'],
    field: 'spec.analysis',
  },
  {
    title: 'duplicate metric names',
    base: CANARY,
    set: { 'analysis.metrics[1].name': 'error-rate' },
    field: 'spec.analysis.metrics[1]',
  },
  {
    title: 'autoPromoteAfter with approval Auto',
    base: HOTFIX,
    set: { 'strategy.blueGreen.autoPromoteAfter': '15m' },
    field: 'spec.strategy.blueGreen.autoPromoteAfter',
  },
  {
    title: 'unknown approval mode',
    base: HOTFIX,
    set: { 'strategy.blueGreen.approval': 'Manual' },
    field: 'spec.strategy.blueGreen.approval',
  },
  {
    title: 'blue and green target groups equal',
    base: HOTFIX,
    set: {
      'strategy.blueGreen.trafficRouting.alb.greenTargetGroupArn': `${TG}/latticedb-gateway-blue/9e1a2b3c4d5e6f70`,
    },
    field: 'spec.strategy.blueGreen.trafficRouting.alb.greenTargetGroupArn',
  },
  {
    title: 'rolling minimumHealthyPercent equal to maximumPercent',
    base: CONFIG,
    set: { 'strategy.rolling.maximumPercent': 100 },
    field: 'spec.strategy.rolling.minimumHealthyPercent',
  },
  {
    title: 'rolling maximumPercent 250',
    base: CONFIG,
    set: { 'strategy.rolling.maximumPercent': 250 },
    field: 'spec.strategy.rolling.maximumPercent',
  },
  // Release: the rest of the spec
  { title: 'missing image', base: CANARY, unset: ['image'], field: 'spec.image' },
  {
    title: 'image without tag or digest',
    base: CANARY,
    set: { image: '123456789012.dkr.ecr.us-east-1.amazonaws.com/latticedb' },
    field: 'spec.image',
  },
  {
    title: 'missing container',
    base: CANARY,
    unset: ['target.container'],
    field: 'spec.target.container',
  },
  {
    title: 'malformed region',
    base: CANARY,
    set: { 'target.region': 'US-EAST-1' },
    field: 'spec.target.region',
  },
  {
    title: 'rollback window 11',
    base: CANARY,
    set: { 'rollbackWindow.revisions': 11 },
    field: 'spec.rollbackWindow.revisions',
  },
  {
    title: 'progressDeadline below a minute',
    base: CANARY,
    set: { progressDeadline: '30s' },
    field: 'spec.progressDeadline',
  },
  {
    title: 'skip pre-flight without a reason',
    base: CANARY,
    set: { 'checks.preflight.skip': {} },
    field: 'spec.checks.preflight.skip.reason',
  },
  {
    title: 'skip pre-flight with a blank reason',
    base: CANARY,
    set: { 'checks.preflight.skip': { reason: '   ' } },
    field: 'spec.checks.preflight.skip.reason',
  },
  {
    title: 'secret from S3',
    base: CONFIG,
    set: { 'secrets[0].valueFrom': 'arn:aws:s3:::latticedb-secrets/db-password' },
    field: 'spec.secrets[0].valueFrom',
  },
  {
    title: 'environment variable name starting with a digit',
    base: CONFIG,
    set: { 'environment.1_CACHE': 'on' },
    field: 'spec.environment',
  },
  {
    title: 'a name both in environment and in secrets',
    base: CONFIG,
    set: { 'environment.DB_PASSWORD': 'plain' },
    field: 'spec.secrets',
  },
  {
    title: 'restartedAt is not a timestamp',
    base: CONFIG,
    set: { restartedAt: 'yesterday' },
    field: 'spec.restartedAt',
  },
  {
    title: 'migration without a command',
    base: STEPS,
    set: { 'migration.task.command': [] },
    field: 'spec.migration.task.command',
  },
  {
    title: 'migration without reversible',
    base: STEPS,
    unset: ['migration.reversible'],
    field: 'spec.migration.reversible',
  },
  {
    title: "maintenance flag named after the store's kill_switch key",
    base: STEPS,
    set: { 'migration.maintenanceFlag': 'kill_switch' },
    field: 'spec.migration.maintenanceFlag',
  },
  {
    title: 'changing the target service',
    base: CANARY,
    set: { 'target.service': 'latticedb-service-staging' },
    field: 'spec.target',
    update: true,
    serverOnly: true,
  },
  // FlagRollout
  { title: 'empty flag name', base: FLAG, set: { flag: '' }, field: 'spec.flag' },
  {
    title: 'flag name with a colon',
    base: FLAG,
    set: { flag: 'latticedb:flags:x' },
    field: 'spec.flag',
  },
  {
    title: 'negative estimated population',
    base: FLAG,
    set: { estimatedPopulation: -1 },
    field: 'spec.estimatedPopulation',
  },
  {
    title: 'percentage 100.5',
    base: FLAG,
    set: { 'steps[4].percentage': 100.5 },
    field: 'spec.steps[4].percentage',
  },
  {
    title: 'percentage -1',
    base: FLAG,
    set: { 'steps[0].percentage': -1 },
    field: 'spec.steps[0].percentage',
  },
  {
    title: 'percentage with three decimals',
    base: FLAG,
    set: { 'steps[2].percentage': 33.333 },
    field: 'spec.steps[2].percentage',
  },
  {
    title: 'decreasing percentages',
    base: FLAG,
    set: { 'steps[3].percentage': 10 },
    field: 'spec.steps',
    validateField: 'spec.steps[3].percentage',
  },
  { title: 'no steps', base: FLAG, set: { steps: [] }, field: 'spec.steps' },
  {
    title: 'kill switch with capitals',
    base: FLAG,
    set: { killSwitch: 'Experimental' },
    field: 'spec.killSwitch',
  },
  {
    title: 'kill switch given as a Redis key',
    base: FLAG,
    set: { killSwitch: 'latticedb:flags:kill_switch:experimental' },
    field: 'spec.killSwitch',
  },
  { title: 'unknown onFailure', base: FLAG, set: { onFailure: 'Ignore' }, field: 'spec.onFailure' },
  {
    title: 'analysis without any hold',
    base: FLAG,
    set: { steps: [{ percentage: 5 }, { percentage: 100 }] },
    field: 'spec.analysis',
  },
  {
    title: 'duplicate targeted user',
    base: FLAG,
    set: { 'targeting.users': ['u-internal-1', 'u-internal-1'] },
    field: 'spec.targeting.users[1]',
  },
  {
    title: 'renaming the flag',
    base: FLAG,
    set: { flag: 'newer_query_optimizer' },
    field: 'spec.flag',
    update: true,
    serverOnly: true,
  },
  {
    title: 'adding a salt later',
    base: FLAG,
    set: { salt: 'reshuffle' },
    field: 'spec.salt',
    update: true,
    serverOnly: true,
  },
  // ScalePolicy
  {
    title: 'minCapacity above maxCapacity',
    base: SCALE,
    set: { 'autoscaling.minCapacity': 12 },
    unset: ['desiredCount'],
    field: 'spec.autoscaling.minCapacity',
  },
  {
    title: 'negative desiredCount',
    base: SCALE,
    set: { desiredCount: -1 },
    field: 'spec.desiredCount',
  },
  {
    title: 'desiredCount outside the autoscaling bounds',
    base: SCALE,
    set: { desiredCount: 20 },
    field: 'spec.desiredCount',
  },
  {
    title: 'neither desiredCount nor autoscaling',
    base: SCALE,
    unset: ['desiredCount', 'autoscaling'],
    field: 'spec',
  },
  {
    title: 'scale-down step 0',
    base: SCALE,
    set: { 'scaleDown.step': 0 },
    field: 'spec.scaleDown.step',
  },
  {
    title: 'CPU target above 100 %',
    base: SCALE,
    set: { 'autoscaling.targetTracking[0].target': 150 },
    field: 'spec.autoscaling.targetTracking[0].target',
  },
  {
    title: 'ALB request count without a resource label',
    base: SCALE,
    set: { 'autoscaling.targetTracking[0].predefinedMetric': 'ALBRequestCountPerTarget' },
    field: 'spec.autoscaling.targetTracking[0].resourceLabel',
  },
  {
    title: 'schedule that is not cron/rate/at',
    base: SCALE,
    set: { 'autoscaling.scheduled[0].schedule': 'every weekday at 8' },
    field: 'spec.autoscaling.scheduled[0].schedule',
  },
  {
    title: 'scheduled minCapacity above maxCapacity',
    base: SCALE,
    set: { 'autoscaling.scheduled[0].minCapacity': 11 },
    field: 'spec.autoscaling.scheduled[0].minCapacity',
  },
  // FailoverPlan
  {
    title: 'secondary region equal to the primary region',
    base: DR,
    set: { 'secondary.region': 'us-east-1' },
    field: 'spec.secondary.region',
  },
  {
    title: 'activeRegion not in the plan',
    base: DR,
    set: { activeRegion: 'eu-west-1' },
    field: 'spec.activeRegion',
  },
  {
    title: 'same DNS value for both regions',
    base: DR,
    set: { 'dns.secondaryValue': 'latticedb-production-1234567890.us-east-1.elb.amazonaws.com' },
    field: 'spec.dns.secondaryValue',
  },
  { title: 'negative TTL', base: DR, set: { 'dns.ttl': -60 }, field: 'spec.dns.ttl' },
  {
    title: 'unsupported record type',
    base: DR,
    set: { 'dns.type': 'TXT' },
    field: 'spec.dns.type',
  },
  {
    title: 'health check that is not HTTP',
    base: DR,
    set: { 'healthChecks[0].url': 'ftp://standby.latticedb.internal/health' },
    field: 'spec.healthChecks[0].url',
  },
  {
    title: 'safe mode enabled without a reason',
    base: SAFE,
    unset: ['safeMode.reason'],
    field: 'spec.safeMode.reason',
  },
  {
    title: 'restore over the source instance',
    base: SAFE,
    set: { 'safeMode.restore.targetInstanceIdentifier': 'latticedb-prod' },
    field: 'spec.safeMode.restore.targetInstanceIdentifier',
  },
];

/** The resource a case describes: its base example with the mistake applied. */
export function badResource(bad: BadManifest): ExampleResource {
  const resource = example(bad.base);
  for (const [path, value] of Object.entries(bad.set ?? {})) setPath(resource.spec, path, value);
  for (const path of bad.unset ?? []) setPath(resource.spec, path, undefined);
  return resource;
}

function setPath(root: Record<string, unknown>, path: string, value: unknown): void {
  const keys = path.split(/\.|\[(\d+)\]/).filter((key): key is string => Boolean(key));
  let node: Record<string, unknown> = root;
  for (const key of keys.slice(0, -1)) {
    node[key] ??= {};
    node = node[key] as Record<string, unknown>;
  }
  const last = keys.at(-1) ?? '';
  if (value === undefined) Reflect.deleteProperty(node, last);
  else node[last] = structuredClone(value);
}
