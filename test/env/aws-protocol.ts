// Recognises the AWS operation of a raw HTTP request and builds AWS-shaped error responses, for the
// fault-injection proxy. Operation: JSON protocols (ECS, ECR, Application Auto Scaling, CloudWatch
// JSON 1.0) name it in X-Amz-Target; query protocols (ELBv2, RDS, CloudWatch query) in the form field
// Action; REST protocols (Route 53) by method and path. Service: the SigV4 credential scope.
import type { IncomingHttpHeaders } from 'node:http';

export type AwsProtocol = 'json' | 'query' | 'rest';

export interface AwsOperation {
  /** SigV4 signing name, e.g. `ecs`, `elasticloadbalancing`, `monitoring`, `route53`; '' if unsigned. */
  readonly service: string;
  /** e.g. `DescribeServices`; for an unknown REST route, `<METHOD> <path>`. */
  readonly operation: string;
  readonly protocol: AwsProtocol;
}

// Authorization: AWS4-HMAC-SHA256 Credential=AKID/20260101/us-east-1/ecs/aws4_request, SignedHeaders=…
const CREDENTIAL_SCOPE = /Credential=[^/]+\/\d{8}\/[^/]+\/([^/]+)\/aws4_request/;

export function identifyOperation(
  method: string,
  path: string,
  headers: IncomingHttpHeaders,
  body: Buffer,
): AwsOperation {
  const service = CREDENTIAL_SCOPE.exec(headers.authorization ?? '')?.[1] ?? '';
  const target = headers['x-amz-target'];
  if (typeof target === 'string') {
    return { service, operation: target.slice(target.lastIndexOf('.') + 1), protocol: 'json' };
  }
  if ((headers['content-type'] ?? '').startsWith('application/x-www-form-urlencoded')) {
    const action = new URLSearchParams(body.toString('utf8')).get('Action');
    if (action) return { service, operation: action, protocol: 'query' };
  }
  const url = new URL(path, 'http://proxy');
  const action = url.searchParams.get('Action');
  if (action) return { service, operation: action, protocol: 'query' };
  return { service, operation: restOperation(method, url.pathname), protocol: 'rest' };
}

// Route 53 (REST-XML), the only REST service the controller calls. Paths from the SDK's schemas.
const ROUTE53_ROUTES: readonly (readonly [string, RegExp, string])[] = [
  ['POST', /^\/2013-04-01\/hostedzone$/, 'CreateHostedZone'],
  ['GET', /^\/2013-04-01\/hostedzone$/, 'ListHostedZones'],
  ['GET', /^\/2013-04-01\/hostedzonesbyname$/, 'ListHostedZonesByName'],
  ['GET', /^\/2013-04-01\/hostedzone\/[^/]+$/, 'GetHostedZone'],
  ['POST', /^\/2013-04-01\/hostedzone\/[^/]+$/, 'UpdateHostedZoneComment'],
  ['DELETE', /^\/2013-04-01\/hostedzone\/[^/]+$/, 'DeleteHostedZone'],
  ['POST', /^\/2013-04-01\/hostedzone\/[^/]+\/rrset\/?$/, 'ChangeResourceRecordSets'],
  ['GET', /^\/2013-04-01\/hostedzone\/[^/]+\/rrset\/?$/, 'ListResourceRecordSets'],
  ['GET', /^\/2013-04-01\/change\/[^/]+$/, 'GetChange'],
  ['POST', /^\/2013-04-01\/healthcheck$/, 'CreateHealthCheck'],
  ['GET', /^\/2013-04-01\/healthcheck$/, 'ListHealthChecks'],
  ['GET', /^\/2013-04-01\/healthcheck\/[^/]+$/, 'GetHealthCheck'],
  ['POST', /^\/2013-04-01\/healthcheck\/[^/]+$/, 'UpdateHealthCheck'],
  ['DELETE', /^\/2013-04-01\/healthcheck\/[^/]+$/, 'DeleteHealthCheck'],
  ['GET', /^\/2013-04-01\/healthcheck\/[^/]+\/status$/, 'GetHealthCheckStatus'],
  ['GET', /^\/2013-04-01\/tags\/[^/]+\/[^/]+$/, 'ListTagsForResource'],
  ['POST', /^\/2013-04-01\/tags\/[^/]+\/[^/]+$/, 'ChangeTagsForResource'],
];

function restOperation(method: string, pathname: string): string {
  const route = ROUTE53_ROUTES.find(([m, re]) => m === method && re.test(pathname));
  return route ? route[2] : `${method} ${pathname}`;
}

/** Describe/Get/List/BatchGet operations (and their REST equivalents) are reads; the rest writes. */
export function isReadOperation(operation: string): boolean {
  return /^(Describe|Get|List|BatchGet|GET )/.test(operation);
}

export interface AwsErrorSpec {
  readonly status: number;
  /** e.g. ThrottlingException (JSON) / Throttling (query, REST-XML) / InternalFailure */
  readonly code: string;
  readonly type: 'Sender' | 'Receiver';
  readonly message: string;
}

/** What AWS answers when a caller is throttled, in the naming each protocol uses. */
export function throttlingError(protocol: AwsProtocol): AwsErrorSpec {
  return {
    status: 400,
    code: protocol === 'json' ? 'ThrottlingException' : 'Throttling',
    type: 'Sender',
    message: 'Rate exceeded',
  };
}

export const internalFailure: AwsErrorSpec = {
  status: 500,
  code: 'InternalFailure',
  type: 'Receiver',
  message: 'We encountered an internal error. Please try again.',
};

export interface RawResponse {
  readonly status: number;
  readonly headers: Record<string, string>;
  readonly body: string;
}

export function awsErrorResponse(
  op: AwsOperation,
  error: AwsErrorSpec,
  requestId: string,
): RawResponse {
  if (op.protocol === 'json') {
    const headers: Record<string, string> = {
      'content-type': 'application/x-amz-json-1.1',
      'x-amzn-errortype': error.code,
      'x-amzn-requestid': requestId,
    };
    // awsQueryCompatible services (CloudWatch over JSON 1.0) report the query error code here.
    if (op.service === 'monitoring') {
      headers['x-amzn-query-error'] = `${error.code.replace(/Exception$/, '')};${error.type}`;
    }
    return {
      status: error.status,
      headers,
      body: JSON.stringify({ __type: error.code, message: error.message }),
    };
  }
  const xmlns =
    op.service === 'route53' ? ' xmlns="https://route53.amazonaws.com/doc/2013-04-01/"' : '';
  return {
    status: error.status,
    headers: { 'content-type': 'text/xml', 'x-amzn-requestid': requestId },
    body:
      `<ErrorResponse${xmlns}><Error><Type>${error.type}</Type><Code>${error.code}</Code>` +
      `<Message>${error.message}</Message></Error><RequestId>${requestId}</RequestId></ErrorResponse>`,
  };
}
