// Command line of `npm run demo`.
import { parseArgs } from 'node:util';
import { DurationError, parseDuration } from '../../controller/duration.js';
import type { Scenario } from './scenario.js';

export interface DemoOptions {
  readonly scenarios: readonly Scenario[];
  /** End after this long and judge the run (smoke test); undefined: until Ctrl-C. */
  readonly durationMs: number | undefined;
  readonly keep: boolean;
  readonly namespace: string;
  readonly controllerLogLevel: string;
}

export function usage(all: readonly Scenario[]): string {
  return [
    'Usage: npm run demo -- [options]',
    '',
    '  --scenario <names>   comma-separated scenarios, or all (default)',
    '  --duration <d>       stop after <d> (e.g. 60s) and exit 1 unless every applied object was',
    '                       reconciled and no scenario failed (a smoke test)',
    '  --namespace <ns>     namespace of the examples (default latticedb-demo)',
    '  --log-level <level>  the controller log level (default info; the log is in the state dir)',
    '  --keep               keep the state dir (logs, kubeconfig) after stopping',
    '  --list               list the scenarios and exit',
    '',
    'Scenarios:',
    ...all.map((s) => `  ${s.name.padEnd(28)} ${s.summary}`),
  ].join('\n');
}

/** Parses argv; prints usage and exits on --help, --list or bad input. */
export function parseDemoOptions(argv: readonly string[], all: readonly Scenario[]): DemoOptions {
  const fail = (message: string): never => {
    process.stderr.write(`${message}\n\n${usage(all)}\n`);
    process.exit(2);
  };
  let values;
  try {
    ({ values } = parseArgs({
      args: [...argv],
      options: {
        scenario: { type: 'string', default: 'all' },
        duration: { type: 'string' },
        keep: { type: 'boolean', default: false },
        list: { type: 'boolean', default: false },
        help: { type: 'boolean', short: 'h', default: false },
        namespace: { type: 'string', default: 'latticedb-demo' },
        'log-level': { type: 'string', default: 'info' },
      },
    }));
  } catch (err) {
    return fail((err as Error).message);
  }
  if (values.list) {
    process.stdout.write(`${all.map((s) => `${s.name.padEnd(28)} ${s.summary}`).join('\n')}\n`);
    process.exit(0);
  }
  if (values.help) {
    process.stdout.write(`${usage(all)}\n`);
    process.exit(0);
  }
  let durationMs: number | undefined;
  try {
    durationMs = values.duration === undefined ? undefined : parseDuration(values.duration);
  } catch (err) {
    if (!(err instanceof DurationError)) throw err;
    fail(`--duration: ${err.message}`);
  }
  const names = values.scenario === 'all' ? all.map((s) => s.name) : values.scenario.split(',');
  const unknown = names.filter((n) => !all.some((s) => s.name === n.trim()));
  if (unknown.length > 0) fail(`unknown scenario ${unknown.join(', ')}`);
  return {
    scenarios: all.filter((s) => names.some((n) => n.trim() === s.name)),
    durationMs,
    keep: values.keep,
    namespace: values.namespace,
    controllerLogLevel: values['log-level'],
  };
}
