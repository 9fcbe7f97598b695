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
    ...withoutCommandArgs(out),
  };
}

/**
 * ioredis attaches the failed command to its errors (`err.command = { name, args }`), and the
 * standard serializer copies it: for a refused AUTH the args are the user and the password, for
 * a flag write the targeted user ids. Keep the command name only.
 */
function withoutCommandArgs(out: object): { command?: unknown } {
  const command = (out as { command?: unknown }).command;
  if (typeof command !== 'object' || command === null || !('args' in command)) return {};
  const { args, ...rest } = command;
  const count = Array.isArray(args) ? args.length : 0;
  return { command: { ...rest, args: `[${count} arguments redacted]` } };
}

export type { Logger };
