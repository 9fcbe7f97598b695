// Issue 9, item 1: a Release deleted mid-canary (15 %, image 2.2.0) and re-created with image 3.0.0.
// Seen: the new Release's revision 1 found `ldb-r1-canary` (the old one's, same name since revisions
// count from 1 again), skipped deploy and smoke tests, and ended Healthy saying 3.0.0 while the
// primary task set ran 2.2.0. Now: the leftover is taken out of traffic and deleted, and every step
// of the new revision runs — it ends Healthy only with 3.0.0 serving.
import { afterAll, afterEach, beforeAll, describe, expect, it, onTestFailed } from 'vitest';
import { ReleaseKind } from '../../../reconcilers/release/api.js';
import { createTestNamespace, resetAws, testEnv } from '../../env/fixtures.js';
import { kindObjects } from '../../fixtures/kind-objects.js';
import { seedLatticeDbService, type SeededLatticeDb } from '../../fixtures/moto/seed.js';
import { CallLog, jsonBody, productionGreenWeights, settledHealthy } from './robustness-support.js';
import { canarySpec, imageOf, NEW_TAG, OLD_TAG, releaseEvents } from './scenario.js';
import {
  createRelease,
  getRelease,
  installCrd,
  motoClients,
  MotoView,
  startController,
  waitForRelease,
  type RunningController,
} from './support.js';

const NEXT_TAG = '3.0.0';
const log = new CallLog();
let controller: RunningController | undefined;
let view: MotoView | undefined;

beforeAll(async () => {
  await installCrd();
  await log.start();
});
afterAll(async () => {
  await log.stop();
});
afterEach(async () => {
  await controller?.stop();
  controller = undefined;
  view?.destroy();
  view = undefined;
});

async function seed(): Promise<SeededLatticeDb> {
  await resetAws();
  const clients = motoClients();
  try {
    return await seedLatticeDbService(clients, {
      endpoint: testEnv().awsEndpoint,
      imageTags: [OLD_TAG, NEW_TAG, NEXT_TAG],
    });
  } finally {
    clients.destroy();
  }
}

describe('a Release deleted mid-canary and re-created with another image', () => {
  it('ends Healthy only with the new image serving, every step of its own run', async () => {
    const s = await seed();
    view = new MotoView(s);
    const ns = await createTestNamespace('recreate');
    log.clear();
    controller = await startController(ns, { awsEndpoint: log.proxy.endpoint });
    onTestFailed(() => {
      console.log(`AWS calls: ${log.calls.map((c) => c.operation).join(' ')}`);
    });
    await createRelease(ns, 'ldb', canarySpec(s, { steps: [{ setWeight: 15 }, { pause: {} }] }));
    await waitForRelease(ns, 'ldb', (st) => st.pause?.reason === 'StepPaused', 'the pause at 15 %');
    expect(await view.weights()).toEqual({ blue: 85, green: 15 });
    // Deleting moves no traffic: the canary keeps its 15 %.
    await kindObjects(ReleaseKind).delete(ns, 'ldb');
    await expect
      .poll(
        () =>
          getRelease(ns, 'ldb').then(
            () => 'there',
            () => 'gone',
          ),
        { timeout: 30_000 },
      )
      .toBe('gone');
    expect(await view.weights()).toEqual({ blue: 85, green: 15 });

    await createRelease(
      ns,
      'ldb',
      canarySpec(
        s,
        { steps: [{ setWeight: 15 }, { pause: { duration: '1s' } }] },
        { image: imageOf(s, NEXT_TAG) },
      ),
    );
    const status = await waitForRelease(ns, 'ldb', settledHealthy, 'Healthy', 120_000);
    expect(status.revision).toMatchObject({ number: 1, image: imageOf(s, NEXT_TAG) });
    // What serves: one primary task set, on the new revision's task definition, running 3.0.0.
    const sets = await view.taskSets();
    expect(sets.map((t) => t.status)).toEqual(['PRIMARY']);
    expect(sets[0]?.taskDefinition).toBe(status.revision?.taskDefinitionArn);
    expect(await view.image(sets[0]?.taskDefinition ?? '', s.containerName)).toBe(
      imageOf(s, NEXT_TAG),
    );
    // Every step ran for the new revision: its own task set, 15 % then all traffic (the leftover's
    // traffic went back to stable first).
    const created = log.of('CreateTaskSet').map((c) => String(jsonBody(c).taskDefinition));
    expect(created).toHaveLength(2);
    expect(created[1]).toBe(status.revision?.taskDefinitionArn);
    expect(productionGreenWeights(log, s)).toEqual([15, 0, 15, 100]);
    const events = await releaseEvents(ns, 'ldb');
    expect(
      events.some((e) => e.reason === 'TaskSetDeleted' && e.message.includes('leftover')),
    ).toBe(true);
  }, 240_000);
});
