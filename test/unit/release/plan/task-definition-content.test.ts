// A revision only ever runs a task definition whose managed container is what the revision names
// (image, and environment/secrets when the spec sets them). Issue: a revision aborted before its
// task-definition ARN was stored left a spec-hash lookup for ITS hash in place, so the next
// revision adopted the aborted one's task definition and created its canary on the old image.
import { describe, expect, it } from 'vitest';
import { observationNeeds, specHash } from '../../../../reconcilers/release/plan/index.js';
import type { TaskDefinitionSummary } from '../../../../reconcilers/shared/ports/ecs.js';
import {
  canarySpec,
  canaryTaskSet,
  image,
  inFlight,
  OBJECT,
  run,
  service,
  stableTaskSet,
  TD1,
  TD2,
  weights,
} from './fixtures.js';

const TD3 = TD2.replace(/:2$/, ':3');

const td = (arn: string, img: string, environment: Record<string, string> = {}) =>
  ({
    arn,
    family: 'latticedb',
    revision: Number(arn.slice(arn.lastIndexOf(':') + 1)),
    containers: [{ name: 'latticedb', image: img, environment, secrets: [] }],
    tags: {},
    requiresCompatibilities: ['FARGATE'],
  }) satisfies TaskDefinitionSummary;

const preflightFacts = {
  baseTaskDefinition: td(TD1, image('v1')),
  image: { kind: 'found' as const },
  capacity: { capacityProviders: [], registeredContainerInstances: 0 },
  weights: weights(0),
};

/** Revision 2 (image v2) was aborted at Register: its task definition was never recorded. */
const abortedAtRegister = () => {
  const v2 = canarySpec({ image: image('v2') });
  return inFlight(
    'Done',
    {
      outcome: 'Aborted',
      revision: { number: 2, specHash: specHash(v2), image: image('v2'), registering: true },
    },
    v2,
  );
};

describe('the task definition a revision runs', () => {
  it('a new revision never looks up the previous revision’s task definition', () => {
    const v3 = canarySpec({ image: image('v3') });
    const needs = observationNeeds(v3, abortedAtRegister(), OBJECT, 600_000);
    expect(needs.revisionTaskDefinition).toBeUndefined();
  });

  it('a new revision registers its own task definition, even when one of the aborted revision is seen', () => {
    const v3 = canarySpec({ image: image('v3') });
    const d = run(
      abortedAtRegister(),
      { ...preflightFacts, revisionTaskDefinition: td(TD3, image('v2')) },
      { spec: v3 },
    );
    expect(d.status.revision).toMatchObject({ number: 3, image: image('v3') });
    expect(d.action).toMatchObject({
      type: 'registerTaskDefinition',
      change: { image: image('v3') },
    });
    // Written ahead: a registration whose answer is lost is looked for after a restart.
    expect(d.checkpoint).toBe(true);
    expect(d.status.revision?.registering).toBe(true);
  });

  it('the first registration of a revision needs no lookup at all', () => {
    const v3 = canarySpec({ image: image('v3') });
    const healthy = inFlight('Done', { outcome: 'Succeeded' });
    expect(observationNeeds(v3, healthy, OBJECT, 600_000).revisionTaskDefinition).toBeUndefined();
    const atRegister = inFlight(
      'Register',
      { revision: { number: 1, specHash: specHash(v3), image: image('v3') } },
      v3,
    );
    expect(
      observationNeeds(v3, atRegister, OBJECT, 600_000).revisionTaskDefinition,
    ).toBeUndefined();
  });

  it('a registration that may have happened is looked up, and reused only when its content matches', () => {
    const v3 = canarySpec({ image: image('v3') });
    const registering = inFlight(
      'Register',
      { revision: { number: 2, specHash: specHash(v3), image: image('v3'), registering: true } },
      v3,
    );
    expect(observationNeeds(v3, registering, OBJECT, 600_000).revisionTaskDefinition).toEqual({
      specHash: specHash(v3),
    });
    const wrong = run(
      registering,
      { ...preflightFacts, revisionTaskDefinition: td(TD3, image('v2')) },
      { spec: v3 },
    );
    expect(wrong.status.revision?.taskDefinitionArn).toBeUndefined();
    expect(wrong.action).toMatchObject({
      type: 'registerTaskDefinition',
      change: { image: image('v3') },
    });
    const right = run(
      registering,
      { ...preflightFacts, revisionTaskDefinition: td(TD3, image('v3')) },
      { spec: v3 },
    );
    expect(right.status.revision?.taskDefinitionArn).toBe(TD3);
    // Found done (the status write after the registration did not land: a 409, a restart):
    // still told, so every AWS write has its Event, worded as the routine it is, not a crash.
    expect(right.events).toContainEqual({
      type: 'Normal',
      reason: 'TaskDefinitionRegistered',
      message:
        `revision 2 runs ${TD3} (registered; confirmed on the next reconcile, found already done: ` +
        'the status write after it had not landed)',
    });
  });

  it('no task set is created on a task definition that runs another image', () => {
    const v3 = canarySpec({ image: image('v3') });
    const deploy = inFlight(
      'Deploy',
      {
        revision: { number: 2, specHash: specHash(v3), image: image('v3'), taskDefinitionArn: TD2 },
      },
      v3,
    );
    expect(observationNeeds(v3, deploy, OBJECT, 600_000).revisionTaskDefinition).toEqual({
      arn: TD2,
    });
    const d = run(
      deploy,
      {
        service: service([stableTaskSet()]),
        weights: weights(0),
        revisionTaskDefinition: td(TD2, image('v2')),
      },
      { spec: v3 },
    );
    expect(d.action?.type).not.toBe('createTaskSet');
    expect(d.status.attempt?.rollback).toMatchObject({
      reason: 'TaskDefinitionMismatch',
      message: expect.stringContaining(`runs ${image('v2')}, not ${image('v3')}`) as unknown,
    });
    const ok = run(
      deploy,
      {
        service: service([stableTaskSet()]),
        weights: weights(0),
        revisionTaskDefinition: td(TD2, image('v3')),
      },
      { spec: v3 },
    );
    expect(ok.action).toMatchObject({ type: 'createTaskSet', taskDefinitionArn: TD2 });
  });

  it('environment the spec sets is part of the content', () => {
    const spec = canarySpec({ image: image('v3'), environment: { MODE: 'b' } });
    const deploy = inFlight(
      'Deploy',
      {
        revision: {
          number: 2,
          specHash: specHash(spec),
          image: image('v3'),
          taskDefinitionArn: TD2,
        },
      },
      spec,
    );
    const d = run(
      deploy,
      {
        service: service([stableTaskSet()]),
        weights: weights(0),
        revisionTaskDefinition: td(TD2, image('v3'), { MODE: 'a' }),
      },
      { spec },
    );
    expect(d.action?.type).not.toBe('createTaskSet');
  });
});

describe('a task set of the revision’s name left by another Release (issue 9, item 1)', () => {
  // Deleted mid-canary at 15 % with image v2, re-created with v3: revisions count from 1 again.
  const v3 = canarySpec({ image: image('v3') });
  const leftover = canaryTaskSet(15, { taskDefinitionArn: TD1.replace(/:1$/, ':7') });

  it('is not adopted at Deploy: the revision creates its own', () => {
    const deploy = inFlight(
      'Deploy',
      {
        revision: { number: 1, specHash: specHash(v3), image: image('v3'), taskDefinitionArn: TD2 },
      },
      v3,
    );
    const d = run(
      deploy,
      {
        service: service([stableTaskSet(), leftover]),
        weights: weights(0),
        revisionTaskDefinition: td(TD2, image('v3')),
      },
      { spec: v3 },
    );
    expect(d.status.revision?.taskSetArn).toBeUndefined();
    expect(d.action).toMatchObject({ type: 'createTaskSet', taskDefinitionArn: TD2 });
  });

  it('before the revision starts: traffic back to stable, then the leftover is deleted', () => {
    const cleanup = inFlight(
      'Cleanup',
      { revision: { number: 1, specHash: specHash(v3), image: image('v3') } },
      v3,
    );
    const world = { service: service([stableTaskSet(), leftover]) };
    const back = run(cleanup, { ...world, weights: weights(15) }, { spec: v3 });
    expect(back.action).toMatchObject({
      type: 'setWeights',
      weights: [{ weight: 100 }, { weight: 0 }],
    });
    const gone = run(cleanup, { ...world, weights: weights(0) }, { spec: v3 });
    expect(gone.action).toMatchObject({ type: 'deleteTaskSet', taskSetArn: leftover.arn });
  });
});
