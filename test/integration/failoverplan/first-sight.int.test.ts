// A FailoverPlan first seen with spec.activeRegion = the secondary, on the real apiserver and
// moto: the Route 53 record decides what serves. While Route 53 does not answer nothing is
// claimed and nothing moves; once it answers with the primary's value, the spec is a failover to
// perform (one scale, one DNS change), not a state to report.
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createTestNamespace } from '../../env/fixtures.js';
import {
  ChecksServer,
  condition,
  installCrd,
  motoService,
  planSpec,
  plans,
  PRIMARY,
  recordValues,
  seedTwoRegions,
  STANDBY,
  STANDBY_VALUE,
  startProxiedController,
  waitForPlan,
  writes,
  type ProxiedController,
} from './support.js';

let running: ProxiedController | undefined;
let checks: ChecksServer;

beforeAll(async () => {
  await installCrd();
  checks = await ChecksServer.start();
});

afterAll(async () => {
  await checks.stop();
});

afterEach(async () => {
  await running?.stop();
  running = undefined;
});

describe('FailoverPlan first sight', () => {
  it('reads the record before taking spec.activeRegion as serving', async () => {
    const world = await seedTwoRegions(); // the record points at the primary
    const ns = await createTestNamespace('fp-first-sight');
    running = await startProxiedController(ns);
    running.proxy.setRules([{ service: 'route53', fault: 'http500' }]);
    await plans.create(ns, 'dr', planSpec(world, checks, { activeRegion: STANDBY }));

    const blind = await waitForPlan(
      ns,
      'dr',
      (s) => condition(s, 'Reconciling')?.reason === 'DnsUnreadable',
      'Route 53 unreadable at first sight',
    );
    expect(blind.activeRegion).toBeUndefined();
    expect(blind.lastFailover).toBeUndefined();
    expect(condition(blind, 'Reconciling')?.message).toContain('cannot tell which region serves');
    expect(writes(running.calls, 'UpdateService')).toHaveLength(0);
    expect(writes(running.calls, 'ChangeResourceRecordSets')).toHaveLength(0);

    // Route 53 answers: the record names the primary, so this is a failover to perform.
    running.proxy.setRules([]);
    const done = await waitForPlan(ns, 'dr', (s) => s.phase === 'FailedOver', 'FailedOver');
    expect(done.activeRegion).toBe(STANDBY);
    expect(done.lastFailover).toMatchObject({ from: PRIMARY, to: STANDBY });
    expect(done.lastFailover?.steps?.map((s) => s.name)).toEqual([
      'VerifyTarget',
      'ScaleTarget',
      'SwitchDns',
      'Validate',
    ]);
    expect(await recordValues(world.zoneId)).toEqual([STANDBY_VALUE]);
    expect(writes(running.calls, 'ChangeResourceRecordSets')).toHaveLength(1);
    expect((await motoService(world.standby)).desiredCount).toBe(4);
  });
});
