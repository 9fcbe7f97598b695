// A derived task-definition revision keeps every registrable field of its base (roles, network
// mode, volumes, runtime platform, ephemeral storage, other containers, tags) and changes only the
// named container's image, environment and secrets. Read back raw through the SDK.
import { DescribeTaskDefinitionCommand, type TaskDefinition } from '@aws-sdk/client-ecs';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { AwsClients } from '../../../reconcilers/shared/adapters/aws/clients.js';
import { AwsEcsAdapter } from '../../../reconcilers/shared/adapters/aws/ecs-adapter.js';
import { resetAws, testEnv } from '../../env/fixtures.js';
import { seedLatticeDbService, type SeededLatticeDb } from '../../fixtures/moto/seed.js';
import { motoClients } from './moto-worlds.js';

let clients: AwsClients;
let seeded: SeededLatticeDb;
beforeEach(async () => {
  await resetAws();
  clients = motoClients(testEnv().awsEndpoint);
  seeded = await seedLatticeDbService(clients, { endpoint: testEnv().awsEndpoint });
});
afterEach(() => {
  clients.destroy();
});

async function raw(arn: string): Promise<{ td: TaskDefinition; tags: Record<string, string> }> {
  const out = await clients
    .ecs()
    .send(new DescribeTaskDefinitionCommand({ taskDefinition: arn, include: ['TAGS'] }));
  const tags = Object.fromEntries((out.tags ?? []).map((t) => [t.key, t.value]));
  return { td: out.taskDefinition ?? {}, tags };
}

/** Fields that differ between revisions by nature. */
function comparable(td: TaskDefinition): TaskDefinition {
  const { taskDefinitionArn: _a, revision: _r, registeredAt: _t, ...rest } = td;
  return rest;
}

describe('registerDerivedTaskDefinition on moto', () => {
  it('changes only the named container', async () => {
    const ecs = new AwsEcsAdapter(clients);
    const derived = await ecs.registerDerivedTaskDefinition(
      seeded.region,
      seeded.taskDefinitionArn,
      {
        container: seeded.containerName,
        image: seeded.ecr.images['2.2.0'] ?? '',
        environment: { LATTICEDB_MODE: 'cluster', LATTICEDB_CACHE: 'on' },
        secrets: [{ name: 'API_KEY', valueFrom: 'arn:aws:secretsmanager:us-east-1:1:secret:k' }],
      },
      { 'latticedb.com/spec-hash': 'abc123' },
    );
    const base = await raw(seeded.taskDefinitionArn);
    const next = await raw(derived.arn);

    const [baseApp, baseSidecar] = base.td.containerDefinitions ?? [];
    const [app, sidecar] = next.td.containerDefinitions ?? [];
    expect(sidecar).toEqual(baseSidecar);
    expect(app).toEqual({
      ...baseApp,
      image: seeded.ecr.images['2.2.0'],
      environment: [
        { name: 'LATTICEDB_CACHE', value: 'on' },
        { name: 'LATTICEDB_MODE', value: 'cluster' },
      ],
      secrets: [{ name: 'API_KEY', valueFrom: 'arn:aws:secretsmanager:us-east-1:1:secret:k' }],
    });
    expect({ ...comparable(next.td), containerDefinitions: [] }).toEqual({
      ...comparable(base.td),
      containerDefinitions: [],
    });
    expect(next.td).toMatchObject({
      taskRoleArn: base.td.taskRoleArn,
      executionRoleArn: base.td.executionRoleArn,
      runtimePlatform: { cpuArchitecture: 'ARM64' },
      ephemeralStorage: { sizeInGiB: 30 },
      volumes: [{ name: 'scratch' }],
    });
    expect(next.tags).toEqual({ ...base.tags, 'latticedb.com/spec-hash': 'abc123' });
  });

  it('is found by its tags after a restart instead of being registered twice', async () => {
    const tags = { 'latticedb.com/spec-hash': 'r2hash' };
    const change = { container: seeded.containerName, image: seeded.ecr.images['2.2.0'] ?? '' };
    const registered = await new AwsEcsAdapter(clients).registerDerivedTaskDefinition(
      seeded.region,
      seeded.taskDefinitionArn,
      change,
      tags,
    );
    // "Crash": a new adapter (empty caches) looks for the revision before registering.
    const restarted = new AwsEcsAdapter(clients);
    const found = await restarted.findTaskDefinitionByTags(seeded.region, seeded.family, tags);
    expect(found?.arn).toBe(registered.arn);
    expect(found?.containers[0]?.image).toBe(change.image);
  });
});
