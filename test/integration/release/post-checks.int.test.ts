// Issue 9, item 6: allTasksRunning passed when the task set reported no counts. moto 5.2.1 reports
// none, so the Release tests passed on no evidence. Now a task set without counts is Inconclusive:
// the revision waits in PostChecks, never Healthy (until progressDeadline rolls it back, naming
// the missing counts: unit-tested, the deadline being at least 1m). The counts are driven through
// the fault proxy (as real ECS reports them), and only counts that reach the desired count pass.
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { ReleaseStatus } from '../../../reconcilers/release/api.js';
import { startFaultProxy, type FaultProxy } from '../../env/fault-proxy.js';
import { createTestNamespace, testEnv } from '../../env/fixtures.js';
import { taskSetCounts } from '../../fixtures/moto/task-set-counts.js';
import { blueGreenSpec, seedWorld } from './scenario.js';
import {
  createRelease,
  errorRateAnalysis,
  getRelease,
  installCrd,
  MotoView,
  putErrorRate,
  startController,
  waitForRelease,
  type RunningController,
} from './support.js';

let controller: RunningController | undefined;
let proxy: FaultProxy | undefined;
let view: MotoView | undefined;

beforeAll(async () => {
  await installCrd();
});

afterEach(async () => {
  await controller?.stop();
  await proxy?.stop();
  view?.destroy();
  controller = undefined;
  proxy = undefined;
  view = undefined;
});

const tasksCheck = (st: ReleaseStatus) =>
  st.attempt?.postDeployment?.results?.find((r) => r.name === 'allTasksRunning');

describe('Release allTasksRunning on moto', () => {
  it('with no task-set counts (moto as it is): Inconclusive, and the Release stays in PostChecks, never Healthy', async () => {
    const s = await seedWorld();
    view = new MotoView(s);
    const ns = await createTestNamespace('rel-nocounts');
    proxy = await startFaultProxy(testEnv().awsEndpoint); // no rewrites: no counts
    const running = await startController(ns, { awsEndpoint: proxy.endpoint });
    controller = running;
    await createRelease(ns, 'ldb', blueGreenSpec(s, { approval: 'Auto' }));

    const held = await waitForRelease(
      ns,
      'ldb',
      (st) => tasksCheck(st)?.outcome === 'Inconclusive',
      'allTasksRunning inconclusive',
    );
    const inconclusive = (st: ReleaseStatus) => {
      expect(st.stage).toBe('PostChecks');
      expect(st.phase).toBe('Promoting');
      expect(tasksCheck(st)?.message).toMatch(
        /^task set \S+ reports no runningCount or computedDesiredCount$/,
      );
      expect(st.message).toMatch(
        /allTasksRunning is inconclusive: task set \S+ reports no runningCount or computedDesiredCount/,
      );
      expect(st.conditions?.find((c) => c.type === 'Ready')?.status).toBe('False');
    };
    inconclusive(held);

    // Reconciled again and again (it polls ECS), it stays there: no evidence is never a pass.
    // (progressDeadline, at least 1m, then rolls back naming the counts: a unit test shows it.)
    const seen = await running.reconciles();
    await expect.poll(() => running.reconciles(), { timeout: 30_000 }).toBeGreaterThan(seen + 4);
    inconclusive(await getRelease(ns, 'ldb').then((r) => r.status ?? {}));
    expect(await view.primaryTaskSetArn()).not.toBe(s.canary.primaryTaskSetArn); // green took over
  });

  it('counts below the desired count do not pass (Warning, still Promoting); once all run it goes Healthy', async () => {
    const s = await seedWorld();
    view = new MotoView(s);
    const ns = await createTestNamespace('rel-counts');
    const counts = taskSetCounts();
    proxy = await startFaultProxy(testEnv().awsEndpoint, { rewrites: [counts] });
    controller = await startController(ns, { awsEndpoint: proxy.endpoint });
    // The post-promotion analysis gate holds PostChecks (no metrics yet: inconclusive) until the
    // tasks are held back, so that allTasksRunning is judged on short counts.
    let feeding = false;
    const feeder = setInterval(() => {
      if (feeding) void putErrorRate(ns, 0).catch(() => undefined);
    }, 250);
    try {
      const analysis = errorRateAnalysis(ns);
      await createRelease(
        ns,
        'ldb',
        blueGreenSpec(
          s,
          { approval: 'Auto' },
          {
            analysis: {
              ...analysis,
              metrics: analysis.metrics.map((m) => ({ ...m, inconclusiveLimit: 1 })),
            },
          },
        ),
      );
      await waitForRelease(
        ns,
        'ldb',
        (st) => st.stage === 'PostChecks' && st.attempt?.pause?.reason === 'AnalysisInconclusive',
        'the post-promotion gate holding',
        30_000,
      );
      counts.running = (desired) => desired - 1;
      feeding = true;
      const short = await waitForRelease(
        ns,
        'ldb',
        (st) => tasksCheck(st) !== undefined,
        'allTasksRunning judged',
        30_000,
      );
      const check = tasksCheck(short);
      expect(check?.outcome).toBe('Warning');
      const [, running, desired] =
        /^(\d+) of (\d+) tasks running$/.exec(check?.message ?? '') ?? [];
      expect(Number(running)).toBe(Number(desired) - 1);
      expect(short.stage).toBe('PostChecks');
      expect(short.phase).toBe('Promoting');
      expect(short.message).toContain(`waiting for all tasks to run: ${check?.message}`);

      counts.running = (all) => all;
      const healthy = await waitForRelease(
        ns,
        'ldb',
        (st) => st.phase === 'Healthy',
        'Healthy once every task runs',
        30_000,
      );
      expect(tasksCheck(healthy)).toMatchObject({
        outcome: 'Passed',
        message: `${desired} of ${desired} tasks running`,
      });
    } finally {
      clearInterval(feeder);
    }
  });
});
