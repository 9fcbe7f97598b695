// `kubectl-latticedb` as a process (node + tsx on the source, as the bin runs the build) against the
// real apiserver, with the controller running: get prints the tree, status exits 0 / 1 / 2 for
// healthy / ended badly / timed out, the Release actions resolve the revision and report what the
// controller did, failover changes the FailoverPlan's activeRegion.
import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { CustomObjectsApi, PatchStrategy, setHeaderOptions } from '@kubernetes/client-node';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { HistoryEntry } from '../../../reconcilers/kubectl-plugin/view.js';
import { FailoverPlanKind, type FailoverPlan } from '../../../reconcilers/failoverplan/api.js';
import { setupFailoverPlan } from '../../../reconcilers/failoverplan/setup.js';
import { ReleaseKind } from '../../../reconcilers/release/api.js';
import { MAX_HISTORY } from '../../../reconcilers/shared/api/history.js';
import { adminKubeConfig, createTestNamespace, testEnv } from '../../env/fixtures.js';
import {
  installControllerCrd,
  startInProcessController,
  type RunningController,
} from '../../fixtures/in-process-controller.js';
import { kindObjects } from '../../fixtures/kind-objects.js';
import { canarySpec, seedWorld } from '../release/scenario.js';
import {
  createRelease,
  getRelease,
  installCrd,
  startController,
  waitForRelease,
} from '../release/support.js';

const run = promisify(execFile);
const ROOT = fileURLToPath(new URL('../../../', import.meta.url));
const NODE = `${ROOT}node_modules/.bin/node`;
const controllers: RunningController[] = [];

beforeAll(async () => {
  await installCrd();
  await installControllerCrd(
    new URL('../../../crds/failoverplans.delivery.latticedb.com.yaml', import.meta.url),
  );
});

afterEach(async () => {
  for (const c of controllers.splice(0)) await c.stop();
});

/**
 * Fills the Release's status.history up to its bound (20) with older entries, as a Release with a
 * long past has it; returns the history as it is then.
 */
async function fillHistory(ns: string, name: string): Promise<HistoryEntry[]> {
  const current = (await getRelease(ns, name)).status?.history ?? [];
  const older = Array.from({ length: MAX_HISTORY - current.length }, (_, i) => ({
    time: `2026-01-01T00:00:${String(i).padStart(2, '0')}Z`,
    to: 'Progressing',
    reason: 'StepCompleted',
    message: `an older transition ${i}`,
  }));
  const history = [...older, ...current];
  await adminKubeConfig()
    .makeApiClient(CustomObjectsApi)
    .patchNamespacedCustomObjectStatus(
      {
        group: ReleaseKind.group,
        version: ReleaseKind.version,
        namespace: ns,
        plural: ReleaseKind.plural,
        name,
        body: { status: { history } },
      },
      setHeaderOptions('Content-Type', PatchStrategy.MergePatch),
    );
  return history;
}

async function plugin(
  ns: string,
  ...args: string[]
): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const out = await run(
      NODE,
      [
        '--import',
        'tsx',
        'reconcilers/kubectl-plugin/main.ts',
        '-n',
        ns,
        '--interval',
        '200ms',
        ...args,
      ],
      {
        cwd: ROOT,
        env: { ...process.env, KUBECONFIG: testEnv().kubeconfigPath },
        timeout: 120_000,
      },
    );
    return { code: 0, stdout: out.stdout, stderr: out.stderr };
  } catch (err) {
    const e = err as { code?: number; stdout?: string; stderr?: string };
    return { code: e.code ?? -1, stdout: e.stdout ?? '', stderr: e.stderr ?? '' };
  }
}

describe('kubectl-latticedb', () => {
  it('get, status (times out while paused, 0 when healthy) and promote on a canary', async () => {
    const s = await seedWorld();
    const ns = await createTestNamespace('plugin');
    controllers.push(await startController(ns));
    await createRelease(ns, 'ldb', canarySpec(s, { steps: [{ setWeight: 20 }, { pause: {} }] }));
    await waitForRelease(ns, 'ldb', (st) => st.phase === 'Paused', 'paused at 20 %', 90_000);

    const tree = await plugin(ns, 'get', 'release', 'ldb');
    expect(tree.code).toBe(0);
    expect(tree.stdout).toMatch(new RegExp(`^Release ${ns}/ldb  Paused\\n`));
    expect(tree.stdout).toMatch(/├─ revision 1 {2}\S+:2\.2\.0/);
    expect(tree.stdout).toMatch(/canary 20% \/ stable 80%/);
    expect(tree.stdout).toMatch(/paused: StepPaused since/);
    expect(tree.stdout).toMatch(/└─ recent transitions\n(?: {3}[├└]─ .*\n)*.*StepPaused/);

    // Paused is not an end: status waits, and times out (exit 2).
    const waiting = await plugin(ns, 'status', 'ldb', '--timeout', '1s');
    expect(waiting.code).toBe(2);
    expect(waiting.stdout).toMatch(/Release .*\/ldb: Paused/);

    const promote = await plugin(ns, 'promote', 'ldb');
    expect(promote.code).toBe(0);
    expect(promote.stdout).toMatch(
      /annotating delivery\.latticedb\.com\/promote=1 \(promote skips/,
    );
    expect(promote.stdout).toMatch(/the controller handled promote=1: now /);

    const healthy = await plugin(ns, 'status', 'ldb', '--timeout', '90s');
    expect(healthy.code).toBe(0);
    expect(healthy.stdout).toMatch(/: Healthy/);

    // promote on a Healthy Release: the controller handles it by ignoring it (ActionIgnored, one
    // history entry). With the bounded history full, the oldest entry drops off as that one comes
    // in: only the new entry is printed, and the command says why it was ignored and fails.
    const before = await fillHistory(ns, 'ldb');
    const ignored = await plugin(ns, 'promote', 'ldb');
    const printed = ignored.stdout.split('\n').filter((l) => l.startsWith('  '));
    const seenBefore = (l: string): boolean =>
      before.some(
        (h) => l.includes(`  ${h.time}  `) && l.includes(h.reason) && l.includes(h.message ?? ''),
      );
    expect(printed.filter(seenBefore)).toEqual([]);
    expect(printed.some((l) => /Healthy → Healthy {2}ActionIgnored: /.test(l))).toBe(true);
    expect(ignored.code).toBe(1);
    expect(ignored.stderr).toMatch(
      /^ignored: nothing to promote \(no pause or analysis in progress\) \(the controller ignored promote=1\.2; still Healthy/m,
    );
    expect(ignored.stdout).not.toMatch(/the controller handled/);
  });

  it('status exits 1 as soon as a revision is aborted; actions resolve the next value', async () => {
    const s = await seedWorld();
    const ns = await createTestNamespace('plugin-abort');
    controllers.push(await startController(ns));
    const steps = [{ setWeight: 20 }, { pause: {} }, { setWeight: 50 }, { pause: {} }];
    await createRelease(ns, 'ldb', canarySpec(s, { steps }));
    const paused = (weight: number, message: string) =>
      waitForRelease(
        ns,
        'ldb',
        (st) => st.phase === 'Paused' && st.currentWeight === weight,
        message,
        90_000,
      );
    await paused(20, 'paused at 20 %');
    expect((await plugin(ns, 'promote', 'ldb')).stdout).toMatch(/promote=1 /);
    await paused(50, 'paused at 50 %');

    const abort = await plugin(ns, 'abort', 'ldb');
    expect(abort.code).toBe(0);
    expect(abort.stdout).toMatch(/abort=1 /);
    const aborted = await plugin(ns, 'status', 'ldb', '--timeout', '90s');
    expect(aborted.code).toBe(1);
    expect(aborted.stdout).toMatch(/: Aborted: /);

    const retry = await plugin(ns, 'retry', 'ldb');
    expect(retry.code).toBe(0);
    expect(retry.stdout).toMatch(/retry=1 /);
    await paused(20, 'the retried revision paused at 20 %');
    // promote=1 was used before the retry: the plugin picks 1.2, and the controller acts on it.
    const again = await plugin(ns, 'promote', 'ldb');
    expect(again.code).toBe(0);
    expect(again.stdout).toMatch(/promote=1\.2 /);
    await paused(50, 'paused at 50 % again');

    const rollback = await plugin(ns, 'rollback', 'ldb');
    expect(rollback.code).toBe(0);
    expect(rollback.stdout).toMatch(/rollback=1 /);
    const rolledBack = await plugin(ns, 'status', 'ldb', '--timeout', '90s');
    expect(rolledBack.code).toBe(1);
    expect(rolledBack.stdout).toMatch(/: RolledBack: /);
  });

  it('failover and failback a FailoverPlan', async () => {
    const ns = await createTestNamespace('plugin-fp');
    controllers.push(startInProcessController(ns, setupFailoverPlan));
    const plans = kindObjects<FailoverPlan>(FailoverPlanKind);
    await plans.create(ns, 'dr', {
      primary: { region: 'us-east-1', cluster: 'prod', service: 'svc' },
      secondary: { region: 'us-west-2', cluster: 'prod-west', service: 'svc' },
      dns: {
        hostedZoneId: 'Z0123456789ABCDEFGHIJ',
        recordName: 'prod.latticedb.com',
        primaryValue: 'east.elb.amazonaws.com',
        secondaryValue: 'west.elb.amazonaws.com',
      },
      activeRegion: 'us-east-1',
    });
    // First seen serving us-east-1; the failover is then a change the controller must act on.
    await plans.waitForStatus(ns, 'dr', (st) => st.observedGeneration === 1, {
      timeoutMs: 60_000,
      message: 'generation 1 observed',
    });
    const over = await plugin(ns, 'failover', 'dr');
    expect(over.code).toBe(0);
    expect(over.stdout).toMatch(/spec\.activeRegion us-east-1 → us-west-2 \(failover\)/);
    expect(over.stdout).toMatch(/the controller observed it/);
    // Refused: the standby region has no cluster (the plugin prints what the controller did).
    expect(over.stdout).toMatch(/now Degraded — Failover to us-west-2 refused, target not ready/);
    expect(over.stdout).toMatch(/Stalled: TargetNotReady /);
    const tree = await plugin(ns, 'get', 'fp', 'dr');
    expect(tree.stdout).toMatch(/spec: us-west-2/);
    const back = await plugin(ns, 'failback', 'dr');
    expect(back.stdout).toMatch(/us-west-2 → us-east-1 \(failback\)/);
  });

  it('usage errors exit 3', async () => {
    const out = await plugin('default', 'frobnicate', 'x');
    expect(out.code).toBe(3);
    expect(out.stderr).toMatch(/unknown command frobnicate/);
  });
});
