// Runs one `httpCheck` (smoke test, standby readiness): bounded attempts, each with its own
// timeout, a short backoff between them. Results and messages never carry header values, URL
// credentials or query values.
import {
  parseDuration,
  registerHeaderSecrets,
  registerUrlPassword,
} from '../../../controller/index.js';
import type { HttpCheck } from '../api/http-check.js';
import { displayUrl, splitCredentials } from './url.js';

export interface HttpCheckResult {
  readonly name: string;
  readonly passed: boolean;
  readonly attempts: number;
  /** Status of the last response, if any arrived. */
  readonly status?: number;
  readonly message: string;
}

export interface HttpCheckOptions {
  /** Aborts the whole check (reconcile cancelled); the check then throws the abort reason. */
  readonly signal?: AbortSignal;
  readonly fetch?: typeof fetch;
  /** Delay before retry n (1-based). Default 250 ms · 2^(n−1), at most 2 s. */
  readonly backoffMs?: (retry: number) => number;
}

const DEFAULT_TIMEOUT = '5s';
const DEFAULT_RETRIES = 2;
/** Enough for a health page; a larger body is searched only this far (UTF-16 units). */
const MAX_BODY_CHARS = 1024 * 1024;

const defaultBackoff = (retry: number): number => Math.min(250 * 2 ** (retry - 1), 2_000);

interface Attempt {
  readonly ok: boolean;
  readonly status?: number;
  readonly detail: string;
}

export async function runHttpCheck(
  check: HttpCheck,
  options: HttpCheckOptions = {},
): Promise<HttpCheckResult> {
  // Never shown by this code; registered so no other path (a log line, a driver's message) can.
  registerHeaderSecrets(check.headers);
  registerUrlPassword(check.url);
  const doFetch = options.fetch ?? fetch;
  const backoff = options.backoffMs ?? defaultBackoff;
  const method = check.method ?? 'GET';
  const shown = displayUrl(check.url);
  const name = check.name ?? `${method} ${shown}`;
  const timeoutMs = parseDuration(check.timeout ?? DEFAULT_TIMEOUT);
  const maxAttempts = (check.retries ?? DEFAULT_RETRIES) + 1;
  const request = requestOf(check);
  if (typeof request === 'string') {
    return {
      name,
      passed: false,
      attempts: 0,
      message: `${method} ${shown}: ${request}; not sent`,
    };
  }
  let last: Attempt = { ok: false, detail: 'not attempted' };
  let attempts = 0;
  while (attempts < maxAttempts) {
    if (attempts > 0) await sleep(backoff(attempts), options.signal);
    attempts++;
    last = await attempt(request, check, method, timeoutMs, doFetch, options.signal);
    if (last.ok) break;
  }
  const status = last.status === undefined ? {} : { status: last.status };
  const message = last.ok
    ? `${method} ${shown}: ${last.detail} (attempt ${attempts} of ${maxAttempts})`
    : `${method} ${shown}: ${last.detail} after ${attempts} attempt(s)`;
  return { name, passed: last.ok, attempts, ...status, message };
}

/** Runs checks concurrently; results in input order. */
export function runHttpChecks(
  checks: readonly HttpCheck[],
  options: HttpCheckOptions = {},
): Promise<HttpCheckResult[]> {
  return Promise.all(checks.map((c) => runHttpCheck(c, options)));
}

interface Request {
  readonly url: string;
  readonly headers: Headers;
}

/**
 * The URL and headers to send, or why they cannot be sent. Never quotes a header value: fetch's
 * own TypeError does (`Headers.append: "<value>" is an invalid header value`), and header values
 * are typically tokens. See `headerProblems` for the same rule at validation time.
 */
function requestOf(check: HttpCheck): Request | string {
  const problem = headerProblems(check.headers)[0];
  if (problem !== undefined) {
    return problem.name === undefined
      ? INVALID_HEADER_NAME
      : `header "${problem.name}" has a ${INVALID_HEADER_VALUE}`;
  }
  // fetch refuses URLs with user:password; send them as Basic auth instead.
  const { url, authorization } = splitCredentials(check.url);
  const headers = new Headers(check.headers ?? {});
  if (authorization !== undefined && !headers.has('authorization')) {
    headers.set('authorization', authorization);
  }
  return { url, headers };
}

export const INVALID_HEADER_NAME = 'a header name is not a valid HTTP token';
export const INVALID_HEADER_VALUE = 'value that cannot be sent (a line break or NUL)';

/** A header fetch would refuse: `name` is unset when the name itself is invalid. */
export interface HeaderProblem {
  readonly name?: string;
}

/** The headers fetch would refuse, by name only (a value is never kept or shown). */
export function headerProblems(
  headers: Readonly<Record<string, string>> | undefined,
): HeaderProblem[] {
  const problems: HeaderProblem[] = [];
  for (const [name, value] of Object.entries(headers ?? {})) {
    try {
      new Headers().append(name, 'x');
    } catch {
      problems.push({});
      continue;
    }
    try {
      new Headers().append(name, value);
    } catch {
      problems.push({ name });
    }
  }
  return problems;
}

async function attempt(
  request: Request,
  check: HttpCheck,
  method: string,
  timeoutMs: number,
  doFetch: typeof fetch,
  outer: AbortSignal | undefined,
): Promise<Attempt> {
  const timeout = AbortSignal.timeout(timeoutMs);
  const signal = outer === undefined ? timeout : AbortSignal.any([outer, timeout]);
  const { url, headers } = request;
  try {
    const response = await doFetch(url, { method, headers, signal, redirect: 'manual' });
    const expected = check.expectStatus ?? [200];
    if (!expected.includes(response.status)) {
      await response.body?.cancel();
      const want = expected.length === 1 ? String(expected[0]) : `one of ${expected.join(', ')}`;
      return {
        ok: false,
        status: response.status,
        detail: `expected status ${want}, got ${response.status}`,
      };
    }
    if (check.bodyContains !== undefined && method !== 'HEAD') {
      const found = await bodyContains(response, check.bodyContains);
      if (!found) {
        return {
          ok: false,
          status: response.status,
          // The expected text is spec, not secret: saying it tells what to look for.
          detail: `response body does not contain '${check.bodyContains.slice(0, 120)}'`,
        };
      }
    } else {
      await response.body?.cancel();
    }
    return { ok: true, status: response.status, detail: `status ${response.status}` };
  } catch (error) {
    if (outer?.aborted === true) throw outer.reason;
    if (timeout.aborted) return { ok: false, detail: `timed out after ${timeoutMs} ms` };
    return { ok: false, detail: `request failed (${networkCause(error)})` };
  }
}

/** Streams the body until `needle` is found or MAX_BODY_CHARS were read. */
async function bodyContains(response: Response, needle: string): Promise<boolean> {
  if (response.body === null) return false;
  const reader = response.body.pipeThrough(new TextDecoderStream()).getReader();
  let text = '';
  let read = 0;
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) return false;
      read += value.length;
      // Keep only a tail long enough to catch a match spanning chunks.
      text = (text + value).slice(-(needle.length + value.length));
      if (text.includes(needle)) return true;
      if (read >= MAX_BODY_CHARS) return false;
    }
  } finally {
    await reader.cancel().catch(() => undefined);
  }
}

/** A code such as ECONNREFUSED, never the error text (it may quote the URL). */
function networkCause(error: unknown): string {
  let e: unknown = error;
  for (let depth = 0; depth < 4 && typeof e === 'object' && e !== null; depth++) {
    const code = (e as { code?: unknown }).code;
    if (typeof code === 'string' && /^[A-Z_]+$/.test(code)) return code;
    e = (e as { cause?: unknown }).cause;
  }
  return error instanceof Error ? error.name : 'unknown error';
}

function sleep(ms: number, signal: AbortSignal | undefined): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted === true) {
      reject(signal.reason as Error);
      return;
    }
    const onAbort = (): void => {
      clearTimeout(timer);
      reject(signal?.reason as Error);
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}
