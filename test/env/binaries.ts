// Locates (and on first use builds) the control-plane binaries: kube-apiserver, etcd and kubectl,
// built from Go modules by scripts/build-k8s-test-bins.sh and cached outside the repository in
// ~/.cache/latticedb-test-bin/<k8s version>/ (override: LATTICEDB_TEST_BIN_DIR).
import { execFile, spawn } from 'node:child_process';
import { accessSync, constants, closeSync, openSync, readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { delimiter, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { logTail } from './processes.js';

const execFileAsync = promisify(execFile);
const versionsFile = fileURLToPath(new URL('./control-plane.versions', import.meta.url));
const buildScript = fileURLToPath(new URL('./scripts/build-k8s-test-bins.sh', import.meta.url));

export interface ControlPlaneVersions {
  readonly kubernetes: string;
  readonly etcd: string;
}

export interface ControlPlaneBinaries {
  readonly binDir: string;
  readonly kubeApiserver: string;
  readonly etcd: string;
  readonly kubectl: string;
}

export function controlPlaneVersions(): ControlPlaneVersions {
  const text = readFileSync(versionsFile, 'utf8');
  const read = (key: string): string => {
    const value = new RegExp(`^${key}=(\\S+)$`, 'm').exec(text)?.[1];
    if (value === undefined) throw new Error(`${key} missing in ${versionsFile}`);
    return value;
  };
  return { kubernetes: read('K8S_VERSION'), etcd: read('ETCD_VERSION') };
}

export function binDir(env: NodeJS.ProcessEnv = process.env): string {
  const override = env.LATTICEDB_TEST_BIN_DIR;
  if (override) return override;
  const cache = env.XDG_CACHE_HOME ?? join(homedir(), '.cache');
  return join(cache, 'latticedb-test-bin', controlPlaneVersions().kubernetes);
}

function isExecutable(path: string): boolean {
  try {
    accessSync(path, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

function onPath(name: string): string | undefined {
  for (const dir of (process.env.PATH ?? '').split(delimiter)) {
    if (dir && isExecutable(join(dir, name))) return join(dir, name);
  }
  return undefined;
}

/** kubectl built with the control plane (same version as the server), else the one on PATH. */
export function kubectlPath(env: NodeJS.ProcessEnv = process.env): string {
  const built = join(binDir(env), 'kubectl');
  return isExecutable(built) ? built : (onPath('kubectl') ?? 'kubectl');
}

export interface EnsureBinariesOptions {
  readonly env?: NodeJS.ProcessEnv;
  /** Run the Go build when kube-apiserver is missing (default true). */
  readonly build?: boolean;
  readonly buildLogPath: string;
  readonly log: (line: string) => void;
}

export async function ensureControlPlaneBinaries(
  options: EnsureBinariesOptions,
): Promise<ControlPlaneBinaries> {
  const env = options.env ?? process.env;
  const dir = binDir(env);
  const kubeApiserver = join(dir, 'kube-apiserver');
  if (!isExecutable(kubeApiserver) || !isExecutable(join(dir, 'kubectl'))) {
    if (options.build === false) {
      throw new Error(
        `no kube-apiserver/kubectl in ${dir}; build them with test/env/scripts/build-k8s-test-bins.sh`,
      );
    }
    options.log(
      `building kube-apiserver, kubectl and etcd from Go modules into ${dir} ` +
        `(first time only; ~4-15 min); log: ${options.buildLogPath}`,
    );
    await runBuild(dir, env, options.buildLogPath);
  }
  // etcd from our build, else Debian's etcd-server (the documented fallback) on PATH.
  const etcd = isExecutable(join(dir, 'etcd')) ? join(dir, 'etcd') : onPath('etcd');
  if (etcd === undefined) {
    throw new Error(`no etcd in ${dir} nor on PATH (build it, or apt-get install etcd-server)`);
  }
  return { binDir: dir, kubeApiserver, etcd, kubectl: kubectlPath(env) };
}

async function runBuild(out: string, env: NodeJS.ProcessEnv, logPath: string): Promise<void> {
  const fd = openSync(logPath, 'a');
  try {
    const child = spawn('bash', [buildScript], {
      stdio: ['ignore', fd, fd],
      env: { ...env, OUT: out },
    });
    const code = await new Promise<number | null>((resolve, reject) => {
      child.once('error', reject);
      child.once('exit', resolve);
    });
    if (code !== 0) {
      throw new Error(
        `building the control plane failed (exit ${String(code)}); log: ${logPath}\n${logTail(logPath, 30)}`,
      );
    }
  } finally {
    closeSync(fd);
  }
}

/** Whether `etcd --help` lists `flag` (3.4 from Debian lacks --unsafe-no-fsync). */
export async function etcdSupports(etcd: string, flag: string): Promise<boolean> {
  const { stdout, stderr } = await execFileAsync(etcd, ['--help']).catch(
    (err: unknown) => err as { stdout: string; stderr: string },
  );
  return `${stdout}${stderr}`.includes(flag);
}
