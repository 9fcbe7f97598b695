// 60 ECS services with Application Auto Scaling (a target, a target-tracking policy and a scheduled
// action each) read through one AwsAutoscaling adapter on moto behind the fault proxy: reads are
// batched (DescribeScalableTargets 50 ResourceIds per call; policies and scheduled actions by
// paginated listings of the `ecs` namespace, grouped by exact resource id), a steady fleet costs a
// handful of calls per period, a write is followed by a fresh read, and a read error still
// surfaces. Counted at the proxy.
import {
  PutScalingPolicyCommand,
  PutScheduledActionCommand,
  RegisterScalableTargetCommand,
} from '@aws-sdk/client-application-auto-scaling';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { AwsAutoscaling } from '../../../reconcilers/shared/adapters/aws/application-autoscaling.js';
import type { AwsClients } from '../../../reconcilers/shared/adapters/aws/clients.js';
import { ecsServiceResourceId } from '../../../reconcilers/shared/ports/autoscaling.js';
import { startFaultProxy, type FaultProxy } from '../../env/fault-proxy.js';
import { resetAws, testEnv } from '../../env/fixtures.js';
import { seedLatticeDbService, seedMoreServices } from '../../fixtures/moto/seed.js';
import { FakeClock } from '../../unit/controller/support/fake-clock.js';
import { motoClients } from './moto-worlds.js';

const PERIOD = 60_000;
const N = 60;
const DIMENSION = 'ecs:service:DesiredCount' as const;
let proxy: FaultProxy;
let direct: AwsClients;
let proxied: AwsClients;
let region: string;
/** Resource ids; `svc-1` is a prefix of `svc-10`…`svc-19`: grouping must be exact. */
let ids: string[];
/** A service with no Application Auto Scaling at all. */
let bare: string;

beforeAll(async () => {
  proxy = await startFaultProxy(testEnv().awsEndpoint);
});
afterAll(async () => {
  await proxy.stop();
});
beforeEach(async () => {
  await resetAws();
  direct = motoClients(testEnv().awsEndpoint);
  proxied = motoClients(proxy.endpoint);
  const seeded = await seedLatticeDbService(direct, {
    endpoint: testEnv().awsEndpoint,
    database: false,
  });
  region = seeded.region;
  const refs = await seedMoreServices(direct, seeded, N + 1);
  ids = refs.slice(0, N).map((r) => ecsServiceResourceId(r.cluster, r.service));
  bare = ecsServiceResourceId(seeded.cluster, refs[N]?.service ?? '');
  const aas = direct.applicationAutoScaling(region);
  for (const [i, id] of ids.entries()) {
    const base = { ServiceNamespace: 'ecs' as const, ScalableDimension: DIMENSION, ResourceId: id };
    await aas.send(
      new RegisterScalableTargetCommand({ ...base, MinCapacity: 3, MaxCapacity: 10 + i }),
    );
    await aas.send(
      new PutScalingPolicyCommand({
        ...base,
        PolicyName: `cpu-${i}`,
        PolicyType: 'TargetTrackingScaling',
        TargetTrackingScalingPolicyConfiguration: {
          TargetValue: 50 + i,
          PredefinedMetricSpecification: {
            PredefinedMetricType: 'ECSServiceAverageCPUUtilization',
          },
        },
      }),
    );
    await aas.send(
      new PutScheduledActionCommand({
        ...base,
        ScheduledActionName: `night-${i}`,
        Schedule: 'cron(0 22 * * ? *)',
        ScalableTargetAction: { MinCapacity: 1, MaxCapacity: 3 },
      }),
    );
  }
  proxy.resetCounts();
  proxy.setRules([]);
});
afterEach(() => {
  direct.destroy();
  proxied.destroy();
});

const calls = (operation: string): number => proxy.count({ operation });
const reads = () => ({
  targets: calls('DescribeScalableTargets'),
  policies: calls('DescribeScalingPolicies'),
  scheduled: calls('DescribeScheduledActions'),
});

async function readAll(aas: AwsAutoscaling, id: string, maxAgeMs: number) {
  const [target, policies, scheduled] = await Promise.all([
    aas.describeTarget(region, id, { maxAgeMs }),
    aas.describePolicies(region, id, { maxAgeMs }),
    aas.describeScheduledActions(region, id, { maxAgeMs }),
  ]);
  return { target, policies, scheduled };
}

describe('batched Application Auto Scaling reads on moto', () => {
  it('60 concurrent readers: 2 target calls, paginated listings, each resource gets exactly its own', async () => {
    const aas = new AwsAutoscaling(proxied);
    const all = await Promise.all([...ids, bare].map((id) => readAll(aas, id, PERIOD)));
    for (const [i, id] of ids.entries()) {
      const got = all[i];
      expect(got?.target?.resourceId).toBe(id);
      expect(got?.target?.maxCapacity).toBe(10 + i);
      expect(got?.policies.map((p) => [p.name, p.targetValue])).toEqual([[`cpu-${i}`, 50 + i]]);
      expect(got?.scheduled.map((s) => [s.name, s.minCapacity, s.maxCapacity])).toEqual([
        [`night-${i}`, 1, 3],
      ]);
    }
    // undefined = no target, [] = nothing there: absent, not "not read".
    expect(all[N]).toEqual({ target: undefined, policies: [], scheduled: [] });
    // 61 ids → 50 + 11; 60 items in pages of 50 → 2 pages each (moto 5.2.1 answers
    // DescribeScheduledActions in one page whatever MaxResults says).
    const cost = reads();
    expect({ targets: cost.targets, policies: cost.policies }).toEqual({ targets: 2, policies: 2 });
    expect(cost.scheduled).toBeGreaterThanOrEqual(1);
    expect(cost.scheduled).toBeLessThanOrEqual(2);
    expect(proxy.count({ reads: false })).toBe(0);
  });

  it('a steady fleet read one by one each period: a few calls per period, not 3 per resource', async () => {
    const clock = new FakeClock();
    const aas = new AwsAutoscaling(proxied, { clock });
    await Promise.all(ids.map((id) => readAll(aas, id, PERIOD)));
    for (let period = 0; period < 3; period++) {
      const before = reads();
      clock.advance(PERIOD + 1_000);
      for (const id of ids) await readAll(aas, id, PERIOD);
      const after = reads();
      const cost = {
        targets: after.targets - before.targets,
        policies: after.policies - before.policies,
        scheduled: after.scheduled - before.scheduled,
      };
      // The first reader of the period pays for every resource that is due: the targets batch is
      // topped up with the others (50 + 10), the listings answer for all (2 pages of 50 each).
      expect({ targets: cost.targets, policies: cost.policies }).toEqual({
        targets: 2,
        policies: 2,
      });
      expect(cost.scheduled).toBeGreaterThanOrEqual(1);
      expect(cost.scheduled).toBeLessThanOrEqual(2);
    }
    expect(proxy.count({ reads: false })).toBe(0);
  });

  it('a write through the adapter is followed by a fresh read, even within the period', async () => {
    const clock = new FakeClock();
    const aas = new AwsAutoscaling(proxied, { clock });
    await Promise.all(ids.map((id) => readAll(aas, id, PERIOD)));
    const id = ids[1] ?? '';
    await aas.putScheduledAction(region, id, {
      name: 'morning',
      schedule: 'cron(0 6 * * ? *)',
      minCapacity: 4,
    });
    await aas.registerTarget(region, {
      resourceId: id,
      minCapacity: 4,
      maxCapacity: 20,
      suspended: {
        dynamicScalingInSuspended: false,
        dynamicScalingOutSuspended: false,
        scheduledScalingSuspended: false,
      },
    });
    await aas.deletePolicy(region, id, 'cpu-1');
    const got = await readAll(aas, id, PERIOD);
    expect(got.scheduled.map((s) => s.name).sort()).toEqual(['morning', 'night-1']);
    expect(got.target?.maxCapacity).toBe(20);
    expect(got.policies).toEqual([]);
    // The others still come from the period's snapshot: no further reads for them.
    const before = reads();
    await readAll(aas, ids[2] ?? '', PERIOD);
    expect(reads()).toEqual(before);
  });

  it('a read error surfaces to its readers and is not cached', async () => {
    const aas = new AwsAutoscaling(proxied);
    proxy.setRules([{ operation: 'DescribeScalingPolicies', fault: 'http500', count: 100 }]);
    const failed = await Promise.allSettled(ids.slice(0, 5).map((id) => readAll(aas, id, PERIOD)));
    expect(failed.every((r) => r.status === 'rejected')).toBe(true);
    proxy.setRules([]);
    const got = await readAll(aas, ids[0] ?? '', PERIOD);
    expect(got.policies.map((p) => p.name)).toEqual(['cpu-0']);
  });
});
