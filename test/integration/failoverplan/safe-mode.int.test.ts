// FailoverPlan safe mode on the real apiserver, moto (RDS) and Redis: the read-only flag goes on
// at once (who and why in the Event), the database's snapshots are listed newest first, a named
// snapshot is restored into a new instance whose endpoint status shows with the next step, a
// wrong snapshot id changes nothing, and turning safe mode off clears the flag.
import { CreateDBSnapshotCommand, DescribeDBInstancesCommand } from '@aws-sdk/client-rds';
import { CoreV1Api } from '@kubernetes/client-node';
import { Redis } from 'ioredis';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { adminKubeConfig, createTestNamespace, testEnv, uniqueName } from '../../env/fixtures.js';
import { motoClients } from '../../fixtures/moto/clients.js';
import {
  ChecksServer,
  condition,
  installCrd,
  PRIMARY,
  planSpec,
  plans,
  seedTwoRegions,
  startProxiedController,
  waitForPlan,
  writes,
  type ProxiedController,
} from './support.js';

let running: ProxiedController | undefined;
let checks: ChecksServer;
let redis: Redis;

beforeAll(async () => {
  await installCrd();
  checks = await ChecksServer.start();
  redis = new Redis(testEnv().redisUrl);
});

afterAll(async () => {
  await checks.stop();
  redis.disconnect();
});

afterEach(async () => {
  await running?.stop();
  running = undefined;
});

const flagEnabled = async (flag: string): Promise<string | null> =>
  redis.hget(`latticedb:flags:${flag}`, 'enabled');

async function snapshot(db: string, id: string): Promise<void> {
  const clients = motoClients();
  try {
    await clients
      .rds(PRIMARY)
      .send(new CreateDBSnapshotCommand({ DBInstanceIdentifier: db, DBSnapshotIdentifier: id }));
  } finally {
    clients.destroy();
  }
}

async function instance(id: string) {
  const clients = motoClients();
  try {
    const out = await clients
      .rds(PRIMARY)
      .send(new DescribeDBInstancesCommand({ DBInstanceIdentifier: id }))
      .catch(() => undefined);
    return out?.DBInstances?.[0];
  } finally {
    clients.destroy();
  }
}

describe('FailoverPlan safe mode', () => {
  it('turns the read-only flag on, lists snapshots, restores a named one, and clears the flag', async () => {
    const world = await seedTwoRegions({ database: true });
    const db = world.primary.database?.instanceIdentifier ?? '';
    await snapshot(db, `${db}-older`);
    await snapshot(db, `${db}-before-incident`);
    const ns = await createTestNamespace('fp-safe');
    const flag = uniqueName('read_only').replace(/-/g, '_');
    running = await startProxiedController(ns);
    const reason = 'INC-1: duplicate rows since 09:12 (on-call: a.ng)';
    await plans.create(
      ns,
      'safe',
      planSpec(world, checks, {
        safeMode: {
          enabled: true,
          reason,
          readOnlyFlag: flag,
          restore: {
            dbInstanceIdentifier: db,
            snapshotIdentifier: 'no-such-snapshot',
            targetInstanceIdentifier: `${db}-restored`,
          },
        },
      }),
    );
    // A wrong snapshot id: the flag is on (at once), nothing is restored, status says why.
    const wrong = await waitForPlan(
      ns,
      'safe',
      (s) => condition(s, 'Stalled')?.reason === 'SnapshotNotFound',
      'SnapshotNotFound',
    );
    expect(await flagEnabled(flag)).toBe('1');
    expect(wrong.safeMode).toMatchObject({ active: true, reason, flag });
    expect(condition(wrong, 'Stalled')?.message).toContain(
      'spec.safeMode.restore.snapshotIdentifier',
    );
    expect(wrong.safeMode?.snapshots?.map((s) => s.id)).toEqual(
      expect.arrayContaining([`${db}-older`, `${db}-before-incident`]),
    );
    const times = (wrong.safeMode?.snapshots ?? []).map((s) => s.createdAt ?? '');
    expect([...times].sort().reverse()).toEqual(times);
    expect(writes(running.calls, 'RestoreDBInstanceFromDBSnapshot')).toHaveLength(0);
    expect(await instance(`${db}-restored`)).toBeUndefined();
    const events = await adminKubeConfig()
      .makeApiClient(CoreV1Api)
      .listNamespacedEvent({ namespace: ns, fieldSelector: 'involvedObject.name=safe' });
    expect(events.items.find((e) => e.reason === 'ReadOnlyOn')?.message).toContain(reason);

    // The named snapshot: restored into a new instance, endpoint and next step in status.
    await plans.mergePatch(ns, 'safe', {
      spec: { safeMode: { restore: { snapshotIdentifier: `${db}-before-incident` } } },
    });
    const restored = await waitForPlan(
      ns,
      'safe',
      (s) => condition(s, 'Ready')?.reason === 'Restored',
      'Restored',
    );
    expect(restored.phase).toBe('SafeMode');
    expect(restored.safeMode).toMatchObject({
      snapshotId: `${db}-before-incident`,
      restoredInstance: `${db}-restored`,
      restoreStatus: 'available',
    });
    expect(restored.safeMode?.endpoint).toBeTruthy();
    expect(restored.safeMode?.nextStep).toContain('Release');
    expect((await instance(`${db}-restored`))?.DBInstanceStatus).toBe('available');
    expect(writes(running.calls, 'RestoreDBInstanceFromDBSnapshot')).toHaveLength(1);
    expect(await instance(db)).toBeDefined(); // nothing deleted

    // Off: the flag is cleared.
    await plans.mergePatch(ns, 'safe', { spec: { safeMode: { enabled: false } } });
    const off = await waitForPlan(
      ns,
      'safe',
      (s) => s.safeMode?.active === false && s.phase === 'Ready',
      'safe mode off',
    );
    expect(await flagEnabled(flag)).toBe('0');
    expect(off.standbyReady).toBe(true);
  });
});
