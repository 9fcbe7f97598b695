// The safe-shape reducer and the logger gate built on it: errors nested the ways real clients
// nest them (ioredis previousErrors / lastNodeError, cause chains, AggregateError, AWS $response,
// cycles) keep their facts and lose every argument, header and registered secret value.
import { afterEach, describe, expect, it } from 'vitest';
import { createLogger } from '../../../controller/observability/logger.js';
import {
  safeErrorShape,
  toSafeError,
  SafeError,
} from '../../../controller/observability/safe-error.js';
import {
  forgetSecrets,
  registerEnvironmentSecrets,
  registerSecret,
  registerUrlSecrets,
  scrubSecrets,
} from '../../../controller/observability/secrets.js';
import { sanitizeMessage } from '../../../controller/observability/redact.js';
import { KubeEventRecorder } from '../../../controller/k8s/events.js';
import { ResourceVersionTracker } from '../../../controller/k8s/resource-version.js';
import { StatusWriter } from '../../../controller/k8s/status-writer.js';
import { FakeClock } from './support/fake-clock.js';
import { FakeKubeClient } from './support/fake-kube-client.js';

const PASSWORD = 'planted-redis-pw-0001';
const ROTATED = 'planted-redis-pw-0002';

afterEach(() => {
  forgetSecrets();
});

/** An ioredis reply error as DataHandler.returnError builds it. */
function replyError(message: string, name: string, args: string[]): Error {
  return Object.assign(new Error(message), { name: 'ReplyError', command: { name, args } });
}

function capture(level: 'debug' | 'info' = 'debug') {
  const lines: string[] = [];
  const log = createLogger({
    level,
    destination: {
      write: (line: string) => {
        lines.push(line);
      },
    },
  });
  return { log, lines };
}

describe('safeErrorShape', () => {
  it('keeps the command name and drops its arguments at every depth ioredis nests them', () => {
    const auth = replyError('WRONGPASS invalid username-password pair', 'auth', [
      'default',
      PASSWORD,
    ]);
    const retries = Object.assign(new Error('Reached the max retries per request limit'), {
      name: 'MaxRetriesPerRequestError',
      previousErrors: [auth, replyError('NOAUTH', 'auth', ['flags', ROTATED])],
      lastNodeError: replyError('WRONGPASS', 'auth', [ROTATED]),
    });
    const top = new Error('reconcile failed', { cause: retries });
    const shape = safeErrorShape(top);
    const json = JSON.stringify(shape);
    expect(json).not.toContain(PASSWORD);
    expect(json).not.toContain(ROTATED);
    expect(json).not.toContain('args');
    expect(shape).toMatchObject({
      type: 'Error',
      message: 'reconcile failed',
      cause: {
        type: 'MaxRetriesPerRequestError',
        errors: [
          {
            type: 'ReplyError',
            command: 'auth',
            message: 'WRONGPASS invalid username-password pair',
          },
          { type: 'ReplyError', command: 'auth', message: 'NOAUTH' },
          { type: 'ReplyError', command: 'auth', message: 'WRONGPASS' },
        ],
      },
    });
  });

  it('reduces AggregateError members and stops at cycles', () => {
    const a = Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:1'), {
      code: 'ECONNREFUSED',
      syscall: 'connect',
      address: '127.0.0.1',
    });
    const b = new Error('second');
    (b as { cause?: unknown }).cause = b; // a cause chain that loops
    const agg = new AggregateError([a, b], 'all failed');
    const shape = safeErrorShape(agg);
    expect(shape.type).toBe('AggregateError');
    expect(shape.errors?.[0]).toMatchObject({ code: 'ECONNREFUSED', syscall: 'connect' });
    expect(shape.errors?.[0]).not.toHaveProperty('address');
    expect(shape.errors?.[1]?.cause).toMatchObject({ type: 'Circular' });
  });

  it('bounds depth and breadth', () => {
    let deep: Error = new Error('bottom');
    for (let i = 0; i < 10; i++) deep = new Error(`level ${i}`, { cause: deep });
    let shape = safeErrorShape(deep);
    let depth = 0;
    while (shape.cause !== undefined) {
      shape = shape.cause;
      depth++;
    }
    expect(depth).toBe(4);
    expect(shape.omitted).toBe(1);
    const wide = new AggregateError(
      Array.from({ length: 9 }, (_, i) => new Error(`e${i}`)),
      'wide',
    );
    expect(safeErrorShape(wide)).toMatchObject({ omitted: 4 });
    expect(safeErrorShape(wide).errors).toHaveLength(5);
  });

  it('keeps AWS ids and drops $response headers and bodies', () => {
    const err = Object.assign(new Error('User: x is not authorized'), {
      name: 'AccessDeniedException',
      $fault: 'client',
      $metadata: { httpStatusCode: 403, requestId: 'req-123', cfId: 'x' },
      $response: {
        headers: { authorization: `AWS4-HMAC-SHA256 Credential=AKIA…, Signature=${PASSWORD}` },
        body: `{"secret":"${PASSWORD}"}`,
      },
    });
    const shape = safeErrorShape(err);
    expect(shape).toEqual({
      type: 'AccessDeniedException',
      message: 'User: x is not authorized',
      httpStatusCode: 403,
      requestId: 'req-123',
      fault: 'client',
      stack: expect.any(String) as string,
    });
    expect(JSON.stringify(shape)).not.toContain(PASSWORD);
  });

  it('scrubs registered secrets and URL credentials out of messages and stack lines', () => {
    registerSecret(PASSWORD);
    const err = new Error(`connect to redis://flags:${encodeURIComponent(PASSWORD)}@h:6379 failed`);
    const planted = new Error(`the value was ${PASSWORD}`);
    expect(safeErrorShape(err).message).toBe('connect to redis://***@h:6379 failed');
    expect(safeErrorShape(planted).message).toBe('the value was ***');
    expect(safeErrorShape(planted).stack).not.toContain(PASSWORD);
    expect(safeErrorShape(planted).stack).toMatch(/^Error: the value was \*\*\*\n\s+at /);
  });

  it('reduces thrown non-errors and is idempotent', () => {
    expect(safeErrorShape(`boom ${PASSWORD}`).message).toContain('boom');
    expect(safeErrorShape(42)).toEqual({ type: 'number', message: '42' });
    const shape = safeErrorShape(new Error('x'));
    expect(safeErrorShape(shape)).toBe(shape);
    const safe = toSafeError(replyError('WRONGPASS', 'auth', [PASSWORD]));
    expect(safe).toBeInstanceOf(SafeError);
    expect(safe).toBeInstanceOf(Error);
    expect(toSafeError(safe)).toBe(safe);
    expect(JSON.stringify(Object.assign({}, safe))).not.toContain(PASSWORD);
    expect(safeErrorShape(safe)).toBe(safe.shape);
  });
});

describe('secrets registry', () => {
  it('registers URL passwords (raw, encoded, cut short), environment credentials, and skips short values', () => {
    registerUrlSecrets('redis://flags:p%40ss-word-9@h:6379');
    registerUrlSecrets('redis://flags:cut#short/pass@h:6379');
    registerEnvironmentSecrets({
      AWS_SECRET_ACCESS_KEY: 'plantedAwsSecretKey',
      AWS_ACCESS_KEY_ID: 'test',
    });
    registerSecret('admin');
    expect(scrubSecrets('a p@ss-word-9 b p%40ss-word-9 c')).toBe('a *** b *** c');
    expect(scrubSecrets('x cut#short/pass y')).toBe('x *** y');
    expect(scrubSecrets('key plantedAwsSecretKey')).toBe('key ***');
    expect(scrubSecrets('admin test')).toBe('admin test');
    expect(sanitizeMessage('key plantedAwsSecretKey')).toBe('key ***');
  });
});

describe('createLogger gate', () => {
  it('reduces errors under any key and at any depth, at debug level too', () => {
    registerSecret(ROTATED);
    const { log, lines } = capture();
    const err = Object.assign(new Error('Reached the max retries per request limit'), {
      previousErrors: [replyError('WRONGPASS', 'auth', ['default', PASSWORD])],
    });
    log.debug({ err }, 'a');
    log.warn({ outcome: { failure: err, list: [err] } }, 'b');
    log.error(err);
    log.error(err, 'with %s', ROTATED);
    log.child({ endpoint: `redis://:${ROTATED}@h` }).info({ note: ROTATED }, `msg ${ROTATED}`);
    expect(lines).toHaveLength(5);
    for (const line of lines) {
      expect(line).not.toContain(PASSWORD);
      expect(line).not.toContain(ROTATED);
    }
    const third = JSON.parse(lines[2]!) as { msg: string; err: { errors: { command: string }[] } };
    expect(third.msg).toBe('Reached the max retries per request limit');
    expect(third.err.errors[0]!.command).toBe('auth');
    // The caller's object is not modified.
    expect(err.previousErrors[0]).toHaveProperty('command.args');
  });

  it('logs a thrown non-Error under err as a safe shape', () => {
    const { log, lines } = capture('info');
    log.error({ err: { message: 'plain', command: { name: 'auth', args: [PASSWORD] } } }, 'x');
    expect(lines[0]).not.toContain(PASSWORD);
    expect(JSON.parse(lines[0]!)).toMatchObject({ err: { message: 'plain', command: 'auth' } });
  });
});

describe('what leaves through the apiserver', () => {
  const res = { group: 'test.latticedb.com', version: 'v1', plural: 'widgets' };
  const obj = {
    apiVersion: 'test.latticedb.com/v1',
    kind: 'Widget',
    metadata: { name: 'w', namespace: 'ns', uid: 'uid-1' },
    spec: {},
  };

  it('status writes carry no registered secret, at any depth', async () => {
    registerSecret(PASSWORD);
    const kube = new FakeKubeClient();
    const stored = kube.create(res, obj);
    const writer = new StatusWriter(kube, res, new ResourceVersionTracker());
    const result = await writer.write(stored, {
      message: `cannot read flag f: WRONGPASS for ${PASSWORD}`,
      conditions: [{ type: 'Ready', message: `redis://u:${PASSWORD}@h` }],
    });
    expect(result.changed).toBe(true);
    expect(JSON.stringify(kube.calls)).not.toContain(PASSWORD);
    expect((result.object as { status?: unknown }).status).toMatchObject({
      message: 'cannot read flag f: WRONGPASS for ***',
    });
  });

  it('Events carry no registered secret', async () => {
    registerSecret(ROTATED);
    const kube = new FakeKubeClient();
    const recorder = new KubeEventRecorder({
      kube,
      clock: new FakeClock('2026-11-26T10:00:00.000Z'),
      logger: createLogger({ level: 'silent' }),
      instance: 'host_1',
    });
    await recorder.event(obj, 'Warning', 'ReconcileError', `AUTH ${ROTATED} refused`);
    expect(JSON.stringify([...kube.events.values()])).not.toContain(ROTATED);
    expect([...kube.events.values()][0]).toMatchObject({ message: 'AUTH *** refused' });
  });
});

describe('registerUrlSecrets', () => {
  it('registers nothing for a URL without a password (its endpoint stays readable)', () => {
    registerUrlSecrets('redis://redis.internal:6379/0');
    expect(scrubSecrets('endpoint redis://redis.internal:6379/0')).toBe(
      'endpoint redis://redis.internal:6379/0',
    );
  });

  it('takes a password with an unencoded @ whole', () => {
    registerUrlSecrets('redis://flags:pass@word-1234@h:6379');
    expect(scrubSecrets('x pass@word-1234 y')).toBe('x *** y');
  });
});
