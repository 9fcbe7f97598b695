// One ECS adapter per process: the kinds' ports read services through the same batching, caching
// observer, so a Release and a ScalePolicy on the same service share one DescribeServices call in
// steady state (each kind had its own adapter: N Releases + N ScalePolicies cost 2 × ⌈N/10⌉ calls
// per resync, twice the floor). ECS is a local HTTP server counting the calls it answers.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { pino } from 'pino';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { SharedRegistry } from '../../../controller/external.js';
import type { KindDeps } from '../../../controller/index.js';
import { failoverPlanPorts } from '../../../reconcilers/failoverplan/setup.js';
import { releasePorts } from '../../../reconcilers/release/setup.js';
import { scalePolicyPorts } from '../../../reconcilers/scalepolicy/setup.js';
import { FakeClock } from './support/fake-clock.js';
import { FakeKubeClient } from './support/fake-kube-client.js';

const REF = { region: 'eu-west-1', cluster: 'c', service: 'svc' } as const;
const STEADY = { maxAgeMs: 60_000 };

let server: Server;
let describeCalls: string[][];
let registry: SharedRegistry;

beforeEach(async () => {
  vi.stubEnv('AWS_ACCESS_KEY_ID', 'test');
  vi.stubEnv('AWS_SECRET_ACCESS_KEY', 'test');
  describeCalls = [];
  server = createServer((req, res) => {
    let body = '';
    req.on('data', (chunk: Buffer) => (body += chunk.toString('utf8')));
    req.on('end', () => {
      const names = (JSON.parse(body) as { services?: string[] }).services ?? [];
      describeCalls.push(names);
      res.setHeader('content-type', 'application/x-amz-json-1.1');
      res.end(
        JSON.stringify({
          services: names.map((name) => ({
            serviceName: name,
            serviceArn: `arn:aws:ecs:eu-west-1:123456789012:service/c/${name}`,
            clusterArn: 'arn:aws:ecs:eu-west-1:123456789012:cluster/c',
            status: 'ACTIVE',
            desiredCount: 2,
            runningCount: 2,
            pendingCount: 0,
            taskDefinition: 'arn:aws:ecs:eu-west-1:123456789012:task-definition/f:1',
            deployments: [],
          })),
          failures: [],
        }),
      );
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
});

afterEach(async () => {
  vi.unstubAllEnvs();
  await registry.closeAll();
  await new Promise((resolve) => server.close(resolve));
});

function deps(): KindDeps {
  const logger = pino({ level: 'silent' });
  registry = new SharedRegistry({ logger });
  const { port } = server.address() as AddressInfo;
  return {
    kube: new FakeKubeClient(),
    redis: undefined,
    shared: registry.shared,
    logger,
    clock: new FakeClock(),
    aws: {
      defaultRegion: 'eu-west-1',
      endpoint: `http://127.0.0.1:${port}`,
      maxAttempts: 1,
      retryMode: 'standard',
    },
  } as unknown as KindDeps;
}

describe('one ECS adapter for every kind', () => {
  it('a Release, a ScalePolicy and a FailoverPlan on one service share its steady-state read', async () => {
    const d = deps();
    const release = releasePorts(d);
    const policy = scalePolicyPorts(d);
    const plan = failoverPlanPorts(d);
    expect((await release.ecs.describeService(REF, STEADY))?.desiredCount).toBe(2);
    expect((await policy.ecs.describeService(REF, STEADY))?.desiredCount).toBe(2);
    expect((await plan.ecs.describeService(REF, STEADY))?.desiredCount).toBe(2);
    expect(describeCalls).toEqual([['svc']]);
  });

  it('in flight (maxAgeMs 0) every read still goes to ECS', async () => {
    const d = deps();
    await releasePorts(d).ecs.describeService(REF, { maxAgeMs: 0 });
    await scalePolicyPorts(d).ecs.describeService(REF, { maxAgeMs: 0 });
    expect(describeCalls).toEqual([['svc'], ['svc']]);
  });
});
