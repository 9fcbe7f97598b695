// ScalePolicy beside the world's other writers: a desired count moved behind the controller's
// back is restored with an Event saying what was found; `suspend: true` stops every write while
// status keeps observing; a Release of the same service in flight (its status Reconciling=True,
// set here directly on the real apiserver) holds scale-down steps with a condition naming it and
// suspends dynamic scale-in for the length of the rollout, restored after.
import { CustomObjectsApi } from '@kubernetes/client-node';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { adminKubeConfig, createTestNamespace, waitFor } from '../../env/fixtures.js';
import {
  condition,
  desiredCountWrites,
  installCrd,
  motoAutoscaling,
  motoService,
  policies,
  policyEvents,
  seedWorld,
  setDesiredBehindOurBack,
  sleep,
  startProxiedController,
  waitForPolicy,
  type ProxiedController,
} from './support.js';

const releases = { group: 'delivery.latticedb.com', version: 'v1alpha1', plural: 'releases' };

let running: ProxiedController | undefined;

beforeAll(async () => {
  await installCrd(); // with the Release CRD
});

afterEach(async () => {
  await running?.stop();
  running = undefined;
});

/** A Release of `service` whose status says in flight (Reconciling) or done (Ready). */
async function releaseStatus(
  namespace: string,
  name: string,
  target: { region: string; cluster: string; service: string },
  inFlight: boolean,
): Promise<void> {
  const custom = adminKubeConfig().makeApiClient(CustomObjectsApi);
  let stored: Record<string, unknown>;
  try {
    stored = (await custom.getNamespacedCustomObject({ ...releases, namespace, name })) as Record<
      string,
      unknown
    >;
  } catch {
    stored = (await custom.createNamespacedCustomObject({
      ...releases,
      namespace,
      body: {
        apiVersion: 'delivery.latticedb.com/v1alpha1',
        kind: 'Release',
        metadata: { name },
        spec: {
          target: { ...target, container: 'latticedb' },
          image: '123456789012.dkr.ecr.us-east-1.amazonaws.com/latticedb:2.2.0',
          strategy: { rolling: {} },
        },
      },
    })) as Record<string, unknown>;
  }
  const now = new Date().toISOString().replace(/\.\d{3}Z$/, 'Z');
  const cond = (type: string, status: string) => ({
    type,
    status,
    reason: inFlight ? 'Progressing' : 'RevisionHealthy',
    message: 'set by the test',
    lastTransitionTime: now,
  });
  await custom.replaceNamespacedCustomObjectStatus({
    ...releases,
    namespace,
    name,
    body: {
      ...stored,
      status: {
        conditions: [
          cond('Ready', inFlight ? 'False' : 'True'),
          cond('Reconciling', inFlight ? 'True' : 'False'),
          cond('Stalled', 'False'),
        ],
      },
    },
  });
}

describe('ScalePolicy and other writers', () => {
  it('restores a desired count changed behind its back, with an Event saying what was found', async () => {
    const s = await seedWorld(4);
    const ns = await createTestNamespace('sp-drift');
    // A 2 s resync: drift is found at the next resync, not by a spec change.
    running = await startProxiedController(ns, { resyncMs: 2_000 });
    await policies.create(ns, 'drift', {
      target: s.rolling.ref,
      desiredCount: 4,
      scaleDown: { step: 5, interval: '1s' },
    });
    await waitForPolicy(
      ns,
      'drift',
      (st) => condition(st, 'Ready')?.status === 'True',
      'Ready at 4',
    );
    await setDesiredBehindOurBack(s, 2);
    await waitFor(async () => (await motoService(s)).desiredCount === 4, {
      timeoutMs: 60_000,
      message: 'lowered count restored',
    });
    const restored = await waitForPolicy(
      ns,
      'drift',
      (st) => st.lastMovedBy === 'Controller' && st.desired === 4,
      'status',
    );
    expect(restored.lastMovedBy).toBe('Controller');
    let events = await policyEvents(ns, 'drift');
    expect(events.find((e) => e.reason === 'DriftDetected')?.message).toContain(
      'desiredCount was 2, not the 4 this policy set',
    );
    expect(events.some((e) => e.reason === 'CountRestored')).toBe(true);

    await setDesiredBehindOurBack(s, 7);
    await waitFor(async () => (await motoService(s)).desiredCount === 4, {
      timeoutMs: 60_000,
      message: 'raised count scaled back down',
    });
    events = await policyEvents(ns, 'drift');
    expect(
      events.some((e) => e.message.includes('desiredCount was 7, not the 4 this policy set')),
    ).toBe(true);
    expect(desiredCountWrites(running.calls)).toEqual([4, 4]);
  });

  it('writes nothing while suspended and resumes when unsuspended', async () => {
    const s = await seedWorld(4);
    const ns = await createTestNamespace('sp-suspend');
    running = await startProxiedController(ns);
    await policies.create(ns, 'sus', {
      target: s.rolling.ref,
      desiredCount: 6,
      suspend: true,
      autoscaling: { minCapacity: 2, maxCapacity: 8 },
    });
    const suspended = await waitForPolicy(ns, 'sus', (st) => st.phase === 'Suspended', 'Suspended');
    expect(suspended).toMatchObject({ desired: 4, running: 4 });
    await policies.mergePatch(ns, 'sus', { metadata: { annotations: { nudge: '1' } } });
    await sleep(1_500);
    expect(running.proxy.count({ reads: false })).toBe(0);
    expect((await motoAutoscaling(s)).target).toBeUndefined();

    await policies.mergePatch(ns, 'sus', { spec: { suspend: false } });
    await waitForPolicy(
      ns,
      'sus',
      (st) => st.phase === 'Stable' && st.desired === 6,
      'scaled up after resume',
    );
    expect(desiredCountWrites(running.calls)).toEqual([6]);
    expect((await motoAutoscaling(s)).target).toMatchObject({ MinCapacity: 2, MaxCapacity: 8 });
  });

  it('suspends dynamic scale-in as soon as a Release of the service starts, not at the next resync', async () => {
    const s = await seedWorld(4);
    const ns = await createTestNamespace('sp-release-watch');
    running = await startProxiedController(ns); // resync 10 min: only the Release watch can wake it
    await policies.create(ns, 'steady', {
      target: s.rolling.ref,
      autoscaling: { minCapacity: 2, maxCapacity: 8 },
    });
    await waitForPolicy(ns, 'steady', (st) => condition(st, 'Ready')?.status === 'True', 'Ready');
    await releaseStatus(ns, 'web-v3', s.rolling.ref, true);
    await waitFor(
      async () => (await motoAutoscaling(s)).target?.SuspendedState?.DynamicScalingInSuspended,
      { timeoutMs: 30_000, message: 'scale-in suspended for the Release' },
    );
    await releaseStatus(ns, 'web-v3', s.rolling.ref, false);
    await waitFor(
      async () =>
        (await motoAutoscaling(s)).target?.SuspendedState?.DynamicScalingInSuspended === false,
      { timeoutMs: 30_000, message: 'scale-in restored after the Release' },
    );
  });

  it('holds scale-down and suspends dynamic scale-in while a Release of the service is in flight', async () => {
    const s = await seedWorld(10);
    const ns = await createTestNamespace('sp-release');
    await releaseStatus(ns, 'web-release', s.rolling.ref, true);
    running = await startProxiedController(ns);
    await policies.create(ns, 'held', {
      target: s.rolling.ref,
      desiredCount: 6,
      scaleDown: { step: 2, interval: '1s' },
      autoscaling: { minCapacity: 3, maxCapacity: 10 },
    });
    const held = await waitForPolicy(
      ns,
      'held',
      (st) =>
        condition(st, 'ReleaseInFlight')?.status === 'True' &&
        st.autoscaling?.scaleInSuspendedFor !== undefined,
      'held for the Release',
    );
    expect(condition(held, 'ReleaseInFlight')?.message).toContain(
      'Release web-release is in flight',
    );
    expect(held.autoscaling?.scaleInSuspendedFor).toBe('web-release');
    expect((await motoAutoscaling(s)).target?.SuspendedState?.DynamicScalingInSuspended).toBe(true);
    await waitForPolicy(
      ns,
      'held',
      (st) => st.message?.includes('web-release') === true,
      'message names it',
    );
    expect((await motoService(s)).desiredCount).toBe(10);
    expect(desiredCountWrites(running.calls)).toEqual([]);

    await releaseStatus(ns, 'web-release', s.rolling.ref, false);
    await waitForPolicy(
      ns,
      'held',
      (st) => st.desired === 6 && st.phase === 'Stable',
      'scaled down after the Release',
      90_000,
    );
    expect(desiredCountWrites(running.calls)).toEqual([8, 6]);
    const after = await motoAutoscaling(s);
    expect(after.target?.SuspendedState?.DynamicScalingInSuspended).toBe(false);
    expect(
      (await policies.get(ns, 'held')).status?.autoscaling?.scaleInSuspendedFor,
    ).toBeUndefined();
  });
});
