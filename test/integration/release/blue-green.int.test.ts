// Blue/green on the real apiserver + moto: with `approval: Required` green comes up at full size
// behind the test listener and waits (production stays on blue) until `approve=<revision>`; with
// `Auto` it switches alone; blue is kept for scaleDownDelay, then removed. Smoke tests run against
// a local HTTP server: passing ones let the release through, a failing one rolls it back — before
// traffic (production never moved) or after the switch (traffic back to the blue kept up). An
// approve given early waits for the gate; the rollback action within scaleDownDelay reuses blue.
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { ReleaseStatus } from '../../../reconcilers/release/api.js';
import { createTestNamespace } from '../../env/fixtures.js';
import {
  annotateRelease,
  createRelease,
  getRelease,
  installCrd,
  MotoView,
  startController,
  waitForRelease,
  type RunningController,
  taskSetId,
  isTaskSetId,
} from './support.js';
import {
  blueGreenSpec,
  imageOf,
  listenerShares,
  NEW_TAG,
  sample,
  seedWorld,
  sleep,
  startProxiedController,
  startSmokeTarget,
  type ProxiedController,
  type SmokeTarget,
} from './scenario.js';

let controller: RunningController | undefined;
let view: MotoView | undefined;
let target: SmokeTarget | undefined;
let running: ProxiedController | undefined;

beforeAll(async () => {
  await installCrd();
});

afterEach(async () => {
  await controller?.stop();
  controller = undefined;
  view?.destroy();
  await target?.close();
  target = undefined;
  await running?.stop();
  running = undefined;
});

const smokeCheck = (url: string) => [{ name: 'health', url, retries: 0, timeout: '1s' }];
const condition = (status: ReleaseStatus | undefined, type: string) =>
  status?.conditions?.find((c) => c.type === type);

describe('Release blue/green on moto', () => {
  it('waits for approval with green at full size behind the test listener, then switches; blue goes after scaleDownDelay', async () => {
    const s = await seedWorld();
    view = new MotoView(s);
    target = await startSmokeTarget(200);
    const testListener = s.alb.testListenerArn ?? '';
    const ns = await createTestNamespace('rel-bg');
    controller = await startController(ns);
    await createRelease(
      ns,
      'ldb',
      blueGreenSpec(
        s,
        { approval: 'Required', scaleDownDelay: '2s' },
        { checks: { smoke: smokeCheck(target.url) } },
      ),
    );

    const waiting = await waitForRelease(
      ns,
      'ldb',
      (st) => st.phase === 'AwaitingApproval',
      'the approval wait',
    );
    expect(waiting.attempt?.pause?.reason).toBe('AwaitingApproval');
    expect(waiting.message).toMatch(
      /kubectl -n \S+ annotate release\/\S+ delivery\.latticedb\.com\/approve=1 --overwrite/,
    );
    expect(waiting.attempt?.smoke).toMatchObject({
      phase: 'PreTraffic',
      results: [{ name: 'health', outcome: 'Passed' }],
    });
    const assertWaitingWorld = async () => {
      expect(await view?.weights()).toEqual({ blue: 100, green: 0 });
      expect(await listenerShares(s, testListener)).toEqual({ blue: 0, green: 100 });
      const sets = await view?.taskSets();
      expect(sets?.find((t) => isTaskSetId(t.externalId, 1, 'green'))).toMatchObject({
        status: 'ACTIVE',
        scale: 100,
        targetGroups: [s.alb.greenTargetGroupArn],
      });
      expect(sets?.find((t) => t.status === 'PRIMARY')?.arn).toBe(s.canary.primaryTaskSetArn);
    };
    await assertWaitingWorld();
    // No switch without the approval, however long it waits.
    await sleep(1_500);
    expect((await getRelease(ns, 'ldb')).status?.phase).toBe('AwaitingApproval');
    await assertWaitingWorld();

    await annotateRelease(ns, 'ldb', 'approve', '1');
    const switched = await waitForRelease(ns, 'ldb', (st) => st.phase === 'Healthy', 'the switch');
    expect(switched.actions?.approve).toBe('1');
    expect(switched.history?.map((h) => h.reason)).toContain('Approved');
    expect(switched.attempt?.smoke).toMatchObject({ phase: 'PostPromotion' });
    expect(target.hits()).toBeGreaterThanOrEqual(2);
    expect(await view.weights()).toEqual({ blue: 0, green: 100 });
    const green = (await view.taskSets()).find((t) => isTaskSetId(t.externalId, 1, 'green'));
    expect(green?.status).toBe('PRIMARY');
    expect(await view.primaryTaskSetArn()).toBe(green?.arn);
    expect(await view.image(green?.taskDefinition ?? '', s.containerName)).toBe(
      imageOf(s, NEW_TAG),
    );

    // Blue is kept (scaleDownDelay 2s) for an instant way back, then removed.
    expect(switched.retiring).toMatchObject({ taskSetArn: s.canary.primaryTaskSetArn });
    expect((await view.taskSets()).map((t) => t.arn)).toContain(s.canary.primaryTaskSetArn);
    const cleared = await waitForRelease(
      ns,
      'ldb',
      (st) => st.retiring === undefined,
      'blue removed after scaleDownDelay',
    );
    expect(cleared.phase).toBe('Healthy');
    const sets = await view.taskSets();
    expect(sets).toHaveLength(1);
    expect(sets[0]).toMatchObject({ externalId: taskSetId(1, 'green'), status: 'PRIMARY' });
  });

  it('switches on its own with approval Auto', async () => {
    const s = await seedWorld();
    view = new MotoView(s);
    const ns = await createTestNamespace('rel-bg-auto');
    controller = await startController(ns);
    await createRelease(ns, 'ldb', blueGreenSpec(s, { approval: 'Auto' }));

    const phases = new Set<string>();
    const healthy = await waitForRelease(
      ns,
      'ldb',
      (st) => {
        if (st.phase !== undefined) phases.add(st.phase);
        return st.phase === 'Healthy';
      },
      'the automatic switch',
    );
    expect(phases).not.toContain('AwaitingApproval');
    expect(healthy.history?.map((h) => h.to)).not.toContain('AwaitingApproval');
    expect(healthy.actions?.approve).toBeUndefined();
    expect(await view.weights()).toEqual({ blue: 0, green: 100 });
    const sets = await view.taskSets();
    expect(sets.find((t) => t.status === 'PRIMARY')?.externalId).toEqual(taskSetId(1, 'green'));
    // The default scaleDownDelay (1h) keeps blue up.
    expect(sets.find((t) => t.arn === s.canary.primaryTaskSetArn)?.status).toBe('ACTIVE');
    expect(healthy.retiring?.taskSetArn).toBe(s.canary.primaryTaskSetArn);
  });

  it('rolls back when the smoke test fails before traffic: production never moves', async () => {
    const s = await seedWorld();
    view = new MotoView(s);
    target = await startSmokeTarget(503);
    const ns = await createTestNamespace('rel-bg-smoke');
    controller = await startController(ns);
    await createRelease(
      ns,
      'ldb',
      blueGreenSpec(s, { approval: 'Auto' }, { checks: { smoke: smokeCheck(target.url) } }),
    );

    const production = sample(() => view?.weights() ?? Promise.reject(new Error('no view')));
    const rolledBack = await waitForRelease(
      ns,
      'ldb',
      (st) => st.phase === 'RolledBack',
      'the rollback on a failed smoke test',
    ).finally(() => production.stop());
    const shares = await production.stop();
    expect(rolledBack.attempt?.rollback).toMatchObject({
      outcome: 'RolledBack',
      reason: 'SmokeTestFailed',
    });
    expect(rolledBack.attempt?.rollback?.message).toMatch(
      /smoke tests failed before traffic: health: .*503/,
    );
    expect(condition(rolledBack, 'SmokeTestsPassed')).toMatchObject({
      status: 'False',
      reason: 'SmokeTestFailed',
    });
    expect(condition(rolledBack, 'Stalled')).toMatchObject({
      status: 'True',
      reason: 'SmokeTestFailed',
    });
    expect(shares.length).toBeGreaterThan(0);
    expect(new Set(shares.map((w) => w.blue))).toEqual(new Set([100]));
    expect(await view.weights()).toEqual({ blue: 100, green: 0 });
    const sets = await view.taskSets();
    expect(sets).toHaveLength(1);
    expect(sets[0]).toMatchObject({ arn: s.canary.primaryTaskSetArn, status: 'PRIMARY' });
  });

  it('rolls back to the blue it kept when the smoke test fails after the switch', async () => {
    const s = await seedWorld();
    view = new MotoView(s);
    target = await startSmokeTarget(200);
    const ns = await createTestNamespace('rel-bg-post');
    controller = await startController(ns);
    await createRelease(
      ns,
      'ldb',
      blueGreenSpec(s, { approval: 'Required' }, { checks: { smoke: smokeCheck(target.url) } }),
    );
    await waitForRelease(ns, 'ldb', (st) => st.phase === 'AwaitingApproval', 'the approval wait');

    // Green turns unhealthy after passing its pre-traffic test; the operator approves anyway.
    target.answer(500);
    await annotateRelease(ns, 'ldb', 'approve', '1');
    const rolledBack = await waitForRelease(
      ns,
      'ldb',
      (st) => st.phase === 'RolledBack',
      'the rollback after promotion',
    );
    expect(rolledBack.attempt?.rollback).toMatchObject({
      reason: 'SmokeTestFailed',
      fromStage: 'PostChecks',
    });
    expect(rolledBack.attempt?.rollback?.message).toMatch(/after promotion/);
    expect(rolledBack.history?.map((h) => h.reason)).toEqual(
      expect.arrayContaining(['Approved', 'Promoted', 'SmokeTestFailed', 'RolledBack']),
    );
    expect(await view.weights()).toEqual({ blue: 100, green: 0 });
    const sets = await view.taskSets();
    expect(sets).toHaveLength(1);
    expect(sets[0]).toMatchObject({ arn: s.canary.primaryTaskSetArn, status: 'PRIMARY' });
    expect(await view.primaryTaskSetArn()).toBe(s.canary.primaryTaskSetArn);
  });

  it('keeps an approve given before green is ready for the approval gate', async () => {
    const s = await seedWorld();
    view = new MotoView(s);
    const ns = await createTestNamespace('rel-bg-early');
    controller = await startController(ns);
    await createRelease(ns, 'ldb', blueGreenSpec(s, { approval: 'Required' }));
    await annotateRelease(ns, 'ldb', 'approve', '1');

    const healthy = await waitForRelease(ns, 'ldb', (st) => st.phase === 'Healthy', 'the switch');
    expect(healthy.actions?.approve).toBe('1');
    const reasons = healthy.history?.map((h) => h.reason) ?? [];
    expect(reasons).toContain('Approved');
    expect(reasons).not.toContain('ActionIgnored');
    expect(await view.weights()).toEqual({ blue: 0, green: 100 });
  });

  it('rolls back within scaleDownDelay onto the blue task set it kept, creating none', async () => {
    const s = await seedWorld();
    view = new MotoView(s);
    const ns = await createTestNamespace('rel-bg-back');
    running = await startProxiedController(ns);
    await createRelease(ns, 'ldb', blueGreenSpec(s, { approval: 'Auto' }));
    const first = await waitForRelease(ns, 'ldb', (st) => st.phase === 'Healthy', 'revision 1');
    expect(first.retiring?.taskSetArn).toBe(s.canary.primaryTaskSetArn);
    const green = (await view.taskSets()).find((t) => isTaskSetId(t.externalId, 1, 'green'));

    await annotateRelease(ns, 'ldb', 'rollback', '1');
    const back = await waitForRelease(
      ns,
      'ldb',
      (st) => st.revision?.number === 2 && st.phase === 'Healthy',
      'the rollback onto blue',
    );
    expect(back.revision).toMatchObject({
      fastPath: true,
      taskDefinitionArn: s.taskDefinitionArn,
      taskSetArn: s.canary.primaryTaskSetArn,
    });
    expect(await view.weights()).toEqual({ blue: 100, green: 0 });
    expect(await view.primaryTaskSetArn()).toBe(s.canary.primaryTaskSetArn);
    // Green is now the one kept for scaleDownDelay; no task set was created for the rollback.
    expect(back.retiring?.taskSetArn).toBe(green?.arn);
    expect(running.proxy.count({ operation: 'CreateTaskSet' })).toBe(1);
    expect((await view.taskSets()).map((t) => t.arn).sort()).toEqual(
      [s.canary.primaryTaskSetArn, green?.arn].sort(),
    );
  });
});
