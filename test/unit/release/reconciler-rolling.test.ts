// Rolling updates on the ECS deployment controller through the handler: success, the circuit
// breaker reporting failure (rolled back to the stable task definition), config-only changes.
import { describe, expect, it } from 'vitest';
import { Harness } from './support/harness.js';
import { image, REF, REGION, rollingSpec, World } from './support/world.js';

describe('rolling', () => {
  it('updates the service and completes when the new deployment does', async () => {
    const world = new World({ kind: 'rolling' });
    const h = new Harness(world, rollingSpec());
    await h.until((x) => x.status.message?.includes('rolling deployment in progress') === true);
    expect(world.ecs.log.count('updateService')).toBe(1);
    world.ecs.completeDeployment(REF);
    await h.until((x) => x.status.phase === 'Healthy');
    const service = await world.ecs.describeService(REF);
    expect(service?.taskDefinitionArn).toBe(h.status.revision?.taskDefinitionArn);
    expect(world.ecs.log.count('updateService')).toBe(1);
    expect(h.status.deploymentLog?.at(-1)).toMatchObject({
      outcome: 'Succeeded',
      strategy: 'Rolling',
    });
  });

  it('rolls back to the stable task definition when the circuit breaker reports failure', async () => {
    const world = new World({ kind: 'rolling' });
    const h = new Harness(world, rollingSpec());
    await h.until((x) => x.status.message?.includes('rolling deployment in progress') === true);
    world.ecs.failDeployment(REF);
    await h.until(
      (x) =>
        x.status.phase === 'RollingBack' && x.status.message?.includes('rolling back') === true,
    );
    expect((await world.ecs.describeService(REF))?.taskDefinitionArn).toBe(world.baseTd);
    world.ecs.completeDeployment(REF);
    await h.until((x) => x.status.phase === 'RolledBack');
    expect(h.status.attempt?.rollback?.reason).toBe('CircuitBreakerTripped');
    expect(world.ecs.log.count('updateService')).toBe(2);
  });

  it('a failed deployment ECS already rolled back and dropped is a failure, never a second update', async () => {
    const world = new World({ kind: 'rolling' });
    const h = new Harness(world, rollingSpec());
    await h.until((x) => x.status.message?.includes('rolling deployment in progress') === true);
    expect(h.status.attempt?.serviceUpdatedAt).toBeDefined();
    // The controller was away while the circuit breaker tripped and ECS's rollback completed.
    world.ecs.completeEcsRollback(REF, world.baseTd);
    await h.until((x) => x.status.phase === 'RolledBack');
    expect(h.status.attempt?.rollback).toMatchObject({ reason: 'CircuitBreakerTripped' });
    expect(h.status.attempt?.rollback?.message).toContain('is gone');
    expect(world.ecs.log.count('updateService')).toBe(1);
    expect((await world.ecs.describeService(REF))?.taskDefinitionArn).toBe(world.baseTd);
  });

  it('a retry of that revision updates the service again', async () => {
    const world = new World({ kind: 'rolling' });
    const h = new Harness(world, rollingSpec());
    await h.until((x) => x.status.message?.includes('rolling deployment in progress') === true);
    world.ecs.completeEcsRollback(REF, world.baseTd);
    await h.until((x) => x.status.phase === 'RolledBack');
    h.annotate('retry', String(h.status.revision?.number ?? 0));
    await h.until((x) => x.status.message?.includes('rolling deployment in progress') === true);
    expect(world.ecs.log.count('updateService')).toBe(2);
  });

  it('an environment change and a restartedAt-only change each ship as a new task definition', async () => {
    const world = new World({ kind: 'rolling' });
    const h = new Harness(
      world,
      rollingSpec({ image: image('v1'), environment: { LOG_LEVEL: 'debug' } }),
    );
    await h.until((x) => x.status.message?.includes('in progress') === true);
    world.ecs.completeDeployment(REF);
    await h.until((x) => x.status.phase === 'Healthy');
    const td1 = await world.ecs.describeTaskDefinition(
      REGION,
      h.status.revision?.taskDefinitionArn ?? '',
    );
    expect(td1.containers.find((c) => c.name === 'latticedb')?.environment).toEqual({
      LOG_LEVEL: 'debug',
    });
    h.setSpec({ restartedAt: '2026-11-26T12:00:00Z' });
    await h.until(
      (x) => x.status.revision?.number === 2 && x.status.message?.includes('in progress') === true,
    );
    world.ecs.completeDeployment(REF);
    await h.until((x) => x.status.phase === 'Healthy');
    const td2 = await world.ecs.describeTaskDefinition(
      REGION,
      h.status.revision?.taskDefinitionArn ?? '',
    );
    expect(td2.arn).not.toBe(td1.arn);
    expect(td2.containers).toEqual(td1.containers);
  });

  it('a release describing what the service already runs is adopted without any write but its claim', async () => {
    const world = new World({ kind: 'rolling' });
    const h = new Harness(world, rollingSpec({ image: image('v1') }));
    await h.reconcile();
    expect(h.eventReasons()).toContain('ServiceClaimed');
    await h.reconcile();
    expect(h.status).toMatchObject({
      phase: 'Healthy',
      revision: { number: 1, taskDefinitionArn: world.baseTd },
    });
    expect(h.writes()).toBe(1);
    expect(world.ecs.log.count('tagService')).toBe(1);
    expect(h.eventReasons()).toContain('Adopted');
  });

  it('pre-flight refuses a container that is not in the task definition, with no AWS write but the claim', async () => {
    const world = new World({ kind: 'rolling' });
    const h = new Harness(world, rollingSpec({ target: { ...REF, container: 'nope' } }));
    await h.until((x) => x.status.phase === 'Failed');
    expect(h.writes()).toBe(1);
    expect(world.ecs.log.count('tagService')).toBe(1);
    expect(h.status.attempt?.rollback?.message).toContain(
      'container nope is not in the task definition',
    );
    expect(h.status.conditions?.find((c) => c.type === 'PreflightPassed')?.status).toBe('False');
  });

  it('a deployment in progress fails pre-flight (serviceStable), strict or not', async () => {
    const world = new World({ kind: 'rolling' });
    world.ecs.patchService(REF, { runningCount: 1 });
    const h = new Harness(world, rollingSpec());
    await h.until((x) => x.status.phase === 'Failed');
    expect(
      h.status.attempt?.preflight?.results?.find((r) => r.name === 'serviceStable')?.outcome,
    ).toBe('Failed');
    // Nothing but the claim (the first reconcile's write).
    expect(h.writes()).toBe(1);
    expect(world.ecs.log.count('tagService')).toBe(1);
  });
});
