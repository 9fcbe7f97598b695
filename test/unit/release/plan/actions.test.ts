// Operator actions (annotations whose value names the revision): each is applied once, a value
// naming another revision is ignored with a Warning, approve may come early.
import { describe, expect, it } from 'vitest';
import {
  blueGreenSpec,
  canaryTaskSet,
  image,
  inFlight,
  next,
  run,
  service,
  stableTaskSet,
  TD1,
  TD2,
  weights,
} from './fixtures.js';
import { taskSetId } from '../support/world.js';

const A = (name: string, value: string | number) => ({
  [`delivery.latticedb.com/${name}`]: String(value),
});
const midCanary = inFlight('Steps', { currentStepIndex: 4, currentWeight: 15 });
const world = { service: service([stableTaskSet(), canaryTaskSet(15)]), weights: weights(15) };

describe('operator actions', () => {
  it('abort=<current revision> rolls back (Aborted); applied once, whatever happens next', () => {
    const d = run(midCanary, world, { annotations: A('abort', 1) });
    expect(d.status).toMatchObject({
      stage: 'RollingBack',
      actions: { abort: '1' },
      attempt: { rollback: { outcome: 'Aborted', reason: 'Aborted' } },
    });
    expect(d.action).toMatchObject({
      type: 'setWeights',
      weights: [{ weight: 100 }, { weight: 0 }],
    });
    const later = run(inFlight('Steps', { actions: { abort: '1' } }), world, {
      annotations: A('abort', 1),
    });
    expect(later.status.stage).toBe('Steps');
    expect(later.events.map((e) => e.reason)).not.toContain('Aborted');
  });

  it('a value naming another revision is ignored with a Warning, once', () => {
    const d = run(midCanary, world, { annotations: A('abort', 7) });
    expect(d.status.stage).toBe('Steps');
    expect(d.events).toContainEqual(
      expect.objectContaining({ type: 'Warning', reason: 'ActionIgnored' }),
    );
    expect(d.status.actions?.abort).toBe('7');
    const again = run(next(d), world, { annotations: A('abort', 7) });
    expect(again.events.map((e) => e.reason)).not.toContain('ActionIgnored');
  });

  it('abort with nothing in flight is ignored', () => {
    const d = run(inFlight('Done', { outcome: 'Succeeded' }), {}, { annotations: A('abort', 1) });
    expect(d.status.stage).toBe('Done');
    expect(d.events.find((e) => e.reason === 'ActionIgnored')?.message).toContain(
      'nothing is in flight',
    );
  });

  it('retry restarts a rolled-back revision from the first step; a failed migration gets a new attempt', () => {
    const failed = inFlight('Done', {
      outcome: 'RolledBack',
      currentStepIndex: 5,
      rollback: {
        outcome: 'RolledBack',
        reason: 'AnalysisFailed',
        message: 'x',
        at: '2026-11-26T09:00:00Z',
        fromStage: 'Steps',
      },
      migration: {
        phase: 'Failed',
        revision: 1,
        attempt: 0,
        startedBy: 'ldb-5f0c2a8e-r1',
        exitCode: 1,
      },
    });
    const d = run(failed, { weights: weights(0) }, { annotations: A('retry', 1) });
    expect(d.status).toMatchObject({
      revision: { number: 1 },
      migration: { phase: 'Pending', attempt: 1 },
      actions: { retry: '1' },
    });
    expect(d.status.attempt?.currentStepIndex ?? 0).toBe(0);
    expect(d.status.attempt?.rollback).toBeUndefined();
    expect(d.status.stage).not.toBe('Done');
  });

  it('retry of a healthy revision is ignored', () => {
    const d = run(inFlight('Done', { outcome: 'Succeeded' }), {}, { annotations: A('retry', 1) });
    expect(d.events.find((e) => e.reason === 'ActionIgnored')?.message).toContain('can be retried');
  });

  it('rollback of a healthy revision deploys the previous stable one through the fast path and pins the spec', () => {
    const healthy = inFlight('Done', {
      outcome: 'Succeeded',
      stableRevision: { number: 1, specHash: 'h1', image: image('v2'), taskDefinitionArn: TD2 },
      stableHistory: [
        { number: 0, specHash: 'h0', image: image('v1'), taskDefinitionArn: TD1 },
        { number: 1, specHash: 'h1', image: image('v2'), taskDefinitionArn: TD2 },
      ],
    });
    const d = run(healthy, { weights: weights(0) }, { annotations: A('rollback', 1) });
    expect(d.status.revision).toMatchObject({
      number: 2,
      specHash: 'h0',
      image: image('v1'),
      taskDefinitionArn: TD1,
      fastPath: true,
    });
    expect(d.status.pinnedSpecHash).toBeDefined();
  });

  it('rollback of a revision in flight returns to stable (RolledBack)', () => {
    const d = run(midCanary, world, { annotations: A('rollback', 1) });
    expect(d.status.attempt?.rollback).toMatchObject({ outcome: 'RolledBack' });
  });

  it('approve given before the gate stays pending and is consumed there', () => {
    const spec = blueGreenSpec();
    const deploying = inFlight('Deploy', {}, spec);
    const green = canaryTaskSet(50, { externalId: taskSetId(1, 'green') });
    const d = run(
      deploying,
      { service: service([stableTaskSet(), green]), weights: weights(0) },
      { spec, annotations: A('approve', 1) },
    );
    expect(d.status.actions?.approve).toBeUndefined();
    expect(d.action).toMatchObject({ type: 'scaleTaskSet', scalePercent: 100 });
    const atGate = inFlight('Approval', {}, spec);
    const go = run(
      atGate,
      {
        service: service([
          stableTaskSet(),
          canaryTaskSet(100, { externalId: taskSetId(1, 'green') }),
        ]),
        weights: weights(0),
      },
      { spec, annotations: A('approve', 1) },
    );
    expect(go.status.actions?.approve).toBe('1');
    expect(go.action).toMatchObject({
      type: 'setWeights',
      weights: [{ weight: 0 }, { weight: 100 }],
    });
  });

  it('promote outside a pause or analysis is ignored', () => {
    const d = run(inFlight('Deploy'), { weights: weights(0) }, { annotations: A('promote', 1) });
    expect(d.events.find((e) => e.reason === 'ActionIgnored')?.message).toContain(
      'nothing to promote',
    );
  });
});
