// What status says when observe throws, for every kind on the kit (the driver stores it before the
// runtime retries with backoff): the kstatus trio with a reason, a scrubbed message, the previous
// status kept, PHASE not claiming progress. Before this, only a kind with its own observeFailed
// (FlagRollout's Redis) said anything: Releases and ScalePolicies kept an empty status.
import { AccessDeniedException } from '@aws-sdk/client-ecs';
import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import type { BaseStatus, HandlerContext } from '../../../controller/index.js';
import { TerminalError } from '../../../controller/index.js';
import {
  observeFailedStatus,
  observeProblem,
  reconcileWith,
} from '../../../reconcilers/shared/kit/index.js';

interface Status extends BaseStatus {
  phase?: string;
  message?: string;
  count?: number;
}

const named = (name: string, message: string, extra: Record<string, unknown> = {}): Error =>
  Object.assign(new Error(message), { name, ...extra });

const noCredentials = named(
  'CredentialsProviderError',
  'Could not load credentials from any providers',
);
const denied = new AccessDeniedException({
  message:
    'User: arn:aws:iam::123456789012:user/x is not authorized to perform: ecs:DescribeServices',
  $metadata: { httpStatusCode: 400 },
});

describe('observeProblem', () => {
  it('a refusal is Stalled (a person must act); missing credentials, network, the rest are retried', () => {
    expect(observeProblem(denied)).toMatchObject({ state: 'Stalled', reason: 'AccessDenied' });
    // A 403 whose body the JSON client could not read (moto answers in XML).
    const unreadable = named('Unknown', 'UnknownError', { $metadata: { httpStatusCode: 403 } });
    expect(observeProblem(unreadable)).toMatchObject({ state: 'Stalled', reason: 'AccessDenied' });
    expect(observeProblem(noCredentials)).toEqual({
      state: 'Reconciling',
      reason: 'CredentialsUnavailable',
      message:
        'cannot observe: CredentialsProviderError: Could not load credentials from any providers',
    });
    const refused = named('Error', 'connect ECONNREFUSED 127.0.0.1:1', { code: 'ECONNREFUSED' });
    expect(observeProblem(refused)).toMatchObject({
      state: 'Reconciling',
      reason: 'EndpointUnreachable',
    });
    // Wrapped by a port: the cause decides.
    const wrapped = new Error('describe services', { cause: noCredentials });
    expect(observeProblem(wrapped).reason).toBe('CredentialsUnavailable');
    expect(observeProblem(named('ThrottlingException', 'slow down'))).toMatchObject({
      state: 'Reconciling',
      reason: 'ObserveFailed',
    });
  });

  it('the message is scrubbed (safe-error.ts): no access key id reaches status', () => {
    const leaky = named('SignatureDoesNotMatch', 'bad signature for AKIAABCDEFGHIJKLMNOP');
    const { message, state } = observeProblem(leaky);
    expect(state).toBe('Stalled');
    expect(message).not.toContain('AKIAABCDEFGHIJKLMNOP');
  });
});

describe('observeFailedStatus', () => {
  it('first sight: conditions and message, no phase while retrying; the stalled phase when refused', () => {
    const retrying = observeFailedStatus<Status>(undefined, noCredentials, 'Degraded');
    expect(retrying.phase).toBeUndefined();
    expect(retrying.message).toMatch(/^cannot observe: CredentialsProviderError/);
    expect(retrying.conditions?.map((c) => [c.type, c.status, c.reason])).toEqual([
      ['Ready', 'False', 'CredentialsUnavailable'],
      ['Reconciling', 'True', 'CredentialsUnavailable'],
      ['Stalled', 'False', 'CredentialsUnavailable'],
    ]);
    const stalled = observeFailedStatus<Status>(undefined, denied, 'Degraded');
    expect(stalled.phase).toBe('Degraded');
    expect(stalled.conditions?.find((c) => c.type === 'Stalled')?.status).toBe('True');
  });

  it('keeps what it interrupted: the phase, the domain fields and conditions', () => {
    const previous: Status = {
      phase: 'Progressing',
      count: 3,
      conditions: [{ type: 'Healthy', status: 'True', reason: 'Ok', message: '' }],
    };
    const next = observeFailedStatus(previous, noCredentials, 'Degraded');
    expect(next).toMatchObject({ phase: 'Progressing', count: 3 });
    expect(next.conditions?.map((c) => c.type)).toEqual([
      'Healthy',
      'Ready',
      'Reconciling',
      'Stalled',
    ]);
  });
});

describe('reconcileWith when observe throws', () => {
  function run(error: Error, aborted = false, storeObserveFailure?: boolean) {
    const stored: Status[] = [];
    const controller = new AbortController();
    if (aborted) controller.abort();
    const ctx: HandlerContext<Status> = {
      log: pino({ level: 'silent' }),
      reconcileId: 'r1',
      signal: controller.signal,
      now: () => new Date('2026-12-07T10:00:00Z'),
      stalledPhase: 'Degraded',
      checkpoint: (status) => {
        stored.push(status);
        return Promise.resolve();
      },
    };
    const reconcile = reconcileWith<object, Status, { type: 'none' }, object>({
      ...(storeObserveFailure === undefined ? {} : { storeObserveFailure }),
      observe: () => Promise.reject(error),
      decide: () => ({ status: {}, events: [] }),
      act: () => Promise.reject(new Error('unreachable')),
    });
    const object = { apiVersion: 'x/v1', kind: 'K', metadata: { name: 'a' }, spec: {} };
    return { result: reconcile(object, ctx), stored };
  }

  it('a kind without observeFailed stores the kit status, then rethrows for the backoff', async () => {
    const { result, stored } = run(denied);
    await expect(result).rejects.toBe(denied);
    expect(stored).toHaveLength(1);
    expect(stored[0]).toMatchObject({ phase: 'Degraded' });
    expect(stored[0]?.conditions?.find((c) => c.type === 'Stalled')).toMatchObject({
      status: 'True',
      reason: 'AccessDenied',
    });
  });

  it('stores nothing once the reconcile was aborted (lost leadership), nor for a TerminalError', async () => {
    const aborted = run(noCredentials, true);
    await expect(aborted.result).rejects.toBe(noCredentials);
    expect(aborted.stored).toEqual([]);
    const terminal = new TerminalError('the runtime marks it Stalled', { reason: 'Broken' });
    const t = run(terminal);
    await expect(t.result).rejects.toBe(terminal);
    expect(t.stored).toEqual([]);
    // A refused spec's reconcile (Release's emergency actions): its status says InvalidSpec.
    const invalid = run(denied, false, false);
    await expect(invalid.result).rejects.toBe(denied);
    expect(invalid.stored).toEqual([]);
  });
});
