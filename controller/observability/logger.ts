/**
 * pino JSON logs. Errors go under `err`; secrets are redacted by key (`authorization`,
 * `password`, `token`, ...) and credentials are scrubbed from error messages and URLs.
 */
import { pino, stdSerializers, type DestinationStream, type Logger } from 'pino';
import { REDACT_PATHS, sanitizeMessage } from './redact.js';

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
      formatters: { level: (label) => ({ level: label }) },
      serializers: { err: serializeError, error: serializeError },
    },
    options.destination,
  );
}

function serializeError(err: unknown): unknown {
  if (!(err instanceof Error)) return typeof err === 'string' ? sanitizeMessage(err, 4096) : err;
  const out = stdSerializers.err(err);
  return {
    ...out,
    message: sanitizeMessage(out.message, 4096),
    stack: sanitizeMessage(out.stack, 8192),
  };
}

export type { Logger };
