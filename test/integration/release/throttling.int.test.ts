// Throttling: 20 % of the controller's ECS and ELB calls answered ThrottlingException/Throttling by
// the fault proxy (seeded randomness), the controller a child process with its SDK retries at
// their defaults (3 attempts, standard mode). A canary release still completes — later — with the
// same writes as without faults: one canary task set, weights 20 → 50 → 100, each applied once.
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { ReleaseStatus } from '../../../reconcilers/release/api.js';
import { createTestNamespace } from '../../env/fixtures.js';
import type { SeededLatticeDb } from '../../fixtures/moto/seed.js';
import type { ControllerProcess } from '../deploy/support.js';
import { createRelease, MotoView, waitForRelease, taskSetId } from './support.js';
import {
  CallLog,
  canarySpec,
  installAllCrds,
  jsonBody,
  productionGreenWeights,
  reconcileErrors,
  seededRandom,
  seedWorld,
  settledHealthy,
  startReleaseController,
} from './robustness-support.js';

const log = new CallLog();
let controller: ControllerProcess | undefined;

beforeAll(async () => {
  await installAllCrds();
  await log.start({ random: seededRandom(2026) });
});
afterAll(async () => {
  await log.stop();
});
afterEach(async () => {
  log.proxy.clearRules();
  await controller?.kill();
  controller = undefined;
});

interface Run {
  readonly s: SeededLatticeDb;
  readonly status: ReleaseStatus;
  readonly seconds: number;
  readonly errors: number;
}

/** One canary release of 2.2.0 from a fresh world, with the proxy's current rules. */
async function runCanary(): Promise<Run> {
  const s = await seedWorld();
  const ns = await createTestNamespace('throttle');
  log.clear();
  const started = performance.now();
  controller = startReleaseController(ns, log.proxy.endpoint);
  await createRelease(ns, 'ldb', canarySpec(s));
  const status = await waitForRelease(ns, 'ldb', settledHealthy, 'the canary to finish', 150_000);
  const run = {
    s,
    status,
    seconds: (performance.now() - started) / 1000,
    errors: reconcileErrors(controller),
  };
  await controller.kill();
  controller = undefined;
  return run;
}

function expectSameOutcome(run: Run): void {
  expect(run.status).toMatchObject({
    phase: 'Healthy',
    currentWeight: 100,
    revision: { number: 1 },
    attempt: { outcome: 'Succeeded' },
  });
  expect(run.status.deploymentLog?.map((e) => e.outcome)).toEqual(['Succeeded']);
  // Only calls that reached moto count: a throttled call changed nothing.
  expect(log.of('CreateTaskSet').map((c) => jsonBody(c).externalId)).toEqual([
    taskSetId(1, 'canary'),
  ]);
  expect(log.of('RegisterTaskDefinition')).toHaveLength(1);
  expect(productionGreenWeights(log, run.s)).toEqual([20, 50, 100]);
}

describe('a canary release under throttling', () => {
  it('completes with 20 % of ECS and ELB calls throttled, only later', async () => {
    const baseline = await runCanary();
    expectSameOutcome(baseline);
    const baselineCalls = log.calls.length;

    log.proxy.setRules([
      { service: 'ecs', fault: 'throttle', probability: 0.2 },
      { service: 'elasticloadbalancing', fault: 'throttle', probability: 0.2 },
    ]);
    const throttled = await runCanary();
    expectSameOutcome(throttled);
    const view = new MotoView(throttled.s);
    try {
      const sets = await view.taskSets();
      expect(sets.map((t) => [t.externalId, t.status])).toEqual([
        [taskSetId(1, 'canary'), 'PRIMARY'],
      ]);
      expect(await view.weights()).toEqual({ blue: 0, green: 100 });
    } finally {
      view.destroy();
    }

    const figures = ['ecs', 'elasticloadbalancing'].map((service) => {
      const calls = log.calls.filter((c) => c.service === service);
      return { service, calls: calls.length, throttled: calls.filter((c) => c.fault).length };
    });
    for (const f of figures) expect(f.throttled, `${f.service} calls throttled`).toBeGreaterThan(0);
    console.log(
      `[throttling] ${figures.map((f) => `${f.service}: ${f.throttled} of ${f.calls} calls throttled`).join('; ')}` +
        `; ${throttled.errors} reconciles failed and were retried.` +
        ` Without faults: ${baseline.seconds.toFixed(1)} s, ${baselineCalls} AWS calls;` +
        ` with: ${throttled.seconds.toFixed(1)} s, ${log.calls.length} calls`,
    );
  }, 300_000);
});
