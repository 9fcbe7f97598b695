// Issue 9, item 3: lost leadership stops acting at once. The Release controller is the leader (a
// Lease on the real apiserver); moto applies its CreateTaskSet, but the fault proxy holds the
// answer. The Lease is then taken away: the reconcile's AbortSignal fires and the SDK request in
// flight is cancelled (the caller hangs up before the held answer is relayed; the reconcile settles
// at once instead of hanging until shutdown), no retry is sent, and the write is not recorded in
// status or Events — a new leader observes afresh.
import { CoordinationV1Api, PatchStrategy, setHeaderOptions } from '@kubernetes/client-node';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { setupReleaseWith } from '../../../reconcilers/release/setup.js';
import { startFaultProxy, type FaultProxy, type ProxiedCall } from '../../env/fault-proxy.js';
import { adminKubeConfig, createTestNamespace, testEnv, waitFor } from '../../env/fixtures.js';
import { startInProcessController } from '../../fixtures/in-process-controller.js';
import { taskSetCounts } from '../../fixtures/moto/task-set-counts.js';
import { canarySpec, releaseEvents, seedWorld } from './scenario.js';
import { createRelease, getRelease, installCrd, type RunningController } from './support.js';

let controller: RunningController | undefined;
let proxy: FaultProxy | undefined;
let releaseHeld: (() => void) | undefined;

beforeAll(async () => {
  await installCrd();
});

afterEach(async () => {
  releaseHeld?.();
  await controller?.stop();
  await proxy?.stop();
  controller = undefined;
  proxy = undefined;
  releaseHeld = undefined;
});

describe('Release controller losing its Lease mid-call', () => {
  it('cancels the AWS call in flight: the caller hangs up before the answer, no retry, nothing recorded', async () => {
    const s = await seedWorld();
    const ns = await createTestNamespace('rel-lost');
    let held: ProxiedCall | undefined;
    const gone: ProxiedCall[] = [];
    const hold = new Promise<void>((resolve) => {
      releaseHeld = resolve;
    });
    proxy = await startFaultProxy(testEnv().awsEndpoint, {
      rewrites: [taskSetCounts()],
      // moto has created the task set; its answer waits here until the test lets it go.
      onUpstreamResponse: (call) => {
        if (call.operation !== 'CreateTaskSet' || held !== undefined) return undefined;
        held = call;
        return hold;
      },
      onCallerGone: (call) => gone.push(call),
    });
    controller = startInProcessController(
      ns,
      setupReleaseWith({ afterActionMs: 100, pollMs: 500, probeMs: 50 }),
      {
        awsEndpoint: proxy.endpoint,
        extraArgs: [
          '--leader-elect',
          `--leader-election-namespace=${ns}`,
          '--leader-election-id=rel-lost',
          '--leader-election-lease-duration=4s',
          '--leader-election-renew-deadline=3s',
          '--leader-election-retry-period=1s',
          // Retries allowed, so that "no retry" is the abort's doing.
          '--aws-max-attempts=3',
        ],
      },
    );
    const { manager } = controller;
    await waitFor(() => manager.isLeader, { timeoutMs: 20_000, message: 'the controller leads' });
    await createRelease(ns, 'ldb', canarySpec(s, { steps: [{ setWeight: 10 }] }));
    await waitFor(() => held !== undefined, {
      timeoutMs: 30_000,
      message: 'CreateTaskSet answered by moto, its answer held',
    });

    await adminKubeConfig()
      .makeApiClient(CoordinationV1Api)
      .patchNamespacedLease(
        {
          namespace: ns,
          name: 'rel-lost',
          body: { spec: { holderIdentity: 'intruder', leaseDurationSeconds: 3600 } },
        },
        setHeaderOptions('Content-Type', PatchStrategy.MergePatch),
      );
    expect(await controller.exited).toBe('leadership-lost');
    // The reconcile settled at the abort, its request cancelled: not one still running when the
    // runtime's grace after the abort ended (uncancelled, it would hang on the held answer until
    // the shutdown closed the clients' sockets, and then be reported still running).
    const report = await manager.stop(); // the leadership-lost shutdown's report
    expect(report.stillRunning).toEqual([]);
    // The held answer was never relayed: the controller hung up on it.
    expect(gone).toContain(held);
    releaseHeld?.();
    expect(proxy.count({ operation: 'CreateTaskSet' })).toBe(1);
    const status = (await getRelease(ns, 'ldb')).status;
    expect(status?.revision?.taskSetArn).toBeUndefined();
    expect((await releaseEvents(ns, 'ldb')).map((e) => e.reason)).not.toContain('TaskSetCreated');
  });
});
