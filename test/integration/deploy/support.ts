// Helpers for the deployment tests: the shipped manifests (RBAC, Deployment, examples), a
// ServiceAccount bound to exactly the shipped roles, and the controller as a child process whose
// JSON log lines and /metrics the tests read.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  RbacAuthorizationV1Api,
  type KubeConfig,
  type V1ClusterRole,
  type V1PolicyRule,
  type V1Role,
} from '@kubernetes/client-node';
import { load, loadAll } from 'js-yaml';
import {
  adminKubeConfig,
  serviceAccountKubeConfig,
  testEnv,
  uniqueName,
  waitFor,
} from '../../env/fixtures.js';

export const REPO_ROOT = fileURLToPath(new URL('../../../', import.meta.url));
export const repoPath = (...parts: string[]): string => join(REPO_ROOT, ...parts);
/** Node 24 from the `node` npm package (the system node may be older). */
export const NODE = repoPath('node_modules', '.bin', 'node');

/** One YAML document of the repository (cast it to what the file holds). */
export function readYaml(...parts: string[]): unknown {
  return load(readFileSync(repoPath(...parts), 'utf8'));
}

export const shippedClusterRole = (): V1ClusterRole =>
  readYaml('manifests', 'base', 'rbac', 'cluster-role.yaml') as V1ClusterRole;
export const shippedLeaderElectionRole = (): V1Role =>
  readYaml('manifests', 'base', 'rbac', 'leader-election-role.yaml') as V1Role;

export const shippedNotificationsRole = (): V1Role =>
  readYaml('manifests', 'base', 'rbac', 'notifications-role.yaml') as V1Role;

/** The CRD files of crds/ (for `applyCrdFiles`). */
export function crdFiles(): string[] {
  return readdirSync(repoPath('crds'))
    .filter((f) => f.endsWith('.delivery.latticedb.com.yaml'))
    .map((f) => repoPath('crds', f));
}

export interface ExampleObject {
  apiVersion: string;
  kind: string;
  metadata: { name: string; namespace?: string };
  spec: unknown;
}

/** The first example of each kind in manifests/examples, by kind. */
export function examplesByKind(): Map<string, ExampleObject> {
  const dir = repoPath('manifests', 'examples');
  const out = new Map<string, ExampleObject>();
  for (const file of readdirSync(dir)
    .filter((f) => f.endsWith('.yaml'))
    .sort()) {
    for (const doc of loadAll(readFileSync(join(dir, file), 'utf8')) as ExampleObject[]) {
      if (doc.apiVersion.startsWith('delivery.latticedb.com/') && !out.has(doc.kind)) {
        out.set(doc.kind, doc);
      }
    }
  }
  return out;
}

export interface BoundServiceAccount {
  readonly kubeConfig: KubeConfig;
  /** The same credentials in a file, for `--kubeconfig`. */
  readonly kubeconfigPath: string;
  /** Deletes the cluster-scoped objects (the namespaced ones go with the test namespace). */
  cleanup(): Promise<void>;
}

/**
 * A ServiceAccount `saName` in `namespace` bound to the given ClusterRole rules (cluster-wide) and
 * Role rules (in `namespace`), as the base's bindings do for latticedb-system. Waits until the
 * authorizer sees the bindings.
 */
export async function bindServiceAccount(options: {
  readonly namespace: string;
  readonly saName: string;
  readonly clusterRules: readonly V1PolicyRule[];
  readonly namespaceRules: readonly V1PolicyRule[];
}): Promise<BoundServiceAccount> {
  const { namespace, saName } = options;
  const rbac = adminKubeConfig().makeApiClient(RbacAuthorizationV1Api);
  const clusterName = uniqueName('latticedb-controller-test');
  const roleRef = (kind: 'ClusterRole' | 'Role', name: string) => ({
    apiGroup: 'rbac.authorization.k8s.io',
    kind,
    name,
  });
  const subjects = [{ kind: 'ServiceAccount', name: saName, namespace }];
  await rbac.createClusterRole({
    body: { metadata: { name: clusterName }, rules: [...options.clusterRules] },
  });
  await rbac.createClusterRoleBinding({
    body: {
      metadata: { name: clusterName },
      roleRef: roleRef('ClusterRole', clusterName),
      subjects,
    },
  });
  await rbac.createNamespacedRole({
    namespace,
    body: { metadata: { name: 'leader-election' }, rules: [...options.namespaceRules] },
  });
  await rbac.createNamespacedRoleBinding({
    namespace,
    body: {
      metadata: { name: 'leader-election' },
      roleRef: roleRef('Role', 'leader-election'),
      subjects,
    },
  });
  const kubeConfig = await serviceAccountKubeConfig(namespace, saName);
  const kubeconfigPath = join(mkdtempSync(join(tmpdir(), 'latticedb-sa-')), 'kubeconfig');
  writeFileSync(kubeconfigPath, kubeConfig.exportConfig(), { mode: 0o600 });
  return {
    kubeConfig,
    kubeconfigPath,
    cleanup: async () => {
      await rbac.deleteClusterRoleBinding({ name: clusterName });
      await rbac.deleteClusterRole({ name: clusterName });
    },
  };
}

/**
 * The environment of a controller process in these tests: AWS calls go to the emulator, never to
 * AWS. No Redis: these controllers watch every namespace and would otherwise write flags for
 * leftover FlagRollouts of other test files; FlagRollouts report RedisNotConfigured instead.
 */
export function testStackEnv(): Record<string, string> {
  return {
    PATH: process.env.PATH ?? '',
    HOME: process.env.HOME ?? '/tmp',
    AWS_ENDPOINT_URL: testEnv().awsEndpoint,
    LATTICEDB_AWS_EMULATOR: 'true',
    AWS_ACCESS_KEY_ID: 'test',
    AWS_SECRET_ACCESS_KEY: 'test',
    AWS_EC2_METADATA_DISABLED: 'true',
  };
}

export interface LogLine {
  readonly level: string;
  readonly msg: string;
  readonly [field: string]: unknown;
}

/** The controller as a child process: its JSON log lines, its HTTP servers, its exit. */
export class ControllerProcess {
  readonly lines: LogLine[] = [];
  /** Everything that was not a JSON log line (stderr, stray output). */
  readonly other: string[] = [];
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  readonly #child: ChildProcess;

  constructor(
    command: string,
    args: readonly string[],
    options: { cwd: string; env: Record<string, string> },
  ) {
    this.#child = spawn(command, args, {
      cwd: options.cwd,
      env: options.env,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let buffered = '';
    this.#child.stdout?.on('data', (chunk: Buffer) => {
      buffered += chunk.toString('utf8');
      const parts = buffered.split('\n');
      buffered = parts.pop() ?? '';
      for (const line of parts) this.#take(line);
    });
    this.#child.stderr?.on('data', (chunk: Buffer) => this.other.push(chunk.toString('utf8')));
    this.exited = new Promise((resolve) => {
      this.#child.once('exit', (code, signal) => {
        if (buffered !== '') this.#take(buffered);
        resolve({ code, signal });
      });
    });
  }

  /** Waits for a log line matching `predicate` and returns it. */
  waitForLog(
    predicate: (line: LogLine) => boolean,
    message: string,
    timeoutMs = 60_000,
  ): Promise<LogLine> {
    return waitFor(() => this.lines.find(predicate), { timeoutMs, message, intervalMs: 100 });
  }

  /** `http://127.0.0.1:<port>` of the server that logged `msg` (e.g. `serving /metrics`). */
  async serverUrl(msg: string): Promise<string> {
    const line = await this.waitForLog((l) => l.msg === msg, msg);
    const { port } = line.address as { port: number };
    return `http://127.0.0.1:${port}`;
  }

  /** The exit, or an error when the process is still running after `timeoutMs`. */
  async waitForExit(
    timeoutMs: number,
  ): Promise<{ code: number | null; signal: NodeJS.Signals | null }> {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<'timeout'>((resolve) => {
      timer = setTimeout(() => {
        resolve('timeout');
      }, timeoutMs);
    });
    const outcome = await Promise.race([this.exited, timeout]);
    clearTimeout(timer);
    if (outcome === 'timeout') throw new Error(`still running ${timeoutMs} ms after the signal`);
    return outcome;
  }

  signal(signal: NodeJS.Signals): void {
    this.#child.kill(signal);
  }

  /** Kills the process if it still runs (test cleanup). */
  async kill(): Promise<void> {
    if (this.#child.exitCode === null && this.#child.signalCode === null) {
      this.#child.kill('SIGKILL');
      await this.exited;
    }
  }

  /** Log lines and other output that mention a 403 / Forbidden. */
  /**
   * Refusals the controller met: its warnings and errors (and any line with an error) that mention a
   * 403. Debug lines that quote an object's status are left out: a status may well report someone
   * else's 403 (a FlagRollout whose Secret the controller may not read, left by another test).
   */
  forbidden(): string[] {
    const met = this.lines.filter(
      (l) => ['warn', 'error', 'fatal'].includes(l.level) || 'err' in l,
    );
    const all = [...met.map((l) => JSON.stringify(l)), ...this.other];
    return all.filter((l) => /forbidden|"code":403\b|\b403\b/i.test(l));
  }

  #take(line: string): void {
    if (line.trim() === '') return;
    try {
      this.lines.push(JSON.parse(line) as LogLine);
    } catch {
      this.other.push(line);
    }
  }
}

/** The controller from source (Node 24 + tsx), with `reconcilers/index.ts`'s kinds. */
export function startControllerFromSource(
  args: readonly string[],
  env: Record<string, string>,
): ControllerProcess {
  return new ControllerProcess(NODE, ['--import', 'tsx', 'controller/main.ts', ...args], {
    cwd: REPO_ROOT,
    env,
  });
}

/** Parses Prometheus text into `name{labels}` → value. */
export async function scrapeMetrics(baseUrl: string): Promise<Map<string, number>> {
  const text = await (await fetch(`${baseUrl}/metrics`)).text();
  const out = new Map<string, number>();
  for (const line of text.split('\n')) {
    if (line.startsWith('#') || line.trim() === '') continue;
    const i = line.lastIndexOf(' ');
    out.set(line.slice(0, i), Number(line.slice(i + 1)));
  }
  return out;
}

/** Sum of the samples of `name` whose labels include every `labels` pair. */
export function metricSum(
  metrics: ReadonlyMap<string, number>,
  name: string,
  labels: Readonly<Record<string, string>> = {},
): number {
  let sum = 0;
  for (const [key, value] of metrics) {
    if (key !== name && !key.startsWith(`${name}{`)) continue;
    if (Object.entries(labels).every(([k, v]) => key.includes(`${k}="${v}"`))) sum += value;
  }
  return sum;
}
