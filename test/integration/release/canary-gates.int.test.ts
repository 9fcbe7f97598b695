// Gates and operator actions of a canary on the real apiserver + moto: missing metrics hold the
// canary at its weight — measured on while it holds, so good metrics resume it without promote and
// bad ones roll it back — or until promoted (a promote is not carried over to the next revision);
// abort returns all traffic to stable and removes the canary task set, retry starts the revision
// again and a promote for it takes a new value (`1.2`); rollback after a healthy revision returns
// the previous image through the fast path and pins the spec until it changes.
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import type {
  CanaryStrategy,
  ReleaseSpec,
  ReleaseStatus,
} from '../../../reconcilers/release/api.js';
import { createTestNamespace } from '../../env/fixtures.js';
import {
  annotateRelease,
  createRelease,
  errorRateAnalysis,
  getRelease,
  installCrd,
  MotoView,
  putErrorRate,
  startController,
  waitForRelease,
  type RunningController,
  taskSetId,
  isTaskSetId,
} from './support.js';
import {
  canarySpec,
  imageOf,
  NEW_TAG,
  OLD_TAG,
  patchReleaseSpec,
  releaseEvents,
  seedWorld,
  sleep,
} from './scenario.js';

let controller: RunningController | undefined;
let view: MotoView | undefined;
let feeder: NodeJS.Timeout | undefined;

beforeAll(async () => {
  await installCrd();
});

afterEach(async () => {
  clearInterval(feeder);
  await controller?.stop();
  controller = undefined;
  view?.destroy();
});

const condition = (status: { conditions?: { type: string }[] } | undefined, type: string) =>
  status?.conditions?.find((c) => c.type === type);

/** The error-rate analysis, Inconclusive after 2 measurements without data (1 s apart). */
function quickInconclusiveAnalysis(release: string): NonNullable<ReleaseSpec['analysis']> {
  const analysis = errorRateAnalysis(release);
  return { ...analysis, metrics: analysis.metrics.map((m) => ({ ...m, inconclusiveLimit: 1 })) };
}

/**
 * A seeded world, the controller, and a canary through `steps` gated by an analysis that stays
 * inconclusive until the test puts metrics.
 */
async function gatedCanary(prefix: string, steps: CanaryStrategy['steps']) {
  const s = await seedWorld();
  const moto = new MotoView(s);
  view = moto; // destroyed after the test
  const ns = await createTestNamespace(prefix);
  controller = await startController(ns);
  await createRelease(
    ns,
    'ldb',
    canarySpec(s, { steps }, { analysis: quickInconclusiveAnalysis(ns) }),
  );
  return { s, ns, moto };
}

describe('Release canary gates and operator actions', () => {
  it('holds at its weight while metrics are missing, and moves on once promoted', async () => {
    const { ns, moto } = await gatedCanary('rel-hold', [
      { setWeight: 10 },
      { pause: { duration: '1s' } },
      { setWeight: 50 },
    ]);

    const held = await waitForRelease(
      ns,
      'ldb',
      (st) => st.attempt?.pause?.reason === 'AnalysisInconclusive',
      'the canary held by inconclusive analysis',
      30_000,
    );
    expect(held.phase).toBe('Paused');
    expect(held.currentWeight).toBe(10);
    expect(held.attempt?.analysis?.verdict).toBe('Inconclusive');
    expect(condition(held, 'Paused')).toMatchObject({
      status: 'True',
      reason: 'AnalysisInconclusive',
    });
    expect(condition(held, 'AnalysisPassed')).toMatchObject({
      status: 'Unknown',
      reason: 'AnalysisInconclusive',
    });
    expect(held.message).toMatch(
      /to go on anyway: kubectl -n \S+ annotate release\/\S+ delivery\.latticedb\.com\/promote=1 --overwrite; to stop: kubectl -n \S+ annotate release\/\S+ delivery\.latticedb\.com\/abort=1 --overwrite/,
    );

    // Still holding a while later: the weight in moto has not moved past the first step.
    await sleep(1_500);
    const still = await getRelease(ns, 'ldb');
    expect(still.status?.phase).toBe('Paused');
    expect(await moto.weights()).toEqual({ blue: 90, green: 10 });

    // Promote; once it let the gate pass, healthy metrics for the gate of the next weight (before
    // that, they would end the hold by themselves: an inconclusive gate is measured on).
    await annotateRelease(ns, 'ldb', 'promote', '1');
    // promotedGate lasts only until the next weight starts its own gate (1 s later): wait for
    // what stays, the Promoted entry in history.
    await waitForRelease(
      ns,
      'ldb',
      (st) => st.history?.some((h) => h.reason === 'Promoted') === true,
      'the promote applied',
    );
    await putErrorRate(ns, 0);
    feeder = setInterval(() => void putErrorRate(ns, 0).catch(() => undefined), 250);
    const done = await waitForRelease(
      ns,
      'ldb',
      (st) => st.phase === 'Healthy',
      'promotion after the promote action',
      30_000,
    );
    expect(done.actions?.promote).toBe('1');
    expect(done.history).toContainEqual(
      expect.objectContaining({
        reason: 'Promoted',
        message: expect.stringMatching(/inconclusive .*passed by the promote action/),
      }),
    );
    expect(await moto.weights()).toEqual({ blue: 0, green: 100 });
    const primary = (await moto.taskSets()).find((t) => t.status === 'PRIMARY');
    expect(primary?.externalId).toEqual(taskSetId(1, 'canary'));
  });

  it('measures on while holding: good metrics resume the canary without promote', async () => {
    const { ns, moto } = await gatedCanary('rel-resume', [
      { setWeight: 10 },
      { pause: { duration: '1s' } },
      { setWeight: 50 },
    ]);
    await waitForRelease(
      ns,
      'ldb',
      (st) => st.attempt?.pause?.reason === 'AnalysisInconclusive',
      'the canary held by inconclusive analysis',
      30_000,
    );
    await sleep(2_500);
    const still = (await getRelease(ns, 'ldb')).status;
    expect(still?.phase).toBe('Paused');
    // Measured again while holding (2 measurements make it inconclusive; more follow each second).
    expect(still?.attempt?.analysis?.measurements?.length ?? 0).toBeGreaterThan(2);
    expect(await moto.weights()).toEqual({ blue: 90, green: 10 });

    await putErrorRate(ns, 0);
    feeder = setInterval(() => void putErrorRate(ns, 0).catch(() => undefined), 250);
    const done = await waitForRelease(
      ns,
      'ldb',
      (st) => st.phase === 'Healthy' && st.retiring === undefined,
      'the canary resumed and promoted by good metrics alone',
      30_000,
    );
    expect(done.actions?.promote).toBeUndefined();
    expect(done.attempt?.promotedGate).toBeUndefined();
    expect(done.history).toContainEqual(
      expect.objectContaining({
        reason: 'AnalysisSuccessful',
        message: expect.stringContaining('after being inconclusive: resuming'),
      }),
    );
    expect(await moto.weights()).toEqual({ blue: 0, green: 100 });
  });

  it('measures on while holding: bad metrics roll the held canary back (one AnalysisFailed Event)', async () => {
    const { s, ns, moto } = await gatedCanary('rel-held-bad', [
      { setWeight: 25 },
      { pause: { duration: '1s' } },
      { setWeight: 50 },
    ]);
    await waitForRelease(
      ns,
      'ldb',
      (st) => st.attempt?.pause?.reason === 'AnalysisInconclusive' && st.currentWeight === 25,
      'the canary held at 25 % by inconclusive analysis',
      30_000,
    );
    expect(await moto.weights()).toEqual({ blue: 75, green: 25 });

    await putErrorRate(ns, 7);
    feeder = setInterval(() => void putErrorRate(ns, 7).catch(() => undefined), 250);
    const rolledBack = await waitForRelease(
      ns,
      'ldb',
      (st) => st.phase === 'RolledBack',
      'the held canary rolled back by bad metrics',
      30_000,
    );
    expect(rolledBack.attempt?.rollback).toMatchObject({
      outcome: 'RolledBack',
      reason: 'AnalysisFailed',
      fromStage: 'Steps',
    });
    expect(rolledBack.attempt?.rollback?.message).toMatch(
      /^analysis at step 1\/3 failed: error-rate: Failed, [0-9.]+ > [0-9.]+ \(failure condition\)/,
    );
    expect(await moto.weights()).toEqual({ blue: 100, green: 0 });
    const sets = await moto.taskSets();
    expect(sets).toHaveLength(1);
    expect(sets[0]).toMatchObject({ status: 'PRIMARY', externalId: s.canary.primaryExternalId });
    const failures = (await releaseEvents(ns, 'ldb')).filter((e) => e.reason === 'AnalysisFailed');
    expect(failures).toHaveLength(1);
  });

  it('does not carry a promoted analysis step over to the next revision', async () => {
    const { s, ns, moto } = await gatedCanary('rel-gate-next', [
      { setWeight: 10 },
      { analysis: {} },
      { setWeight: 50 },
    ]);
    const held = (n: number) => (st: ReleaseStatus) =>
      st.revision?.number === n && st.attempt?.pause?.reason === 'AnalysisInconclusive';
    await waitForRelease(ns, 'ldb', held(1), 'revision 1 held at its analysis step', 30_000);
    await annotateRelease(ns, 'ldb', 'promote', '1');
    const first = await waitForRelease(
      ns,
      'ldb',
      (st) => st.phase === 'Healthy' && st.retiring === undefined,
      'revision 1 promoted past its analysis step',
    );
    expect(first.attempt?.promotedGate).toBe(1);

    // Revision 2 meets the same analysis step: the operator's promote of revision 1 does not
    // count for it, so it holds too (it would be Healthy if the override were carried over).
    await patchReleaseSpec(ns, 'ldb', { image: imageOf(s, OLD_TAG) });
    const second = await waitForRelease(
      ns,
      'ldb',
      (st) => held(2)(st) || (st.revision?.number === 2 && st.phase === 'Healthy'),
      'revision 2 at its analysis step',
      30_000,
    );
    expect(second.phase).toBe('Paused');
    expect(second.attempt?.pause?.reason).toBe('AnalysisInconclusive');
    expect(second.attempt?.currentStepIndex).toBe(1);
    expect(await moto.weights()).toEqual({ blue: 10, green: 90 });
  });

  it('aborts on the abort annotation (traffic back, canary removed); after retry a promote takes a new value', async () => {
    const s = await seedWorld();
    view = new MotoView(s);
    const ns = await createTestNamespace('rel-abort');
    controller = await startController(ns);
    const steps = [{ setWeight: 20 }, { pause: {} }, { setWeight: 40 }, { pause: {} }];
    await createRelease(ns, 'ldb', canarySpec(s, { steps }));

    const pausedAt =
      (weight: number) =>
      (st: { attempt?: { pause?: { reason: string } }; currentWeight?: number }) =>
        st.attempt?.pause?.reason === 'StepPaused' && st.currentWeight === weight;
    await waitForRelease(ns, 'ldb', pausedAt(20), 'the canary paused at 20 %');
    expect(await view.weights()).toEqual({ blue: 80, green: 20 });
    expect((await view.taskSets()).map((t) => t.externalId).sort()).toEqual([
      taskSetId(1, 'canary'),
      s.canary.primaryExternalId,
    ]);
    await annotateRelease(ns, 'ldb', 'promote', '1');
    await waitForRelease(ns, 'ldb', pausedAt(40), 'the canary promoted to its pause at 40 %');

    await annotateRelease(ns, 'ldb', 'abort', '1');
    const aborted = await waitForRelease(ns, 'ldb', (st) => st.phase === 'Aborted', 'the abort');
    expect(aborted.attempt?.rollback).toMatchObject({ outcome: 'Aborted', reason: 'Aborted' });
    expect(condition(aborted, 'Stalled')).toMatchObject({ status: 'True', reason: 'Aborted' });
    expect(condition(aborted, 'Ready')).toMatchObject({ status: 'False' });
    expect(aborted.currentWeight).toBe(0);
    expect(await view.weights()).toEqual({ blue: 100, green: 0 });
    const afterAbort = await view.taskSets();
    expect(afterAbort).toHaveLength(1);
    expect(afterAbort[0]).toMatchObject({
      status: 'PRIMARY',
      externalId: s.canary.primaryExternalId,
      arn: s.canary.primaryTaskSetArn,
    });
    expect(aborted.deploymentLog?.at(-1)).toMatchObject({ revision: 1, outcome: 'Aborted' });

    await annotateRelease(ns, 'ldb', 'retry', '1');
    const again = await waitForRelease(
      ns,
      'ldb',
      pausedAt(20),
      'the retried canary paused at 20 %',
    );
    expect(again.revision?.number).toBe(1);
    expect(again.history?.map((h) => h.reason)).toContain('Retry');
    expect(again.message).toBe(
      `paused at step ${String((again.attempt?.currentStepIndex ?? 0) + 1)} until promoted: kubectl -n ${ns} annotate release/ldb delivery.latticedb.com/promote=1.2 --overwrite`,
    );
    expect(await view.weights()).toEqual({ blue: 80, green: 20 });
    expect(
      (await view.taskSets()).filter((t) => isTaskSetId(t.externalId, 1, 'canary')),
    ).toHaveLength(1);

    // promote=1 was handled before the abort: the same value does nothing; 1.2 is a new request.
    await annotateRelease(ns, 'ldb', 'promote', '1');
    await sleep(1_000);
    expect((await getRelease(ns, 'ldb')).status?.currentWeight).toBe(20);
    await annotateRelease(ns, 'ldb', 'promote', '1.2');
    const second = await waitForRelease(ns, 'ldb', pausedAt(40), 'promote=1.2 applied');
    expect(second.actions?.promote).toBe('1.2');
    expect(second.message).toBe(
      `paused at step ${String((second.attempt?.currentStepIndex ?? 0) + 1)} until promoted: kubectl -n ${ns} annotate release/ldb delivery.latticedb.com/promote=1.3 --overwrite`,
    );
    expect(await view.weights()).toEqual({ blue: 60, green: 40 });

    await annotateRelease(ns, 'ldb', 'promote', '1.3');
    await waitForRelease(
      ns,
      'ldb',
      (st) => st.phase === 'Healthy' && st.retiring === undefined,
      'the retried revision promoted',
    );
    const sets = await view.taskSets();
    expect(sets).toHaveLength(1);
    expect(sets[0]).toMatchObject({ status: 'PRIMARY', externalId: taskSetId(1, 'canary') });
    expect(await view.image(sets[0]?.taskDefinition ?? '', s.containerName)).toBe(
      imageOf(s, NEW_TAG),
    );
  });

  it('returns the previous image on a rollback annotation after a healthy revision 2', async () => {
    const s = await seedWorld();
    view = new MotoView(s);
    const ns = await createTestNamespace('rel-rollback');
    controller = await startController(ns);
    const spec = canarySpec(s, { steps: [{ setWeight: 50 }, { pause: { duration: '1s' } }] });
    // Revision 1 is what the service runs already (adopted, nothing deployed).
    await createRelease(ns, 'ldb', { ...spec, image: imageOf(s, OLD_TAG) });
    const adopted = await waitForRelease(ns, 'ldb', (st) => st.phase === 'Healthy', 'adoption');
    expect(adopted.revision).toMatchObject({ number: 1, taskDefinitionArn: s.taskDefinitionArn });

    await patchReleaseSpec(ns, 'ldb', { image: imageOf(s, NEW_TAG) });
    const second = await waitForRelease(
      ns,
      'ldb',
      (st) => st.revision?.number === 2 && st.phase === 'Healthy' && st.retiring === undefined,
      'revision 2 healthy',
    );
    expect(second.revision?.taskDefinitionArn).not.toBe(s.taskDefinitionArn);

    await annotateRelease(ns, 'ldb', 'rollback', '2');
    const back = await waitForRelease(
      ns,
      'ldb',
      (st) => st.revision?.number === 3 && st.phase === 'Healthy' && st.retiring === undefined,
      'the rollback to revision 1 healthy',
    );
    expect(back.revision).toMatchObject({
      fastPath: true,
      image: imageOf(s, OLD_TAG),
      taskDefinitionArn: s.taskDefinitionArn,
    });
    expect(back.imageTag).toBe(OLD_TAG);
    expect(back.message).toContain(`the spec still names image ${imageOf(s, NEW_TAG)}`);
    expect(back.pinnedSpecHash).toBe(second.revision?.specHash);

    const sets = await view.taskSets();
    expect(sets).toHaveLength(1);
    expect(sets[0]).toMatchObject({ status: 'PRIMARY', taskDefinition: s.taskDefinitionArn });
    expect(await view.primaryTaskSetArn()).toBe(sets[0]?.arn);
    expect(await view.image(s.taskDefinitionArn, s.containerName)).toBe(imageOf(s, OLD_TAG));
    expect(await view.weights()).toEqual({ blue: 100, green: 0 });

    // Pinned: the unchanged spec (still the newer image) does not start another revision.
    await sleep(1_000);
    expect((await getRelease(ns, 'ldb')).status?.revision?.number).toBe(3);

    // The pin holds only until the spec changes: a new spec ships, and so does a later return
    // to the spec the rollback had left.
    await patchReleaseSpec(ns, 'ldb', { environment: { LATTICEDB_MODE: 'cluster', TRACE: '1' } });
    const fourth = await waitForRelease(
      ns,
      'ldb',
      (st) => st.revision?.number === 4 && st.phase === 'Healthy' && st.retiring === undefined,
      'revision 4 (a new spec) healthy',
    );
    expect(fourth.pinnedSpecHash).toBeUndefined();
    await patchReleaseSpec(ns, 'ldb', { environment: null });
    const fifth = await waitForRelease(
      ns,
      'ldb',
      (st) => st.revision?.number === 5 && st.phase === 'Healthy' && st.retiring === undefined,
      'revision 5 (back to the spec rolled back from) healthy',
      20_000,
    );
    // The task definition of revision 2 (same spec) is found by its tag and reused.
    expect(fifth.revision?.specHash).toBe(second.revision?.specHash);
    expect(fifth.revision?.taskDefinitionArn).toBe(second.revision?.taskDefinitionArn);
    const primary = (await view.taskSets()).find((t) => t.status === 'PRIMARY');
    expect(primary?.taskDefinition).toBe(second.revision?.taskDefinitionArn);
  });
});
