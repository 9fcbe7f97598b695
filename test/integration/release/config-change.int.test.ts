// Configuration changes on the real apiserver + moto: an environment and secrets change ships as a
// new revision — a new task-definition revision in which only the managed container changed
// (image kept, the sidecar, CPU/memory, roles, volumes and tags kept) — through the strategy; a
// `restartedAt` change redeploys the same configuration as a revision of its own.
import type { ContainerDefinition, TaskDefinition } from '@aws-sdk/client-ecs';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createTestNamespace } from '../../env/fixtures.js';
import {
  createRelease,
  installCrd,
  MotoView,
  startController,
  waitForRelease,
  type RunningController,
  taskSetId,
} from './support.js';
import {
  blueGreenSpec,
  imageOf,
  motoTaskDefinition,
  OLD_TAG,
  patchReleaseSpec,
  seedWorld,
} from './scenario.js';

let controller: RunningController | undefined;
let view: MotoView | undefined;

beforeAll(async () => {
  await installCrd();
});

afterEach(async () => {
  await controller?.stop();
  controller = undefined;
  view?.destroy();
});

const ACCOUNT = '123456789012';
const secretArn = (name: string) => `arn:aws:secretsmanager:us-east-1:${ACCOUNT}:secret:${name}`;

/** What a derived task definition must keep from its base. */
const kept = (td: TaskDefinition) => ({
  family: td.family,
  cpu: td.cpu,
  memory: td.memory,
  taskRoleArn: td.taskRoleArn,
  executionRoleArn: td.executionRoleArn,
  networkMode: td.networkMode,
  requiresCompatibilities: td.requiresCompatibilities,
  runtimePlatform: td.runtimePlatform,
  ephemeralStorage: td.ephemeralStorage,
  volumes: td.volumes,
});

const container = (td: TaskDefinition, name: string): ContainerDefinition | undefined =>
  td.containerDefinitions?.find((c) => c.name === name);

describe('Release configuration changes', () => {
  it('ships an environment + secrets change as a new task definition revision, then restartedAt redeploys it', async () => {
    const s = await seedWorld();
    view = new MotoView(s);
    const ns = await createTestNamespace('rel-config');
    controller = await startController(ns);
    const base = await motoTaskDefinition(s.taskDefinitionArn);
    const spec = blueGreenSpec(s, { approval: 'Auto', scaleDownDelay: '0s' });
    // Revision 1: what the service runs (adopted, nothing deployed).
    await createRelease(ns, 'ldb', { ...spec, image: imageOf(s, OLD_TAG) });
    await waitForRelease(ns, 'ldb', (st) => st.phase === 'Healthy', 'adoption');

    const environment = { LATTICEDB_MODE: 'cluster', LATTICEDB_CACHE_MB: '512' };
    const secrets = [
      { name: 'DB_PASSWORD', valueFrom: secretArn('latticedb-db') },
      { name: 'API_TOKEN', valueFrom: secretArn('latticedb-api') },
    ];
    await patchReleaseSpec(ns, 'ldb', { environment, secrets });
    const second = await waitForRelease(
      ns,
      'ldb',
      (st) => st.revision?.number === 2 && st.phase === 'Healthy' && st.retiring === undefined,
      'revision 2 (configuration) healthy',
    );
    const td2 = second.revision?.taskDefinitionArn ?? '';
    expect(td2).not.toBe(s.taskDefinitionArn);
    const derived = await motoTaskDefinition(td2);
    expect(derived.taskDefinition.revision).toBe((base.taskDefinition.revision ?? 0) + 1);
    expect(kept(derived.taskDefinition)).toEqual(kept(base.taskDefinition));
    expect(derived.tags).toMatchObject(base.tags);
    expect(derived.tags['latticedb.com/spec-hash']).toBe(second.revision?.specHash);
    // The sidecar is untouched; the app container changed in environment and secrets only.
    expect(container(derived.taskDefinition, s.sidecarName)).toEqual(
      container(base.taskDefinition, s.sidecarName),
    );
    const app = container(derived.taskDefinition, s.containerName);
    const baseApp = container(base.taskDefinition, s.containerName);
    expect(app?.environment).toEqual([
      { name: 'LATTICEDB_CACHE_MB', value: '512' },
      { name: 'LATTICEDB_MODE', value: 'cluster' },
    ]);
    expect(app?.secrets).toEqual(secrets);
    expect({ ...app, environment: undefined, secrets: undefined }).toEqual({
      ...baseApp,
      environment: undefined,
      secrets: undefined,
    });
    expect(app?.image).toBe(imageOf(s, OLD_TAG));
    // Delivered through the strategy: the green task set of revision 2 runs it, as the only one.
    const afterConfig = await view.taskSets();
    expect(afterConfig).toHaveLength(1);
    expect(afterConfig[0]).toMatchObject({
      externalId: taskSetId(2, 'green'),
      status: 'PRIMARY',
      taskDefinition: td2,
    });

    await patchReleaseSpec(ns, 'ldb', { restartedAt: '2026-11-26T10:00:00Z' });
    const third = await waitForRelease(
      ns,
      'ldb',
      (st) => st.revision?.number === 3 && st.phase === 'Healthy' && st.retiring === undefined,
      'revision 3 (restart) healthy',
    );
    const td3 = third.revision?.taskDefinitionArn ?? '';
    expect(td3).not.toBe(td2);
    const restarted = await motoTaskDefinition(td3);
    expect(restarted.taskDefinition.revision).toBe((derived.taskDefinition.revision ?? 0) + 1);
    expect(restarted.taskDefinition.containerDefinitions).toEqual(
      derived.taskDefinition.containerDefinitions,
    );
    expect(kept(restarted.taskDefinition)).toEqual(kept(derived.taskDefinition));
    const afterRestart = await view.taskSets();
    expect(afterRestart).toHaveLength(1);
    expect(afterRestart[0]).toMatchObject({
      externalId: taskSetId(3, 'green'),
      status: 'PRIMARY',
      taskDefinition: td3,
    });
    expect(third.deploymentLog?.map((l) => [l.revision, l.outcome])).toEqual([
      [2, 'Succeeded'],
      [3, 'Succeeded'],
    ]);
  });
});
