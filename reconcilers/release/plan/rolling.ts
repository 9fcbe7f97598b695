// Rolling update on the ECS deployment controller: one UpdateService with the revision's task
// definition and the circuit breaker, then progress read from the service's deployments.
import { ReleaseReason } from '../api.js';
import { act, nowIso, progressed, waitFor, type Draft, type StepResult } from './draft.js';
import { foundDone } from './found.js';
import { checkContent } from './revision.js';
import { failRevision } from './rollback-start.js';
import type { Action } from './types.js';
import { serviceRef } from './world.js';

export function rollingDeployStage(draft: Draft): StepResult {
  const service = draft.observed.service;
  const td = draft.status.revision?.taskDefinitionArn;
  if (service === null || td === undefined) return waitFor('world', 'waiting for the service');
  const ours = service.deployments.filter((x) => x.taskDefinitionArn === td);
  const failed = ours.find((x) => x.rolloutState === 'FAILED');
  if (failed !== undefined) {
    const why = failed.rolloutStateReason ?? 'the deployment circuit breaker tripped';
    return failRevision(
      draft,
      ReleaseReason.CircuitBreakerTripped,
      `deployment ${failed.id} failed: ${why}`,
    );
  }
  if (service.taskDefinitionArn !== td && ours.length === 0) {
    // ECS drops a FAILED deployment once its own circuit-breaker rollback completes; a controller
    // that was down meanwhile must not deploy the failed revision a second time.
    if (draft.status.attempt.serviceUpdatedAt !== undefined) {
      return failRevision(
        draft,
        ReleaseReason.CircuitBreakerTripped,
        `the deployment of ${td} started at ${draft.status.attempt.serviceUpdatedAt} is gone and the service runs ` +
          `${service.taskDefinitionArn ?? 'another task definition'}: ECS rolled it back, or another writer replaced it`,
      );
    }
    const wrong = checkContent(draft);
    if (wrong !== undefined) return wrong;
    // Recorded with the action, not ahead of it: a crash before the status write finds the
    // deployment on the next reconcile, while a write-ahead with no call behind it would fail
    // a revision that never started.
    draft.status.attempt.serviceUpdatedAt = nowIso(draft);
    return act(updateService(draft, td), `updating the service to ${td}`);
  }
  if (ours.length > 0 && draft.status.attempt.serviceUpdatedAt === undefined) {
    // The deployment is there but this attempt's status does not say it was made: the controller
    // died between UpdateService and the status write. Told now, and recorded, so a deployment
    // that later vanishes (ECS rolled it back) is not made a second time.
    foundDone(
      draft,
      { type: 'updateService', taskDefinitionArn: td },
      `updated the service to ${td}`,
    );
    draft.status.attempt.serviceUpdatedAt = nowIso(draft);
  }
  const primary = ours.find((x) => x.status === 'PRIMARY');
  const others = service.deployments.filter(
    (x) => x.taskDefinitionArn !== td && x.status !== 'INACTIVE',
  );
  const complete =
    primary !== undefined &&
    others.length === 0 &&
    (primary.rolloutState === 'COMPLETED' ||
      (primary.rolloutState === undefined && primary.runningCount >= primary.desiredCount));
  if (complete) return progressed(draft);
  const progress =
    primary === undefined
      ? 'not started'
      : `${primary.runningCount} of ${primary.desiredCount} tasks on the new task definition`;
  return waitFor('world', `rolling deployment in progress: ${progress}`);
}

export function updateService(draft: Draft, taskDefinitionArn: string): Action {
  const rolling = draft.spec.strategy.rolling ?? {};
  return {
    type: 'updateService',
    ref: serviceRef(draft.spec),
    taskDefinitionArn,
    minimumHealthyPercent: rolling.minimumHealthyPercent ?? 100,
    maximumPercent: rolling.maximumPercent ?? 200,
    circuitBreaker: {
      enable: rolling.circuitBreaker?.enable ?? true,
      rollback: rolling.circuitBreaker?.rollback ?? true,
    },
  };
}
