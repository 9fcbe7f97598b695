// A write found done after a restart still gets its Event (issue 9, item 2): a controller killed
// right after moto answered never emitted it, and status does not record the write (lastWrite).
import { describe, expect, it } from 'vitest';
import { lastWriteOf } from '../../../../reconcilers/release/plan/found.js';
import type { Action } from '../../../../reconcilers/release/plan/index.js';
import {
  canarySpec,
  canaryTaskSet,
  CANARY_TS,
  inFlight,
  iso,
  LISTENER,
  next,
  OBJECT,
  revisionTd,
  run,
  service,
  stableTaskSet,
  TD2,
  weights,
} from './fixtures.js';
import { taskSetId } from '../support/world.js';

const shift = (w: number): Action => ({
  type: 'setWeights',
  region: 'us-east-1',
  listenerArn: LISTENER,
  weights: weights(w)![LISTENER]!,
});
const found = (d: ReturnType<typeof run>, reason: string) =>
  d.events.filter((e) => e.reason === reason && e.message.includes('found already done'));

describe('writes found done', () => {
  it('a weight set by a controller that died before telling it', () => {
    const world = { service: service([stableTaskSet(), canaryTaskSet(5)]), weights: weights(5) };
    const lost = run(inFlight('Steps', { currentStepIndex: 0 }), world);
    expect(found(lost, 'TrafficShifted')).toHaveLength(1);
    const told = run(
      inFlight('Steps', { currentStepIndex: 0, lastWrite: lastWriteOf(shift(5)) }),
      world,
    );
    expect(found(told, 'TrafficShifted')).toHaveLength(0);
  });

  it('a task set created by a controller that died before telling it, once', () => {
    const observed = {
      service: service([stableTaskSet(), canaryTaskSet(5, { stabilityStatus: 'STABILIZING' })]),
      weights: weights(0),
      revisionTaskDefinition: revisionTd(),
    };
    const lost = run(inFlight('Deploy'), observed);
    expect(found(lost, 'TaskSetCreated')).toHaveLength(1);
    expect(lost.status.revision?.taskSetArn).toBe(CANARY_TS);
    // Recorded: the next reconcile does not tell it again.
    expect(found(run(lost.status, observed), 'TaskSetCreated')).toHaveLength(0);
    const told = run(
      inFlight('Deploy', {
        lastWrite: lastWriteOf({
          type: 'createTaskSet',
          ref: { region: 'us-east-1', cluster: 'prod', service: 'latticedb' },
          externalId: taskSetId(1, 'canary'),
          taskDefinitionArn: 'x',
          scalePercent: 5,
        }),
      }),
      observed,
    );
    expect(found(told, 'TaskSetCreated')).toHaveLength(0);
  });

  it('traffic back to stable during a rollback', () => {
    const world = { service: service([stableTaskSet(), canaryTaskSet(20)]), weights: weights(0) };
    const rolling = {
      currentWeight: 20,
      rollback: {
        outcome: 'Aborted',
        reason: 'Aborted',
        message: 'x',
        at: '2026-11-26T09:59:00Z',
        fromStage: 'Steps',
      },
    } as const;
    const lost = run(inFlight('RollingBack', rolling), world);
    expect(found(lost, 'TrafficShifted')).toHaveLength(1);
    const told = run(
      inFlight('RollingBack', { ...rolling, lastWrite: lastWriteOf(shift(0)) }),
      world,
    );
    expect(found(told, 'TrafficShifted')).toHaveLength(0);
  });
});

// The writes that leave no trace of their own in status (a scale, a task set or task gone, a flag
// on or off) are written ahead with a pending mark; a controller killed after the call resumes
// from that checkpoint and tells the write once it finds it done.
describe('writes found done from their pending mark', () => {
  const rollingBack = {
    currentWeight: 20,
    rollback: {
      outcome: 'Aborted',
      reason: 'Aborted',
      message: 'x',
      at: '2026-11-26T09:59:00Z',
      fromStage: 'Steps',
    },
  } as const;

  /** Decides in `before`; the controller dies once the write landed (`after`): resumes, tells it. */
  function killedAfterWrite(
    status: Parameters<typeof run>[0],
    before: Parameters<typeof run>[1],
    after: Parameters<typeof run>[1],
    type: Action['type'],
    reason: string,
    o: Parameters<typeof run>[2] = {},
  ) {
    const decided = run(status, before, o);
    expect(decided.action?.type).toBe(type);
    expect(decided.checkpoint).toBe(true);
    expect(decided.checkpointStatus?.lastWrite).toBe(`pending ${lastWriteOf(decided.action!)}`);
    const resumed = run(decided.checkpointStatus, after, o);
    expect(found(resumed, reason)).toHaveLength(1);
    // Told by a reconcile that only records it: a next write's kill cannot lose the Event.
    expect(resumed.action).toBeUndefined();
    // Told once: the mark is now the write's own, as if its status had been written.
    expect(resumed.status.lastWrite).toBe(lastWriteOf(decided.action!));
    expect(found(run(next(resumed), after, o), reason)).toHaveLength(0);
    // The status written after the call: nothing to tell.
    const told = { ...decided.status, lastWrite: lastWriteOf(decided.action!) };
    expect(found(run(told, after, o), reason)).toHaveLength(0);
    // The call never landed: nothing is told, the write is decided again.
    const lost = run(decided.checkpointStatus, before, o);
    expect(found(lost, reason)).toHaveLength(0);
    expect(lost.action?.type).toBe(type);
    return resumed;
  }

  it('UpdateTaskSet: the stable task set scaled back up during a rollback', () => {
    killedAfterWrite(
      inFlight('RollingBack', rollingBack),
      {
        service: service([stableTaskSet({ scalePercent: 0 }), canaryTaskSet(20)]),
        weights: weights(20),
      },
      { service: service([stableTaskSet(), canaryTaskSet(20)]), weights: weights(20) },
      'scaleTaskSet',
      'TaskSetScaled',
    );
  });

  it('DeleteTaskSet: the canary task set deleted by a rollback', () => {
    const resumed = killedAfterWrite(
      inFlight('RollingBack', { ...rollingBack, currentWeight: 0 }),
      { service: service([stableTaskSet(), canaryTaskSet(20)]), weights: weights(0) },
      { service: service([stableTaskSet()]), weights: weights(0) },
      'deleteTaskSet',
      'TaskSetDeleted',
    );
    expect(found(resumed, 'TaskSetDeleted')[0]?.message).toContain('deleted task set');
  });

  const spec = canarySpec({
    migration: {
      maintenanceFlag: 'maintenance_mode',
      task: { command: ['migrate'], timeout: '10m' },
      reversible: true,
    },
  });
  const ours = `controller:${OBJECT.namespace}/${OBJECT.name}`;
  const flag = (enabled: boolean, version: number, updatedBy = 'x') => ({
    ok: true as const,
    version,
    record: {
      name: 'maintenance_mode',
      enabled,
      basisPoints: enabled ? 10_000 : 0,
      salt: 'maintenance_mode',
      targets: [],
      killSwitch: null,
      version,
      updatedAt: iso(),
      updatedBy,
    },
  });

  it('the maintenance flag turned on: told as written, not only as on', () => {
    const resumed = killedAfterWrite(
      inFlight('MaintenanceOn', {}, spec),
      { flag: flag(false, 4) },
      { flag: flag(true, 5, ours) },
      'setMaintenanceFlag',
      'MaintenanceFlagSet',
      { spec },
    );
    expect(found(resumed, 'MaintenanceFlagSet')[0]?.message).toContain(
      'turned maintenance flag maintenance_mode on',
    );
    // Another writer's version beat the compare-and-set (a lost race): not told as ours.
    const decided = run(inFlight('MaintenanceOn', {}, spec), { flag: flag(false, 4) }, { spec });
    const raced = run(decided.checkpointStatus, { flag: flag(true, 5, 'someone') }, { spec });
    expect(found(raced, 'MaintenanceFlagSet')).toHaveLength(0);
  });

  it('StopTask: the migration task of a failed revision stopped before the rollback', () => {
    const task = (desiredStatus: string) => ({
      arn: 'arn:task/1',
      lastStatus: 'RUNNING',
      desiredStatus,
      taskDefinitionArn: TD2,
    });
    killedAfterWrite(
      inFlight(
        'RollingBack',
        {
          ...rollingBack,
          currentWeight: 0,
          migration: {
            phase: 'Failed',
            revision: 1,
            attempt: 0,
            startedBy: 'ldb-5f0c2a8e11112222-r1',
            startedAt: iso(),
            taskArn: 'arn:task/1',
            message: 'the migration task did not finish within 10m',
          },
        },
        spec,
      ),
      { migrationTask: task('RUNNING'), flag: flag(false, 4) },
      { migrationTask: task('STOPPED'), flag: flag(false, 4) },
      'stopTask',
      'MigrationTaskStopped',
      { spec },
    );
  });
});
