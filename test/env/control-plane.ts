// etcd + kube-apiserver on loopback, envtest-style (flags follow controller-runtime's envtest plus
// what ../shared/notes/test-control-plane.md §5 explains), and an admin kubeconfig with a bearer
// token. The apiserver can be stopped and started again on the same port against the same etcd, so
// tests can show that clients survive an apiserver outage.
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { request } from 'node:https';
import { join } from 'node:path';
import { dump } from 'js-yaml';
import { etcdSupports, type ControlPlaneBinaries } from './binaries.js';
import { createTestPki } from './pki.js';
import { freePort, spawnLogged, waitUntilReady, type ManagedProcess } from './processes.js';
import { PIDS_DIR, recordExternalDir } from './state-dir.js';

export interface ControlPlaneOptions {
  readonly stateDir: string;
  readonly binaries: ControlPlaneBinaries;
  /** Per start of the apiserver; 2 busy cores may need a minute. Default 90 s. */
  readonly startTimeoutMs?: number;
}

export interface ControlPlane {
  /** https://127.0.0.1:<port> */
  readonly server: string;
  /** base64 of the CA certificate in PEM, as in a kubeconfig's certificate-authority-data */
  readonly caData: string;
  /** bearer token of a `system:masters` user */
  readonly adminToken: string;
  readonly kubeconfigPath: string;
  readonly apiserverLogPath: string;
  isApiserverRunning(): boolean;
  /** Stops kube-apiserver; etcd and its data stay. */
  stopApiserver(): Promise<void>;
  /** Starts kube-apiserver again with the same port, flags and etcd; resolves once it is ready. */
  startApiserver(): Promise<void>;
  /** Stops kube-apiserver and etcd and deletes etcd's data. */
  stop(): Promise<void>;
}

export async function startControlPlane(options: ControlPlaneOptions): Promise<ControlPlane> {
  const { stateDir, binaries } = options;
  const timeoutMs = options.startTimeoutMs ?? 90_000;
  const pki = await createTestPki(join(stateDir, 'pki'));
  const adminToken = randomBytes(24).toString('hex');
  const tokensFile = join(stateDir, 'tokens.csv');
  // token,user,uid,"groups": system:masters bypasses authorization.
  writeFileSync(tokensFile, `${adminToken},test-admin,test-admin-uid,"system:masters"\n`, {
    mode: 0o600,
  });

  const etcd = await startEtcd(stateDir, binaries.etcd, timeoutMs);
  const port = await freePort();
  const server = `https://127.0.0.1:${port}`;
  const ca = readFileSync(pki.caCert);
  const apiserverArgs = [
    `--etcd-servers=${etcd.endpoint}`,
    '--bind-address=127.0.0.1',
    '--advertise-address=127.0.0.1', // no default route needed
    `--secure-port=${port}`,
    `--tls-cert-file=${pki.servingCert}`,
    `--tls-private-key-file=${pki.servingKey}`,
    `--cert-dir=${join(stateDir, 'pki')}`,
    `--client-ca-file=${pki.caCert}`,
    `--token-auth-file=${tokensFile}`,
    '--authorization-mode=RBAC',
    `--service-account-issuer=${server}`,
    `--service-account-key-file=${pki.serviceAccountPub}`,
    `--service-account-signing-key-file=${pki.serviceAccountKey}`,
    '--service-cluster-ip-range=10.0.0.0/24',
    '--disable-admission-plugins=ServiceAccount', // no controller-manager creates token secrets
    '--endpoint-reconciler-type=none', // a loopback IP is invalid in the kubernetes Endpoints
    '--allow-privileged=true',
    // On SIGTERM, end open watches cleanly; with the default (0) an open watch keeps the HTTP
    // server's shutdown waiting, and a stop took until our SIGKILL (measured: 15 s vs 0.1 s).
    '--shutdown-watch-termination-grace-period=2s',
  ];
  const apiserverLogPath = join(stateDir, 'kube-apiserver.log');
  let apiserver: ManagedProcess | undefined;

  const isReady = async (path: string): Promise<boolean> =>
    (await httpsStatus(`${server}${path}`, ca, adminToken)) === 200;

  const startApiserver = async (): Promise<void> => {
    if (apiserver?.isRunning()) return;
    const proc = await spawnLogged('kube-apiserver', binaries.kubeApiserver, apiserverArgs, {
      logPath: apiserverLogPath,
      pidFile: join(stateDir, PIDS_DIR, 'kube-apiserver.json'),
    });
    apiserver = proc;
    // /readyz covers the post-start hooks (RBAC bootstrap roles); then the default namespace exists.
    await waitUntilReady(proc, () => isReady('/readyz'), { timeoutMs, intervalMs: 250 });
    await waitUntilReady(proc, () => isReady('/api/v1/namespaces/default'), {
      timeoutMs,
      intervalMs: 250,
    });
  };
  const stopApiserver = async (): Promise<void> => {
    await apiserver?.stop(15_000);
  };

  try {
    await startApiserver();
  } catch (err) {
    await stopApiserver();
    await etcd.stop();
    throw err;
  }

  const caData = ca.toString('base64');
  const kubeconfigPath = join(stateDir, 'kubeconfig');
  writeFileSync(kubeconfigPath, adminKubeconfigYaml(server, caData, adminToken), { mode: 0o600 });

  return {
    server,
    caData,
    adminToken,
    kubeconfigPath,
    apiserverLogPath,
    isApiserverRunning: () => apiserver?.isRunning() ?? false,
    stopApiserver,
    startApiserver,
    async stop() {
      await stopApiserver();
      await etcd.stop();
    },
  };
}

async function startEtcd(
  stateDir: string,
  etcdBin: string,
  timeoutMs: number,
): Promise<{ endpoint: string; stop(): Promise<void> }> {
  // etcd fsyncs every write; on tmpfs (and with --unsafe-no-fsync where available) that is free.
  let dataDir = join(stateDir, 'etcd-data');
  try {
    dataDir = mkdtempSync('/dev/shm/latticedb-etcd-');
    recordExternalDir(stateDir, dataDir);
  } catch {
    // no writable /dev/shm: stay on disk
  }
  const clientPort = await freePort();
  const peerPort = await freePort();
  const endpoint = `http://127.0.0.1:${clientPort}`;
  const peer = `http://127.0.0.1:${peerPort}`;
  const args = [
    '--name=test',
    `--data-dir=${dataDir}`,
    `--listen-client-urls=${endpoint}`,
    `--advertise-client-urls=${endpoint}`,
    `--listen-peer-urls=${peer}`,
    `--initial-advertise-peer-urls=${peer}`,
    `--initial-cluster=test=${peer}`,
    '--log-level=warn',
  ];
  if (await etcdSupports(etcdBin, '--unsafe-no-fsync')) args.push('--unsafe-no-fsync');
  const proc = await spawnLogged('etcd', etcdBin, args, {
    logPath: join(stateDir, 'etcd.log'),
    pidFile: join(stateDir, PIDS_DIR, 'etcd.json'),
  });
  const stop = async (): Promise<void> => {
    await proc.stop();
    rmSync(dataDir, { recursive: true, force: true });
  };
  try {
    await waitUntilReady(
      proc,
      async () => {
        const res = await fetch(`${endpoint}/health`, { signal: AbortSignal.timeout(2000) });
        return res.ok;
      },
      { timeoutMs },
    );
  } catch (err) {
    await stop();
    throw err;
  }
  return { endpoint, stop };
}

/** HTTP status of a GET against the apiserver, or 0 when the connection fails. */
export function httpsStatus(url: string, ca: Buffer, token: string): Promise<number> {
  return new Promise((resolve) => {
    const req = request(url, { ca, headers: { Authorization: `Bearer ${token}` }, timeout: 5000 });
    req.on('response', (res) => {
      res.resume();
      resolve(res.statusCode ?? 0);
    });
    req.on('timeout', () => req.destroy());
    req.on('error', () => {
      resolve(0);
    });
    req.end();
  });
}

export function adminKubeconfigYaml(server: string, caData: string, token: string): string {
  return dump({
    apiVersion: 'v1',
    kind: 'Config',
    clusters: [
      { name: 'latticedb-test', cluster: { server, 'certificate-authority-data': caData } },
    ],
    users: [{ name: 'test-admin', user: { token } }],
    contexts: [
      {
        name: 'latticedb-test',
        context: { cluster: 'latticedb-test', user: 'test-admin', namespace: 'default' },
      },
    ],
    'current-context': 'latticedb-test',
  });
}
