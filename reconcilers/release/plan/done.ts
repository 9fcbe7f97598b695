// Finishing a revision successfully, and the Done stage: start the next revision when the spec
// names one; otherwise steady state — retire the previous stable task set when its time has come,
// clear our leftovers, write nothing else.
import { parseDuration, toRfc3339 } from '../../../controller/index.js';
import { appendBounded } from '../../shared/api/history.js';
import { MAX_ROLLBACK_WINDOW, ReleaseReason, ReleaseStage } from '../api.js';
import { parseTime, progressed, waitFor, type Draft, type StepResult } from './draft.js';
import { actionHint } from './action-values.js';
import { logDeployment, note, outcomeWords } from './history.js';
import { specChanged, startFromSpec } from './revision.js';
import { deleteTaskSet, scaleTaskSet } from './task-sets.js';
import { liveTaskSets, revisionOfTaskSet, revisionTaskSet, rolesOf, routingOf } from './world.js';

const DEFAULT_SCALE_DOWN_DELAY = '1h';

export function succeed(draft: Draft): StepResult {
  const s = draft.status;
  const revision = s.revision;
  if (revision === undefined) return progressed(draft);
  const service = draft.observed.service;
  const ts = service === null ? undefined : revisionTaskSet(draft, service);
  const previous = s.stableRevision;
  if (ts !== undefined) {
    revision.taskSetArn = ts.arn;
    const roles = rolesOf(draft);
    if (roles !== undefined) s.stableTargetGroupArn = roles.newTg;
    if (previous?.taskSetArn !== undefined && previous.taskSetArn !== ts.arn) {
      const delay =
        draft.spec.strategy.blueGreen === undefined
          ? 0
          : parseDuration(draft.spec.strategy.blueGreen.scaleDownDelay ?? DEFAULT_SCALE_DOWN_DELAY);
      s.retiring = {
        taskSetArn: previous.taskSetArn,
        revision: previous.number,
        ...(previous.taskDefinitionArn === undefined
          ? {}
          : { taskDefinitionArn: previous.taskDefinitionArn }),
        deleteAt: toRfc3339(new Date(draft.now.getTime() + delay)),
      };
    }
  }
  s.stableRevision = revision;
  s.stableHistory = appendBounded(
    (s.stableHistory ?? []).filter((r) => r.number !== revision.number),
    revision,
    MAX_ROLLBACK_WINDOW,
  );
  s.stage = ReleaseStage.Done;
  s.attempt.outcome = 'Succeeded';
  s.currentWeight = 100;
  delete s.attempt.pause;
  delete s.attempt.rollback;
  note(
    draft,
    'Normal',
    ReleaseReason.RevisionHealthy,
    `revision ${revision.number} (${revision.image}) is healthy`,
  );
  logDeployment(
    draft,
    'Succeeded',
    revision.fastPath === true ? 'fast path' : 'all steps and checks passed',
  );
  return progressed(draft);
}

export function doneStage(draft: Draft): StepResult {
  if (specChanged(draft)) return startFromSpec(draft);
  if (draft.status.attempt.outcome === 'Frozen') {
    return waitFor(
      'human',
      draft.status.attempt.rollback?.message ?? 'frozen: a person must decide',
    );
  }
  const service = draft.observed.service;
  if (routingOf(draft.spec) === undefined || service === null)
    return waitFor('steady', steadyMessage(draft));
  const retiring = draft.status.retiring;
  if (retiring !== undefined) {
    const ts = liveTaskSets(service).find(
      (t) => t.arn === retiring.taskSetArn && t.status !== 'PRIMARY',
    );
    if (ts === undefined) {
      delete draft.status.retiring;
    } else {
      const at = parseTime(retiring.deleteAt) ?? 0;
      if (draft.now.getTime() < at) {
        return waitFor(
          'time',
          `${steadyMessage(draft)}; revision ${retiring.revision} stays up until ${retiring.deleteAt}`,
          new Date(at),
        );
      }
      if (ts.scalePercent > 0)
        return scaleTaskSet(
          draft,
          ts.arn,
          0,
          `scaling down task set ${ts.id} of revision ${retiring.revision}`,
        );
      return deleteTaskSet(
        draft,
        ts.arn,
        `deleting task set ${ts.id} of revision ${retiring.revision}`,
      );
    }
  }
  // Nothing of ours but the primary should outlive a finished revision (a crash mid-rollback can
  // leave one behind); a Frozen revision keeps its task set and never gets here.
  const stray = liveTaskSets(service).find(
    (t) => t.status !== 'PRIMARY' && revisionOfTaskSet(t, draft.object.uid) !== undefined,
  );
  if (stray !== undefined)
    return deleteTaskSet(draft, stray.arn, `deleting leftover task set ${stray.id}`);
  return waitFor('steady', steadyMessage(draft));
}

/**
 * What the spec still asks for that did not ship, naming only what the revision changed: its image
 * when that differs from the stable one, else the rest of what makes a revision.
 */
function stillAsked(draft: Draft): string {
  const { revision, stableRevision } = draft.status;
  if (
    revision !== undefined &&
    stableRevision !== undefined &&
    revision.image === stableRevision.image
  ) {
    return `the spec still holds revision ${revision.number}'s change (environment, secrets or restartedAt; the image is unchanged)`;
  }
  return `the spec still names image ${draft.spec.image}`;
}

function steadyMessage(draft: Draft): string {
  const s = draft.status;
  const n = s.revision?.number ?? 0;
  if (s.attempt.outcome !== undefined && s.attempt.outcome !== 'Succeeded') {
    return `revision ${n} ${outcomeWords(s.attempt.outcome)}: ${s.attempt.rollback?.message ?? ''}; ${stillAsked(draft)}: change the spec, or retry: ${actionHint(draft, 'retry')}`;
  }
  return s.pinnedSpecHash !== undefined && s.pinnedSpecHash !== s.revision?.specHash
    ? `rolled back to ${s.revision?.image ?? ''} by the rollback action; the spec still names image ${draft.spec.image}: change the spec, or deploy it: ${actionHint(draft, 'retry')}`
    : `revision ${n} (${s.revision?.image ?? ''}) is healthy`;
}
