// Throttling on 20 % of ECS and ELB calls (fault proxy, seeded randomness): with the SDK's retries
// (maxAttempts 6 through AwsClients) the canary mechanics still complete, only later.
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { AwsClients } from '../../../reconcilers/shared/adapters/aws/clients.js';
import { AwsEcsAdapter } from '../../../reconcilers/shared/adapters/aws/ecs-adapter.js';
import { Elbv2TrafficRouter } from '../../../reconcilers/shared/adapters/aws/elbv2-traffic-router.js';
import { startFaultProxy, type FaultProxy } from '../../env/fault-proxy.js';
import { resetAws, testEnv } from '../../env/fixtures.js';
import { seedLatticeDbService } from '../../fixtures/moto/seed.js';
import { motoClients } from './moto-worlds.js';

/** mulberry32: a small deterministic PRNG, so the faulted calls are the same on every run. */
function seededRandom(seed: number): () => number {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

let proxy: FaultProxy;
const opened: AwsClients[] = [];

beforeAll(async () => {
  proxy = await startFaultProxy(testEnv().awsEndpoint, { random: seededRandom(20) });
});
afterAll(async () => {
  await proxy.stop();
});
afterEach(() => {
  for (const c of opened.splice(0)) c.destroy();
  proxy.clearRules();
});

describe('ports under 20 % throttling', () => {
  it('complete a canary from 0 to 100 % and promote it', async () => {
    await resetAws();
    const direct = motoClients(testEnv().awsEndpoint);
    opened.push(direct);
    const s = await seedLatticeDbService(direct, { endpoint: testEnv().awsEndpoint });
    const proxied = motoClients(proxy.endpoint, 6);
    opened.push(proxied);
    proxy.resetCounts();
    proxy.setRules([
      { service: 'ecs', fault: 'throttle', probability: 0.2 },
      { service: 'elasticloadbalancing', fault: 'throttle', probability: 0.2 },
    ]);

    const ecs = new AwsEcsAdapter(proxied);
    const traffic = new Elbv2TrafficRouter(proxied);
    const { ref } = s.canary;
    const td = await ecs.registerDerivedTaskDefinition(
      s.region,
      s.taskDefinitionArn,
      { container: s.containerName, image: s.ecr.images['2.2.0'] ?? '' },
      { 'latticedb.com/spec-hash': 'r2' },
    );
    const canary = await ecs.createTaskSet(ref, {
      externalId: 'ldb-r2-canary',
      taskDefinitionArn: td.arn,
      loadBalancer: {
        targetGroupArn: s.alb.greenTargetGroupArn,
        containerName: s.containerName,
        containerPort: s.containerPort,
      },
      scalePercent: 5,
    });
    for (const w of [5, 25, 50, 75, 100]) {
      await ecs.updateTaskSetScale(ref, canary.arn, w);
      await traffic.setWeights(s.region, s.alb.listenerArn, [
        { targetGroupArn: s.alb.blueTargetGroupArn, weight: 100 - w },
        { targetGroupArn: s.alb.greenTargetGroupArn, weight: w },
      ]);
      const service = await ecs.describeService(ref);
      expect(service?.taskSets.find((t) => t.arn === canary.arn)?.scalePercent).toBe(w);
    }
    await ecs.setPrimaryTaskSet(ref, canary.arn);
    await ecs.deleteTaskSet(ref, s.canary.primaryTaskSetArn);

    proxy.clearRules();
    const final = await ecs.describeService(ref);
    expect(final?.taskSets.map((t) => [t.arn, t.status])).toEqual([[canary.arn, 'PRIMARY']]);
    expect(await traffic.getWeights(s.region, s.alb.listenerArn)).toEqual([
      { targetGroupArn: s.alb.blueTargetGroupArn, weight: 0 },
      { targetGroupArn: s.alb.greenTargetGroupArn, weight: 100 },
    ]);
    const faulted = proxy.calls().reduce((n, c) => n + c.faulted, 0);
    console.log(`throttled ${faulted} of ${proxy.count()} calls`);
    expect(faulted).toBeGreaterThan(0); // the faults really happened
    // Creation was attempted once per externalId even with retries: one canary set exists.
    expect(final?.taskSets).toHaveLength(1);
  });
});
