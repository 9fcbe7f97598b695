// Issue 9, item 1: a Release deleted mid-canary (15 %, image 2.2.0) and re-created.
// Seen: the new Release's revision 1 found `ldb-r1-canary` (the old one's, same name since revisions
// count from 1 again), skipped deploy and smoke tests, and ended Healthy saying 3.0.0 while the
// primary task set ran 2.2.0. Now task sets carry their owner's UID (`ldb-<uid>-r1-canary`): the
// deletion frees the service's claim and moves no traffic; the new Release claims the service,
// takes the leftover out of traffic and deletes it (a LeftoverTaskSet Warning names it), and runs
// every step of its own revision — deploy, smoke tests, each weight — ending Healthy only with its
// image serving. Also with the same image as the deleted one's canary.
import { afterAll, afterEach, beforeAll, describe, expect, it, onTestFailed } from 'vitest';
import { ReleaseKind } from '../../../reconcilers/release/api.js';
import { createTestNamespace } from '../../env/fixtures.js';
import { kindObjects } from '../../fixtures/kind-objects.js';
import { CallLog, jsonBody, productionGreenWeights, settledHealthy } from './robustness-support.js';
import {
  canarySpec,
  imageOf,
  NEW_TAG,
  releaseEvents,
  startSmokeTarget,
  type SmokeTarget,
  seedWorld,
} from './scenario.js';
import {
  createRelease,
  getRelease,
  installCrd,
  MotoView,
  startController,
  taskSetId,
  waitForRelease,
  type RunningController,
} from './support.js';

const NEXT_TAG = '3.0.0';
const log = new CallLog();
let controller: RunningController | undefined;
let view: MotoView | undefined;
let target: SmokeTarget | undefined;

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
  await target?.close();
  target = undefined;
});

async function gone(ns: string, name: string): Promise<void> {
  await expect
    .poll(
      () =>
        getRelease(ns, name).then(
          () => 'there',
          () => 'gone',
        ),
      { timeout: 30_000 },
    )
    .toBe('gone');
}

/**
 * A Release paused at 15 % with image 2.2.0 (no smoke tests), deleted, then re-created under the
 * same name with `tag` and a smoke test: what serves at the end, and that every step of the new
 * revision ran.
 */
async function deleteMidCanaryAndRecreate(tag: string): Promise<void> {
  const s = await seedWorld([NEXT_TAG]);
  view = new MotoView(s);
  target = await startSmokeTarget(200);
  const ns = await createTestNamespace('recreate');
  log.clear();
  controller = await startController(ns, { awsEndpoint: log.proxy.endpoint });
  onTestFailed(() => {
    console.log(`AWS calls: ${log.calls.map((c) => c.operation).join(' ')}`);
  });
  await createRelease(ns, 'ldb', canarySpec(s, { steps: [{ setWeight: 15 }, { pause: {} }] }));
  await waitForRelease(
    ns,
    'ldb',
    (st) => st.attempt?.pause?.reason === 'StepPaused',
    'the pause at 15 %',
  );
  const first = await getRelease(ns, 'ldb');
  const firstUid = first.metadata.uid ?? '';
  expect(await view.claim()).toBe(`${ns}/ldb/${firstUid}`);
  expect(await view.weights()).toEqual({ blue: 85, green: 15 });
  const leftover = (await view.taskSets()).find((t) => t.status !== 'PRIMARY');
  expect(leftover?.externalId).toBe(`ldb-${firstUid}-r1-canary`);

  // Deleting frees the claim (the finalizer) and moves no traffic: the canary keeps its 15 %.
  await kindObjects(ReleaseKind).delete(ns, 'ldb');
  await gone(ns, 'ldb');
  expect(await view.claim()).toBeUndefined();
  expect(await view.weights()).toEqual({ blue: 85, green: 15 });
  expect((await releaseEvents(ns, 'ldb')).map((e) => e.reason)).toContain('ServiceClaimReleased');
  const writesBefore = log.calls.length;

  await createRelease(
    ns,
    'ldb',
    canarySpec(
      s,
      { steps: [{ setWeight: 15 }, { pause: { duration: '1s' } }] },
      {
        image: imageOf(s, tag),
        checks: { smoke: [{ name: 'health', url: target.url, retries: 0, timeout: '1s' }] },
      },
    ),
  );
  const status = await waitForRelease(ns, 'ldb', settledHealthy, 'Healthy', 120_000);
  const second = await getRelease(ns, 'ldb');
  const uid = second.metadata.uid ?? '';
  expect(uid).not.toBe(firstUid);
  expect(status.revision).toMatchObject({ number: 1, image: imageOf(s, tag) });
  expect(await view.claim()).toBe(`${ns}/ldb/${uid}`);
  // What serves: one primary task set, the new Release's own, on its revision's task definition.
  const sets = await view.taskSets();
  expect(sets.map((t) => [t.status, t.externalId])).toEqual([['PRIMARY', `ldb-${uid}-r1-canary`]]);
  expect(sets[0]?.externalId).toEqual(taskSetId(1, 'canary'));
  expect(sets[0]?.taskDefinition).toBe(status.revision?.taskDefinitionArn);
  expect(sets[0]?.taskDefinition).not.toBe(leftover?.taskDefinition);
  expect(await view.image(sets[0]?.taskDefinition ?? '', s.containerName)).toBe(imageOf(s, tag));

  // Every step of the new revision ran: the leftover's traffic went back to stable, the leftover
  // was deleted and told, a task set of its own was created, the smoke test was called, and the
  // weights went 15 % then 100 %.
  const after = log.calls.slice(writesBefore);
  const ops = after.map((c) => c.operation);
  expect(ops).toContain('TagResource');
  const created = log.of('CreateTaskSet').map((c) => jsonBody(c));
  expect(created).toHaveLength(2);
  expect(created[1]).toMatchObject({
    externalId: `ldb-${uid}-r1-canary`,
    taskDefinition: status.revision?.taskDefinitionArn,
  });
  expect(log.of('DeleteTaskSet').map((c) => String(jsonBody(c).taskSet))).toContain(leftover?.arn);
  expect(productionGreenWeights(log, s)).toEqual([15, 0, 15, 100]);
  expect(target.hits()).toBeGreaterThan(0);
  const events = await releaseEvents(ns, 'ldb');
  const reasons = events.map((e) => e.reason);
  expect(
    events.find((e) => e.reason === 'LeftoverTaskSet' && e.type === 'Warning')?.message,
  ).toContain(`ldb-${firstUid}-r1-canary`);
  for (const step of ['ServiceClaimed', 'TaskSetCreated', 'SmokeTestsPassed', 'TrafficShifted'])
    expect(reasons, step).toContain(step);
  expect(status.attempt?.smoke).toMatchObject({ phase: 'PostPromotion' });
}

describe('a Release deleted mid-canary and re-created', () => {
  it('with another image ends Healthy only with the new image serving, every step of its own run', async () => {
    await deleteMidCanaryAndRecreate(NEXT_TAG);
  }, 240_000);

  it('with the same image as the deleted canary still runs every step of its own revision', async () => {
    await deleteMidCanaryAndRecreate(NEW_TAG);
  }, 240_000);
});
