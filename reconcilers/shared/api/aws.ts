// AWS identifiers as CRD string schemas: regions, ARNs, ECS/RDS/Route 53 names and container image
// references. Patterns are RE2- and ECMAScript-compatible (the apiserver and TypeBox both run them);
// unbounded repeats are capped by maxLength so CEL rules that read these strings stay cheap.
import { Type, type StringOptions, type TString } from '@sinclair/typebox';
import { withRules } from './schema.js';

const PARTITION = 'aws(-[a-z]+)*';
const REGION = '[a-z]{2}(-[a-z]+)+-[0-9]{1,2}';
const ACCOUNT = '[0-9]{12}';
const ELB_NAME = '[A-Za-z0-9-]+';

export const AWS_REGION_PATTERN = `^${REGION}$`;
export const ALB_LISTENER_ARN_PATTERN = `^arn:${PARTITION}:elasticloadbalancing:${REGION}:${ACCOUNT}:listener/app/${ELB_NAME}/[0-9a-f]{16}/[0-9a-f]{16}$`;
export const TARGET_GROUP_ARN_PATTERN = `^arn:${PARTITION}:elasticloadbalancing:${REGION}:${ACCOUNT}:targetgroup/${ELB_NAME}/[0-9a-f]{16}$`;
// ECS `valueFrom` may append `:json-key:version-stage:version-id` to a Secrets Manager ARN.
export const SECRETS_MANAGER_ARN_PATTERN = `^arn:${PARTITION}:secretsmanager:${REGION}:${ACCOUNT}:secret:[A-Za-z0-9/_+=.@-]+(:[A-Za-z0-9_.-]*:[A-Za-z0-9_-]*:[A-Za-z0-9-]*)?$`;
export const SSM_PARAMETER_ARN_PATTERN = `^arn:${PARTITION}:ssm:${REGION}:${ACCOUNT}:parameter/[A-Za-z0-9/_.-]+$`;

const NAME_COMPONENT = '[a-z0-9]+(([._]|__|-+)[a-z0-9]+)*';
const HOST_LABEL = '[A-Za-z0-9]([A-Za-z0-9-]*[A-Za-z0-9])?';
const TAG = ':[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}';
const DIGEST = '@sha256:[a-f0-9]{64}';
/** `[registry[:port]/]repo[/path]` with a tag, a digest or both: never an implicit `latest`. */
export const IMAGE_PATTERN = `^(${HOST_LABEL}(\\.${HOST_LABEL})*(:[0-9]+)?/)?${NAME_COMPONENT}(/${NAME_COMPONENT})*(${TAG}(${DIGEST})?|${DIGEST})$`;

const pattern = (source: string, maxLength: number, options: StringOptions): TString =>
  Type.String({ pattern: source, maxLength, ...options });

/**
 * A long pattern checked by a CEL rule instead of `pattern`, so that a refusal says what was
 * expected (`must be an ALB listener ARN, arn:aws:elasticloadbalancing:…`) rather than printing
 * the regular expression back. Only for single fields: the rule's cost grows with list sizes.
 */
const explained = (
  source: string,
  maxLength: number,
  expected: string,
  options: StringOptions,
): TString => {
  const regex = new RegExp(source);
  return withRules(Type.String({ maxLength, ...options }), [
    {
      // A CEL raw string: the pattern's backslashes stay as they are.
      rule: `self.matches(r'${source}')`,
      message: `must be ${expected}`,
      check: (self) => regex.test(self),
    },
  ]);
};

export const AwsRegion = (options: StringOptions = {}): TString =>
  pattern(AWS_REGION_PATTERN, 32, { description: 'AWS region, e.g. us-east-1.', ...options });

export const AlbListenerArn = (options: StringOptions = {}): TString =>
  explained(
    ALB_LISTENER_ARN_PATTERN,
    512,
    'an ALB listener ARN, arn:aws:elasticloadbalancing:<region>:<account>:listener/app/<load balancer>/<16 hex>/<16 hex>',
    { description: 'Application Load Balancer listener ARN.', ...options },
  );

export const TargetGroupArn = (options: StringOptions = {}): TString =>
  explained(
    TARGET_GROUP_ARN_PATTERN,
    512,
    'a target group ARN, arn:aws:elasticloadbalancing:<region>:<account>:targetgroup/<name>/<16 hex>',
    { description: 'ELBv2 target group ARN.', ...options },
  );

/** Where ECS reads a secret from: a Secrets Manager secret or an SSM parameter, by ARN. */
export const SecretValueFromArn = (options: StringOptions = {}): TString =>
  pattern(`${SECRETS_MANAGER_ARN_PATTERN}|${SSM_PARAMETER_ARN_PATTERN}`, 2048, {
    description:
      'Secrets Manager secret ARN (optionally with :json-key:stage:version) or SSM parameter ARN.',
    ...options,
  });

/** ECS cluster, service and container names: letters, digits, hyphens, underscores. */
export const EcsName = (options: StringOptions = {}): TString =>
  pattern('^[A-Za-z0-9_-]+$', 255, { minLength: 1, ...options });

/** RDS DB instance identifier: a letter first, then letters, digits and single hyphens. */
export const DbInstanceIdentifier = (options: StringOptions = {}): TString =>
  pattern('^[A-Za-z](-?[A-Za-z0-9])*$', 63, {
    description: 'RDS DB instance identifier.',
    ...options,
  });

/** RDS snapshot identifier; automated snapshots carry an `rds:` prefix. */
export const DbSnapshotIdentifier = (options: StringOptions = {}): TString =>
  pattern('^(rds:)?[A-Za-z](-?[A-Za-z0-9])*$', 255, {
    description: 'RDS DB snapshot identifier.',
    ...options,
  });

export const CloudWatchAlarmName = (options: StringOptions = {}): TString =>
  Type.String({ minLength: 1, maxLength: 255, ...options });

/** Route 53 hosted zone id, bare or as the API returns it (`/hostedzone/Z...`). */
export const HostedZoneId = (options: StringOptions = {}): TString =>
  pattern('^(/hostedzone/)?[A-Z0-9]+$', 64, {
    description:
      'Route 53 hosted zone id, e.g. Z0123456789ABCDEFGHIJ (a /hostedzone/ prefix is allowed).',
    ...options,
  });

/** A DNS name such as `prod.latticedb.com` (trailing dot optional). */
export const DnsName = (options: StringOptions = {}): TString =>
  pattern(`^(${HOST_LABEL}\\.)*${HOST_LABEL}\\.?$`, 253, options);

/** A container image reference with an explicit tag or digest. */
export const ImageRef = (options: StringOptions = {}): TString =>
  explained(
    IMAGE_PATTERN,
    512,
    'an image reference with a tag or a digest, [registry/]repository:tag or …@sha256:<64 hex> (no implicit latest)',
    {
      description:
        'Container image with a tag or digest, e.g. 123456789012.dkr.ecr.us-east-1.amazonaws.com/latticedb:v2.1.0.',
      ...options,
    },
  );

/** The region field of an ARN (`arn:partition:service:REGION:account:resource`). */
export function arnRegion(arn: string): string | undefined {
  return arn.split(':')[3];
}
