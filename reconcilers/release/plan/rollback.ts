// The RollingBack stage: undo what the revision did, in order of urgency — let a running
// migration task end (a rollback never interrupts a migration; a timed-out one is stopped), send
// all traffic back to stable, make the stable task set primary again, delete the revision's task
// set (or update a rolling service back to the stable task definition), turn the maintenance
// flag off; then the revision is Done with the rollback's outcome.
import { ReleaseStage } from '../api.js';
import { act, nowIso, probe, progressed, waitFor, type Draft, type StepResult } from './draft.js';
import { foundDone } from './found.js';
import { logDeployment, note, outcomeWords } from './history.js';
import { maintenanceOff, runsThisRevision } from './migration.js';
import { touchedTraffic } from './rollback-start.js';
import { updateService } from './rolling.js';
import { deleteTaskSet, scaleTaskSet, setPrimary, setWeights } from './task-sets.js';
import {
  liveTaskSets,
  productionTraffic,
  revisionOfTaskSet,
  routingOf,
  serviceRef,
  splitWeights,
  weightsEqual,
} from './world.js';

export function rollingBackStage(draft: Draft): StepResult {
  const rb = draft.status.attempt.rollback;
  const step =
    migrationTaskSettled(draft) ??
    (rb !== undefined && touchedTraffic(rb.fromStage)
      ? routingOf(draft.spec) === undefined
        ? undoRolling(draft)
        : undoTaskSets(draft)
      : undefined) ??
    maintenanceOff(draft);
  if (step !== undefined) return step;
  return finish(draft);
}

function migrationTaskSettled(draft: Draft): StepResult | undefined {
  const rec = draft.status.migration;
  if (rec?.revision !== draft.status.revision?.number) return undefined;
  if (rec?.finishedAt !== undefined || (rec?.phase !== 'Running' && rec?.phase !== 'Failed'))
    return undefined;
  if (rec.startedBy === undefined) return undefined;
  const task = draft.observed.migrationTask;
  if (task === undefined) return probe('the migration task');
  // A task under our startedBy running other content was never taken as this revision's
  // migration (migration.ts): its exit code is not ours to record, nor is it ours to stop.
  if (task === null || !runsThisRevision(draft, task)) return undefined;
  if (task.lastStatus === 'STOPPED') {
    rec.finishedAt = nowIso(draft);
    if (task.exitCode !== undefined) rec.exitCode = task.exitCode;
    if (rec.phase === 'Running') rec.phase = task.exitCode === 0 ? 'Succeeded' : 'Failed';
    return undefined;
  }
  if (rec.phase === 'Failed' && task.desiredStatus !== 'STOPPED') {
    const action = {
      type: 'stopTask',
      ref: serviceRef(draft.spec),
      taskArn: task.arn,
      reason: rec.message ?? 'release rolled back',
    } as const;
    return act(action, `stopping the migration task ${task.arn}`);
  }
  return waitFor('world', `waiting for the migration task ${task.arn} to end before rolling back`);
}

function undoTaskSets(draft: Draft): StepResult | undefined {
  const traffic = productionTraffic(draft);
  if (traffic === undefined) return probe('the listener weights');
  const { service, roles, listenerArn, weights } = traffic;
  const wanted = splitWeights(roles.stableTg, roles.newTg, 0);
  const stable = liveTaskSets(service).find(
    (ts) => ts.arn === draft.status.stableRevision?.taskSetArn,
  );
  if (!weightsEqual(weights, wanted)) {
    // The stable task set may have been scaled down already: a revision that reached Done scales
    // its predecessor to 0 in the same reconcile, and when that status write is lost the replayed
    // checks can fail and land here. Traffic goes back only to a task set that can serve it.
    if (stable !== undefined && stable.scalePercent < 100) {
      return scaleTaskSet(
        draft,
        stable.arn,
        100,
        `rolling back: scaling the stable task set ${stable.id} back to 100% before traffic returns`,
      );
    }
    if (stable !== undefined && stable.runningCount === 0 && (stable.computedDesiredCount ?? 0) > 0)
      return waitFor(
        'world',
        `rolling back: waiting for the stable task set ${stable.id} to run tasks`,
      );
    return setWeights(draft, listenerArn, wanted, 'rolling back: all traffic to stable');
  }
  if ((draft.status.currentWeight ?? 0) !== 0)
    foundDone(
      draft,
      { type: 'setWeights', listenerArn, weights: wanted },
      'rolling back: all traffic to stable',
    );
  draft.status.currentWeight = 0;
  if (stable !== undefined && stable.status !== 'PRIMARY') {
    return setPrimary(draft, stable.arn, `rolling back: task set ${stable.id} is primary again`);
  }
  const n = draft.status.revision?.number;
  const own = liveTaskSets(service).find(
    (ts) => revisionOfTaskSet(ts, draft.object.uid) === n && ts.status !== 'PRIMARY',
  );
  if (own !== undefined)
    return deleteTaskSet(draft, own.arn, `rolling back: deleting task set ${own.id}`);
  return undefined;
}

function undoRolling(draft: Draft): StepResult | undefined {
  const service = draft.observed.service;
  const stableTd = draft.status.stableRevision?.taskDefinitionArn;
  if (service === null || stableTd === undefined) return undefined;
  if (service.taskDefinitionArn !== stableTd) {
    return act(updateService(draft, stableTd), `rolling back: updating the service to ${stableTd}`);
  }
  const primary = service.deployments.find((x) => x.status === 'PRIMARY');
  if (
    primary === undefined ||
    primary.rolloutState === undefined ||
    primary.rolloutState === 'COMPLETED'
  )
    return undefined;
  if (primary.rolloutState === 'FAILED') {
    note(
      draft,
      'Warning',
      'RollbackDeploymentFailed',
      `the deployment back to ${stableTd} failed too: ${primary.rolloutStateReason ?? ''}`,
    );
    return undefined;
  }
  return waitFor(
    'world',
    `rolling back: ${primary.runningCount} of ${primary.desiredCount} tasks on the stable task definition`,
  );
}

function finish(draft: Draft): StepResult {
  const s = draft.status;
  const rb = s.attempt.rollback ?? {
    outcome: 'Failed' as const,
    reason: 'Failed',
    message: 'rolled back',
  };
  const outcome = rb.outcome === 'Frozen' ? 'Failed' : rb.outcome;
  s.stage = ReleaseStage.Done;
  s.attempt.outcome = outcome;
  delete s.attempt.pause;
  const snapshot = s.migration?.phase === 'Succeeded' ? s.migration.snapshotId : undefined;
  const restore =
    snapshot === undefined
      ? ''
      : `; the migration ran: restore RDS snapshot ${snapshot} if its changes must be undone (never automatic)`;
  const message = `revision ${s.revision?.number ?? 0} ${outcomeWords(outcome)}: ${rb.message}${restore}`;
  note(draft, outcome === 'Superseded' ? 'Normal' : 'Warning', outcome, message);
  logDeployment(draft, outcome, rb.message);
  return progressed(draft);
}
