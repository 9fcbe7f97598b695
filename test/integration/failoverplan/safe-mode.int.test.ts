// FailoverPlan safe mode on the real apiserver, moto (RDS) and Redis: the read-only flag goes on
// at once (who and why in the Event), the database's snapshots are listed newest first, a named
// snapshot is restored into a new instance whose endpoint status shows with the next step, a
// wrong snapshot id changes nothing, and turning safe mode off clears the flag. The restore's
// validation: HTTP checks against the local server and the data validation task (ECS RunTask in
// moto, whose exit code the fault proxy sets) decide whether status tells to re-point at it.
import { CreateDBSnapshotCommand, DescribeDBInstancesCommand } from '@aws-sdk/client-rds';
import { CoreV1Api } from '@kubernetes/client-node';
import { Redis } from 'ioredis';
import { afterAll, afterEach, beforeAll, describe, expect, it, onTestFinished } from 'vitest';
import {
  adminKubeConfig,
  createTestNamespace,
  testEnv,
  uniqueName,
  waitFor,
} from '../../env/fixtures.js';
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
  type TwoRegions,
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
          snapshot: { dbInstanceIdentifier: db },
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
    // The evidence snapshot of the corrupt state, taken once the flag was on, once.
    const evidence = wrong.safeMode?.evidenceSnapshot ?? '';
    expect(evidence).toMatch(new RegExp(`^${db}-evidence-[0-9a-f]{8}-\\d{8}-\\d{6}$`));
    expect(wrong.safeMode?.snapshots?.map((s) => s.id)).toContain(evidence);
    expect(writes(running.calls, 'CreateDBSnapshot')).toHaveLength(1);
    expect(events.items.find((e) => e.reason === 'EvidenceSnapshotTaken')?.message).toContain(
      evidence,
    );

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

  it('meets another writer of the read-only flag as a lost race: decided afresh, no error, flag on and off', async () => {
    const world = await seedTwoRegions();
    const ns = await createTestNamespace('fp-safe-race');
    const flag = uniqueName('read_only').replace(/-/g, '_');
    const key = `latticedb:flags:${flag}`;
    // Redis MONITOR sees the plan's reads (HGETALL of the flag) and compare-and-sets (the Lua
    // script, its keys in the arguments); the test's own bump is an HINCRBY of the version.
    const monitor = await redis.monitor();
    let reads = 0;
    let casAttempts = 0;
    let armed = false;
    let conflicts = 0;
    monitor.on('monitor', (_time: string, args: string[]) => {
      const command = (args[0] ?? '').toLowerCase();
      if (command === 'hgetall' && args[1] === key) reads += 1;
      if ((command === 'evalsha' || command === 'eval') && args.includes(key)) {
        casAttempts += 1;
        // The reconcile was trapped: its read came before the bump, so this CAS conflicts.
        if (armed) conflicts += 1;
        armed = false;
      }
    });
    onTestFinished(() => {
      monitor.disconnect();
    });
    // While armed, each reconcile's Route 53 read is held until that reconcile has read the flag,
    // then the version moves under it: the write it decides meets another writer's version.
    running = await startProxiedController(
      ns,
      {},
      {
        onUpstreamResponse: async (call) => {
          if (!armed || call.operation !== 'ListResourceRecordSets') return;
          await waitFor(() => reads > 0, { timeoutMs: 5_000, message: 'the plan read the flag' });
          await redis.hincrby(key, 'version', 1);
          reads = 0;
        },
      },
    );
    // The flag as the CLI left it (off), so the bumps below keep it a valid flag.
    await redis.del(key);
    await redis.hset(key, {
      enabled: '0',
      percentage: '0',
      salt: flag,
      version: '1',
      updatedAt: '2026-12-07T00:00:00Z',
      updatedBy: 'cli:oncall',
      killSwitch: '',
    });
    reads = 0;
    armed = true;
    await plans.create(
      ns,
      'race',
      planSpec(world, checks, {
        safeMode: { enabled: true, reason: 'INC-3: race', readOnlyFlag: flag },
      }),
    );
    const on = await waitForPlan(ns, 'race', (s) => s.safeMode?.active === true, 'safe mode on');
    expect(conflicts).toBe(1);
    expect(await flagEnabled(flag)).toBe('1');
    expect(on.safeMode?.active).toBe(true);

    // Off, racing again: the checkpoint keeps saying the flag is on until the write succeeded.
    const before = casAttempts;
    reads = 0;
    armed = true;
    await plans.mergePatch(ns, 'race', { spec: { safeMode: { enabled: false } } });
    await waitFor(async () => (await flagEnabled(flag)) === '0', {
      timeoutMs: 30_000,
      message: 'the read-only flag off despite the race',
    });
    const off = await waitForPlan(ns, 'race', (s) => s.safeMode?.active === false, 'safe mode off');
    expect(conflicts).toBe(2);
    expect(casAttempts - before).toBe(2); // one lost, one written
    expect(off.safeMode?.active).toBe(false);
    expect(await redis.hget(key, 'updatedBy')).toBe(`controller:${ns}/race`);
    // A lost race is a requeue, not a reconcile error retried with backoff and a Warning.
    const events = await adminKubeConfig()
      .makeApiClient(CoreV1Api)
      .listNamespacedEvent({ namespace: ns, fieldSelector: 'involvedObject.name=race' });
    expect(events.items.filter((e) => e.type === 'Warning').map((e) => e.reason)).not.toContain(
      'ReconcileError',
    );
  });
});

/** DescribeTasks answers: once a task is STOPPED, its containers exit with `exitCode` (moto: 0). */
class ValidationTaskDouble {
  exitCode = 0;
  readonly rule = {
    service: 'ecs',
    operation: 'DescribeTasks',
    fault: 'rewrite',
    transformJson: (body: unknown) => {
      const out = body as {
        tasks?: { lastStatus?: string; containers?: { exitCode?: number }[] }[];
      };
      for (const task of out.tasks ?? []) {
        if (task.lastStatus !== 'STOPPED') continue;
        for (const c of task.containers ?? []) c.exitCode = this.exitCode;
      }
      return out;
    },
  } as const;
}

async function restoreWithValidation(world: TwoRegions, ns: string, name: string) {
  const db = world.primary.database?.instanceIdentifier ?? '';
  await snapshot(db, `${db}-${name}-good`);
  await plans.create(
    ns,
    name,
    planSpec(world, checks, {
      safeMode: {
        enabled: true,
        reason: 'INC-2: orders table corrupted',
        readOnlyFlag: uniqueName('read_only').replace(/-/g, '_'),
        restore: {
          dbInstanceIdentifier: db,
          snapshotIdentifier: `${db}-${name}-good`,
          targetInstanceIdentifier: `${db}-${name}-r`,
          validation: {
            httpChecks: [
              {
                name: 'restored-data',
                url: checks.url('/validate'),
                expectStatus: [200],
                retries: 0,
                timeout: '2s',
              },
            ],
            task: { container: 'latticedb', command: ['/app/validate-data', '--orders'] },
          },
        },
      },
    }),
  );
  return { db, target: `${db}-${name}-r` };
}

interface RunTaskBody {
  startedBy: string;
  overrides: {
    containerOverrides: {
      name: string;
      command: string[];
      environment?: { name: string; value: string }[];
    }[];
  };
}

describe('FailoverPlan restore validation', () => {
  afterEach(() => {
    checks.validateStatus = 200;
  });

  it('validates the restored instance: failing HTTP check measured again, then passed with exit code 0', async () => {
    const world = await seedTwoRegions({ database: true });
    const ns = await createTestNamespace('fp-validate');
    running = await startProxiedController(ns);
    checks.validateStatus = 503;
    const { target } = await restoreWithValidation(world, ns, 'val');

    const failing = await waitForPlan(
      ns,
      'val',
      (s) => s.safeMode?.validation?.phase === 'Failed',
      'validation failing on the HTTP check',
    );
    expect(condition(failing, 'Stalled')?.reason).toBe('RestoreValidationFailed');
    expect(failing.safeMode?.validation).toMatchObject({ exitCode: 0, taskStatus: 'STOPPED' });
    expect(failing.safeMode?.validation?.checks).toEqual([
      expect.objectContaining({ name: 'restored-data', passed: false }),
    ]);
    expect(failing.safeMode?.validation?.checks?.[0]?.message).toContain('503');
    expect(failing.safeMode?.nextStep).toContain('do not re-point');

    checks.validateStatus = 200;
    const passed = await waitForPlan(
      ns,
      'val',
      (s) => s.safeMode?.validation?.phase === 'Passed',
      'validation passed',
    );
    expect(condition(passed, 'Ready')).toMatchObject({
      status: 'True',
      reason: 'RestoreValidated',
    });
    expect(passed.safeMode?.validation?.message).toContain('exited with 0');
    expect(passed.safeMode?.validation?.checks?.[0]).toMatchObject({ passed: true });
    expect(passed.safeMode?.nextStep).toContain('Release');
    expect(passed.safeMode?.nextStep).toContain(passed.safeMode?.endpoint ?? 'no endpoint');

    // One RunTask, on the primary's task definition, startedBy within ECS's 36 characters and
    // carrying the owner's UID, the restored endpoint in the container's environment.
    const runs = writes(running.calls, 'RunTask').map((c) => JSON.parse(c.body) as RunTaskBody);
    expect(runs).toHaveLength(1);
    const uid = (await plans.get(ns, 'val')).metadata.uid ?? '';
    expect(runs[0]?.startedBy.length).toBeLessThanOrEqual(36);
    expect(runs[0]?.startedBy).toContain(uid.replace(/-/g, '').slice(0, 22));
    expect(runs[0]?.startedBy).toBe(passed.safeMode?.validation?.startedBy);
    const override = runs[0]?.overrides.containerOverrides[0];
    expect(override).toMatchObject({
      name: 'latticedb',
      command: ['/app/validate-data', '--orders'],
    });
    expect(override?.environment).toEqual(
      expect.arrayContaining([
        { name: 'RESTORED_DB_INSTANCE', value: target },
        { name: 'RESTORED_DB_ENDPOINT', value: passed.safeMode?.endpoint ?? '' },
      ]),
    );
  });

  it('fails the validation for good when the task exits non-zero', async () => {
    const world = await seedTwoRegions({ database: true });
    const ns = await createTestNamespace('fp-validate-fail');
    const task = new ValidationTaskDouble();
    task.exitCode = 2;
    running = await startProxiedController(ns);
    running.proxy.setRules([task.rule]);
    await restoreWithValidation(world, ns, 'bad');
    const failed = await waitForPlan(
      ns,
      'bad',
      (s) => s.safeMode?.validation?.phase === 'Failed',
      'validation failed by exit code',
    );
    expect(failed.safeMode?.validation).toMatchObject({ exitCode: 2, taskStatus: 'STOPPED' });
    expect(failed.safeMode?.validation?.message).toContain('exited with 2');
    expect(condition(failed, 'Stalled')).toMatchObject({
      status: 'True',
      reason: 'RestoreValidationFailed',
    });
    expect(failed.safeMode?.nextStep).toContain('restore another snapshot');
    // Final: the task is not run again.
    const calls = running.calls.length;
    await waitForPlan(
      ns,
      'bad',
      () => running !== undefined && running.calls.length > calls + 10,
      'more reconciles',
    );
    expect(writes(running.calls, 'RunTask')).toHaveLength(1);
    expect((await plans.get(ns, 'bad')).status?.safeMode?.validation?.phase).toBe('Failed');
  });
});
