/**
 * `latticedb-flags` as a function: `run(argv, io)` returns the exit code, so tests drive the real
 * CLI in-process against a real Redis, and main.ts only wires it to the process.
 */
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Redis } from 'ioredis';
import type { RedisConnectionOptions } from '../index.js';
import {
  createRedisClient,
  InvalidFlagInputError,
  redactRedisUrl,
  RedisFlagStore,
} from '../index.js';
import { sanitizeMessage } from '../../controller/observability/redact.js';
import { safeErrorMessage } from '../../controller/observability/safe-error.js';
import type { ExitCode } from './args.js';
import { COMMAND_HELP, EXIT, parseCliArgs, USAGE } from './args.js';
import { CliFailure, executeCommand } from './commands.js';
import { render } from './format.js';

export interface CliIo {
  readonly stdout: (text: string) => void;
  readonly stderr: (text: string) => void;
  readonly env: Readonly<Record<string, string | undefined>>;
  /** Builds the Redis client (default createRedisClient). */
  readonly connect?: (options: RedisConnectionOptions) => Redis;
}

export async function run(argv: readonly string[], io: CliIo): Promise<ExitCode> {
  const parsed = parseCliArgs(argv, io.env);
  if (parsed.kind === 'help') {
    io.stdout(parsed.command === undefined ? USAGE : COMMAND_HELP[parsed.command]);
    return EXIT.ok;
  }
  if (parsed.kind === 'version') {
    io.stdout(`latticedb-flags ${packageVersion()}\n`);
    return EXIT.ok;
  }
  if (parsed.kind === 'usage-error') {
    io.stderr(
      `latticedb-flags: ${sanitizeMessage(parsed.message)}\nRun latticedb-flags --help for usage.\n`,
    );
    return EXIT.usage;
  }
  const { command, options } = parsed;
  let lastConnectionError: Error | undefined;
  let redis: Redis;
  try {
    const tlsCa =
      options.tlsCaPath === undefined ? undefined : readFileSync(options.tlsCaPath, 'utf8');
    redis = (io.connect ?? createRedisClient)({
      url: options.redisUrl,
      ...(tlsCa !== undefined ? { tlsCa } : {}),
      connectionName: 'latticedb-flags-cli',
      // A CLI should fail fast when Redis is down, not wait through the controller's retries:
      // one connection attempt, bounded by --timeout.
      maxRetriesPerRequest: 0,
      connectTimeoutMs: options.timeoutMs,
      commandTimeoutMs: options.timeoutMs,
      onError: (err) => {
        lastConnectionError = err;
      },
    });
  } catch (err) {
    io.stderr(`latticedb-flags: ${messageOf(err)}\n`);
    return EXIT.usage;
  }
  try {
    const store = new RedisFlagStore({ redis, prefix: options.prefix });
    const result = await withDeadline(
      executeCommand(command, {
        store,
        writer: `cli:${options.actor}`,
        force: options.force,
        notify: (message) => {
          io.stderr(`${message}\n`);
        },
      }),
      options.timeoutMs,
    );
    io.stdout(render(result, options.output));
    return EXIT.ok;
  } catch (err) {
    if (err instanceof CliFailure) {
      io.stderr(`latticedb-flags: ${err.message}\n`);
      return err.exitCode;
    }
    if (err instanceof InvalidFlagInputError) {
      io.stderr(`latticedb-flags: ${err.message}\n`);
      return EXIT.usage;
    }
    const message = cliMessage(err, lastConnectionError, options.timeoutMs);
    const cause =
      lastConnectionError === undefined || message.includes(lastConnectionError.message)
        ? ''
        : ` (${messageOf(lastConnectionError)})`;
    io.stderr(`latticedb-flags: ${message}${cause} [redis ${redactRedisUrl(options.redisUrl)}]\n`);
    return EXIT.failure;
  } finally {
    redis.disconnect();
  }
}

/** Commands are short: the whole of one must finish within --timeout. */
async function withDeadline<T>(work: Promise<T>, timeoutMs: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      reject(new RedisTimeout());
    }, timeoutMs);
  });
  try {
    return await Promise.race([work, deadline]);
  } finally {
    clearTimeout(timer);
  }
}

class RedisTimeout extends Error {
  override readonly name = 'RedisTimeout';
}

/**
 * The failure in the CLI's words: ioredis's "Reached the max retries per request limit" and
 * "Command timed out" become what happened to Redis and which option bounds it.
 */
function cliMessage(err: unknown, connectionError: Error | undefined, timeoutMs: number): string {
  const seconds = `${String(timeoutMs / 1000)}s`;
  const name = err instanceof Error ? err.name : '';
  const text = messageOf(err);
  if (name === 'MaxRetriesPerRequestError') {
    return connectionError === undefined
      ? 'cannot reach Redis'
      : `cannot reach Redis: ${connectionError.message}`;
  }
  if (err instanceof RedisTimeout || /^Command timed out/.test(text)) {
    return `no answer from Redis within ${seconds} (--timeout)`;
  }
  return text;
}

/** `version` of the package.json nearest above this file (the same in src and dist layouts). */
function packageVersion(): string {
  for (let dir = dirname(fileURLToPath(import.meta.url)); ; dir = dirname(dir)) {
    const path = join(dir, 'package.json');
    if (existsSync(path)) {
      const pkg = JSON.parse(readFileSync(path, 'utf8')) as { name?: string; version?: string };
      if (pkg.name === 'latticedb-controller') return pkg.version ?? 'unknown';
    }
    if (dirname(dir) === dir) return 'unknown';
  }
}

/** What the CLI prints of any error: its safe shape's message (secrets and arguments never). */
function messageOf(err: unknown): string {
  return safeErrorMessage(err);
}
