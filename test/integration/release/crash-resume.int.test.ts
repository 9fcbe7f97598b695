// Crash-resume: the real controller (child process) is SIGKILLed right after each kind of step,
// then restarted. "Right after" is the moment moto has answered the step's AWS call, before the
// controller sees the answer (its status write never happens); the moment a maintenance-flag write
// completes in Redis (seen with MONITOR; the status write races the kill); or once status shows a
// wait (the status write happened). The table covers canary, blue/green, rolling, migration and
// the rollback path (abort; an alarm-triggered rollback whose alarm clears while the controller is
// down); a second suite kills the controller after every one of its writes. Every run must end
// as it would have without crashes, with every AWS write made exactly once (no duplicate task set,
// no weight applied twice or out of order, one RunTask, one snapshot) and a consistent status.
// All AWS calls go through a fault proxy in this process, which logs them with their bodies.
import { DescribeDBSnapshotsCommand } from '@aws-sdk/client-rds';
import { Redis } from 'ioredis';
import { afterAll, afterEach, beforeAll, describe, expect, it, onTestFailed } from 'vitest';
import type { ReleaseSpec, ReleaseStatus } from '../../../reconcilers/release/api.js';
import { RedisFlagStore } from '../../../flags/redis-store.js';
import { isReadOperation } from '../../env/aws-protocol.js';
import { createTestNamespace, testEnv, uniqueName, waitFor } from '../../env/fixtures.js';
import type { SeededLatticeDb } from '../../fixtures/moto/seed.js';
import type { ControllerProcess } from '../deploy/support.js';
import { releaseEvents } from './scenario.js';
import {
  annotateRelease,
  createRelease,
  getRelease,
  motoClients,
  MotoView,
  waitForRelease,
  taskSetId,
} from './support.js';
import {
  CallLog,
  canarySpec,
  FlagWriteWatch,
  convergedRollingRule,
  installAllCrds,
  jsonBody,
  listenerWeights,
  logTail,
  productionGreenWeights,
  seedWorld,
  setAlarm,
  startReleaseController,
  type LoggedCall,
} from './robustness-support.js';

/**
 * canaryAbort: a canary paused at 20 % until promoted, aborted there by the operator.
 * canaryAlarm: a canary whose post-deployment check finds alarm ALARM_NAME firing after promotion.
 */
type Strategy = 'canary' | 'canaryAbort' | 'canaryAlarm' | 'blueGreen' | 'rolling' | 'migration';
const ALARM_NAME = 'latticedb-crash-resume-5xx';

interface KillPoint {
  readonly name: string;
  readonly strategy: Strategy;
  /** SIGKILL when moto has answered the first call this matches, before the answer is relayed. */
  readonly afterCall?: (call: LoggedCall, s: SeededLatticeDb) => boolean;
  /** SIGKILL once the Release's status satisfies this (the status write happened). */
  readonly whenStatus?: (st: ReleaseStatus) => boolean;
  /** SIGKILL right after the n-th write of the maintenance flag in Redis (1: on, 2: off). */
  readonly afterFlagWrite?: number;
  /** Changes the world while the controller is down (before the restart). */
  readonly whileDown?: () => Promise<void>;
}

const op =
  (operation: string, match: (call: LoggedCall, s: SeededLatticeDb) => boolean = () => true) =>
  (call: LoggedCall, s: SeededLatticeDb): boolean =>
    call.operation === operation && match(call, s);

/** ModifyListener of `listener` giving the green (canary) group `weight` %. */
const greenWeight =
  (weight: number, listener: 'prod' | 'test' = 'prod') =>
  (call: LoggedCall, s: SeededLatticeDb): boolean => {
    const { listenerArn, weights } = listenerWeights(call);
    const wanted = listener === 'prod' ? s.alb.listenerArn : s.alb.testListenerArn;
    return listenerArn === wanted && weights[s.alb.greenTargetGroupArn] === weight;
  };

const KILL_POINTS: readonly KillPoint[] = [
  {
    name: 'canary: after the task definition is registered',
    strategy: 'canary',
    afterCall: op('RegisterTaskDefinition'),
  },
  {
    name: 'canary: after the canary task set is created',
    strategy: 'canary',
    afterCall: op('CreateTaskSet'),
  },
  {
    name: 'canary: after setWeight 20',
    strategy: 'canary',
    afterCall: op('ModifyListener', greenWeight(20)),
  },
  {
    name: 'canary: during the pause after 20 %',
    strategy: 'canary',
    whenStatus: (st) => st.stage === 'Steps' && st.attempt?.currentStepIndex === 1,
  },
  {
    name: 'canary: after the canary is scaled to 50 %',
    strategy: 'canary',
    afterCall: op('UpdateTaskSet', (c) => (jsonBody(c).scale as { value?: number }).value === 50),
  },
  {
    name: 'canary: after setWeight 50',
    strategy: 'canary',
    afterCall: op('ModifyListener', greenWeight(50)),
  },
  {
    name: 'canary: after all traffic moved to the canary',
    strategy: 'canary',
    afterCall: op('ModifyListener', greenWeight(100)),
  },
  {
    name: 'canary: after the primary task set swap',
    strategy: 'canary',
    afterCall: op('UpdateServicePrimaryTaskSet'),
  },
  {
    name: 'canary: after the old task set is deleted',
    strategy: 'canary',
    afterCall: op('DeleteTaskSet'),
  },
  {
    name: 'blue/green: after green is created',
    strategy: 'blueGreen',
    afterCall: op('CreateTaskSet'),
  },
  {
    name: 'blue/green: after the production switch',
    strategy: 'blueGreen',
    afterCall: op('ModifyListener', greenWeight(100, 'prod')),
  },
  {
    name: 'blue/green: during scaleDownDelay',
    strategy: 'blueGreen',
    whenStatus: (st) => st.phase === 'Healthy' && st.retiring !== undefined,
  },
  {
    name: 'migration: after the snapshot is created',
    strategy: 'migration',
    afterCall: op('CreateDBSnapshot'),
  },
  {
    name: 'migration: after the maintenance flag is on',
    strategy: 'migration',
    afterFlagWrite: 1,
  },
  { name: 'migration: right after RunTask', strategy: 'migration', afterCall: op('RunTask') },
  {
    name: 'migration: after the maintenance flag is off',
    strategy: 'migration',
    afterFlagWrite: 2,
  },
  { name: 'rolling: after UpdateService', strategy: 'rolling', afterCall: op('UpdateService') },
  {
    name: 'abort: after traffic went back to stable',
    strategy: 'canaryAbort',
    afterCall: op('ModifyListener', greenWeight(0)),
  },
  {
    name: 'abort: after the canary task set is deleted',
    strategy: 'canaryAbort',
    afterCall: op('DeleteTaskSet'),
  },
  {
    // The rollback decision came from an observation that is gone after the restart (the alarm
    // fired, then cleared): the rollback must go on from status, not the delivery resume.
    name: 'alarm rollback: after traffic went back to stable, the alarm cleared meanwhile',
    strategy: 'canaryAlarm',
    afterCall: op('ModifyListener', greenWeight(0)),
    whileDown: () => setAlarm(ALARM_NAME, 'OK'),
  },
];

/** The end of a run, whichever way it ended: Done, nothing left to retire (checked after). */
const finished = (st: ReleaseStatus): boolean => st.stage === 'Done' && st.retiring === undefined;

const CANARY_GREEN_WEIGHTS = [20, 50, 100];
const log = new CallLog();
let flags: FlagWriteWatch;
let controller: ControllerProcess | undefined;
let view: MotoView | undefined;

beforeAll(async () => {
  await installAllCrds();
  await log.start();
  flags = await FlagWriteWatch.start();
});
afterAll(async () => {
  flags.stop();
  await log.stop();
});
afterEach(async () => {
  log.onAnswered(undefined);
  flags.onWrite(undefined);
  log.proxy.clearRules();
  await controller?.kill();
  controller = undefined;
  view?.destroy();
  view = undefined;
});

/** The release of 2.2.0 with `strategy`; `flag` is the migration's maintenance flag. */
function specFor(strategy: Strategy, s: SeededLatticeDb, flag: string): ReleaseSpec {
  const image = s.ecr.images['2.2.0'] ?? '';
  const alb = s.alb;
  switch (strategy) {
    case 'canary':
      return canarySpec(s);
    case 'canaryAbort': {
      const spec = canarySpec(s);
      const canary = spec.strategy.canary;
      if (canary === undefined) throw new Error('canarySpec has no canary');
      const steps = [{ setWeight: 20 }, { pause: {} }];
      return { ...spec, strategy: { canary: { ...canary, steps } } };
    }
    case 'canaryAlarm':
      return { ...canarySpec(s), checks: { postDeployment: { noAlarmsFiring: [ALARM_NAME] } } };
    case 'blueGreen':
      return {
        target: { ...s.canary.ref, container: s.containerName },
        image,
        strategy: {
          blueGreen: {
            approval: 'Auto',
            scaleDownDelay: '4s',
            trafficRouting: {
              alb: {
                listenerArn: alb.listenerArn,
                blueTargetGroupArn: alb.blueTargetGroupArn,
                greenTargetGroupArn: alb.greenTargetGroupArn,
                ...(alb.testListenerArn === undefined
                  ? {}
                  : { testListenerArn: alb.testListenerArn }),
              },
            },
          },
        },
      };
    case 'rolling':
      return {
        target: { ...s.rolling.ref, container: s.containerName },
        image,
        strategy: { rolling: {} },
      };
    case 'migration':
      return {
        ...specFor('rolling', s, flag),
        migration: {
          snapshot: { dbInstanceIdentifier: s.database?.instanceIdentifier ?? '' },
          maintenanceFlag: flag,
          task: { command: ['latticedb', 'migrate', '--to', '2.2.0'] },
          reversible: true,
        },
      };
  }
}

/** Unique per run: the flag store is shared by every namespace. */
const maintenanceFlagName = (): string => uniqueName('crash_maint').replace(/-/g, '_');

/** On failure: the AWS calls in order and the log tail of each controller process. */
function reportOnFailure(what: string, processes: readonly ControllerProcess[]): void {
  onTestFailed(() => {
    const calls = log.calls.map((c) => c.operation).join(' ');
    const logs = processes.map((p, i) => `--- process ${i + 1}:\n${logTail(p)}`).join('\n');
    console.log(`${what}\nAWS calls: ${calls}\n${logs}`);
  });
}

/** Runs a release, SIGKILLs the controller at `point`, restarts it, and waits for the end. */
async function runWithKill(
  point: KillPoint,
): Promise<{ s: SeededLatticeDb; status: ReleaseStatus; flag: string }> {
  const s = await seedWorld();
  view = new MotoView(s);
  const ns = await createTestNamespace('crash');
  log.clear();
  log.proxy.setRules([convergedRollingRule]);
  if (point.strategy === 'canaryAlarm') await setAlarm(ALARM_NAME, 'ALARM');
  const first = startReleaseController(ns, log.proxy.endpoint);
  controller = first;
  const processes = [first];
  reportOnFailure(point.name, processes);
  let killedAt: string | undefined;
  if (point.afterCall !== undefined) {
    const matches = point.afterCall;
    log.onAnswered(async (call) => {
      if (!matches(call, s)) return false;
      killedAt = `${call.operation} (call ${call.seq})`;
      first.signal('SIGKILL');
      await first.exited; // moto's answer is relayed only to a dead socket
      return true;
    });
  }
  const flag = maintenanceFlagName();
  if (point.afterFlagWrite !== undefined) {
    let writes = 0;
    flags.onWrite((written) => {
      if (written !== flag || ++writes !== point.afterFlagWrite) return;
      flags.onWrite(undefined);
      killedAt = 'the flag write';
      first.signal('SIGKILL');
    });
  }
  await createRelease(ns, 'ldb', specFor(point.strategy, s, flag));
  if (point.strategy === 'canaryAbort') {
    await waitForRelease(
      ns,
      'ldb',
      (st) => st.attempt?.pause?.reason === 'StepPaused',
      'the pause',
    );
    await annotateRelease(ns, 'ldb', 'abort', '1');
  }
  if (point.whenStatus !== undefined) {
    await waitForRelease(ns, 'ldb', point.whenStatus, `the kill point: ${point.name}`, 90_000);
    first.signal('SIGKILL');
  }
  const exit = await first.waitForExit(90_000);
  expect(exit.signal).toBe('SIGKILL');
  if (point.whenStatus === undefined) expect(killedAt).toBeDefined();
  const before = (await getRelease(ns, 'ldb')).status;
  expect(before === undefined || !finished(before), 'killed before the end').toBe(true);

  await point.whileDown?.();
  controller = startReleaseController(ns, log.proxy.endpoint);
  processes.push(controller);
  const status = await waitForRelease(ns, 'ldb', finished, 'the release to finish', 90_000);
  console.log(
    `[crash-resume] ${point.name}: killed at ${killedAt ?? 'status'}, stored stage then ${before?.stage ?? '-'}` +
      ` step ${before?.attempt?.currentStepIndex ?? '-'}; finished with ${log.calls.length} AWS calls,` +
      ` ${log.writes().length} writes`,
  );
  return { s, status, flag };
}

/**
 * Runs a release killing the controller right after each of its AWS writes (before it sees the
 * answer), restarting it every time, until the release is done: every step is a crash point.
 */
async function runKillingEveryWrite(strategy: Strategy): Promise<{
  s: SeededLatticeDb;
  status: ReleaseStatus;
  flag: string;
  kills: string[];
  ns: string;
}> {
  const s = await seedWorld();
  view = new MotoView(s);
  const ns = await createTestNamespace('crash');
  log.clear();
  log.proxy.setRules([convergedRollingRule]);
  const processes: ControllerProcess[] = [];
  reportOnFailure(`${strategy}: killed after every write`, processes);
  const kills: string[] = [];
  const flag = maintenanceFlagName();
  await createRelease(ns, 'ldb', specFor(strategy, s, flag));
  for (let round = 0; round < 30; round++) {
    const proc = startReleaseController(ns, log.proxy.endpoint);
    controller = proc;
    processes.push(proc);
    let killed = false;
    log.onAnswered(async (call) => {
      if (isReadOperation(call.operation)) return false;
      kills.push(call.operation);
      killed = true;
      proc.signal('SIGKILL');
      await proc.exited;
      return true;
    });
    flags.onWrite((written) => {
      if (written !== flag || killed) return;
      kills.push('flag write');
      killed = true;
      proc.signal('SIGKILL');
    });
    const outcome = await waitFor(
      async () => {
        if (killed) return 'killed' as const;
        const status = (await getRelease(ns, 'ldb')).status;
        return status !== undefined && finished(status) ? status : undefined;
      },
      { timeoutMs: 90_000, message: `round ${round + 1}: a write or the end` },
    );
    if (outcome !== 'killed') {
      log.onAnswered(undefined);
      console.log(
        `[crash-resume] ${strategy}: killed after each of ${kills.length} writes (${kills.join(', ')});` +
          ` ${processes.length} processes, ${log.calls.length} AWS calls`,
      );
      return { s, status: outcome, flag, kills, ns };
    }
    await proc.exited;
  }
  throw new Error(`${strategy}: not done after 30 restarts`);
}

/** History is one story: in time order, each entry continuing from the phase the last reached. */
function expectConsistentHistory(status: ReleaseStatus): void {
  const history = status.history ?? [];
  expect(history.length).toBeGreaterThan(0);
  for (let i = 1; i < history.length; i++) {
    const [prev, entry] = [history[i - 1], history[i]];
    expect(Date.parse(entry?.time ?? '')).toBeGreaterThanOrEqual(Date.parse(prev?.time ?? ''));
    expect(entry?.from, `history[${i}] continues from history[${i - 1}]`).toBe(prev?.to);
  }
}

/** Revision 1 is stable and complete, once, with a consistent history. */
function expectConsistentStatus(status: ReleaseStatus, s: SeededLatticeDb): void {
  expectConsistentHistory(status);
  expect(status).toMatchObject({
    phase: 'Healthy',
    stage: 'Done',
    currentWeight: 100,
    revision: { number: 1, image: s.ecr.images['2.2.0'] },
    attempt: { outcome: 'Succeeded' },
  });
  expect(status.stableRevision).toEqual(status.revision);
  expect(status.attempt?.rollback).toBeUndefined();
  expect(status.deploymentLog?.map((e) => [e.revision, e.outcome])).toEqual([[1, 'Succeeded']]);
  expect(status.conditions?.find((c) => c.type === 'Ready')?.status).toBe('True');
}

/** No AWS write was sent twice: a repeated write would be a step applied twice. */
function expectEveryWriteOnce(): void {
  const seen = new Map<string, number>();
  for (const call of log.writes()) {
    const key = `${call.operation} ${call.body}`;
    seen.set(key, (seen.get(key) ?? 0) + 1);
  }
  const repeated = [...seen].filter(([, n]) => n > 1).map(([key]) => key.slice(0, 200));
  expect(repeated).toEqual([]);
  expect(log.of('RegisterTaskDefinition')).toHaveLength(1);
}

async function expectTaskSetsAndWeights(
  s: SeededLatticeDb,
  status: ReleaseStatus,
  externalId: string,
  prodGreens: readonly number[],
): Promise<void> {
  const created = log.of('CreateTaskSet').map((c) => jsonBody(c).externalId);
  expect(created).toEqual([externalId]);
  const sets = await view?.taskSets();
  expect(sets).toHaveLength(1);
  expect(sets?.[0]).toMatchObject({
    status: 'PRIMARY',
    externalId,
    taskDefinition: status.revision?.taskDefinitionArn,
  });
  expect(productionGreenWeights(log, s)).toEqual(prodGreens);
  expect(await view?.weights()).toEqual({ blue: 0, green: 100 });
}

/**
 * Revision 1 undone (aborted or rolled back): traffic back to stable once, the canary deleted
 * once, stable revision 0's task set primary and serving everything.
 */
async function expectUndone(
  s: SeededLatticeDb,
  status: ReleaseStatus,
  outcome: 'Aborted' | 'RolledBack',
  greens: readonly number[],
): Promise<void> {
  expectConsistentHistory(status);
  expect(status).toMatchObject({
    phase: outcome,
    stage: 'Done',
    currentWeight: 0,
    revision: { number: 1 },
    stableRevision: { number: 0, taskSetArn: s.canary.primaryTaskSetArn },
    attempt: { outcome, rollback: { outcome } },
  });
  expect(status.deploymentLog?.map((e) => [e.revision, e.outcome])).toEqual([[1, outcome]]);
  expect(log.of('CreateTaskSet').map((c) => jsonBody(c).externalId)).toEqual([
    taskSetId(1, 'canary'),
  ]);
  expect(log.of('DeleteTaskSet')).toHaveLength(1);
  expect(productionGreenWeights(log, s)).toEqual(greens);
  const sets = await view?.taskSets();
  expect(sets?.map((t) => [t.externalId, t.status])).toEqual([
    [s.canary.primaryExternalId, 'PRIMARY'],
  ]);
  expect(await view?.weights()).toEqual({ blue: 100, green: 0 });
}

async function expectOneMigration(
  s: SeededLatticeDb,
  status: ReleaseStatus,
  flag: string,
): Promise<void> {
  expect(log.of('RunTask')).toHaveLength(1);
  expect(log.of('CreateDBSnapshot')).toHaveLength(1);
  expect(status.migration).toMatchObject({ phase: 'Succeeded', exitCode: 0, flagOn: false });
  const redis = new Redis(testEnv().redisUrl);
  try {
    const { record } = await new RedisFlagStore({ redis }).read(flag);
    expect(record?.enabled, `maintenance flag ${flag} is off again`).toBe(false);
  } finally {
    redis.disconnect();
  }
  const clients = motoClients();
  try {
    const out = await clients.rds(s.region).send(
      new DescribeDBSnapshotsCommand({
        DBInstanceIdentifier: s.database?.instanceIdentifier,
        SnapshotType: 'manual',
      }),
    );
    expect(out.DBSnapshots?.map((x) => x.DBSnapshotIdentifier)).toEqual([
      status.migration?.snapshotId,
    ]);
  } finally {
    clients.destroy();
  }
}

function expectOneServiceUpdate(status: ReleaseStatus): void {
  const updates = log.of('UpdateService').map((c) => jsonBody(c).taskDefinition);
  expect(updates).toEqual([status.revision?.taskDefinitionArn]);
}

/** The end state every run of `strategy` must reach, however often the controller died. */
async function expectCompletedOnce(
  strategy: Strategy,
  { s, status, flag }: { s: SeededLatticeDb; status: ReleaseStatus; flag: string },
): Promise<void> {
  expectEveryWriteOnce();
  if (strategy === 'canaryAbort') {
    await expectUndone(s, status, 'Aborted', [20, 0]);
    return;
  }
  if (strategy === 'canaryAlarm') {
    expect(status.attempt?.rollback?.reason).toBe('PostDeploymentCheckFailed');
    await expectUndone(s, status, 'RolledBack', [...CANARY_GREEN_WEIGHTS, 0]);
    return;
  }
  expectConsistentStatus(status, s);
  switch (strategy) {
    case 'canary':
      await expectTaskSetsAndWeights(s, status, taskSetId(1, 'canary'), CANARY_GREEN_WEIGHTS);
      break;
    case 'blueGreen': {
      await expectTaskSetsAndWeights(s, status, taskSetId(1, 'green'), [100]);
      const test = log
        .of('ModifyListener')
        .map(listenerWeights)
        .filter((m) => m.listenerArn === s.alb.testListenerArn);
      expect(test.map((m) => m.weights[s.alb.greenTargetGroupArn])).toEqual([100]);
      break;
    }
    case 'migration':
      await expectOneMigration(s, status, flag);
      expectOneServiceUpdate(status);
      break;
    case 'rolling':
      expectOneServiceUpdate(status);
      break;
  }
}

describe('the Release controller killed after each kind of step', () => {
  for (const point of KILL_POINTS) {
    it(`${point.name}: completes, every write once`, async () => {
      const run = await runWithKill(point);
      await expectCompletedOnce(point.strategy, run);
      if (point.strategy === 'rolling') {
        // Killed right after UpdateService: the next process tells it, found done, once.
        const told = (run.status.history ?? []).filter(
          (h) => h.reason === 'ServiceUpdated' && h.message?.includes('found already done'),
        );
        expect(told).toHaveLength(1);
      }
    }, 180_000);
  }
});

describe('the Release controller killed after every AWS write', () => {
  for (const strategy of ['canary', 'blueGreen', 'migration'] as const) {
    it(`${strategy}: completes, every write once`, async () => {
      const run = await runKillingEveryWrite(strategy);
      const { kills } = run;
      expect(kills.filter((k) => k !== 'flag write')).toEqual(log.writes().map((c) => c.operation));
      expect(kills.filter((k) => k === 'flag write')).toHaveLength(
        strategy === 'migration' ? 2 : 0,
      );
      await expectCompletedOnce(strategy, run);
      // A scale, a delete, a StopTask and a flag write leave no trace of their own in status:
      // written ahead with a pending mark, each is told by the next process, found done.
      const events = await releaseEvents(run.ns, 'ldb');
      const toldAfterKill: Record<string, string> = {
        UpdateTaskSet: 'TaskSetScaled',
        DeleteTaskSet: 'TaskSetDeleted',
        StopTask: 'MigrationTaskStopped',
        'flag write': 'MaintenanceFlagSet',
      };
      for (const kill of new Set(kills)) {
        const reason = toldAfterKill[kill];
        if (reason === undefined) continue;
        const told = events.filter(
          (e) => e.reason === reason && e.message.includes('found already done'),
        );
        expect(told.length, `${kill}: ${reason}, found done`).toBeGreaterThanOrEqual(1);
      }
      // Every write's answer was lost with the process: its Event comes from the step found done.
      if (strategy !== 'migration') {
        const reasons = events.map((e) => e.reason);
        for (const reason of [
          'ServiceClaimed',
          'TaskDefinitionRegistered',
          'TaskSetCreated',
          'TrafficShifted',
        ])
          expect(reasons, reason).toContain(reason);
        const claims = events.filter((e) => e.reason === 'ServiceClaimed');
        // Killed right after TagResource, so told by a later process as found done (again by each
        // process whose status write was lost to the next kill, never as a fresh claim).
        expect(claims.length).toBeGreaterThanOrEqual(1);
        expect(claims.every((e) => e.message.includes('found already done'))).toBe(true);
        const shifts = events.filter((e) => e.reason === 'TrafficShifted');
        expect(shifts.length).toBeGreaterThanOrEqual(strategy === 'canary' ? 3 : 1);
        expect(shifts.every((e) => e.message.includes('found already done'))).toBe(true);
      } else {
        // Killed right after CreateDBSnapshot and after RunTask: told by the next process.
        for (const reason of ['SnapshotCreated', 'MigrationTaskStarted']) {
          const told = events.filter((e) => e.reason === reason);
          expect(told, reason).toHaveLength(1);
          expect(told[0]?.message, reason).toContain('found already done');
        }
      }
    }, 240_000);
  }
});
