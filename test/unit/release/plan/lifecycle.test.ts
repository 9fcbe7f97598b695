// progressDeadline, and the blue/green and rolling transitions in decide().
import { describe, expect, it } from 'vitest';
import type { ServiceDeployment } from '../../../../reconcilers/shared/ports/ecs.js';
import {
  blueGreenSpec,
  canaryTaskSet,
  inFlight,
  iso,
  LISTENER,
  next,
  NOW,
  rollingSpec,
  run,
  service,
  stableTaskSet,
  TD1,
  TD2,
  TEST_LISTENER,
  TG_A,
  TG_B,
  weights,
  revisionTd,
} from './fixtures.js';
import { taskSetId } from '../support/world.js';

const stabilizing = service([
  stableTaskSet(),
  canaryTaskSet(5, { stabilityStatus: 'STABILIZING' }),
]);

describe('progressDeadline', () => {
  it('a wait on AWS longer than the deadline rolls back (ProgressDeadlineExceeded)', () => {
    const late = inFlight('Deploy', { lastProgressAt: iso(-31 * 60_000) });
    const d = run(late, { service: stabilizing, weights: weights(0) });
    expect(d.status.attempt?.rollback).toMatchObject({
      reason: 'ProgressDeadlineExceeded',
      outcome: 'RolledBack',
    });
  });

  it('before it, the poll is capped at the deadline', () => {
    const d = run(inFlight('Deploy', { lastProgressAt: iso(-(30 * 60_000 - 2_000)) }), {
      service: stabilizing,
      weights: weights(0),
    });
    expect(d.status.stage).toBe('Deploy');
    expect(d.requeueAfterMs).toBe(2_001);
  });

  it('a timed pause or an approval wait does not count', () => {
    const pausing = inFlight('Steps', {
      currentStepIndex: 1,
      lastProgressAt: iso(-3_600_000),
      stepStartedAt: iso(-30_000),
    });
    expect(
      run(pausing, { service: service([stableTaskSet(), canaryTaskSet(5)]), weights: weights(5) })
        .status.attempt?.rollback,
    ).toBeUndefined();
    const spec = blueGreenSpec();
    const waiting = inFlight(
      'Approval',
      {
        lastProgressAt: iso(-86_400_000),
        pause: { reason: 'AwaitingApproval', since: iso(-86_400_000) },
      },
      spec,
    );
    const d = run(waiting, { service: service([stableTaskSet(), canaryTaskSet(100)]) }, { spec });
    expect(d.status.phase).toBe('AwaitingApproval');
  });
});

describe('blue/green', () => {
  const spec = blueGreenSpec();
  const green = (p = {}) => canaryTaskSet(100, { externalId: taskSetId(1, 'green'), ...p });

  it('Deploy creates green at 100 % in the target group blue does not use, then points the test listener at it', () => {
    const d = run(
      inFlight('Deploy', {}, spec),
      {
        weights: { ...weights(0), ...weights(0, TEST_LISTENER) },
        revisionTaskDefinition: revisionTd(spec),
      },
      { spec },
    );
    expect(d.action).toMatchObject({
      type: 'createTaskSet',
      externalId: taskSetId(1, 'green'),
      scalePercent: 100,
      loadBalancer: { targetGroupArn: TG_B },
    });
    const d2 = run(
      inFlight('Deploy', {}, spec),
      {
        service: service([stableTaskSet(), green()]),
        weights: { ...weights(0), ...weights(0, TEST_LISTENER) },
      },
      { spec },
    );
    expect(d2.action).toMatchObject({
      type: 'setWeights',
      listenerArn: TEST_LISTENER,
      weights: [
        { targetGroupArn: TG_A, weight: 0 },
        { targetGroupArn: TG_B, weight: 100 },
      ],
    });
  });

  it('autoPromoteAfter: waits until it has elapsed, then switches', () => {
    const s = blueGreenSpec({ autoPromoteAfter: '30m' });
    const waiting = inFlight(
      'Approval',
      { pause: { reason: 'AwaitingApproval', since: iso(-25 * 60_000) } },
      s,
    );
    const world = { service: service([stableTaskSet(), green()]), weights: weights(0) };
    expect(run(waiting, world, { spec: s }).requeueAfterMs).toBe(5 * 60_000 + 1);
    const d = run(waiting, world, { spec: s, now: new Date(NOW.getTime() + 5 * 60_000) });
    expect(d.action).toMatchObject({ type: 'setWeights', listenerArn: LISTENER });
    expect(d.events.map((e) => e.reason)).toContain('AutoPromoted');
  });

  it('Switch: production weights first, then the primary; success keeps blue for scaleDownDelay', () => {
    const spec = blueGreenSpec({ scaleDownDelay: '5m' });
    const world = { service: service([stableTaskSet(), green()]), weights: weights(100) };
    expect(run(inFlight('Switch', {}, spec), world, { spec }).action).toMatchObject({
      type: 'setPrimary',
      taskSetArn: green().arn,
    });
    const promoted = {
      service: service([
        stableTaskSet({ status: 'ACTIVE' }),
        green({ status: 'PRIMARY', runningCount: 4, computedDesiredCount: 4 }),
      ]),
      weights: weights(100),
    };
    const d = run(inFlight('Switch', {}, spec), promoted, { spec });
    expect(d.status).toMatchObject({ phase: 'Healthy', retiring: { deleteAt: iso(5 * 60_000) } });
    expect(d.action).toBeUndefined();
    expect(d.requeueAfterMs).toBe(5 * 60_000 + 1);
  });
});

describe('rolling', () => {
  const spec = rollingSpec();
  const deployment = (p: Partial<ServiceDeployment>): ServiceDeployment => ({
    id: 'ecs-svc/2',
    status: 'PRIMARY',
    taskDefinitionArn: TD2,
    desiredCount: 3,
    runningCount: 1,
    pendingCount: 2,
    failedTasks: 0,
    rolloutState: 'IN_PROGRESS',
    ...p,
  });
  const ecsService = (p = {}) =>
    service([], {
      deploymentController: 'ECS',
      taskDefinitionArn: TD1,
      deployments: [
        deployment({
          id: 'ecs-svc/1',
          taskDefinitionArn: TD1,
          rolloutState: 'COMPLETED',
          runningCount: 3,
        }),
      ],
      ...p,
    });

  it('Deploy updates the service with the circuit breaker as configured', () => {
    const d = run(
      inFlight('Deploy', {}, spec),
      { service: ecsService(), revisionTaskDefinition: revisionTd(spec) },
      { spec },
    );
    expect(d.action).toEqual({
      type: 'updateService',
      ref: { region: 'us-east-1', cluster: 'prod', service: 'latticedb' },
      taskDefinitionArn: TD2,
      minimumHealthyPercent: 100,
      maximumPercent: 200,
      circuitBreaker: { enable: true, rollback: false },
    });
  });

  it('waits while the deployment rolls, completes when it is COMPLETED alone', () => {
    const rolling = ecsService({
      taskDefinitionArn: TD2,
      deployments: [
        deployment({}),
        deployment({ id: 'ecs-svc/1', status: 'ACTIVE', taskDefinitionArn: TD1 }),
      ],
    });
    const d = run(inFlight('Deploy', {}, spec), { service: rolling }, { spec });
    expect(d.action).toBeUndefined();
    expect(d.status.message).toContain('1 of 3 tasks');
    const done = ecsService({
      taskDefinitionArn: TD2,
      deployments: [deployment({ rolloutState: 'COMPLETED', runningCount: 3 })],
    });
    expect(run(inFlight('Deploy', {}, spec), { service: done }, { spec }).status.phase).toBe(
      'Healthy',
    );
  });

  // Issue 9 item 2: an UpdateService whose answer was lost with the process is told when found.
  it('a deployment found without the status of its UpdateService: ServiceUpdated (found done), once, and recorded', () => {
    const rolling = ecsService({
      taskDefinitionArn: TD2,
      deployments: [
        deployment({}),
        deployment({ id: 'ecs-svc/1', status: 'ACTIVE', taskDefinitionArn: TD1 }),
      ],
    });
    const found = (d: ReturnType<typeof run>) =>
      d.events.filter(
        (e) => e.reason === 'ServiceUpdated' && e.message.includes('found already done'),
      );
    const lost = run(inFlight('Deploy', {}, spec), { service: rolling }, { spec });
    expect(found(lost)).toHaveLength(1);
    expect(lost.status.attempt?.serviceUpdatedAt).toBe(iso());
    expect(found(run(next(lost), { service: rolling }, { spec }))).toHaveLength(0);
    // Its own UpdateService returned: the status recorded it, nothing to tell.
    const made = inFlight('Deploy', { attempt: { serviceUpdatedAt: iso(-1_000) } }, spec);
    expect(found(run(made, { service: rolling }, { spec }))).toHaveLength(0);
  });

  it('a FAILED deployment (circuit breaker) rolls back by updating the service to the stable task definition', () => {
    const failed = ecsService({
      taskDefinitionArn: TD2,
      deployments: [deployment({ rolloutState: 'FAILED', rolloutStateReason: 'tasks failed' })],
    });
    const d = run(inFlight('Deploy', {}, spec), { service: failed }, { spec });
    expect(d.status.attempt?.rollback).toMatchObject({ reason: 'CircuitBreakerTripped' });
    expect(d.action).toMatchObject({ type: 'updateService', taskDefinitionArn: TD1 });
  });
});
