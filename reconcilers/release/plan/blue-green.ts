// Blue/green with task sets: green at the full size of blue in the target group blue does not
// use, test traffic to green, smoke tests, approval, then one switch of the production listener
// and of the primary task set. Blue stays up for scaleDownDelay (an instant way back).
import { parseDuration, toRfc3339 } from '../../../controller/index.js';
import { ReleaseReason } from '../api.js';
import {
  nowIso,
  parseTime,
  probe,
  progressed,
  waitFor,
  type Draft,
  type StepResult,
} from './draft.js';
import { actionHint } from './action-values.js';
import { note } from './history.js';
import { ensureTaskSet, setWeights, takeAllTraffic, taskSetMissing } from './task-sets.js';
import {
  isTaskSetStable,
  productionTraffic,
  revisionTaskSet,
  rolesOf,
  routingOf,
  splitWeights,
  weightsEqual,
} from './world.js';

export function blueGreenDeployStage(draft: Draft): StepResult {
  const waiting = ensureTaskSet(draft, 'green', 100);
  if (waiting !== undefined) return waiting;
  const routing = routingOf(draft.spec);
  const roles = rolesOf(draft);
  const test = routing?.testListenerArn;
  if (test === undefined || roles === undefined) return progressed(draft);
  const weights = draft.observed.weights?.[test];
  if (weights === undefined) return probe('the test listener weights');
  const wanted = splitWeights(roles.stableTg, roles.newTg, 100);
  if (!weightsEqual(weights, wanted))
    return setWeights(draft, test, wanted, 'test listener → green');
  return progressed(draft);
}

export function approvalStage(draft: Draft): StepResult {
  const bg = draft.spec.strategy.blueGreen;
  const n = draft.status.revision?.number ?? 0;
  if (bg === undefined || draft.status.revision?.fastPath === true || bg.approval === 'Auto')
    return progressed(draft);
  if (draft.approve !== undefined) {
    // The full value (`3.2`), so that a later retry is not approved by the same annotation.
    draft.status.actions = { ...draft.status.actions, approve: draft.approve };
    note(draft, 'Normal', 'Approved', `revision ${n} approved`);
    delete draft.status.attempt.pause;
    return progressed(draft, 'operator');
  }
  if (draft.status.attempt.pause?.reason !== 'AwaitingApproval') {
    draft.status.attempt.pause = { reason: 'AwaitingApproval', since: nowIso(draft) };
    note(
      draft,
      'Normal',
      ReleaseReason.AwaitingApproval,
      `green is ready; to switch traffic: ${actionHint(draft, 'approve')}`,
    );
  }
  const message = `awaiting approval: ${actionHint(draft, 'approve')}`;
  if (bg.autoPromoteAfter === undefined) return waitFor('human', message);
  const since = parseTime(draft.status.attempt.pause.since) ?? draft.now.getTime();
  const at = new Date(since + parseDuration(bg.autoPromoteAfter));
  if (draft.now.getTime() < at.getTime())
    return waitFor('time', `${message} (switching anyway at ${toRfc3339(at)})`, at);
  note(draft, 'Normal', 'AutoPromoted', `no approval within ${bg.autoPromoteAfter}: switching`);
  delete draft.status.attempt.pause;
  return progressed(draft);
}

/** The production listener sends everything to green, which becomes the primary task set. */
export function blueGreenSwitchStage(draft: Draft): StepResult {
  const traffic = productionTraffic(draft);
  if (traffic === undefined) return probe('the listener weights');
  const ts = revisionTaskSet(draft, traffic.service);
  if (ts === undefined) return taskSetMissing(draft);
  // Green was stable when Deploy ended, but smoke tests and the approval wait (hours, days) lie
  // in between: production traffic goes to it only while it still runs its tasks (as a canary's
  // promotion checks). A green that does not recover meets progressDeadline; traffic stays on blue.
  if (!isTaskSetStable(ts))
    return waitFor('world', `waiting for the green task set ${ts.id} to become stable`);
  return takeAllTraffic(draft, traffic, ts, {
    weights: 'switching production traffic to green',
    primary: `green task set ${ts.id} becomes primary`,
  });
}
