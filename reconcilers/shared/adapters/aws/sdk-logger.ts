// The SDK's logger middleware hands its logger the command input and output (only fields modelled
// as @sensitive are masked: task-definition environment values, for example, are not). This
// adapter keeps what an operator needs to follow a call and drops every payload.
import { redactAwsText } from './errors.js';

/** A pino-compatible subset. */
export interface AwsLogSink {
  debug(obj: object, msg?: string): void;
  warn(obj: object, msg?: string): void;
}

export interface AwsCallRecord {
  service: string;
  region: string;
  command?: string;
  httpStatusCode?: number;
  requestId?: string;
  attempts?: number;
  totalRetryDelayMs?: number;
  error?: string;
}

/** Structurally the SDK's `Logger` (@smithy/types), without depending on that package. */
export interface SdkLogger {
  debug(...content: unknown[]): void;
  info(...content: unknown[]): void;
  warn(...content: unknown[]): void;
  error(...content: unknown[]): void;
}

export function sdkLogger(sink: AwsLogSink, service: string, region: string): SdkLogger {
  const record = (content: unknown[]): AwsCallRecord => callRecord(service, region, content[0]);
  return {
    debug: () => undefined, // credential-provider chatter; may quote file paths and profiles
    info: (...content: unknown[]) => {
      sink.debug(record(content), 'aws call');
    },
    // Failed calls are rethrown to the adapter, which decides how loud to be.
    error: (...content: unknown[]) => {
      sink.debug(record(content), 'aws call failed');
    },
    warn: (...content: unknown[]) => {
      const text = content.filter((c) => typeof c === 'string').join(' ');
      sink.warn({ service, region }, redactAwsText(text).slice(0, 500));
    },
  };
}

function callRecord(service: string, region: string, entry: unknown): AwsCallRecord {
  const out: AwsCallRecord = { service, region };
  if (typeof entry !== 'object' || entry === null) return out;
  const e = entry as {
    commandName?: unknown;
    metadata?: {
      httpStatusCode?: unknown;
      requestId?: unknown;
      attempts?: unknown;
      totalRetryDelay?: unknown;
    };
    error?: { name?: unknown };
  };
  if (typeof e.commandName === 'string') out.command = e.commandName;
  const m = e.metadata;
  if (typeof m?.httpStatusCode === 'number') out.httpStatusCode = m.httpStatusCode;
  if (typeof m?.requestId === 'string') out.requestId = m.requestId;
  if (typeof m?.attempts === 'number') out.attempts = m.attempts;
  if (typeof m?.totalRetryDelay === 'number') out.totalRetryDelayMs = m.totalRetryDelay;
  if (typeof e.error?.name === 'string') out.error = e.error.name;
  return out;
}
