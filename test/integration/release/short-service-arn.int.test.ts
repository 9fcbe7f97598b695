// Issue 9 item 1: a service whose ARN is in the old short format (`…:service/<name>`, created
// before the account opted in to long ARNs) cannot be claimed: real ECS refuses TagResource on it.
// The Release is Stalled (ShortServiceArn) with the account setting and the re-creation that fix
// it, and writes nothing — no TagResource that would fail on every reconcile. A moto of its own
// (its account setting would change every other test's service ARNs): moto reports short ARNs once
// `serviceLongArnFormat` is disabled, though it does not refuse to tag them.
import { PutAccountSettingCommand } from '@aws-sdk/client-ecs';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { startFaultProxy, type FaultProxy } from '../../env/fault-proxy.js';
import { createTestNamespace } from '../../env/fixtures.js';
import { startMoto, type MotoServer } from '../../env/moto.js';
import { motoClients } from '../../fixtures/moto/clients.js';
import { seedLatticeDbService } from '../../fixtures/moto/seed.js';
import { taskSetCounts } from '../../fixtures/moto/task-set-counts.js';
import { canarySpec, NEW_TAG, OLD_TAG } from './scenario.js';
import {
  createRelease,
  installCrd,
  startController,
  waitForRelease,
  type RunningController,
} from './support.js';

let moto: MotoServer | undefined;
let proxy: FaultProxy | undefined;
let controller: RunningController | undefined;

beforeAll(async () => {
  await installCrd();
});

afterEach(async () => {
  await controller?.stop();
  await proxy?.stop();
  await moto?.stop();
  controller = undefined;
  proxy = undefined;
  moto = undefined;
});

describe('a service with a short ARN', () => {
  it('is Stalled (ShortServiceArn) naming the fix, and nothing is written to it', async () => {
    moto = await startMoto();
    const clients = motoClients(moto.endpoint);
    let s: Awaited<ReturnType<typeof seedLatticeDbService>>;
    try {
      s = await seedLatticeDbService(clients, {
        endpoint: moto.endpoint,
        imageTags: [OLD_TAG, NEW_TAG],
      });
      await clients
        .ecs(s.region)
        .send(new PutAccountSettingCommand({ name: 'serviceLongArnFormat', value: 'disabled' }));
    } finally {
      clients.destroy();
    }
    const shortArn = `arn:aws:ecs:${s.region}:${s.accountId}:service/${s.canary.ref.service}`;
    proxy = await startFaultProxy(moto.endpoint, { rewrites: [taskSetCounts()] });
    const ns = await createTestNamespace('rel-short-arn');
    controller = await startController(ns, { awsEndpoint: proxy.endpoint });
    await createRelease(ns, 'ldb', canarySpec(s, { steps: [{ setWeight: 50 }] }));

    const stalled = await waitForRelease(
      ns,
      'ldb',
      (st) => st.conditions?.some((c) => c.type === 'Stalled' && c.status === 'True') === true,
      'Stalled',
    );
    const condition = stalled.conditions?.find((c) => c.type === 'Stalled');
    expect(condition?.reason).toBe('ShortServiceArn');
    expect(condition?.message).toContain(shortArn);
    expect(condition?.message).toContain(
      `aws ecs put-account-setting --region ${s.region} --name serviceLongArnFormat --value enabled`,
    );
    expect(condition?.message).toContain('re-create the service');
    expect(stalled.phase).toBe('Degraded');
    expect(stalled.serviceClaim).toBeUndefined();
    // Read only: no claim tried, nothing registered, created or shifted.
    for (const operation of [
      'TagResource',
      'RegisterTaskDefinition',
      'CreateTaskSet',
      'ModifyListener',
      'UpdateService',
    ])
      expect(proxy.count({ operation })).toBe(0);
  });
});
