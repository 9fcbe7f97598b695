// Runs the compiled noop-controller.ts (build.ts) as a child process with --expose-gc, collects its
// IPC reports until the wanted number of passes, scrapes /metrics, then stops it with SIGTERM.
import { spawn, type ChildProcess } from 'node:child_process';
import { CoordinationV1Api, type KubeConfig } from '@kubernetes/client-node';
import { closeSync, openSync } from 'node:fs';
import { logTail } from '../env/processes.js';
import { BENCH_EXPECTED_OBJECTS, type BenchMessage, type MemorySample } from './protocol.js';
import type { PassMessage } from './protocol.js';

export interface ControllerRunOptions {
  /** The compiled noop-controller.js. */
  readonly entry: string;
  readonly kubeconfigPath: string;
  readonly namespace: string;
  readonly objects: number;
  readonly workers: number;
  readonly resyncPeriod: string;
  /** Passes to wait for: 1 (initial sync) + resync passes. */
  readonly passes: number;
  readonly metricsPort: number;
  readonly logPath: string;
  readonly timeoutMs: number;
  /** Extra V8/Node flags for the controller process (to compare memory settings). */
  readonly nodeFlags?: readonly string[];
  /** Leader election as in production, on a Lease of this name in `namespace`. */
  readonly leaseName: string;
  readonly kubeConfig: KubeConfig;
}

export interface ControllerRun {
  readonly baseline: MemorySample;
  /** Process start → modules loaded (the child's own clock). */
  readonly loadedMs: number;
  /** Spawn → the Lease names this process's identity (polled every 20 ms from here). */
  readonly leaderMs: number | undefined;
  readonly passes: readonly PassMessage[];
  /** The Prometheus text of /metrics after the last pass. */
  readonly metricsText: string;
  /** SIGTERM to exit, ms. */
  readonly shutdownMs: number;
  readonly exitCode: number | null;
}

export async function runNoopController(o: ControllerRunOptions): Promise<ControllerRun> {
  const logFd = openSync(o.logPath, 'a');
  const spawnedAt = performance.now();
  const child = spawn(
    process.execPath,
    [
      '--expose-gc',
      ...(o.nodeFlags ?? []),
      o.entry,
      `--kubeconfig=${o.kubeconfigPath}`,
      `--namespaces=${o.namespace}`,
      `--workers=${o.workers}`,
      `--resync-period=${o.resyncPeriod}`,
      `--metrics-bind-address=127.0.0.1:${o.metricsPort}`,
      '--health-probe-bind-address=0',
      '--log-level=warn',
      '--leader-elect=true',
      `--leader-election-namespace=${o.namespace}`,
      `--leader-election-id=${o.leaseName}`,
    ],
    {
      env: { ...process.env, [BENCH_EXPECTED_OBJECTS]: String(o.objects) },
      stdio: ['ignore', logFd, logFd, 'ipc'],
    },
  );
  closeSync(logFd);
  const leader = watchLeader(o, spawnedAt);
  const killOnExit = (): void => {
    child.kill('SIGKILL');
  };
  process.once('exit', killOnExit);
  try {
    const { baseline, loadedMs, passes } = await collectReports(child, o);
    const leaderMs = await leader.stop();
    const metricsText = await (await fetch(`http://127.0.0.1:${o.metricsPort}/metrics`)).text();
    const stopStarted = performance.now();
    const exited = new Promise<number | null>((resolve) => child.once('exit', resolve));
    child.kill('SIGTERM');
    const exitCode = await exited;
    return {
      baseline,
      loadedMs,
      leaderMs,
      passes,
      metricsText,
      shutdownMs: performance.now() - stopStarted,
      exitCode,
    };
  } finally {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    process.off('exit', killOnExit);
  }
}

function collectReports(
  child: ChildProcess,
  o: ControllerRunOptions,
): Promise<{ baseline: MemorySample; loadedMs: number; passes: PassMessage[] }> {
  return new Promise((resolve, reject) => {
    let baseline: MemorySample | undefined;
    let loadedMs = 0;
    const passes: PassMessage[] = [];
    const fail = (why: string): void => {
      clearTimeout(timer);
      reject(
        new Error(`benchmarked controller ${why}; log ${o.logPath}:\n${logTail(o.logPath, 20)}`),
      );
    };
    const timer = setTimeout(() => {
      fail(`did not finish ${o.passes} passes within ${o.timeoutMs / 1000} s`);
    }, o.timeoutMs);
    child.once('exit', (code, signal) => {
      fail(`exited early (${signal ?? `code ${String(code)}`})`);
    });
    child.on('message', (raw) => {
      const message = raw as BenchMessage;
      if (message.type === 'loaded') {
        baseline = message.memory;
        loadedMs = message.sinceProcessStartMs;
      } else passes.push(message);
      if (baseline !== undefined && passes.length >= o.passes) {
        clearTimeout(timer);
        child.removeAllListeners('exit');
        resolve({ baseline, loadedMs, passes });
      }
    });
  });
}

/** Polls the Lease until it has a holder; `stop()` gives ms from spawn to then (or undefined). */
function watchLeader(
  o: ControllerRunOptions,
  spawnedAt: number,
): { stop(): Promise<number | undefined> } {
  const leases = o.kubeConfig.makeApiClient(CoordinationV1Api);
  let leaderMs: number | undefined;
  const signal = new AbortController();
  const poll = (async () => {
    while (!signal.signal.aborted && leaderMs === undefined) {
      try {
        const lease = await leases.readNamespacedLease({
          namespace: o.namespace,
          name: o.leaseName,
        });
        if (lease.spec?.holderIdentity) leaderMs = performance.now() - spawnedAt;
      } catch {
        // 404 until the controller creates it
      }
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
  })();
  return {
    async stop() {
      signal.abort();
      await poll;
      return leaderMs;
    },
  };
}
