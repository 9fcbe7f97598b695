// The Release controller on the real apiserver + moto: a canary 5 → 15 → … → 100 with
// second-long pauses (ALB weights and task sets in moto checked as it goes, STEP and WEIGHT in
// `kubectl get releases`), and a canary rolled back by a 7 % error rate put into CloudWatch.
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { ReleaseSpec } from '../../../reconcilers/release/api.js';
import { createTestNamespace, kubectl } from '../../env/fixtures.js';
import type { SeededLatticeDb } from '../../fixtures/moto/seed.js';
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
  taskSetId,
  isTaskSetId,
} from './support.js';
import { canarySpec as canaryReleaseSpec, seedWorld } from './scenario.js';

const SHORTHAND = [5, 15, 25, 35, 45, 55, 65, 75, 85, 95, 100];
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

/** 5 % first, +10 % a second until 100 %. */
const canarySpec = (s: SeededLatticeDb, extra: Partial<ReleaseSpec> = {}): ReleaseSpec =>
  canaryReleaseSpec(s, { initialWeight: 5, stepWeight: 10, stepInterval: '1s' }, extra);

describe('Release canary on moto', () => {
  it('moves the ALB weights 5 → 15 → … → 100 and ends with one primary task set on the new task definition', async () => {
    const s = await seedWorld();
    view = new MotoView(s);
    const ns = await createTestNamespace('release');
    controller = await startController(ns);
    await createRelease(ns, 'ldb', canarySpec(s));

    const greens: number[] = [];
    const columns = new Set<string>();
    let maxTaskSets = 0;
    await waitForRelease(
      ns,
      'ldb',
      (st) => st.phase !== 'Pending' && st.phase !== undefined,
      'the release to start',
    );
    for (;;) {
      const [status, weights, sets] = await Promise.all([
        getRelease(ns, 'ldb').then((r) => r.status),
        view.weights(),
        view.taskSets(),
      ]);
      expect(weights.blue + weights.green).toBe(100);
      if (greens.at(-1) !== weights.green) greens.push(weights.green);
      maxTaskSets = Math.max(maxTaskSets, sets.length);
      const canary = sets.find((t) => isTaskSetId(t.externalId, 1, 'canary'));
      if (weights.green > 0) {
        // Traffic only ever reaches a canary task set in the green group, scaled at least as far.
        expect(canary).toMatchObject({ targetGroups: [s.alb.greenTargetGroupArn] });
        expect(canary?.scale).toBeGreaterThanOrEqual(weights.green);
      }
      if (status?.stage === 'Steps' && columns.size < 3) {
        const out = await kubectl(['get', 'releases', '-n', ns]);
        columns.add(out.stdout);
      }
      if (status?.phase === 'Healthy' && status.retiring === undefined) break;
      expect(status?.phase).not.toMatch(/RolledBack|Failed|Aborted/);
      await new Promise((r) => setTimeout(r, 100));
    }
    expect(greens).toEqual([0, ...SHORTHAND]);
    expect(maxTaskSets).toBe(2);

    const sets = await view.taskSets();
    expect(sets).toHaveLength(1);
    expect(sets[0]).toMatchObject({
      status: 'PRIMARY',
      externalId: taskSetId(1, 'canary'),
      targetGroups: [s.alb.greenTargetGroupArn],
    });
    expect(await view.image(sets[0]!.taskDefinition, s.containerName)).toBe(s.ecr.images['2.2.0']);
    expect(await view.primaryTaskSetArn()).toBe(sets[0]!.arn);

    const header = [...columns][0]?.split('\n')[0] ?? '';
    expect(header).toMatch(
      /NAME\s+PHASE\s+STRATEGY\s+STEP\s+WEIGHT\s+IMAGE\s+REVISION\s+READY\s+REASON/,
    );
    expect([...columns].join('\n')).toMatch(/ldb\s+\w+\s+Canary\s+\d+\/21\s+\d+\s+2\.2\.0/);
    const final = await kubectl(['get', 'releases', '-n', ns]);
    expect(final.stdout).toMatch(
      /ldb\s+Healthy\s+Canary\s+21\/21\s+100\s+2\.2\.0\s+1\s+True\s+RevisionHealthy/,
    );
  });

  it('7 % errors put into CloudWatch roll the canary back to 0 % with the stable task set primary', async () => {
    const s = await seedWorld();
    view = new MotoView(s);
    const ns = await createTestNamespace('release');
    let errors = 0;
    const feeder = setInterval(() => void putErrorRate(ns, errors).catch(() => undefined), 250);
    try {
      await putErrorRate(ns, 0);
      controller = await startController(ns);
      await createRelease(ns, 'ldb', canarySpec(s, { analysis: errorRateAnalysis(ns) }));
      await waitForRelease(ns, 'ldb', (st) => (st.currentWeight ?? 0) >= 25, 'the canary at 25 %');
      errors = 7;
      const status = await waitForRelease(
        ns,
        'ldb',
        (st) => st.phase === 'RolledBack',
        'the rollback',
        30_000,
      );
      expect(status.attempt?.rollback).toMatchObject({
        outcome: 'RolledBack',
        reason: 'AnalysisFailed',
      });
      expect(await view.weights()).toEqual({ blue: 100, green: 0 });
      const sets = await view.taskSets();
      expect(sets).toHaveLength(1);
      expect(sets[0]).toMatchObject({ status: 'PRIMARY', externalId: s.canary.primaryExternalId });
      expect(await view.primaryTaskSetArn()).toBe(s.canary.primaryTaskSetArn);
      expect(status.conditions?.find((c) => c.type === 'Stalled')).toMatchObject({
        status: 'True',
        reason: 'AnalysisFailed',
      });
    } finally {
      clearInterval(feeder);
    }
  });
});
