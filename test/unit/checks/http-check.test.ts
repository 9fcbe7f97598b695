import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { HttpCheck } from '../../../reconcilers/shared/api/http-check.js';
import {
  runHttpCheck,
  runHttpChecks,
  validateHttpCheck,
} from '../../../reconcilers/shared/checks/index.js';

type Handler = (req: IncomingMessage, res: ServerResponse) => void;

let server: Server;
let base: string;
let handler: Handler;
let seen: IncomingMessage[];

beforeAll(async () => {
  server = createServer((req, res) => {
    seen.push(req);
    handler(req, res);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(async () => {
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
});
beforeEach(() => {
  seen = [];
  handler = (_req, res) => res.end('ok');
});

const noBackoff = { backoffMs: () => 0 };
const reply =
  (status: number, body = ''): Handler =>
  (_req, res) => {
    res.writeHead(status).end(body);
  };
/** Answers from a list, one per request; the last repeats. */
const sequence =
  (...handlers: Handler[]): Handler =>
  (req, res) => {
    handlers[Math.min(seen.length - 1, handlers.length - 1)]!(req, res);
  };

describe('runHttpCheck', () => {
  it('passes on the expected status at the first attempt', async () => {
    const result = await runHttpCheck({ name: 'health', url: `${base}/health` }, noBackoff);
    expect(result).toEqual({
      name: 'health',
      passed: true,
      attempts: 1,
      status: 200,
      message: `GET ${base}/health: status 200 (attempt 1 of 3)`,
    });
    expect(seen[0]!.method).toBe('GET');
  });

  it('retries a failing status and passes when it recovers', async () => {
    handler = sequence(reply(503), reply(200));
    const result = await runHttpCheck({ url: `${base}/ready` }, noBackoff);
    expect(result).toMatchObject({
      name: `GET ${base}/ready`,
      passed: true,
      attempts: 2,
      status: 200,
    });
  });

  it('fails after 1 + retries attempts, with the last status', async () => {
    handler = reply(503);
    const result = await runHttpCheck({ url: `${base}/ready`, retries: 3 }, noBackoff);
    expect(result).toEqual({
      name: `GET ${base}/ready`,
      passed: false,
      attempts: 4,
      status: 503,
      message: `GET ${base}/ready: expected status 200, got 503 after 4 attempt(s)`,
    });
    expect(seen).toHaveLength(4);
  });

  it('accepts any of several statuses and does not follow redirects', async () => {
    handler = (_req, res) => res.writeHead(302, { location: '/login' }).end();
    const redirect = await runHttpCheck({ url: `${base}/`, retries: 0 }, noBackoff);
    expect(redirect).toMatchObject({ passed: false, status: 302 });
    expect(redirect.message).toContain('expected status 200, got 302');
    const allowed = await runHttpCheck({ url: `${base}/`, expectStatus: [200, 302] }, noBackoff);
    expect(allowed).toMatchObject({ passed: true, status: 302 });
    expect(seen).toHaveLength(2);
  });

  it('checks the body, also across chunks', async () => {
    handler = (_req, res) => {
      res.write('{"status":"he');
      setTimeout(() => res.end('althy","db":"up"}'), 5);
    };
    const check: HttpCheck = { url: `${base}/h`, bodyContains: '"status":"healthy"', retries: 0 };
    expect(await runHttpCheck(check, noBackoff)).toMatchObject({ passed: true });
    handler = reply(200, '{"status":"degraded"}');
    expect(await runHttpCheck(check, noBackoff)).toMatchObject({
      passed: false,
      status: 200,
      message: `GET ${base}/h: response body does not contain '"status":"healthy"' after 1 attempt(s)`,
    });
  });

  it('sends method and headers; HEAD skips the body check', async () => {
    const check: HttpCheck = {
      url: `${base}/p`,
      method: 'POST',
      headers: { 'x-probe': 'latticedb', authorization: 'Bearer s3cret' },
      expectStatus: [204],
    };
    handler = reply(204);
    const result = await runHttpCheck(check, noBackoff);
    expect(result.passed).toBe(true);
    expect(seen[0]!.method).toBe('POST');
    expect(seen[0]!.headers['x-probe']).toBe('latticedb');
    expect(JSON.stringify(result)).not.toContain('s3cret');

    handler = reply(200);
    const head = await runHttpCheck(
      { url: `${base}/p`, method: 'HEAD', bodyContains: 'x' },
      noBackoff,
    );
    expect(head.passed).toBe(true);
    expect(seen[1]!.method).toBe('HEAD');
  });

  it('times out each attempt', async () => {
    handler = () => {
      // never answers
    };
    const result = await runHttpCheck(
      { url: `${base}/slow`, timeout: '50ms', retries: 1 },
      noBackoff,
    );
    expect(result).toEqual({
      name: `GET ${base}/slow`,
      passed: false,
      attempts: 2,
      message: `GET ${base}/slow: timed out after 50 ms after 2 attempt(s)`,
    });
  });

  it('reports a refused connection by its code', async () => {
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const port = (closed.address() as AddressInfo).port;
    await new Promise((resolve) => closed.close(resolve));
    const result = await runHttpCheck({ url: `http://127.0.0.1:${port}/`, retries: 0 }, noBackoff);
    expect(result).toMatchObject({ passed: false, attempts: 1 });
    expect(result.message).toBe(
      `GET http://127.0.0.1:${port}/: request failed (ECONNREFUSED) after 1 attempt(s)`,
    );
  });

  it('keeps URL credentials and query values out of results, sending userinfo as Basic auth', async () => {
    const url = base.replace('http://', 'http://probe:pa55word@') + '/secure?token=abc123&x=1';
    const result = await runHttpCheck({ url }, noBackoff);
    expect(result).toMatchObject({ passed: true, name: `GET ${base}/secure?token=****&x=****` });
    const text = JSON.stringify(result);
    expect(text).not.toMatch(/pa55word|abc123|probe:/);
    expect(seen[0]!.headers.authorization).toBe(
      `Basic ${Buffer.from('probe:pa55word').toString('base64')}`,
    );
    expect(seen[0]!.url).toBe('/secure?token=abc123&x=1');
  });

  it('fails a check whose header value cannot be sent, without quoting the value', async () => {
    // fetch's TypeError quotes the value (`Headers.append: "Bearer ab\ncd" is an invalid header
    // value`), and the value is typically a token.
    const result = await runHttpCheck(
      { url: `${base}/`, headers: { Authorization: 'Bearer s3cret-\ntoken' } },
      noBackoff,
    );
    expect(result).toMatchObject({ passed: false, attempts: 0 });
    expect(result.message).toBe(
      `GET ${base}/: header "Authorization" has a value that cannot be sent (a line break or NUL); not sent`,
    );
    expect(JSON.stringify(result)).not.toMatch(/s3cret|token/);
    expect(seen).toEqual([]);
  });

  it('waits the backoff between attempts (injected) and stops when aborted', async () => {
    handler = reply(500);
    const delays: number[] = [];
    await runHttpCheck({ url: `${base}/`, retries: 2 }, { backoffMs: (n) => (delays.push(n), 0) });
    expect(delays).toEqual([1, 2]);

    const controller = new AbortController();
    controller.abort(new Error('reconcile cancelled'));
    await expect(
      runHttpCheck({ url: `${base}/` }, { ...noBackoff, signal: controller.signal }),
    ).rejects.toThrow('reconcile cancelled');
  });

  it('uses an injected fetch', async () => {
    const calls: string[] = [];
    const fakeFetch: typeof fetch = (input) => {
      calls.push(typeof input === 'string' ? input : input instanceof URL ? input.href : input.url);
      return Promise.resolve(new Response('fine', { status: 200 }));
    };
    const result = await runHttpCheck(
      { url: 'https://example.invalid/x', bodyContains: 'fine' },
      { fetch: fakeFetch },
    );
    expect(result.passed).toBe(true);
    expect(calls).toEqual(['https://example.invalid/x']);
  });

  it('runHttpChecks keeps input order', async () => {
    handler = (req, res) => res.writeHead(req.url === '/a' ? 200 : 500).end();
    const results = await runHttpChecks(
      [
        { name: 'a', url: `${base}/a` },
        { name: 'b', url: `${base}/b`, retries: 0 },
      ],
      noBackoff,
    );
    expect(results.map((r) => [r.name, r.passed])).toEqual([
      ['a', true],
      ['b', false],
    ]);
  });
});

describe('validateHttpCheck', () => {
  it('accepts a valid check and reports a zero timeout or a bad URL without quoting it', () => {
    expect(
      validateHttpCheck({ url: 'https://a.example/health', timeout: '2s' }, 'spec.smoke[0]'),
    ).toEqual([]);
    expect(
      validateHttpCheck({ url: 'http://user:secret@[bad', timeout: '0' }, 'spec.smoke[1]'),
    ).toEqual([
      { field: 'spec.smoke[1].url', message: 'is not a valid URL' },
      { field: 'spec.smoke[1].timeout', message: 'must be greater than 0' },
    ]);
  });

  it('reports header names and values that cannot be sent, naming the header only', () => {
    expect(
      validateHttpCheck(
        {
          url: 'https://a.example/health',
          headers: { 'X-Api-Key': 'k3y\r\nX-Injected: 1', 'bad name': 'v', Accept: 'text/plain' },
        },
        'spec.smoke[0]',
      ),
    ).toEqual([
      {
        field: 'spec.smoke[0].headers.X-Api-Key',
        message: 'value that cannot be sent (a line break or NUL)',
      },
      { field: 'spec.smoke[0].headers', message: 'a header name is not a valid HTTP token' },
    ]);
  });
});
