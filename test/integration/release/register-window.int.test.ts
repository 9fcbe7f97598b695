// Issue 17: an abort landing while a revision registers its task definition (after
// RegisterTaskDefinition, before status recorded the ARN), then another spec change. Seen: the next
// revision skipped the registration and created its canary on the aborted revision's task
// definition — an image nobody asked for. Here the abort is annotated the moment moto has answered
// RegisterTaskDefinition (before the controller sees the answer), several times over, then a last
// spec change runs to the pause: every task set created must run the image of the revision that
// created it.
import { afterAll, afterEach, beforeAll, describe, expect, it, onTestFailed } from 'vitest';
import type { ReleaseSpec } from '../../../reconcilers/release/api.js';
import { createTestNamespace } from '../../env/fixtures.js';
import type { SeededLatticeDb } from '../../fixtures/moto/seed.js';
import { CallLog, jsonBody } from './robustness-support.js';
import { canarySpec, imageOf, patchReleaseSpec, seedWorld } from './scenario.js';
import {
  annotateRelease,
  createRelease,
  installCrd,
  MotoView,
  startController,
  waitForRelease,
  type RunningController,
} from './support.js';

const TAGS = ['3.0.1', '3.0.2', '3.0.3', '3.0.4'];
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
  log.onAnswered(undefined);
  await controller?.stop();
  controller = undefined;
  view?.destroy();
  view = undefined;
});

/** 20 %, then paused until promoted: a revision that gets as far as its canary stays there. */
const specOf = (s: SeededLatticeDb, tag: string): ReleaseSpec =>
  canarySpec(s, { steps: [{ setWeight: 20 }, { pause: {} }] }, { image: imageOf(s, tag) });

describe('an abort in the registration window, then a spec change', () => {
  it('every task set created runs the image of the revision that created it', async () => {
    const s = await seedWorld(TAGS);
    view = new MotoView(s);
    const ns = await createTestNamespace('regwin');
    log.clear();
    controller = await startController(ns, { awsEndpoint: log.proxy.endpoint });
    onTestFailed(() => {
      console.log(`AWS calls: ${log.calls.map((c) => c.operation).join(' ')}`);
    });
    const aborted = TAGS.slice(0, -1);
    for (const [i, tag] of aborted.entries()) {
      const revision = i + 1;
      // The abort lands while the registration's answer is on its way: the controller sees the
      // annotation only after its write, and its status write after the call meets a conflict.
      log.onAnswered(async (call) => {
        if (call.operation !== 'RegisterTaskDefinition' && call.operation !== 'CreateTaskSet')
          return false;
        await annotateRelease(ns, 'ldb', 'abort', String(revision));
        return true;
      });
      if (revision === 1) await createRelease(ns, 'ldb', specOf(s, tag));
      else await patchReleaseSpec(ns, 'ldb', { image: imageOf(s, tag) });
      await waitForRelease(
        ns,
        'ldb',
        // (or at its pause: a revision that never registered meets the abort hook only later)
        (st) =>
          st.revision?.number === revision &&
          (st.stage === 'Done' || st.attempt?.pause?.reason === 'StepPaused'),
        `revision ${revision} (${tag}) aborted`,
        90_000,
      );
    }
    log.onAnswered(undefined);
    const last = TAGS.length;
    await patchReleaseSpec(ns, 'ldb', { image: imageOf(s, TAGS[last - 1] ?? '') });
    const status = await waitForRelease(
      ns,
      'ldb',
      (st) => st.revision?.number === last && st.attempt?.pause?.reason === 'StepPaused',
      `revision ${last} at its pause`,
      90_000,
    );

    // Every CreateTaskSet: the revision in its externalId, the image of its task definition.
    const created = log.of('CreateTaskSet').map((c) => {
      const body = jsonBody(c);
      return { externalId: String(body.externalId), taskDefinition: String(body.taskDefinition) };
    });
    expect(created.length).toBeGreaterThan(0);
    for (const { externalId, taskDefinition } of created) {
      const revision = Number(/-r(\d+)-canary$/.exec(externalId)?.[1]);
      const tag = TAGS[revision - 1] ?? '?';
      expect(await view.image(taskDefinition, s.containerName), externalId).toBe(imageOf(s, tag));
    }
    // The last revision serves its own image at 20 %.
    const canary = (await view.taskSets()).find((t) => t.status !== 'PRIMARY');
    expect(canary?.taskDefinition).toBe(status.revision?.taskDefinitionArn);
    expect(await view.image(canary?.taskDefinition ?? '', s.containerName)).toBe(
      imageOf(s, TAGS[last - 1] ?? ''),
    );
    expect(await view.weights()).toEqual({ blue: 80, green: 20 });
    // Each aborted revision ended Aborted, and the log names every image once.
    expect(status.deploymentLog?.map((e) => [e.revision, e.outcome, e.image])).toEqual(
      aborted.map((tag, i) => [i + 1, 'Aborted', imageOf(s, tag)]),
    );
  }, 300_000);
});
