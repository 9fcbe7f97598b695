// One run of the demo, from starting the stack to removing it; see main.ts. Every resource is
// released in reverse order of acquisition, whatever failed in between.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import type { KubeConfig } from '@kubernetes/client-node';
import { systemClock } from '../../controller/index.js';
import { AwsClients } from '../../reconcilers/shared/adapters/aws/clients.js';
import { startFaultProxy } from '../env/fault-proxy.js';
import { logTail } from '../env/processes.js';
import { taskSetCounts } from '../fixtures/moto/task-set-counts.js';
import {
  apiErrorMessage,
  applyObject,
  ensureNamespace,
  installCrds,
  kubeConfigFromFile,
} from './cluster.js';
import { startDemoController } from './controller-process.js';
import { startNotificationSink } from './notifications.js';
import { demoKube } from './demo-kube.js';
import { demoHeader } from './header.js';
import { crdFile, DEMO_KINDS } from './kinds.js';
import { LiveView } from './live-view.js';
import type { DemoOptions } from './options.js';
import type { PreparedScenario, Scenario, ScenarioContext } from './scenario.js';
import { startDemoStack, type DemoStack } from './stack.js';
import { startStandInApp, type StandInApp } from './stand-in-app.js';
import { reportOutcome, type ScenarioResult } from './summary.js';

const REGION = 'us-east-1';
const clock = systemClock;

function say(line: string): void {
  process.stderr.write(`[demo] ${line}\n`);
}

/** Runs until `stop` aborts (Ctrl-C, --duration, the controller died); returns the exit code. */
export async function runDemo(
  options: DemoOptions,
  stop: AbortController,
  onStackUp: () => void,
): Promise<number> {
  say(`scenarios: ${options.scenarios.map((s) => s.name).join(', ')}`);
  const stack = await startDemoStack({ keepStateDir: options.keep, log: say });
  onStackUp();
  const cleanups: (() => Promise<unknown>)[] = [() => stack.stop()];
  const results: ScenarioResult[] = [];
  let exitCode = 0;
  const { env } = stack;
  let controllerLog: string | undefined;
  let startedAt: number | undefined;
  let view: LiveView | undefined;
  // A stop (Ctrl-C) during a long step takes effect at the next phase.
  const checkpoint = (): void => {
    if (stop.signal.aborted) throw new StoppedEarly();
  };
  try {
    const kc = kubeConfigFromFile(env.kubeconfigPath);
    // Created now so that scenario notes from the seeding are in its log; started (watches, screen)
    // once the controller runs.
    const liveView = new LiveView({
      kc,
      namespace: options.namespace,
      out: process.stdout,
      interactive: process.stdout.isTTY,
      clock,
      header: () =>
        demoHeader({
          options,
          elapsedMs: clock.now().getTime() - (startedAt ?? clock.now().getTime()),
          kubeconfig: env.kubeconfigPath,
          kubectl: env.kubectlPath,
          envFile: join(env.stateDir, ENV_FILE),
          controllerLog: controllerLog ?? '(starting)',
        }),
    });
    view = liveView;
    await installCrds(
      kc,
      DEMO_KINDS.map((k) => crdFile(k.kind)),
    );
    await ensureNamespace(kc, options.namespace);
    const sink = await startNotificationSink(kc, options.namespace, (source, message) => {
      liveView.note(source, message);
    });
    cleanups.push(() => sink.close());
    const app = await startStandInApp();
    cleanups.push(() => app.close());
    const aws = new AwsClients({
      region: REGION,
      endpoint: env.awsEndpoint,
      credentials: { accessKeyId: 'demo', secretAccessKey: 'demo' },
      maxAttempts: 1, // moto answers unimplemented calls with 500s that must not be retried
      emulator: true,
    });
    cleanups.push(() => {
      aws.destroy();
      return Promise.resolve();
    });
    const context = (s: Scenario): ScenarioContext =>
      scenarioContext(s, { stack, kc, aws, app, options, view: liveView, stop: stop.signal });

    checkpoint();
    say('seeding moto and templating the examples …');
    const prepared = await Promise.all(
      options.scenarios.map(async (s) => ({ scenario: s, ...(await s.prepare(context(s))) })),
    );
    checkpoint();
    // moto reports no ECS task-set counts; real ECS does, and a Release's allTasksRunning check
    // needs them (no counts is inconclusive, never a pass). The controller reaches moto through
    // the test stack's fault proxy, which fills them in as ECS would.
    const ecsCounts = await startFaultProxy(env.awsEndpoint, { rewrites: [taskSetCounts()] });
    cleanups.push(() => ecsCounts.stop());
    const envFile = writeEnvFile(env, REGION);
    say(`for another terminal: source ${envFile}`);
    say('starting the controller (controller/main.ts) …');
    const controller = await startDemoController({
      kubeconfigPath: env.kubeconfigPath,
      namespace: options.namespace,
      awsEndpoint: ecsCounts.endpoint,
      awsRegion: REGION,
      redisUrl: env.redisUrl,
      stateDir: env.stateDir,
      logLevel: options.controllerLogLevel,
      notificationsNamespace: options.namespace,
    });
    cleanups.push(() => controller.stop());
    void controller.process.exited.then((reason) => {
      if (stop.signal.aborted) return;
      say(`the controller exited (${reason}); last lines of ${controller.process.logPath}:`);
      process.stderr.write(`${logTail(controller.process.logPath, 20)}\n`);
      exitCode = 1;
      stop.abort();
    });

    checkpoint();
    controllerLog = controller.process.logPath;
    startedAt = clock.now().getTime();
    liveView.start();
    cleanups.push(() => liveView.stop());

    for (const p of prepared) await applyObjects(kc, options.namespace, p, liveView);
    const drives = prepared.map((p) => drive(p, liveView, stop.signal, results));
    if (options.durationMs !== undefined) {
      setTimeout(() => {
        stop.abort();
      }, options.durationMs).unref();
    }
    if (!stop.signal.aborted) {
      await new Promise((resolve) => {
        stop.signal.addEventListener('abort', resolve);
      });
    }
    // Drives return promptly once stopped; a stuck AWS call must not hold the shutdown.
    await Promise.race([Promise.all(drives), delay(5_000)]);
  } catch (err) {
    // After a stop, errors are its echo (Ctrl-C also reaches the servers): not worth a report.
    if (!(err instanceof StoppedEarly) && !stop.signal.aborted) {
      say(`failed: ${apiErrorMessage(err)}`);
      exitCode = 1;
    }
  } finally {
    stop.abort();
    for (const cleanup of cleanups.reverse()) {
      await cleanup().catch((err: unknown) => {
        say(`cleanup: ${apiErrorMessage(err)}`);
      });
    }
  }
  if (options.durationMs !== undefined && exitCode === 0 && view !== undefined)
    exitCode = reportOutcome(view.objects(), results, process.stdout);
  say(options.keep ? `state kept in ${stack.env.stateDir}` : 'stopped; state dir removed');
  return exitCode;
}

class StoppedEarly extends Error {}

interface Shared {
  readonly stack: DemoStack;
  readonly kc: KubeConfig;
  readonly aws: AwsClients;
  readonly app: StandInApp;
  readonly options: DemoOptions;
  readonly view: LiveView;
  readonly stop: AbortSignal;
}

function scenarioContext(scenario: Scenario, s: Shared): ScenarioContext {
  const { env } = s.stack;
  return {
    namespace: s.options.namespace,
    region: REGION,
    awsEndpoint: env.awsEndpoint,
    aws: s.aws,
    redisUrl: env.redisUrl,
    kube: demoKube(s.kc, s.options.namespace),
    app: s.app,
    clock,
    signal: s.stop,
    note: (message) => {
      s.view.note(scenario.name, message);
    },
    sleep: (ms) => sleepUnlessStopped(ms, s.stop),
  };
}

async function applyObjects(
  kc: KubeConfig,
  namespace: string,
  p: PreparedScenario & { readonly scenario: Scenario },
  view: LiveView,
): Promise<void> {
  for (const obj of p.objects) {
    await applyObject(kc, { ...obj, metadata: { ...obj.metadata, namespace } });
    view.note(p.scenario.name, `applied ${obj.kind}/${obj.metadata.name}`);
  }
}

async function drive(
  p: PreparedScenario & { readonly scenario: Scenario },
  view: LiveView,
  stop: AbortSignal,
  results: ScenarioResult[],
): Promise<void> {
  try {
    await p.drive?.();
    results.push({ scenario: p.scenario.name });
  } catch (err) {
    const error = apiErrorMessage(err);
    if (!stop.aborted) view.note(p.scenario.name, `failed: ${error}`);
    results.push({ scenario: p.scenario.name, error });
  }
}

function sleepUnlessStopped(ms: number, signal: AbortSignal): Promise<boolean> {
  if (signal.aborted) return Promise.resolve(false);
  return new Promise((resolve) => {
    const onAbort = (): void => {
      clearTimeout(timer);
      resolve(false);
    };
    const timer = setTimeout(() => {
      signal.removeEventListener('abort', onAbort);
      resolve(true);
    }, ms);
    signal.addEventListener('abort', onAbort, { once: true });
  });
}

const ENV_FILE = 'env.sh';

/**
 * `source <state dir>/env.sh` in another terminal points kubectl, the flags CLI and the AWS CLI at
 * this demo's stack (Node 24 first on PATH for the bins). The Redis URL carries the stack's
 * password, so the file is the owner's only, like Redis's own config in the same directory.
 */
function writeEnvFile(
  env: { kubeconfigPath: string; redisUrl: string; awsEndpoint: string; stateDir: string },
  region: string,
): string {
  const quote = (v: string): string => `'${v.replaceAll("'", "'\\''")}'`;
  const nodeBin = fileURLToPath(new URL('../../node_modules/node/bin', import.meta.url));
  const lines = [
    `export KUBECONFIG=${quote(env.kubeconfigPath)}`,
    `export REDIS_URL=${quote(env.redisUrl)}`,
    `export AWS_ENDPOINT_URL=${quote(env.awsEndpoint)}`,
    `export AWS_REGION=${quote(region)} AWS_ACCESS_KEY_ID=demo AWS_SECRET_ACCESS_KEY=demo`,
    `export PATH=${quote(nodeBin)}:"$PATH"`,
  ];
  const path = join(env.stateDir, ENV_FILE);
  writeFileSync(path, `${lines.join('\n')}\n`, { mode: 0o600 });
  return path;
}
