// `npm run demo`: the controller at work on a local stack, no cloud account needed.
//
// Starts kube-apiserver + etcd, redis-server and moto (test/env), installs the CRDs, lets each
// scenario seed the AWS emulator (a LatticeDB ECS service with its ALB, images, database) and
// template its example from manifests/examples/, runs the controller (controller/main.ts, its own
// process), applies the examples and shows their status live, as `kubectl get -w` would, while the
// scenarios drive the world (CloudWatch metrics, operator actions). Ctrl-C stops everything.
//
//   npm run demo -- [--scenario <name>[,<name>…]] [--duration <d>] [--keep] [--list] [--help]
//
// With --duration the demo ends by itself and exits non-zero unless the controller reconciled
// every applied object and no scenario failed: a smoke test of the whole chain.
import { parseDemoOptions } from './options.js';
import { runDemo } from './run.js';
import { SCENARIOS } from './scenarios/index.js';

const options = parseDemoOptions(process.argv.slice(2), SCENARIOS);

// Until the stack is up a signal ends the process at once: the environment's exit hook kills the
// servers started so far, and the next run reaps the state dir. Afterwards it stops the demo
// gracefully (controller, stand-in app, servers, state dir); a second signal forces the exit.
const stop = new AbortController();
let stackUp = false;
let signalled: number | undefined;
for (const [signal, code] of [
  ['SIGINT', 130],
  ['SIGTERM', 143],
] as const) {
  process.on(signal, () => {
    if (!stackUp || signalled !== undefined) {
      process.stderr.write(`[demo] ${signal}: exiting now\n`);
      process.exit(signalled === undefined ? code : 1);
    }
    process.stderr.write(
      `[demo] ${signal}: stopping the controller and the stack (again to force)\n`,
    );
    signalled = code;
    stop.abort();
  });
}

const code = await runDemo(options, stop, () => {
  stackUp = true;
});
process.exit(signalled ?? code);
