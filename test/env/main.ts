// Starts the test environment and keeps it up until Ctrl-C, for poking at it by hand:
//   npx tsx test/env/main.ts        then e.g.  kubectl --kubeconfig <printed path> get ns
import { startEnvironment } from './environment.js';

const env = await startEnvironment({ stopOnSignals: true });
process.stdout.write(
  [
    `KUBECONFIG=${env.kubeconfigPath}`,
    `KUBECTL=${env.kubectlPath}`,
    `REDIS_URL=${env.redisUrl}`,
    `AWS_ENDPOINT_URL=${env.awsEndpoint}`,
    `STATE_DIR=${env.stateDir}`,
    'Ctrl-C stops everything.',
    '',
  ].join('\n'),
);
// Stay alive until a signal arrives (the signal handlers stop the environment and exit).
setInterval(() => undefined, 1 << 30);
