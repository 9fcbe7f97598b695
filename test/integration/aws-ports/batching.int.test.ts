// 50 services observed through one adapter: DescribeServices is batched 10 names per call, and a
// steady fleet re-read once per period costs 5 calls, counted at the fault proxy.
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { AwsClients } from '../../../reconcilers/shared/adapters/aws/clients.js';
import { AwsEcsAdapter } from '../../../reconcilers/shared/adapters/aws/ecs-adapter.js';
import type { ServiceRef } from '../../../reconcilers/shared/ports/ecs.js';
import { startFaultProxy, type FaultProxy } from '../../env/fault-proxy.js';
import { resetAws, testEnv } from '../../env/fixtures.js';
import { seedLatticeDbService, seedMoreServices } from '../../fixtures/moto/seed.js';
import { FakeClock } from '../../unit/controller/support/fake-clock.js';
import { motoClients } from './moto-worlds.js';

const PERIOD = 60_000;
let proxy: FaultProxy;
let direct: AwsClients;
let proxied: AwsClients;
let refs: ServiceRef[];

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
  refs = await seedMoreServices(direct, seeded, 50);
  proxy.resetCounts();
});
afterEach(() => {
  direct.destroy();
  proxied.destroy();
});

const describeCalls = (): number => proxy.count({ service: 'ecs', operation: 'DescribeServices' });

describe('batched DescribeServices on moto', () => {
  it('50 concurrent observers: 5 calls, every service found', async () => {
    const ecs = new AwsEcsAdapter(proxied);
    const states = await Promise.all(refs.map((r) => ecs.describeService(r, { maxAgeMs: PERIOD })));
    expect(states.every((st, i) => st?.ref.service === refs[i]?.service)).toBe(true);
    expect(describeCalls()).toBe(5);
    expect(proxy.count({ reads: false })).toBe(0);
  });

  it('a steady fleet read one by one each period: 5 calls per period, no writes', async () => {
    const clock = new FakeClock();
    const ecs = new AwsEcsAdapter(proxied, { clock });
    await Promise.all(refs.map((r) => ecs.describeService(r, { maxAgeMs: PERIOD })));
    for (let period = 0; period < 3; period++) {
      const before = describeCalls();
      clock.advance(PERIOD + 1_000);
      for (const r of refs) await ecs.describeService(r, { maxAgeMs: PERIOD });
      expect(describeCalls() - before).toBe(5);
    }
    expect(proxy.count({ reads: false })).toBe(0);
  });
});
