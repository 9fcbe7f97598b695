// The interlock across kinds, on the real controller process (every kind registered): a Release
// mid-canary on the primary service holds at its current weight while a FailoverPlan of that
// service fails over (its Paused condition names the plan), and resumes to Healthy afterwards.
import { afterAll, afterEach, beforeAll, describe, expect, it, onTestFailed } from 'vitest';
import { createTestNamespace } from '../../env/fixtures.js';
import type { ControllerProcess } from '../deploy/support.js';
import {
  CallLog,
  installAllCrds,
  logTail,
  productionGreenWeights,
  startReleaseController,
} from '../release/robustness-support.js';
import { canarySpec } from '../release/scenario.js';
import { createRelease, waitForRelease } from '../release/support.js';
import {
  ChecksServer,
  HeldRunning,
  planSpec,
  plans,
  seedTwoRegions,
  STANDBY,
  waitForPlan,
} from './support.js';

const log = new CallLog();
let checks: ChecksServer;
let controller: ControllerProcess | undefined;

beforeAll(async () => {
  await installAllCrds();
  await log.start();
  checks = await ChecksServer.start();
});

afterAll(async () => {
  await checks.stop();
  await log.proxy.stop();
});

afterEach(async () => {
  controller?.signal('SIGTERM');
  await controller?.waitForExit(30_000).catch(() => undefined);
  controller = undefined;
});

describe('FailoverPlan interlock', () => {
  it('holds a Release mid-canary during a failover of its service and resumes it after', async () => {
    const world = await seedTwoRegions();
    const ns = await createTestNamespace('fp-interlock');
    log.clear();
    const held = new HeldRunning(world.standby.rolling.ref.service);
    log.proxy.setRules([held.rule]);
    controller = startReleaseController(ns, log.proxy.endpoint, ['--resync-period=3s']);
    const running = controller;
    onTestFailed(() => {
      console.log(logTail(running, 40));
    });
    const s = world.primary;
    await createRelease(
      ns,
      'ldb',
      canarySpec(s, {
        steps: [{ setWeight: 20 }, { pause: { duration: '3s' } }, { setWeight: 50 }],
      }),
    );
    await waitForRelease(ns, 'ldb', (st) => st.currentWeight === 20, 'the canary at 20 %', 120_000);

    // The failover of the Release's service waits for the standby's tasks: in flight.
    held.running = 1;
    await plans.create(
      ns,
      'dr',
      planSpec(world, checks, { primary: s.canary.ref, activeRegion: STANDBY }),
    );
    await waitForPlan(ns, 'dr', (st) => st.phase === 'FailingOver', 'failing over');
    const holding = await waitForRelease(
      ns,
      'ldb',
      (st) =>
        st.conditions?.some((c) => c.type === 'Paused' && c.reason === 'HeldByFailoverPlan') ===
        true,
      'the Release held',
      60_000,
    );
    expect(holding.conditions?.find((c) => c.type === 'Paused')?.message).toContain(
      'FailoverPlan dr',
    );
    expect(holding.currentWeight).toBe(20);
    // Well past the 3 s pause, still at 20 %.
    await new Promise((resolve) => setTimeout(resolve, 8_000));
    expect(productionGreenWeights(log, s).at(-1)).toBe(20);
    expect((await waitForRelease(ns, 'ldb', () => true, 'read')).currentWeight).toBe(20);

    held.running = undefined;
    await waitForPlan(ns, 'dr', (st) => st.phase === 'FailedOver', 'FailedOver', 120_000);
    const done = await waitForRelease(
      ns,
      'ldb',
      (st) => st.phase === 'Healthy',
      'Healthy',
      120_000,
    );
    expect(done.conditions?.find((c) => c.type === 'Paused')?.reason).not.toBe(
      'HeldByFailoverPlan',
    );
    expect(productionGreenWeights(log, s)).toContain(50);
  });
});
