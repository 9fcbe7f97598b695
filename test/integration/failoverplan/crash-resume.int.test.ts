// FailoverPlan crash-resume: the real controller (child process) is SIGKILLed right after each
// write of a failover and of the failback — the moment moto has answered the call, before the
// controller sees the answer (its status write never happens) — and restarted. Each step is
// recognised from the world afterwards (the target's desired count, the record's value), so the
// run finishes with one scale and one DNS change per direction.
import { UpdateServiceCommand } from '@aws-sdk/client-ecs';
import { afterAll, afterEach, beforeAll, describe, expect, it, onTestFailed } from 'vitest';
import { createTestNamespace } from '../../env/fixtures.js';
import { motoClients } from '../../fixtures/moto/clients.js';
import type { ControllerProcess } from '../deploy/support.js';
import {
  CallLog,
  installAllCrds,
  logTail,
  startReleaseController,
  type LoggedCall,
} from '../release/robustness-support.js';
import {
  ChecksServer,
  motoService,
  PRIMARY,
  PRIMARY_VALUE,
  planSpec,
  plans,
  recordValues,
  scaleWrites,
  seedTwoRegions,
  STANDBY,
  STANDBY_VALUE,
  waitForPlan,
  writes,
} from './support.js';

const log = new CallLog();
let checks: ChecksServer;
let controller: ControllerProcess | undefined;
const processes: ControllerProcess[] = [];

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
  if (controller !== undefined) {
    controller.signal('SIGKILL');
    await controller.waitForExit(30_000).catch(() => undefined);
  }
  controller = undefined;
});

const start = (ns: string): ControllerProcess => {
  controller = startReleaseController(ns, log.proxy.endpoint, ['--resync-period=3s']);
  processes.push(controller);
  return controller;
};

/** Starts a controller that is SIGKILLed once moto has answered the first call `matches`. */
async function runUntilKilled(ns: string, matches: (c: LoggedCall) => boolean): Promise<void> {
  const running = start(ns);
  let killed = false;
  log.onAnswered(async (call) => {
    if (!matches(call)) return false;
    killed = true;
    running.signal('SIGKILL');
    await running.exited; // the answer is relayed only to a dead socket
    return true;
  });
  const exit = await running.waitForExit(120_000);
  expect(exit.signal).toBe('SIGKILL');
  expect(killed).toBe(true);
}

describe('FailoverPlan crash-resume', () => {
  it('resumes after a kill at each write, one scale and one DNS change per direction', async () => {
    const world = await seedTwoRegions();
    const ns = await createTestNamespace('fp-crash');
    log.clear();
    onTestFailed(() => {
      console.log(
        `AWS writes: ${log
          .writes()
          .map((c) => c.operation)
          .join(' ')}\n` +
          processes.map((p, i) => `--- process ${i + 1}:\n${logTail(p)}`).join('\n'),
      );
    });
    const standbyService = world.standby.rolling.ref.service;
    const primaryService = world.primary.rolling.ref.service;
    const scaleOf = (service: string) => (c: LoggedCall) =>
      c.operation === 'UpdateService' && c.body.includes(`"${service}"`);
    const dnsChange = (c: LoggedCall) => c.operation === 'ChangeResourceRecordSets';

    // Failover, straight from creation (spec.activeRegion names the standby; the record the primary).
    const controllerKilledAfterScale = runUntilKilled(ns, scaleOf(standbyService));
    await plans.create(ns, 'dr', planSpec(world, checks, { activeRegion: STANDBY }));
    await controllerKilledAfterScale;
    expect((await motoService(world.standby)).desiredCount).toBe(4);
    await runUntilKilled(ns, dnsChange);
    expect(await recordValues(world.zoneId)).toEqual([STANDBY_VALUE]);
    start(ns);
    const over = await waitForPlan(
      ns,
      'dr',
      (s) => s.phase === 'FailedOver',
      'FailedOver',
      120_000,
    );
    expect(over.lastFailover?.rtoSeconds).toBeGreaterThanOrEqual(0);
    expect(over.lastFailover?.steps?.map((s) => s.outcome)).toEqual([
      'Succeeded',
      'Succeeded',
      'Succeeded',
      'Succeeded',
    ]);
    controller?.signal('SIGTERM');
    await controller?.waitForExit(30_000);

    // Failback with the primary emptied by the outage.
    const clients = motoClients();
    try {
      await clients.ecs(PRIMARY).send(
        new UpdateServiceCommand({
          cluster: world.primary.cluster,
          service: primaryService,
          desiredCount: 0,
        }),
      );
    } finally {
      clients.destroy();
    }
    const killedAfterPrimaryScale = runUntilKilled(ns, scaleOf(primaryService));
    await plans.mergePatch(ns, 'dr', { spec: { activeRegion: PRIMARY } });
    await killedAfterPrimaryScale;
    await runUntilKilled(ns, dnsChange);
    start(ns);
    const back = await waitForPlan(
      ns,
      'dr',
      (s) => s.lastFailover?.direction === 'Failback' && s.lastFailover.completedAt !== undefined,
      'failed back',
      120_000,
    );
    expect(back).toMatchObject({ phase: 'Ready', activeRegion: PRIMARY });
    expect(await recordValues(world.zoneId)).toEqual([PRIMARY_VALUE]);

    const standbyScales = scaleWrites(log.calls, world.standby);
    const primaryScales = scaleWrites(log.calls, world.primary);
    expect(standbyScales).toEqual([4]);
    expect(primaryScales).toEqual([4]);
    const changes = writes(log.calls, 'ChangeResourceRecordSets');
    expect(changes).toHaveLength(2);
    expect(changes[0]?.body).toContain(STANDBY_VALUE);
    expect(changes[1]?.body).toContain(PRIMARY_VALUE);
    console.log(
      `[fp crash-resume] 4 kills; failover RTO ${over.lastFailover?.rtoSeconds ?? '?'} s, failback RTO ${back.lastFailover?.rtoSeconds ?? '?'} s; ${log.writes().length} AWS writes`,
    );
  });
});
