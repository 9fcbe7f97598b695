/**
 * pino JSON logs. Every log call passes through one gate before pino sees it: any Error, at any
 * depth of the logged object, is reduced to its safe shape (./safe-error.ts), and every string
 * is scrubbed of the registered secret values (./secrets.ts); child bindings likewise. Errors
 * go under `err`. Redaction by key name (`authorization`, `password`, …) stays as a second line.
 */
import { pino, type DestinationStream, type Logger } from 'pino';
import { REDACT_PATHS, sanitizeMessage } from './redact.js';
import { safeErrorShape } from './safe-error.js';
import { scrubSecrets } from './secrets.js';

export const LOG_LEVELS = ['trace', 'debug', 'info', 'warn', 'error', 'fatal', 'silent'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

export function createLogger(options: {
  readonly level: LogLevel;
  readonly name?: string;
  readonly destination?: DestinationStream;
}): Logger {
  return pino(
    {
      level: options.level,
      name: options.name ?? 'latticedb-controller',
      redact: { paths: [...REDACT_PATHS], censor: '[REDACTED]' },
      timestamp: pino.stdTimeFunctions.isoTime,
      formatters: {
        level: (label) => ({ level: label }),
        bindings: (bindings) => safeLogValue(bindings) as Record<string, unknown>,
      },
      serializers: { err: serializeError, error: serializeError },
      hooks: {
        logMethod(args, method) {
          method.apply(this, safeLogArgs(args) as Parameters<typeof method>);
        },
        // Last line of defence for a value that reached the line some other way.
        streamWrite: scrubSecrets,
      },
    },
    options.destination,
  );
}

/** An error (or error-like object) under `err`/`error` becomes its safe shape; text stays text. */
function serializeError(value: unknown): unknown {
  if (typeof value === 'object' && value !== null) return safeErrorShape(value);
  return typeof value === 'string' ? sanitizeMessage(value, 4096) : value;
}

/**
 * A log call's arguments made safe: `log.error(err)` becomes `{ err: <safe shape> }` with the
 * safe message (pino would otherwise take `err.message` raw), objects are copied safe.
 */
export function safeLogArgs(args: readonly unknown[]): unknown[] {
  const [first, ...rest] = args;
  if (first instanceof Error) {
    const err = safeErrorShape(first);
    return [{ err }, ...(rest.length > 0 ? rest.map((a) => safeLogValue(a)) : [err.message])];
  }
  return args.map((a) => safeLogValue(a));
}

const MAX_DEPTH = 6;

/** A copy of `value` with errors reduced and strings scrubbed; the original is not touched. */
export function safeLogValue(value: unknown, depth = 0): unknown {
  if (typeof value === 'string') return scrubSecrets(value);
  if (typeof value !== 'object' || value === null) return value;
  if (value instanceof Error) return safeErrorShape(value);
  if (depth >= MAX_DEPTH) return '[nested too deep to log]';
  if (Array.isArray(value)) return value.map((v) => safeLogValue(v, depth + 1));
  const proto = Object.getPrototypeOf(value) as unknown;
  // Plain records only: class instances (a Date, a Buffer) are left to pino's own rules.
  if (proto !== Object.prototype && proto !== null) return value;
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value)) out[k] = safeLogValue(v, depth + 1);
  return out;
}

export type { Logger };
