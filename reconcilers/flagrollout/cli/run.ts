/**
 * `latticedb-flags` as a function: `run(argv, io)` returns the exit code, so tests drive the real
 * CLI in-process against a real Redis, and main.ts only wires it to the process.
 */
import { readFileSync } from 'node:fs';
import type { Redis } from 'ioredis';
import type { RedisConnectionOptions } from '../../shared/flags/index.js';
import {
  createRedisClient,
  InvalidFlagInputError,
  redactRedisUrl,
  RedisFlagStore,
} from '../../shared/flags/index.js';
import { sanitizeMessage } from '../../../controller/observability/redact.js';
import { safeErrorMessage } from '../../../controller/observability/safe-error.js';
import type { ExitCode } from './args.js';
import { EXIT, parseCliArgs, USAGE } from './args.js';
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
    io.stdout(USAGE);
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
      // A CLI should fail fast when Redis is down, not wait through the controller's retries.
      maxRetriesPerRequest: 1,
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
    const result = await executeCommand(command, {
      store,
      writer: `cli:${options.actor}`,
      notify: (message) => {
        io.stderr(`${message}\n`);
      },
    });
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
    const message = messageOf(err);
    const cause =
      lastConnectionError === undefined || lastConnectionError.message === message
        ? ''
        : ` (${messageOf(lastConnectionError)})`;
    io.stderr(`latticedb-flags: ${message}${cause} [redis ${redactRedisUrl(options.redisUrl)}]\n`);
    return EXIT.failure;
  } finally {
    redis.disconnect();
  }
}

/** What the CLI prints of any error: its safe shape's message (secrets and arguments never). */
function messageOf(err: unknown): string {
  return safeErrorMessage(err);
}
