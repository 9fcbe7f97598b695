import {
  InternalServiceFault,
  InvalidParameterValueException,
  ResourceNotFound,
} from '@aws-sdk/client-cloudwatch';
import {
  AccessDeniedException,
  ClientException,
  ServiceNotFoundException,
} from '@aws-sdk/client-ecs';
import { DBSnapshotNotFoundFault } from '@aws-sdk/client-rds';
import { NoSuchHostedZone } from '@aws-sdk/client-route-53';
import { describe, expect, it } from 'vitest';
import {
  awsErrorFacts,
  awsErrorMessage,
  classifyAwsError,
  isAwsNotFound,
  isRetryableAwsError,
  redactAwsText,
} from '../../../reconcilers/shared/adapters/aws/errors.js';

const meta = (httpStatusCode: number) => ({
  $metadata: { httpStatusCode, requestId: 'r-1', attempts: 1 },
});

/** What the SDK throws for an error it has no class for. */
function sdkError(name: string, httpStatusCode: number, fault: 'client' | 'server' = 'client') {
  return Object.assign(new Error(`${name} happened`), {
    name,
    $fault: fault,
    ...meta(httpStatusCode),
  });
}

describe('classifyAwsError', () => {
  it.each([
    ['ThrottlingException (JSON)', sdkError('ThrottlingException', 400), 'Throttling'],
    ['Throttling (query / query-compatible)', sdkError('Throttling', 400), 'Throttling'],
    ['any 429', sdkError('SomethingNew', 429), 'Throttling'],
    ['RequestLimitExceeded', sdkError('RequestLimitExceeded', 503), 'Throttling'],
    [
      'CloudWatch InternalServiceFault',
      new InternalServiceFault({ message: 'boom', ...meta(500) }),
      'Transient',
    ],
    ['unmodelled 503', sdkError('ServiceUnavailable', 503, 'server'), 'Transient'],
    ['moto HTML 500', sdkError('SyntaxError', 500), 'Transient'],
    [
      'network reset',
      Object.assign(new Error('socket hang up'), { code: 'ECONNRESET' }),
      'Transient',
    ],
    ['SDK TimeoutError', Object.assign(new Error('t'), { name: 'TimeoutError' }), 'Transient'],
    [
      'ECS ServiceNotFoundException',
      new ServiceNotFoundException({ message: 'x', ...meta(400) }),
      'NotFound',
    ],
    [
      'CloudWatch ResourceNotFound',
      new ResourceNotFound({ message: 'x', ...meta(404) }),
      'NotFound',
    ],
    [
      'RDS DBSnapshotNotFoundFault',
      new DBSnapshotNotFoundFault({ message: 'x', ...meta(404) }),
      'NotFound',
    ],
    ['Route 53 NoSuchHostedZone', new NoSuchHostedZone({ message: 'x', ...meta(404) }), 'NotFound'],
    [
      'ECS AccessDeniedException',
      new AccessDeniedException({ message: 'x', ...meta(400) }),
      'AccessDenied',
    ],
    ['any 403', sdkError('Forbidden', 403), 'AccessDenied'],
    ['bad token', sdkError('UnrecognizedClientException', 400), 'AccessDenied'],
    [
      'CloudWatch InvalidParameterValue',
      new InvalidParameterValueException({ message: 'x', ...meta(400) }),
      'Validation',
    ],
    ['ECS ClientException', new ClientException({ message: 'x', ...meta(400) }), 'Validation'],
    ['ValidationError (query)', sdkError('ValidationError', 400), 'Validation'],
    ['other client fault', sdkError('ResourceInUse', 400), 'Other'],
    ['a thrown string', 'nope', 'Other'],
  ])('%s', (_label, error, kind) => {
    expect(classifyAwsError(error)).toBe(kind);
  });

  it('retryable = throttling or transient; NotFound helper', () => {
    expect(isRetryableAwsError(sdkError('Throttling', 400))).toBe(true);
    expect(isRetryableAwsError(sdkError('InternalFailure', 500, 'server'))).toBe(true);
    expect(isRetryableAwsError(sdkError('AccessDenied', 403))).toBe(false);
    expect(isAwsNotFound(new ServiceNotFoundException({ message: 'x', ...meta(400) }))).toBe(true);
    expect(isAwsNotFound(sdkError('Throttling', 400))).toBe(false);
  });

  it('reads facts from $metadata', () => {
    expect(awsErrorFacts(sdkError('Throttling', 400))).toEqual({
      name: 'Throttling',
      message: 'Throttling happened',
      httpStatusCode: 400,
      requestId: 'r-1',
      fault: 'client',
    });
  });
});

describe('awsErrorMessage', () => {
  it('is "Name: message" with whitespace collapsed', () => {
    const e = sdkError('ValidationError', 400);
    e.message = 'Period must be\n   a multiple of 60';
    expect(awsErrorMessage(e)).toBe('ValidationError: Period must be a multiple of 60');
  });

  it('replaces a deserialisation failure (moto HTML page) with a short note', () => {
    const e = sdkError('SyntaxError', 500);
    e.message =
      'Unexpected token \'<\', "<!DOCTYPE "... is not valid JSON\n  Deserialization error: ...';
    expect(awsErrorMessage(e)).toBe('SyntaxError: unreadable response (HTTP 500)');
  });

  it('masks credentials and is bounded', () => {
    const e = sdkError('AccessDenied', 403);
    e.message =
      'key AKIAIOSFODNN7EXAMPLE at https://user:pw@host/x?X-Amz-Signature=abcdef&X-Amz-Credential=AKIA/x ' +
      'x'.repeat(400);
    const text = awsErrorMessage(e);
    expect(text).not.toMatch(/IOSFODNN7|abcdef|user:pw/);
    expect(text).toContain('AKIA****');
    expect(text.length).toBeLessThanOrEqual(300);
  });

  it('redactAwsText masks token-like assignments', () => {
    expect(redactAwsText('sessionToken=abc123, Signature: zz')).toBe(
      'sessionToken=****, Signature: ****',
    );
  });
});
