// A write found done after a restart still gets its Event (issue 9, item 2): a controller killed
// right after moto answered never emitted it, and status does not record the write (lastWrite).
import { describe, expect, it } from 'vitest';
import { lastWriteOf } from '../../../../reconcilers/release/plan/found.js';
import type { Action } from '../../../../reconcilers/release/plan/index.js';
import {
  canaryTaskSet,
  CANARY_TS,
  inFlight,
  LISTENER,
  revisionTd,
  run,
  service,
  stableTaskSet,
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
