// Revisions in decide(): adoption on first sight, a spec change starting N+1, superseding a
// revision in flight, the rollbackWindow fast path, the pin left by the rollback action.
import { describe, expect, it } from 'vitest';
import { specHash } from '../../../../reconcilers/release/plan/index.js';
import {
  canarySpec,
  canaryTaskSet,
  image,
  inFlight,
  iso,
  next,
  OBJECT,
  run,
  service,
  stableTaskSet,
  TD1,
  TD2,
  TG_A,
  weights,
} from './fixtures.js';

const container = (img: string, environment: Record<string, string> = {}) => ({
  arn: TD1,
  family: 'latticedb',
  revision: 1,
  containers: [{ name: 'latticedb', image: img, environment, secrets: [] }],
  tags: {},
  requiresCompatibilities: ['FARGATE'],
});

describe('spec hash', () => {
  it('ignores key order and changes with image, environment, secrets and restartedAt', () => {
    const a = canarySpec({ environment: { A: '1', B: '2' } });
    expect(specHash(a)).toBe(specHash(canarySpec({ environment: { B: '2', A: '1' } })));
    for (const change of [
      { image: image('v3') },
      { environment: { A: '1' } },
      { restartedAt: '2026-11-26T12:00:00Z' },
      { secrets: [{ name: 'S', valueFrom: 'arn:aws:ssm:us-east-1:1:parameter/s' }] },
    ]) {
      expect(specHash({ ...a, ...change })).not.toBe(specHash(a));
    }
  });
});

describe('adoption and new revisions', () => {
  it('a Release describing what runs is adopted as revision 1, Healthy, without an action', () => {
    const d = run(undefined, { baseTaskDefinition: container(image('v2')) });
    expect(d.action).toBeUndefined();
    expect(d.status).toMatchObject({
      phase: 'Healthy',
      revision: { number: 1, taskDefinitionArn: TD1 },
      stableTargetGroupArn: TG_A,
    });
    expect(d.events.map((e) => e.reason)).toContain('Adopted');
    expect(d.requeueAfterMs).toBe(600_000);
  });

  it('otherwise the running task definition becomes stable revision 0 and revision 1 starts', () => {
    const d = run(undefined, {
      baseTaskDefinition: container(image('v1')),
      weights: weights(0),
      image: { kind: 'found' },
      capacity: { capacityProviders: [], registeredContainerInstances: 0 },
      revisionTaskDefinition: null,
    });
    expect(d.status.stableRevision).toMatchObject({
      number: 0,
      image: image('v1'),
      taskDefinitionArn: TD1,
    });
    expect(d.status.revision).toMatchObject({ number: 1, image: image('v2') });
    expect(d.action).toMatchObject({
      type: 'registerTaskDefinition',
      base: TD1,
      change: { container: 'latticedb', image: image('v2') },
      tags: { 'latticedb.com/spec-hash': specHash(canarySpec()), 'latticedb.com/revision': '1' },
    });
  });

  it('a task definition registered before a crash is found by its tag and reused', () => {
    const status = inFlight('Register', {
      revision: {
        number: 1,
        specHash: specHash(canarySpec()),
        image: image('v2'),
        registering: true,
      },
    });
    const d = run(status, {
      baseTaskDefinition: container(image('v1')),
      revisionTaskDefinition: { ...container(image('v2')), arn: TD2 },
      weights: weights(0),
    });
    expect(d.status.revision?.taskDefinitionArn).toBe(TD2);
    expect(d.action).toMatchObject({ type: 'createTaskSet', taskDefinitionArn: TD2 });
  });

  it('a spec change while Healthy starts revision N+1 at Cleanup', () => {
    const healthy = inFlight('Done', { outcome: 'Succeeded' });
    const d = run(healthy, { weights: weights(0) }, { spec: canarySpec({ image: image('v3') }) });
    expect(d.status.revision).toMatchObject({ number: 2, image: image('v3') });
    expect(d.status.stage).not.toBe('Done');
    expect(d.events.map((e) => e.reason)).toContain('NewRevision');
  });

  it('a spec change mid-canary supersedes it: traffic back to stable first, then the canary is deleted', () => {
    const status = inFlight('Steps', { currentStepIndex: 4, currentWeight: 15 });
    const spec = canarySpec({ image: image('v3') });
    const sets = [stableTaskSet(), canaryTaskSet(15)];
    const d = run(status, { service: service(sets), weights: weights(15) }, { spec });
    expect(d.status).toMatchObject({
      stage: 'RollingBack',
      revision: { number: 1 },
      attempt: { rollback: { outcome: 'Superseded' } },
    });
    expect(d.action).toMatchObject({
      type: 'setWeights',
      weights: [{ weight: 100 }, { weight: 0 }],
    });
    const d2 = run(next(d), { service: service(sets), weights: weights(0) }, { spec });
    expect(d2.action).toMatchObject({ type: 'deleteTaskSet', taskSetArn: sets[1]!.arn });
    const d3 = run(
      next(d2),
      {
        service: service([stableTaskSet()]),
        weights: weights(0),
        revisionTaskDefinition: null,
        baseTaskDefinition: container(image('v1')),
        image: { kind: 'found' },
        capacity: { capacityProviders: [], registeredContainerInstances: 0 },
      },
      { spec },
    );
    expect(d3.status.revision).toMatchObject({ number: 2, image: image('v3') });
    expect(d3.status.deploymentLog?.map((e) => [e.revision, e.outcome])).toEqual([
      [1, 'Superseded'],
    ]);
    expect(d3.action).toMatchObject({ type: 'registerTaskDefinition' });
  });

  it('rollbackWindow: a spec equal to a recent stable revision takes the fast path with its task definition', () => {
    const v1 = {
      number: 0,
      specHash: specHash(canarySpec({ image: image('v1') })),
      image: image('v1'),
      taskDefinitionArn: TD1,
    };
    const healthy = inFlight('Done', {
      outcome: 'Succeeded',
      stableHistory: [
        v1,
        { number: 1, specHash: specHash(canarySpec()), image: image('v2'), taskDefinitionArn: TD2 },
      ],
    });
    const spec = canarySpec({ image: image('v1'), rollbackWindow: { revisions: 2 } });
    const d = run(
      healthy,
      {
        weights: weights(0),
        baseTaskDefinition: container(image('v2')),
        image: { kind: 'found' },
        capacity: { capacityProviders: [], registeredContainerInstances: 0 },
      },
      { spec },
    );
    expect(d.status.revision).toMatchObject({ number: 2, fastPath: true, taskDefinitionArn: TD1 });
    expect(d.events.map((e) => e.reason)).toContain('FastRollback');
    const outside = run(
      healthy,
      { weights: weights(0) },
      { spec: { ...spec, rollbackWindow: { revisions: 1 } } },
    );
    expect(outside.status.revision?.fastPath).toBeUndefined();
  });

  it('a pinned spec (after the rollback action) starts nothing and says why', () => {
    const status = inFlight('Done', {
      outcome: 'Succeeded',
      pinnedSpecHash: specHash(canarySpec()),
      revision: { number: 2, specHash: 'older', image: image('v1'), taskDefinitionArn: TD1 },
    });
    const d = run(status, {});
    expect(d.action).toBeUndefined();
    expect(d.status.revision?.number).toBe(2);
    expect(d.status.message).toContain(
      'kubectl -n prod annotate release/latticedb delivery.latticedb.com/retry=2 --overwrite',
    );
  });

  it('a missing service stalls with ServiceNotFound and polls', () => {
    const d = run(inFlight('Steps'), { service: null });
    expect(d.action).toBeUndefined();
    expect(d.status.conditions?.find((c) => c.type === 'Stalled')).toMatchObject({
      status: 'True',
      reason: 'ServiceNotFound',
    });
    expect(d.requeueAfterMs).toBe(5_000);
    // The phase and its event say it is stopped, not waiting.
    expect(d.status.phase).toBe('Degraded');
    expect(d.status.history?.at(-1)).toMatchObject({ to: 'Degraded', reason: 'Degraded' });
    expect(d.events).toContainEqual(
      expect.objectContaining({ type: 'Warning', reason: 'Degraded' }),
    );
  });

  it('a new Release whose service is missing is Degraded, not Pending', () => {
    const d = run(undefined, { service: null });
    expect(d.status.phase).toBe('Degraded');
    expect(d.events.filter((e) => e.reason === 'Degraded').map((e) => e.type)).toEqual(['Warning']);
  });

  it('suspend observes and reports only', () => {
    const d = run(
      inFlight('Steps', { currentStepIndex: 0 }),
      { weights: weights(0) },
      { spec: canarySpec({ suspend: true }) },
    );
    expect(d.action).toBeUndefined();
    expect(d.status.conditions?.find((c) => c.type === 'Paused')).toMatchObject({
      status: 'True',
      reason: 'Suspended',
    });
    expect(d.status.attempt?.stepStartedAt).toBe(iso(-60_000));
  });
});

describe('task sets of ours', () => {
  it('are exactly `ldb-<uid>-r<N>-canary|green` with our UID; look-alikes, other owners and the seed primary are not', async () => {
    const { revisionOfTaskSet, taskSetOrigin } =
      await import('../../../../reconcilers/release/plan/world.js');
    const of = (externalId: string) =>
      revisionOfTaskSet(canaryTaskSet(5, { externalId }), OBJECT.uid);
    expect(of(`ldb-${OBJECT.uid}-r3-canary`)).toBe(3);
    expect(of(`ldb-${OBJECT.uid}-r12-green`)).toBe(12);
    const other = '0b9e7d3c-aaaa-bbbb-cccc-ddddeeeeffff';
    for (const foreign of [
      'seed-primary',
      `ldb-${OBJECT.uid}-r1-stable`,
      `ldb-${OBJECT.uid}-r1-blue`,
      `xldb-${OBJECT.uid}-r1-canary`,
      `ldb-${other}-r1-canary`,
      'ldb-r1-canary',
    ])
      expect(of(foreign)).toBeUndefined();
    // Made by a Release, but not this one: another UID, or an id from before ids carried one.
    const origin = (externalId: string) => taskSetOrigin(canaryTaskSet(5, { externalId }));
    expect(origin(`ldb-${other}-r1-canary`)).toEqual({ uid: other, revision: 1 });
    expect(origin('ldb-r4-green')).toEqual({ uid: undefined, revision: 4 });
    expect(origin('ldb-r1-blue')).toBeUndefined();
  });
});
