// The controller as the demo runs it: its own process (`node --import tsx controller/main.ts`, the
// same entry point as the image, with every kind from reconcilers/index.ts), configured by flags,
// logging to a file in the state dir. Its pid is recorded there, so a run that was killed outright
// is reaped by the next one like the servers of the stack.
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { freePort, spawnLogged, waitUntilReady, type ManagedProcess } from '../env/processes.js';
import { PIDS_DIR } from '../env/state-dir.js';

const REPO_ROOT = fileURLToPath(new URL('../..', import.meta.url));

export interface DemoControllerOptions {
  readonly kubeconfigPath: string;
  readonly namespace: string;
  readonly awsEndpoint: string;
  readonly awsRegion: string;
  readonly redisUrl: string;
  readonly stateDir: string;
  readonly logLevel: string;
  /** Where the notifications Secret is (the controller's namespace); absent: no notifications. */
  readonly notificationsNamespace?: string;
}

export interface DemoController {
  readonly process: ManagedProcess;
  readonly metricsUrl: string;
  /** SIGTERM (graceful: in-flight reconciles finish), SIGKILL after the grace period. */
  stop(): Promise<void>;
}

export async function startDemoController(o: DemoControllerOptions): Promise<DemoController> {
  const [metricsPort, healthPort] = [await freePort(), await freePort()];
  const proc = await spawnLogged(
    'controller',
    process.execPath,
    [
      '--import',
      'tsx',
      join(REPO_ROOT, 'controller', 'main.ts'),
      `--kubeconfig=${o.kubeconfigPath}`,
      `--namespaces=${o.namespace}`,
      `--aws-endpoint-url=${o.awsEndpoint}`,
      `--aws-region=${o.awsRegion}`,
      '--aws-emulator',
      `--metrics-bind-address=127.0.0.1:${metricsPort}`,
      `--health-probe-bind-address=127.0.0.1:${healthPort}`,
      `--log-level=${o.logLevel}`,
      ...(o.notificationsNamespace === undefined
        ? []
        : [`--leader-election-namespace=${o.notificationsNamespace}`]),
    ],
    {
      logPath: join(o.stateDir, 'controller.log'),
      cwd: REPO_ROOT, // `--import tsx` resolves from here
      // REDIS_URL rather than --redis-url: the URL carries the password, and argv is readable by
      // anyone on the machine (ps) and written to the log's "starting" line.
      env: { ...demoControllerEnv(), REDIS_URL: o.redisUrl },
      pidFile: join(o.stateDir, PIDS_DIR, 'controller.json'),
    },
  );
  try {
    // /readyz answers 200 once every informer has listed: from then on, applied objects are seen.
    await waitUntilReady(
      proc,
      async () => (await fetch(`http://127.0.0.1:${healthPort}/readyz`)).ok,
      { timeoutMs: 90_000, intervalMs: 200 },
    );
  } catch (err) {
    await proc.stop();
    throw err;
  }
  return {
    process: proc,
    metricsUrl: `http://127.0.0.1:${metricsPort}/metrics`,
    stop: () => proc.stop(35_000), // above the controller's 30 s shutdown timeout
  };
}

/**
 * The caller's environment without any AWS settings (a profile or real keys must never reach the
 * emulator's client, nor could they: the endpoint is moto), plus fake credentials for the SDK.
 */
function demoControllerEnv(): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env)) if (!k.startsWith('AWS_')) env[k] = v;
  return { ...env, AWS_ACCESS_KEY_ID: 'demo', AWS_SECRET_ACCESS_KEY: 'demo' };
}
