import { describe, expect, it } from 'vitest';
import { createLogger } from '../../../controller/observability/logger.js';
import { sanitizeMessage } from '../../../controller/observability/redact.js';

describe('sanitizeMessage', () => {
  it.each([
    [
      'connect ECONNREFUSED redis://default:s3cret@redis:6379',
      'connect ECONNREFUSED redis://***@redis:6379',
    ],
    ['GET https://user:pw@host/x failed', 'GET https://***@host/x failed'],
    ['Authorization: Bearer eyJhbGciOi.abc.def', 'Authorization: Bearer ***'],
    ['password=hunter2 user=bob', 'password=*** user=bob'],
    ['{"token": "abc123"}', '{"token": "***"}'],
    ['key AKIAIOSFODNN7EXAMPLE used', 'key *** used'],
    ['secret wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY end', 'secret *** end'],
  ])('%s', (input, output) => {
    expect(sanitizeMessage(input)).toBe(output);
  });

  it('leaves ordinary messages and hex digests alone', () => {
    const msg = 'image sha 0123456789abcdef0123456789abcdef01234567 not found in us-east-1';
    expect(sanitizeMessage(msg)).toBe(msg);
  });

  it('truncates to 1 KiB', () => {
    expect(sanitizeMessage('x'.repeat(5_000))).toHaveLength(1_024);
  });
});

describe('createLogger', () => {
  it('writes JSON with a string level, redacts credential keys and scrubs error messages', () => {
    const lines: string[] = [];
    const log = createLogger({
      level: 'info',
      destination: {
        write: (line: string) => {
          lines.push(line);
        },
      },
    });
    log.child({ key: 'ns/a', reconcileID: 'r1' }).error(
      {
        err: new Error('AUTH failed for redis://u:pw@h:6379'),
        password: 'hunter2',
        headers: { authorization: 'Bearer x' },
      },
      'reconciler error',
    );
    log.debug('not at info');
    expect(lines).toHaveLength(1);
    const entry = JSON.parse(lines[0]!) as Record<string, unknown>;
    expect(entry).toMatchObject({
      level: 'error',
      key: 'ns/a',
      reconcileID: 'r1',
      password: '[REDACTED]',
      headers: { authorization: '[REDACTED]' },
      err: { type: 'Error', message: 'AUTH failed for redis://***@h:6379' },
      msg: 'reconciler error',
    });
    expect(lines[0]).not.toContain('pw@');
  });
});

describe('createLogger: driver errors', () => {
  it('drops the arguments ioredis attaches to a failed command (AUTH carries the password)', () => {
    // ioredis (DataHandler.returnError) sets `err.command = { name, args }` on every reply
    // error; on a connection whose AUTH is refused that is `auth [user, password]`, and the
    // connection error is what the flag store logs.
    const lines: string[] = [];
    const log = createLogger({
      level: 'info',
      destination: {
        write: (line: string) => {
          lines.push(line);
        },
      },
    });
    const err = Object.assign(new Error('WRONGPASS invalid username-password pair'), {
      command: { name: 'auth', args: ['default', 'hunter2-redis'] },
    });
    log.warn({ err }, 'redis connection error; reconnecting');
    log.warn({ error: err }, 'same error under the other key');
    expect(lines).toHaveLength(2);
    for (const line of lines) expect(line).not.toContain('hunter2-redis');
    const entry = JSON.parse(lines[0]!) as { err: { command: unknown; message: string } };
    expect(entry.err.message).toBe('WRONGPASS invalid username-password pair');
    expect(entry.err.command).toBe('auth');
  });
});
