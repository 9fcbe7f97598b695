// Application Auto Scaling on moto (which stores and echoes targets, policies and scheduled
// actions; nothing scales): the spec's values land in moto, a spec change updates them, removing
// the block or deleting the object removes exactly what this object created (a policy someone else
// put on the same service stays), deletionPolicy Retain leaves them, and a change made behind the
// controller's back is restored with an Event naming what was found.
import {
  PutScalingPolicyCommand,
  RegisterScalableTargetCommand,
} from '@aws-sdk/client-application-auto-scaling';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createTestNamespace, waitFor } from '../../env/fixtures.js';
import { motoClients } from '../../fixtures/moto/clients.js';
import type { SeededLatticeDb } from '../../fixtures/moto/seed.js';
import {
  condition,
  installCrd,
  motoAutoscaling,
  policies,
  policyEvents,
  seedWorld,
  startProxiedController,
  waitForPolicy,
  type ProxiedController,
} from './support.js';

let running: ProxiedController | undefined;

beforeAll(async () => {
  await installCrd();
});

afterEach(async () => {
  await running?.stop();
  running = undefined;
});

const autoscaling = {
  minCapacity: 3,
  maxCapacity: 10,
  targetTracking: [
    {
      predefinedMetric: 'ECSServiceAverageCPUUtilization' as const,
      target: 70,
      scaleInCooldown: '5m',
      scaleOutCooldown: '1m',
    },
    {
      predefinedMetric: 'ECSServiceAverageMemoryUtilization' as const,
      target: 80,
      disableScaleIn: true,
    },
  ],
  scheduled: [
    {
      name: 'business-hours',
      schedule: 'cron(0 8 ? * MON-FRI *)',
      timezone: 'America/New_York',
      minCapacity: 5,
      maxCapacity: 10,
    },
    { name: 'nights', schedule: 'cron(0 20 ? * MON-FRI *)', minCapacity: 3 },
  ],
};

/** A policy someone else put on the same service: never touched. */
async function foreignPolicy(s: SeededLatticeDb): Promise<void> {
  const clients = motoClients();
  try {
    await clients.applicationAutoScaling().send(
      new PutScalingPolicyCommand({
        ServiceNamespace: 'ecs',
        ScalableDimension: 'ecs:service:DesiredCount',
        ResourceId: `service/${s.cluster}/${s.rolling.ref.service}`,
        PolicyName: 'team-cpu',
        PolicyType: 'TargetTrackingScaling',
        TargetTrackingScalingPolicyConfiguration: {
          TargetValue: 50,
          PredefinedMetricSpecification: {
            PredefinedMetricType: 'ECSServiceAverageCPUUtilization',
          },
        },
      }),
    );
  } finally {
    clients.destroy();
  }
}

const names = (list: readonly { PolicyName?: string; ScheduledActionName?: string }[]) =>
  list.map((x) => x.PolicyName ?? x.ScheduledActionName ?? '').sort();

describe('ScalePolicy autoscaling', () => {
  it('puts target, policies and scheduled actions, follows spec changes and removes only its own', async () => {
    const s = await seedWorld(4);
    const ns = await createTestNamespace('sp-aas');
    running = await startProxiedController(ns);
    await foreignPolicy(s);
    await policies.create(ns, 'aas', { target: s.rolling.ref, autoscaling });
    const ready = await waitForPolicy(
      ns,
      'aas',
      (st) =>
        condition(st, 'Ready')?.status === 'True' && st.autoscaling?.scheduledActions?.length === 2,
      'autoscaling applied',
    );
    const uid = (await policies.get(ns, 'aas')).metadata.uid ?? '';
    expect(condition(ready, 'AutoscalingRegistered')?.status).toBe('True');
    expect(ready.autoscaling?.policies?.sort()).toEqual([
      `latticedb-${uid}-cpu`,
      `latticedb-${uid}-memory`,
    ]);
    let aas = await motoAutoscaling(s);
    expect(aas.target).toMatchObject({ MinCapacity: 3, MaxCapacity: 10 });
    expect(aas.target?.SuspendedState?.DynamicScalingInSuspended).toBe(false);
    const cpu = aas.policies.find((p) => p.PolicyName === `latticedb-${uid}-cpu`);
    expect(cpu?.TargetTrackingScalingPolicyConfiguration).toMatchObject({
      TargetValue: 70,
      ScaleInCooldown: 300,
      ScaleOutCooldown: 60,
      DisableScaleIn: false,
      PredefinedMetricSpecification: { PredefinedMetricType: 'ECSServiceAverageCPUUtilization' },
    });
    const memory = aas.policies.find((p) => p.PolicyName === `latticedb-${uid}-memory`);
    expect(memory?.TargetTrackingScalingPolicyConfiguration?.DisableScaleIn).toBe(true);
    const business = aas.scheduled.find(
      (a) => a.ScheduledActionName === `latticedb-${uid}-business-hours`,
    );
    expect(business).toMatchObject({
      Schedule: 'cron(0 8 ? * MON-FRI *)',
      Timezone: 'America/New_York',
      ScalableTargetAction: { MinCapacity: 5, MaxCapacity: 10 },
    });
    expect(names(aas.policies)).toContain('team-cpu');

    // Spec change: new bounds, new CPU target, the memory policy and one scheduled action gone.
    await policies.mergePatch(ns, 'aas', {
      spec: {
        autoscaling: {
          minCapacity: 2,
          maxCapacity: 12,
          targetTracking: [{ predefinedMetric: 'ECSServiceAverageCPUUtilization', target: 60 }],
          scheduled: [autoscaling.scheduled[0]],
        },
      },
    });
    await waitFor(
      async () => {
        aas = await motoAutoscaling(s);
        return (
          aas.target?.MaxCapacity === 12 &&
          aas.policies.length === 2 &&
          aas.scheduled.length === 1 &&
          aas.policies.some((p) => p.TargetTrackingScalingPolicyConfiguration?.TargetValue === 60)
        );
      },
      { timeoutMs: 60_000, message: 'spec change applied in moto' },
    );
    expect(aas.target?.MinCapacity).toBe(2);
    expect(names(aas.policies)).toEqual([`latticedb-${uid}-cpu`, 'team-cpu'].sort());

    // The block removed: ours deleted; the target stays, because deregistering it would delete
    // the team's policy with it (AWS does; moto does not, so this is checked here, not left to it).
    await policies.mergePatch(ns, 'aas', { spec: { desiredCount: 4, autoscaling: null } });
    await waitForPolicy(ns, 'aas', (st) => st.autoscaling === undefined, 'autoscaling removed');
    aas = await motoAutoscaling(s);
    expect(names(aas.policies)).toEqual(['team-cpu']);
    expect(aas.scheduled).toEqual([]);
    expect(aas.target).toBeDefined();
  });

  it('restores drift with an Event, and deleting the object removes what it created (Retain keeps it)', async () => {
    const s = await seedWorld(4);
    const ns = await createTestNamespace('sp-aas-del');
    running = await startProxiedController(ns);
    await policies.create(ns, 'del', { target: s.rolling.ref, autoscaling });
    await waitForPolicy(
      ns,
      'del',
      (st) =>
        st.autoscaling?.scheduledActions?.length === 2 && condition(st, 'Ready')?.status === 'True',
      'autoscaling applied',
    );
    expect((await policies.get(ns, 'del')).metadata.finalizers).toContain(
      'delivery.latticedb.com/autoscaling-cleanup',
    );

    // Someone changes the bounds in the console; the next resync (a spec-less nudge here) restores them.
    const clients = motoClients();
    try {
      await clients.applicationAutoScaling().send(
        new RegisterScalableTargetCommand({
          ServiceNamespace: 'ecs',
          ScalableDimension: 'ecs:service:DesiredCount',
          ResourceId: `service/${s.cluster}/${s.rolling.ref.service}`,
          MinCapacity: 1,
          MaxCapacity: 2,
        }),
      );
    } finally {
      clients.destroy();
    }
    await policies.mergePatch(ns, 'del', { metadata: { annotations: { nudge: '1' } } });
    await waitFor(async () => (await motoAutoscaling(s)).target?.MaxCapacity === 10, {
      timeoutMs: 60_000,
      message: 'bounds restored',
    });
    const drift = (await policyEvents(ns, 'del')).find((e) => e.reason === 'DriftDetected');
    expect(drift?.message).toContain('min 1, max 2');

    await policies.delete(ns, 'del');
    await waitFor(async () => (await motoAutoscaling(s)).target === undefined, {
      timeoutMs: 60_000,
      message: 'deregistered on delete',
    });
    const after = await motoAutoscaling(s);
    expect(after.policies).toEqual([]);
    expect(after.scheduled).toEqual([]);

    // Retain: deleting leaves everything in place.
    await policies.create(ns, 'keep', {
      target: s.rolling.ref,
      autoscaling,
      deletionPolicy: 'Retain',
    });
    await waitForPolicy(
      ns,
      'keep',
      (st) => st.autoscaling?.scheduledActions?.length === 2,
      'applied',
    );
    await policies.delete(ns, 'keep');
    await waitFor(
      async () => {
        try {
          await policies.get(ns, 'keep');
          return false;
        } catch {
          return true;
        }
      },
      { timeoutMs: 30_000, message: 'Retain object gone' },
    );
    const kept = await motoAutoscaling(s);
    expect(kept.target).toMatchObject({ MinCapacity: 3, MaxCapacity: 10 });
    expect(kept.policies).toHaveLength(2);
    expect(kept.scheduled).toHaveLength(2);
  });
});

describe('ScalePolicy bad input', () => {
  it('reports InvalidSpec naming the field for what the CRD cannot refuse, and writes nothing', async () => {
    const s = await seedWorld(4);
    const ns = await createTestNamespace('sp-invalid');
    running = await startProxiedController(ns);
    await policies.create(ns, 'bad', {
      target: s.rolling.ref,
      desiredCount: 5,
      autoscaling: {
        minCapacity: 2,
        maxCapacity: 8,
        scheduled: [
          { name: 'n', schedule: 'rate(1 hour)', timezone: 'Mars/Olympus', minCapacity: 3 },
        ],
      },
    });
    const invalid = await waitForPolicy(
      ns,
      'bad',
      (st) => condition(st, 'InvalidSpec')?.status === 'True',
      'InvalidSpec',
    );
    expect(condition(invalid, 'InvalidSpec')?.message).toContain(
      'spec.autoscaling.scheduled[0].timezone',
    );
    expect(condition(invalid, 'Stalled')?.status).toBe('True');
    expect(running.proxy.count({ reads: false })).toBe(0);
    expect((await motoAutoscaling(s)).target).toBeUndefined();
  });
});
