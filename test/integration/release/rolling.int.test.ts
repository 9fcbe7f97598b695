// Rolling on the default-controller (ECS) service, the controller's AWS traffic going through the
// fault proxy. moto never progresses `deployments[]` (aws-emulator.md §3), so the proxy rewrites
// DescribeServices answers to play ECS's deployment controller from what moto holds: the task
// definition the service was last given and the circuit-breaker settings the controller sent.
// Shown: UpdateService carries the new task definition and the circuit breaker; COMPLETED →
// Healthy; FAILED → RolledBack with the reason in status and Events, through the controller's own
// UpdateService back (rollback: false) or through ECS's rollback (rollback: true, no second write),
// also when ECS's rollback finished and dropped the failed deployment before the controller looked.
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { ReleaseStatus } from '../../../reconcilers/release/api.js';
import { createTestNamespace } from '../../env/fixtures.js';
import type { SeededLatticeDb } from '../../fixtures/moto/seed.js';
import { createRelease, installCrd, waitForRelease } from './support.js';
import {
  imageOf,
  motoService,
  motoTaskDefinition,
  NEW_TAG,
  releaseEvents,
  rollingSpec,
  seedWorld,
  sleep,
  startProxiedController,
  type ProxiedController,
} from './scenario.js';

let running: ProxiedController | undefined;

beforeAll(async () => {
  await installCrd();
});

afterEach(async () => {
  await running?.stop();
  running = undefined;
});

type RolloutState = 'IN_PROGRESS' | 'COMPLETED' | 'FAILED';
/** ECS's own rollback finished and the failed deployment is no longer listed. */
const ROLLED_BACK_AND_GONE = 'ROLLED_BACK_AND_GONE';
const CIRCUIT_BREAKER_REASON =
  'ECS deployment circuit breaker: tasks failed to start (3 of 4 tasks stopped: essential container exited)';

/**
 * ECS's deployment controller for one service, as DescribeServices would report it. The service's
 * original task definition is one COMPLETED deployment; another one (a new UpdateService) is in
 * `rollout` state. FAILED with the circuit breaker's `rollback` on looks as ECS does after its own
 * rollback: the original task definition PRIMARY and COMPLETED again, the failed one ACTIVE.
 */
class EcsDeployments {
  rollout: RolloutState | typeof ROLLED_BACK_AND_GONE = 'IN_PROGRESS';
  readonly #service: string;
  readonly #original: string;

  constructor(service: string, original: string) {
    this.#service = service;
    this.#original = original;
  }

  readonly rule = {
    service: 'ecs',
    operation: 'DescribeServices',
    fault: 'rewrite',
    transformJson: (body: unknown) => this.#rewrite(body),
  } as const;

  #rewrite(body: unknown): unknown {
    const out = body as { services?: Record<string, unknown>[] };
    for (const svc of out.services ?? []) {
      if (svc.serviceName !== this.#service) continue;
      const given = String(svc.taskDefinition);
      const desired = Number(svc.desiredCount);
      const config = svc.deploymentConfiguration as
        { deploymentCircuitBreaker?: { rollback?: boolean } } | undefined;
      const deployment = (
        taskDefinition: string,
        status: string,
        rolloutState: RolloutState,
        reason?: string,
      ) => ({
        id: `ecs-svc/${taskDefinition.slice(taskDefinition.lastIndexOf(':') + 1)}`,
        status,
        taskDefinition,
        desiredCount: desired,
        runningCount: rolloutState === 'COMPLETED' ? desired : 0,
        pendingCount: rolloutState === 'COMPLETED' ? 0 : desired,
        failedTasks: rolloutState === 'FAILED' ? 3 : 0,
        rolloutState,
        ...(reason === undefined ? {} : { rolloutStateReason: reason }),
      });
      const original = deployment(this.#original, 'PRIMARY', 'COMPLETED');
      if (given === this.#original) {
        svc.deployments = [original];
      } else if (this.rollout === ROLLED_BACK_AND_GONE) {
        svc.taskDefinition = this.#original;
        svc.deployments = [original];
      } else if (this.rollout === 'COMPLETED') {
        svc.deployments = [deployment(given, 'PRIMARY', 'COMPLETED')];
      } else if (this.rollout === 'IN_PROGRESS') {
        svc.deployments = [
          deployment(given, 'PRIMARY', 'IN_PROGRESS'),
          { ...original, status: 'ACTIVE' },
        ];
      } else if (config?.deploymentCircuitBreaker?.rollback === true) {
        svc.taskDefinition = this.#original;
        svc.deployments = [original, deployment(given, 'ACTIVE', 'FAILED', CIRCUIT_BREAKER_REASON)];
      } else {
        svc.deployments = [
          deployment(given, 'PRIMARY', 'FAILED', CIRCUIT_BREAKER_REASON),
          { ...original, status: 'ACTIVE' },
        ];
      }
    }
    return out;
  }
}

async function start(
  s: SeededLatticeDb,
  ns: string,
): Promise<{ ecs: EcsDeployments; controller: ProxiedController }> {
  const ecs = new EcsDeployments(s.rolling.ref.service, s.taskDefinitionArn);
  running = await startProxiedController(ns);
  running.proxy.setRules([ecs.rule]);
  return { ecs, controller: running };
}

const rolledBackIn = (ns: string) =>
  waitForRelease(ns, 'ldb', (st) => st.phase === 'RolledBack', 'the rollback');

/** A seeded world, the controller behind the proxy, and a rolling Release ECS is deploying. */
async function rollingUnderWay(namespace: string) {
  const s = await seedWorld();
  const ns = await createTestNamespace(namespace);
  const { ecs, controller } = await start(s, ns);
  await createRelease(ns, 'ldb', rollingSpec(s));
  const status = await waitForRelease(
    ns,
    'ldb',
    (st) => /rolling deployment in progress/.test(st.message ?? ''),
    'the rolling deployment under way',
  );
  return { s, ns, ecs, controller, status };
}

/** Write calls the controller made, by operation. */
/** Writes by operation; TagResource is the Release's claim on its service, its first write. */
const writes = (p: ProxiedController): Record<string, number> =>
  Object.fromEntries(
    p.proxy
      .calls()
      .filter((c) => !/^(Describe|Get|List|BatchGet)/.test(c.operation))
      .map((c) => [c.operation, c.calls]),
  );

const condition = (status: ReleaseStatus, type: string) =>
  status.conditions?.find((c) => c.type === type);

describe('Release rolling on the ECS deployment controller', () => {
  it('sends UpdateService with the new task definition and circuit breaker, and is Healthy once ECS completes', async () => {
    const { s, ns, ecs, controller, status: rolling } = await rollingUnderWay('rel-rolling');
    expect(rolling.phase).toBe('Progressing');
    const td = rolling.revision?.taskDefinitionArn ?? '';
    const service = await motoService(s, s.rolling.ref.service);
    expect(service.taskDefinition).toBe(td);
    expect(service.deploymentConfiguration).toMatchObject({
      minimumHealthyPercent: 100,
      maximumPercent: 200,
      deploymentCircuitBreaker: { enable: true, rollback: true },
    });
    const { taskDefinition } = await motoTaskDefinition(td);
    expect(
      taskDefinition.containerDefinitions?.find((c) => c.name === s.containerName)?.image,
    ).toBe(imageOf(s, NEW_TAG));

    // ECS still busy: nothing is sent again.
    await sleep(1_000);
    expect(writes(controller)).toEqual({
      TagResource: 1,
      RegisterTaskDefinition: 1,
      UpdateService: 1,
    });

    ecs.rollout = 'COMPLETED';
    const healthy = await waitForRelease(ns, 'ldb', (st) => st.phase === 'Healthy', 'Healthy');
    expect(healthy.strategy).toBe('Rolling');
    expect(healthy.stableRevision).toMatchObject({ number: 1, taskDefinitionArn: td });
    expect(condition(healthy, 'Ready')).toMatchObject({ status: 'True' });
    expect(healthy.deploymentLog?.at(-1)).toMatchObject({
      revision: 1,
      outcome: 'Succeeded',
      strategy: 'Rolling',
    });
    expect(writes(controller)).toEqual({
      TagResource: 1,
      RegisterTaskDefinition: 1,
      UpdateService: 1,
    });
  });

  it('rolls back when the circuit breaker reports failure (rollback off: the controller updates the service back)', async () => {
    const s = await seedWorld();
    const ns = await createTestNamespace('rel-rolling-cb');
    const { ecs, controller } = await start(s, ns);
    ecs.rollout = 'FAILED';
    await createRelease(
      ns,
      'ldb',
      rollingSpec(s, {
        strategy: { rolling: { circuitBreaker: { enable: true, rollback: false } } },
      }),
    );

    const rolledBack = await rolledBackIn(ns);
    expect(rolledBack.attempt?.rollback).toMatchObject({
      outcome: 'RolledBack',
      reason: 'CircuitBreakerTripped',
    });
    expect(rolledBack.attempt?.rollback?.message).toContain(CIRCUIT_BREAKER_REASON);
    expect(condition(rolledBack, 'Stalled')).toMatchObject({
      status: 'True',
      reason: 'CircuitBreakerTripped',
    });
    expect(rolledBack.deploymentLog?.at(-1)).toMatchObject({ revision: 1, outcome: 'RolledBack' });
    const events = await releaseEvents(ns, 'ldb');
    expect(events).toContainEqual(
      expect.objectContaining({
        type: 'Warning',
        reason: 'CircuitBreakerTripped',
        message: expect.stringContaining(CIRCUIT_BREAKER_REASON) as unknown,
      }),
    );
    expect(events.map((e) => e.reason)).toContain('RolledBack');

    // Forward, then back to the stable task definition.
    expect((await motoService(s, s.rolling.ref.service)).taskDefinition).toBe(s.taskDefinitionArn);
    expect(writes(controller)).toEqual({
      TagResource: 1,
      RegisterTaskDefinition: 1,
      UpdateService: 2,
    });
  });

  it('lets ECS roll back on its own when the circuit breaker rolls back (no second UpdateService)', async () => {
    const s = await seedWorld();
    const ns = await createTestNamespace('rel-rolling-ecs');
    const { ecs, controller } = await start(s, ns);
    ecs.rollout = 'FAILED';
    await createRelease(ns, 'ldb', rollingSpec(s));

    const rolledBack = await rolledBackIn(ns);
    expect(rolledBack.attempt?.rollback).toMatchObject({ reason: 'CircuitBreakerTripped' });
    expect(rolledBack.attempt?.rollback?.message).toContain(CIRCUIT_BREAKER_REASON);
    expect(writes(controller)).toEqual({
      TagResource: 1,
      RegisterTaskDefinition: 1,
      UpdateService: 1,
    });
    expect((await releaseEvents(ns, 'ldb')).map((e) => e.reason)).toContain(
      'CircuitBreakerTripped',
    );
  });

  it('a deployment ECS rolled back and dropped while nobody looked fails the revision, no second UpdateService', async () => {
    const { ns, ecs, controller, status: rolling } = await rollingUnderWay('rel-rolling-gone');
    expect(rolling.attempt?.serviceUpdatedAt).toBeDefined();

    ecs.rollout = ROLLED_BACK_AND_GONE;
    const rolledBack = await rolledBackIn(ns);
    expect(rolledBack.attempt?.rollback).toMatchObject({ reason: 'CircuitBreakerTripped' });
    expect(rolledBack.attempt?.rollback?.message).toContain('is gone');
    await sleep(1_000);
    expect(writes(controller)).toEqual({
      TagResource: 1,
      RegisterTaskDefinition: 1,
      UpdateService: 1,
    });
  });
});
