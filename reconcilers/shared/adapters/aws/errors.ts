// Classification of AWS SDK v3 errors for reconcilers (retry or not, NotFound = "already gone")
// and a message safe to put into status conditions and Events. Service errors carry `$metadata`
// and a literal `name` (aws-sdk-js-v3 supplemental-docs/ERROR_HANDLING.md); network failures and
// aborts do not.

export const AwsErrorKind = {
  Throttling: 'Throttling',
  Transient: 'Transient',
  NotFound: 'NotFound',
  AccessDenied: 'AccessDenied',
  Validation: 'Validation',
  Other: 'Other',
} as const;
export type AwsErrorKind = (typeof AwsErrorKind)[keyof typeof AwsErrorKind];

// The SDK's own throttling list (@smithy/core retry/service-error-classification).
const THROTTLING = new Set([
  'BandwidthLimitExceeded',
  'EC2ThrottledException',
  'LimitExceededException',
  'PriorRequestNotComplete',
  'ProvisionedThroughputExceededException',
  'RequestLimitExceeded',
  'RequestThrottled',
  'RequestThrottledException',
  'SlowDown',
  'ThrottledException',
  'Throttling',
  'ThrottlingException',
  'TooManyRequestsException',
  'TransactionInProgressException',
]);
const TRANSIENT = new Set([
  'TimeoutError',
  'RequestTimeout',
  'RequestTimeoutException',
  'InternalFailure',
  'InternalError',
  'InternalServerError',
  'ServiceUnavailable',
  'ServiceUnavailableException',
  'ServerException',
  'AbortError',
]);
const NETWORK_CODES = new Set([
  'ECONNRESET',
  'ECONNREFUSED',
  'EPIPE',
  'ETIMEDOUT',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'ENOTFOUND',
  'EAI_AGAIN',
]);
const ACCESS_DENIED = new Set([
  'AccessDenied',
  'AccessDeniedException',
  'UnauthorizedOperation',
  'UnrecognizedClientException',
  'InvalidClientTokenId',
  'ExpiredToken',
  'ExpiredTokenException',
  'AuthFailure',
  'InvalidSignatureException',
  'SignatureDoesNotMatch',
  'MissingAuthenticationToken',
  'CredentialsProviderError',
]);
const VALIDATION = new Set([
  'ValidationException',
  'ValidationError',
  'InvalidParameterException',
  'InvalidParameterValue',
  'InvalidParameterValueException',
  'InvalidParameterCombination',
  'InvalidParameterCombinationException',
  'MissingParameter',
  'InvalidInput',
  'InvalidArgument',
  'InvalidRequest',
  'InvalidRequestException',
  'ClientException',
]);

export interface AwsErrorFacts {
  readonly name: string;
  readonly httpStatusCode?: number;
  readonly requestId?: string;
  readonly fault?: 'client' | 'server';
  readonly message: string;
}

/** What can be read from any thrown value, SDK error or not. */
export function awsErrorFacts(error: unknown): AwsErrorFacts {
  if (typeof error !== 'object' || error === null) {
    return { name: 'Error', message: String(error) };
  }
  const e = error as {
    name?: unknown;
    message?: unknown;
    code?: unknown;
    $fault?: unknown;
    $metadata?: { httpStatusCode?: unknown; requestId?: unknown };
  };
  const name = typeof e.code === 'string' && NETWORK_CODES.has(e.code) ? e.code : e.name;
  const facts: {
    -readonly [K in keyof AwsErrorFacts]: AwsErrorFacts[K];
  } = {
    name: typeof name === 'string' && name !== '' ? name : 'Error',
    message: typeof e.message === 'string' ? e.message : '',
  };
  const status = e.$metadata?.httpStatusCode;
  if (typeof status === 'number') facts.httpStatusCode = status;
  const requestId = e.$metadata?.requestId;
  if (typeof requestId === 'string') facts.requestId = requestId;
  if (e.$fault === 'client' || e.$fault === 'server') facts.fault = e.$fault;
  return facts;
}

export function classifyAwsError(error: unknown): AwsErrorKind {
  const { name, httpStatusCode: status, fault } = awsErrorFacts(error);
  if (THROTTLING.has(name) || status === 429) return AwsErrorKind.Throttling;
  if (TRANSIENT.has(name) || NETWORK_CODES.has(name)) return AwsErrorKind.Transient;
  if (status !== undefined && status >= 500) return AwsErrorKind.Transient;
  if (ACCESS_DENIED.has(name) || status === 403) return AwsErrorKind.AccessDenied;
  // Each service names its own: ServiceNotFoundException, DBSnapshotNotFoundFault, NoSuchHostedZone…
  if (/NotFound|^NoSuch/.test(name) || status === 404) return AwsErrorKind.NotFound;
  if (VALIDATION.has(name) || name.startsWith('Invalid')) return AwsErrorKind.Validation;
  if (fault === 'server') return AwsErrorKind.Transient;
  return AwsErrorKind.Other;
}

/** Worth retrying later with the same input (after the SDK's own retries gave up). */
export function isRetryableAwsError(error: unknown): boolean {
  const kind = classifyAwsError(error);
  return kind === AwsErrorKind.Throttling || kind === AwsErrorKind.Transient;
}

export const isAwsNotFound = (error: unknown): boolean =>
  classifyAwsError(error) === AwsErrorKind.NotFound;

const MAX_MESSAGE = 300;

/**
 * `Name: message` for conditions and Events: whitespace collapsed, credentials and signed-URL
 * parameters masked, bounded. Moto answers crashes with an HTML page; that becomes a short note.
 */
export function awsErrorMessage(error: unknown): string {
  const { name, message, httpStatusCode } = awsErrorFacts(error);
  let text = message;
  if (/Deserialization error|<html|<!DOCTYPE/i.test(text)) {
    text = `unreadable response${httpStatusCode === undefined ? '' : ` (HTTP ${httpStatusCode})`}`;
  }
  const clean = redactAwsText(text).replace(/\s+/g, ' ').trim();
  const full = clean === '' ? name : `${name}: ${clean}`;
  return full.length > MAX_MESSAGE ? `${full.slice(0, MAX_MESSAGE - 1)}…` : full;
}

/** Masks access key ids, secret-looking tokens, signatures and URL credentials in free text. */
export function redactAwsText(text: string): string {
  return text
    .replace(/\b(AKIA|ASIA|AIDA|AROA)[A-Z0-9]{12,}\b/g, '$1****')
    .replace(/(X-Amz-(?:Signature|Credential|Security-Token)=)[^&\s"]+/gi, '$1****')
    .replace(
      /((?:Signature|Credential|SecurityToken|sessionToken|secretAccessKey)\s*[=:]\s*)[^,\s"&]+/gi,
      '$1****',
    )
    .replace(/(\b[a-z][a-z0-9+.-]*:\/\/)[^/\s@]+@/gi, '$1****@');
}
