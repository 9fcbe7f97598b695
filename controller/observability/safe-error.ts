/**
 * Reduces any thrown value to a shape that is safe to log, print or put in a message: a
 * whitelist of facts (type, scrubbed message, code, the *name* of a failed command, AWS
 * `$metadata` ids, Kubernetes API reason) and the same shape for nested errors. Nothing else of
 * the original survives: not ioredis' `command.args` (an AUTH carries the password), not the
 * copies ioredis keeps in `previousErrors`, not an AWS error's `$response` (headers, body), not
 * a fetch error's request. Redaction by construction: a new field a client adds tomorrow is
 * dropped until someone decides it is safe, instead of logged until someone notices.
 */
import { sanitizeMessage } from './redact.js';

export interface SafeErrorShape {
  readonly type: string;
  readonly message: string;
  /** Node/system or driver code (`ECONNREFUSED`, `ERR_…`) or an HTTP-ish number. */
  readonly code?: string | number;
  /** The command that failed (ioredis `command.name`, AWS SDK command): never its arguments. */
  readonly command?: string;
  readonly syscall?: string;
  /** Kubernetes API `V1Status.reason`. */
  readonly reason?: string;
  /** Kubernetes API `details.causes[].message`, scrubbed. */
  readonly details?: string;
  /** AWS SDK `$metadata.httpStatusCode` / `$metadata.requestId` / `$fault`. */
  readonly httpStatusCode?: number;
  readonly requestId?: string;
  readonly fault?: string;
  /** Stack frames under the scrubbed `type: message` line. */
  readonly stack?: string;
  readonly cause?: SafeErrorShape;
  /** `AggregateError.errors`, ioredis `previousErrors` / `lastNodeError`: reduced the same way. */
  readonly errors?: readonly SafeErrorShape[];
  /** How many nested errors were left out (depth or count limits). */
  readonly omitted?: number;
}

const MAX_DEPTH = 4;
const MAX_NESTED = 5;
const MAX_FRAMES = 20;
const MAX_MESSAGE = 2048;
const TOKEN = /^[A-Za-z0-9_$.:-]{1,80}$/;

/** An `Error` that carries only a safe shape: what error-returning APIs hand on. */
export class SafeError extends Error {
  readonly shape: SafeErrorShape;
  readonly code?: string | number;

  constructor(shape: SafeErrorShape) {
    super(shape.message);
    this.shape = shape;
    this.name = shape.type;
    if (shape.code !== undefined) this.code = shape.code;
    if (shape.stack !== undefined) this.stack = shape.stack;
  }
}

/** `err` as an `Error` safe to hand to code that logs or prints errors its own way. */
export function toSafeError(err: unknown): SafeError {
  return err instanceof SafeError ? err : new SafeError(safeErrorShape(err));
}

/** Shapes made here: reducing one again returns it unchanged (it is already safe). */
const shapes = new WeakSet<object>();

/** The safe shape of any thrown value (a shape made here is returned as is). */
export function safeErrorShape(err: unknown): SafeErrorShape {
  if (typeof err === 'object' && err !== null && shapes.has(err)) return err as SafeErrorShape;
  const shape = reduce(err, 0, new WeakSet());
  shapes.add(shape);
  return shape;
}

/** The scrubbed one-line message of any thrown value, for status and Events. */
export function safeErrorMessage(err: unknown): string {
  return safeErrorShape(err).message;
}

function reduce(value: unknown, depth: number, seen: WeakSet<object>): SafeErrorShape {
  if (value instanceof SafeError) return value.shape;
  if (typeof value !== 'object' || value === null) {
    const text = typeof value === 'string' ? value : describePrimitive(value);
    return { type: typeof value === 'string' ? 'Error' : typeof value, message: scrub(text) };
  }
  if (seen.has(value)) return { type: 'Circular', message: '(an error already shown above)' };
  seen.add(value);
  const e = value as Record<string, unknown>;
  const type = typeName(value);
  const message = scrub(typeof e.message === 'string' ? e.message : '');
  const out: { -readonly [K in keyof SafeErrorShape]: SafeErrorShape[K] } = { type, message };
  const code = e.code;
  if (typeof code === 'number' || (typeof code === 'string' && TOKEN.test(code))) out.code = code;
  const command = commandName(e.command);
  if (command !== undefined) out.command = command;
  if (typeof e.syscall === 'string' && TOKEN.test(e.syscall)) out.syscall = e.syscall;
  if (typeof e.reason === 'string' && TOKEN.test(e.reason)) out.reason = e.reason;
  if (typeof e.details === 'string' && e.details !== '') out.details = scrub(e.details);
  const metadata = e.$metadata as Record<string, unknown> | undefined;
  if (typeof metadata?.httpStatusCode === 'number') out.httpStatusCode = metadata.httpStatusCode;
  if (typeof metadata?.requestId === 'string' && TOKEN.test(metadata.requestId)) {
    out.requestId = metadata.requestId;
  }
  if (e.$fault === 'client' || e.$fault === 'server') out.fault = e.$fault;
  const stack = stackFrames(e.stack);
  if (stack !== undefined) out.stack = `${type}: ${message}\n${stack}`;

  const nested = nestedErrors(e);
  if (depth >= MAX_DEPTH) {
    if (nested.cause !== undefined || nested.list.length > 0) {
      out.omitted = nested.list.length + (nested.cause === undefined ? 0 : 1);
    }
    return out;
  }
  if (nested.cause !== undefined) out.cause = reduce(nested.cause, depth + 1, seen);
  if (nested.list.length > 0) {
    out.errors = nested.list.slice(0, MAX_NESTED).map((n) => reduce(n, depth + 1, seen));
    if (nested.list.length > MAX_NESTED) out.omitted = nested.list.length - MAX_NESTED;
  }
  return out;
}

/** The places clients nest errors: `cause`, `errors`, ioredis `previousErrors` / `lastNodeError`. */
function nestedErrors(e: Record<string, unknown>): { cause?: unknown; list: unknown[] } {
  const list: unknown[] = [];
  for (const key of ['errors', 'previousErrors']) {
    const v = e[key];
    if (Array.isArray(v)) list.push(...(v as unknown[]));
  }
  if (e.lastNodeError !== undefined && e.lastNodeError !== null) list.push(e.lastNodeError);
  return e.cause === undefined || e.cause === null ? { list } : { cause: e.cause, list };
}

function typeName(value: object): string {
  const name = (value as { name?: unknown }).name;
  if (typeof name === 'string' && TOKEN.test(name)) return name;
  const ctor = (value as { constructor?: { name?: unknown } }).constructor?.name;
  return typeof ctor === 'string' && TOKEN.test(ctor) ? ctor : 'Error';
}

/** ioredis `{ name, args }`, an AWS `commandName`, or a plain string: the name only. */
function commandName(command: unknown): string | undefined {
  const name =
    typeof command === 'object' && command !== null
      ? (command as { name?: unknown }).name
      : command;
  return typeof name === 'string' && TOKEN.test(name) ? name : undefined;
}

function stackFrames(stack: unknown): string | undefined {
  if (typeof stack !== 'string') return undefined;
  // Only "    at …" lines: the lines above them repeat the message, unscrubbed.
  const frames = stack
    .split('\n')
    .filter((l) => /^\s+at /.test(l))
    .slice(0, MAX_FRAMES);
  return frames.length === 0 ? undefined : sanitizeMessage(frames.join('\n'), 8192);
}

function describePrimitive(value: unknown): string {
  if (value === undefined || value === null) return String(value);
  if (typeof value === 'number' || typeof value === 'boolean' || typeof value === 'bigint') {
    return String(value);
  }
  return `a ${typeof value} was thrown`;
}

function scrub(text: string): string {
  return sanitizeMessage(text, MAX_MESSAGE);
}
