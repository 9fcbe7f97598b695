// Issue 9, item 1: two Releases naming one ECS service. Seen: they shared or deleted each other's
// task sets (identities without owner). Now the first claims the service (a tag); the second is
// Stalled (ServiceClaimed) naming the first and touches nothing — the first's canary keeps its task
// set and 15 % — until the first is deleted: its finalizer removes only the tag, and the second
// then claims the service, removes the first's leftover canary visibly and delivers its own
// revision from its first step.
import { afterAll, afterEach, beforeAll, describe, expect, it, onTestFailed } from 'vitest';
import { ReleaseKind } from '../../../reconcilers/release/api.js';
import { createTestNamespace } from '../../env/fixtures.js';
import { kindObjects } from '../../fixtures/kind-objects.js';
import { CallLog, jsonBody, productionGreenWeights, settledHealthy } from './robustness-support.js';
import { canarySpec, imageOf, releaseEvents, seedWorld } from './scenario.js';
import {
  createRelease,
  getRelease,
  installCrd,
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

describe('two Releases on one ECS service', () => {
  it('the second is Stalled (ServiceClaimed) naming the first, and proceeds once the first is deleted', async () => {
    const s = await seedWorld([NEXT_TAG]);
    view = new MotoView(s);
    const ns = await createTestNamespace('claim');
    log.clear();
    controller = await startController(ns, { awsEndpoint: log.proxy.endpoint });
    onTestFailed(() => {
      console.log(`AWS calls: ${log.calls.map((c) => c.operation).join(' ')}`);
    });
    await createRelease(ns, 'first', canarySpec(s, { steps: [{ setWeight: 15 }, { pause: {} }] }));
    await waitForRelease(
      ns,
      'first',
      (st) => st.attempt?.pause?.reason === 'StepPaused',
      'first at 15 %',
    );
    const firstUid = (await getRelease(ns, 'first')).metadata.uid ?? '';
    expect(await view.claim()).toBe(`${ns}/first/${firstUid}`);
    const canary = (await view.taskSets()).find((t) => t.status !== 'PRIMARY');

    await createRelease(
      ns,
      'second',
      canarySpec(s, { steps: [{ setWeight: 50 }] }, { image: imageOf(s, NEXT_TAG) }),
    );
    const stalled = await waitForRelease(
      ns,
      'second',
      (st) =>
        st.conditions?.some(
          (c) => c.type === 'Stalled' && c.status === 'True' && c.reason === 'ServiceClaimed',
        ) === true,
      'second Stalled (ServiceClaimed)',
    );
    expect(stalled.phase).toBe('Degraded');
    expect(stalled.revision).toBeUndefined();
    expect(stalled.message).toContain(`belongs to Release ${ns}/first (uid ${firstUid})`);
    expect(stalled.message).toContain(`kubectl -n ${ns} delete release first`);
    // The first is untouched: its canary, its 15 %, its claim; the second wrote nothing.
    expect(await view.weights()).toEqual({ blue: 85, green: 15 });
    expect((await view.taskSets()).find((t) => t.status !== 'PRIMARY')?.arn).toBe(canary?.arn);
    expect(await view.claim()).toBe(`${ns}/first/${firstUid}`);
    expect(log.of('TagResource')).toHaveLength(1);
    expect(log.of('CreateTaskSet')).toHaveLength(1);

    // Deleting the first frees the service (only the tag: its canary keeps the 15 %)…
    await kindObjects(ReleaseKind).delete(ns, 'first');
    // …and the second claims it, removes the first's canary and delivers its own revision.
    const status = await waitForRelease(ns, 'second', settledHealthy, 'second Healthy', 120_000);
    const secondUid = (await getRelease(ns, 'second')).metadata.uid ?? '';
    expect(await view.claim()).toBe(`${ns}/second/${secondUid}`);
    expect(status.revision).toMatchObject({ number: 1, image: imageOf(s, NEXT_TAG) });
    const sets = await view.taskSets();
    expect(sets.map((t) => [t.status, t.externalId])).toEqual([
      ['PRIMARY', `ldb-${secondUid}-r1-canary`],
    ]);
    expect(await view.image(sets[0]?.taskDefinition ?? '', s.containerName)).toBe(
      imageOf(s, NEXT_TAG),
    );
    expect(log.of('UntagResource')).toHaveLength(1);
    expect(log.of('DeleteTaskSet').map((c) => String(jsonBody(c).taskSet))).toContain(canary?.arn);
    // first: 15 %; second: back to 0 (the leftover's traffic), 50 %, then all.
    expect(productionGreenWeights(log, s)).toEqual([15, 0, 50, 100]);
    const first = await releaseEvents(ns, 'first');
    expect(first.map((e) => e.reason)).toContain('ServiceClaimReleased');
    const second = await releaseEvents(ns, 'second');
    expect(second.find((e) => e.reason === 'LeftoverTaskSet')?.message).toContain(
      `ldb-${firstUid}-r1-canary`,
    );
  }, 240_000);
});
