/**
 * Runs the controller process: configuration, logger, KubeConfig, manager, kinds, signals.
 * Returns the exit code: 0 after a graceful stop, 1 on failure or lost leadership, 2 for bad
 * configuration (printed with the usage text).
 */
import { existsSync, readFileSync } from 'node:fs';
import { KubeConfig } from '@kubernetes/client-node';
import { ConfigError, HelpRequested, parseConfig, usage, type ControllerConfig } from './config.js';
import { Manager } from './manager.js';
import { createLogger, type Logger } from './observability/logger.js';
import { registerEnvironmentSecrets, registerUrlSecrets } from './observability/secrets.js';
import type { KindSetup } from './registration.js';

const SERVICE_ACCOUNT_NAMESPACE = '/var/run/secrets/kubernetes.io/serviceaccount/namespace';

export interface RunOptions {
  readonly argv: readonly string[];
  readonly env: Readonly<Record<string, string | undefined>>;
  readonly setups: readonly KindSetup[];
  readonly stdout?: (text: string) => void;
  readonly stderr?: (text: string) => void;
}

export async function runController(options: RunOptions): Promise<number> {
  const out = options.stdout ?? ((t: string) => process.stdout.write(t));
  const err = options.stderr ?? ((t: string) => process.stderr.write(t));
  let config: ControllerConfig;
  try {
    config = parseConfig(options.argv, options.env, {
      inClusterNamespace: readInClusterNamespace(),
    });
  } catch (e) {
    if (e instanceof HelpRequested) {
      out(`${usage()}\n`);
      return 0;
    }
    if (e instanceof ConfigError) {
      err(`${e.problems.map((p) => `error: ${p}`).join('\n')}\n\n${usage()}\n`);
      return 2;
    }
    throw e;
  }
  // Before anything can log: the credentials this process was given, masked wherever they appear.
  registerEnvironmentSecrets(options.env);
  registerUrlSecrets(config.redisUrl);
  const logger = createLogger({ level: config.logLevel });
  try {
    return await run(config, options.setups, logger);
  } catch (e) {
    logger.fatal({ err: e }, 'controller failed');
    return 1;
  }
}

async function run(
  config: ControllerConfig,
  setups: readonly KindSetup[],
  logger: Logger,
): Promise<number> {
  const manager = new Manager({ config, kubeConfig: loadKubeConfig(config), logger });
  for (const setup of setups) {
    const registration = setup(manager.deps());
    manager.register(registration);
    logger.info({ kind: registration.kind, resource: registration.resource }, 'registered kind');
  }
  let signals = 0;
  const onSignal = (signal: NodeJS.Signals): void => {
    if (++signals > 1) {
      logger.warn({ signal }, 'second signal: exiting without waiting');
      process.exit(1);
    }
    logger.info({ signal }, 'signal received; stopping gracefully');
    void manager.stop();
  };
  process.on('SIGTERM', onSignal);
  process.on('SIGINT', onSignal);
  logger.info(
    {
      config: { ...config, redisUrl: config.redisUrl === undefined ? undefined : '[set]' },
      identity: manager.identity,
    },
    'starting',
  );
  const exit = await manager.start();
  process.off('SIGTERM', onSignal);
  process.off('SIGINT', onSignal);
  if (exit === 'leadership-lost') {
    // main exits right away: the graceful path (hand back keys, release the Lease) is skipped.
    logger.error('leader election lost; exiting without the graceful path');
    return 1;
  }
  return 0;
}

function loadKubeConfig(config: ControllerConfig): KubeConfig {
  const kc = new KubeConfig();
  if (config.kubeconfig !== undefined) kc.loadFromFile(config.kubeconfig);
  else if (process.env.KUBERNETES_SERVICE_HOST !== undefined) kc.loadFromCluster();
  else kc.loadFromDefault();
  return kc;
}

function readInClusterNamespace(): string | undefined {
  if (!existsSync(SERVICE_ACCOUNT_NAMESPACE)) return undefined;
  return readFileSync(SERVICE_ACCOUNT_NAMESPACE, 'utf8').trim() || undefined;
}
