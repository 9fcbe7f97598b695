// The image's exact start command, without Docker: the Dockerfile's final-stage ENTRYPOINT/CMD
// combined with the Deployment's args and env as Kubernetes does, run with Node 24 (the image's
// /nodejs/bin/node) in a directory laid out like the image's WORKDIR (package.json, node_modules,
// dist). Only `--kubeconfig` (no in-cluster service account here) and loopback ports (the
// Deployment's :8080/:8081 may be taken on a shared machine) are appended; later flags win.
//
// Build: needs `npm run build` output (tsc, then dist/controller/main.js bundled as in the image).
// `.ci/run` builds before `npm test`; when dist/ is missing or older than a source file, beforeAll
// runs the build itself.
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { CoordinationV1Api } from '@kubernetes/client-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseConfig } from '../../../controller/config.js';
import {
  adminKubeConfig,
  applyCrdFiles,
  createTestNamespace,
  testEnv,
  waitFor,
} from '../../env/fixtures.js';
import {
  containerCommand,
  containerEnv,
  controllerContainer,
  shippedImage,
} from '../../unit/deploy/image.js';
import {
  ControllerProcess,
  crdFiles,
  metricSum,
  NODE,
  repoPath,
  scrapeMetrics,
  testStackEnv,
} from './support.js';

const MAIN = repoPath('dist', 'controller', 'main.js');
const IMAGE_NODE = '/nodejs/bin/node';
let controller: ControllerProcess | undefined;

function newestSource(dir: string): number {
  let newest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) newest = Math.max(newest, newestSource(path));
    else if (entry.name.endsWith('.ts')) newest = Math.max(newest, statSync(path).mtimeMs);
  }
  return newest;
}

beforeAll(async () => {
  const stale =
    !existsSync(MAIN) ||
    statSync(MAIN).mtimeMs <
      Math.max(
        newestSource(repoPath('controller')),
        newestSource(repoPath('reconcilers')),
        newestSource(repoPath('flags')),
      );
  if (stale) {
    // `npm run build`: tsc, then the bundle the image runs (build/bundle.ts).
    for (const args of [
      [repoPath('node_modules', 'typescript', 'bin', 'tsc'), '-p', 'tsconfig.json'],
      [repoPath('build', 'bundle.ts')],
    ]) {
      const build = spawnSync(NODE, args, { cwd: repoPath(), encoding: 'utf8' });
      if (build.status !== 0)
        throw new Error(`npm run build failed:\n${build.stdout}${build.stderr}`);
    }
  }
  await applyCrdFiles(crdFiles());
}, 240_000);

afterAll(async () => {
  await controller?.kill();
});

// The machines' own Node (20) is what `node dist/controller/main.js` finds on PATH.
const SYSTEM_NODE = '/usr/bin/node';
const systemNodeMajor = existsSync(SYSTEM_NODE)
  ? Number(
      spawnSync(SYSTEM_NODE, ['-p', 'process.versions.node'], { encoding: 'utf8' }).stdout.split(
        '.',
      )[0],
    )
  : undefined;

describe('dist/controller/main.js on a Node older than 24', () => {
  it.skipIf(systemNodeMajor === undefined || systemNodeMajor >= 24)(
    'exits 1 at once, naming the version and what to run instead',
    () => {
      const run = spawnSync(SYSTEM_NODE, [MAIN, '--help'], { cwd: repoPath(), encoding: 'utf8' });
      expect(run.status).toBe(1);
      expect(run.stderr).toContain(
        `needs Node.js 24 or newer; this is Node.js ${String(systemNodeMajor)}.`,
      );
      expect(run.stderr).toContain('node_modules/.bin/node dist/controller/main.js');
      expect(run.stderr).not.toContain('TypeError');
    },
  );
});

describe("the image's entrypoint", () => {
  it('serves health and metrics, leads, and exits 0 on SIGTERM after releasing the Lease', async () => {
    const ns = await createTestNamespace('entrypoint');
    const image = shippedImage();
    const container = controllerContainer();
    const env = containerEnv(container, (v) => {
      if (v.valueFrom?.fieldRef?.fieldPath === 'metadata.namespace') return ns;
      // The optional Secret is absent here (see testStackEnv): REDIS_URL stays unset.
      if (v.valueFrom?.secretKeyRef?.optional === true) return undefined;
      throw new Error(`unexpected env source for ${v.name}`);
    });
    const [executable, ...rest] = containerCommand(image, container, env);
    expect(executable).toBe(IMAGE_NODE);
    // node [V8/Node flags] script [controller flags]
    const scriptAt = rest.findIndex((arg) => !arg.startsWith('-'));
    const nodeFlags = rest.slice(0, scriptAt);
    const script = rest[scriptAt] ?? '';
    const flags = rest.slice(scriptAt + 1);
    expect(script).toBe('dist/controller/main.js');
    const overrides = [
      `--kubeconfig=${testEnv().kubeconfigPath}`,
      '--metrics-bind-address=127.0.0.1:0',
      '--health-probe-bind-address=127.0.0.1:0',
    ];
    const processEnv = { ...testStackEnv(), ...image.env, ...env };
    const config = parseConfig([...flags, ...overrides], processEnv);

    controller = new ControllerProcess(NODE, [...nodeFlags, script, ...flags, ...overrides], {
      cwd: repoPath(), // the image's WORKDIR holds the same package.json, node_modules and dist
      env: processEnv,
    });
    const identity = (await controller.waitForLog((l) => l.msg === 'starting', 'start')).identity;

    const health = await controller.serverUrl('serving /healthz and /readyz');
    expect((await fetch(`${health}/healthz`)).status).toBe(200);
    await waitFor(async () => (await fetch(`${health}/readyz`)).status === 200, {
      timeoutMs: 30_000,
      message: '/readyz (informers synced)',
    });
    const leases = adminKubeConfig().makeApiClient(CoordinationV1Api);
    const lease = () =>
      leases.readNamespacedLease({ namespace: ns, name: config.leaderElectionId });
    await waitFor(async () => (await lease()).spec?.holderIdentity === identity, {
      timeoutMs: 30_000,
      message: 'the Lease held by the controller',
    });

    const metricsUrl = await controller.serverUrl('serving /metrics');
    const metrics = await scrapeMetrics(metricsUrl);
    const names = new Set([...metrics.keys()].map((k) => k.replace(/\{.*$/, '')));
    for (const name of [
      'controller_runtime_reconcile_total',
      'controller_runtime_reconcile_errors_total',
      'controller_runtime_active_workers',
      'workqueue_depth',
      'workqueue_adds_total',
      'leader_election_master_status',
    ]) {
      expect(names, name).toContain(name);
    }
    for (const kind of ['release', 'flagrollout', 'scalepolicy', 'failoverplan']) {
      expect(
        metrics.has(`controller_runtime_max_concurrent_reconciles{controller="${kind}"}`),
      ).toBe(true);
    }
    expect(
      metricSum(metrics, 'leader_election_master_status', { name: config.leaderElectionId }),
    ).toBe(1);

    controller.signal('SIGTERM');
    // The kubelet would SIGKILL after terminationGracePeriodSeconds; we allow the shutdown
    // timeout plus a little for the Lease release and the servers' close.
    const exit = await controller.waitForExit(config.shutdownTimeoutMs + 5_000);
    expect(exit).toEqual({ code: 0, signal: null });
    expect(controller.lines.map((l) => l.msg)).toEqual(
      expect.arrayContaining(['released leader lease', 'shutdown complete']),
    );
    expect((await lease()).spec?.holderIdentity ?? '').toBe('');
    expect(controller.other.join('')).toBe(''); // nothing outside the JSON log, no stack traces
  });
});
