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

export function blueGreenDeployStage(d: Draft): StepResult {
  const waiting = ensureTaskSet(d, 'green', 100);
  if (waiting !== undefined) return waiting;
  const routing = routingOf(d.spec);
  const roles = rolesOf(d);
  const test = routing?.testListenerArn;
  if (test === undefined || roles === undefined) return progressed(d);
  const weights = d.observed.weights?.[test];
  if (weights === undefined) return probe('the test listener weights');
  const wanted = splitWeights(roles.stableTg, roles.newTg, 100);
  if (!weightsEqual(weights, wanted)) return setWeights(d, test, wanted, 'test listener → green');
  return progressed(d);
}

export function approvalStage(d: Draft): StepResult {
  const bg = d.spec.strategy.blueGreen;
  const n = d.status.revision?.number ?? 0;
  if (bg === undefined || d.status.revision?.fastPath === true || bg.approval === 'Auto')
    return progressed(d);
  if (d.approve !== undefined) {
    // The full value (`3.2`), so that a later retry is not approved by the same annotation.
    d.status.actions = { ...d.status.actions, approve: d.approve };
    note(d, 'Normal', 'Approved', `revision ${n} approved`);
    delete d.status.attempt.pause;
    return progressed(d, 'operator');
  }
  if (d.status.attempt.pause?.reason !== 'AwaitingApproval') {
    d.status.attempt.pause = { reason: 'AwaitingApproval', since: nowIso(d) };
    note(
      d,
      'Normal',
      ReleaseReason.AwaitingApproval,
      `green is ready; to switch traffic: ${actionHint(d, 'approve')}`,
    );
  }
  const message = `awaiting approval: ${actionHint(d, 'approve')}`;
  if (bg.autoPromoteAfter === undefined) return waitFor('human', message);
  const since = parseTime(d.status.attempt.pause.since) ?? d.now.getTime();
  const at = new Date(since + parseDuration(bg.autoPromoteAfter));
  if (d.now.getTime() < at.getTime())
    return waitFor('time', `${message} (switching anyway at ${toRfc3339(at)})`, at);
  note(d, 'Normal', 'AutoPromoted', `no approval within ${bg.autoPromoteAfter}: switching`);
  delete d.status.attempt.pause;
  return progressed(d);
}

/** The production listener sends everything to green, which becomes the primary task set. */
export function blueGreenSwitchStage(d: Draft): StepResult {
  const traffic = productionTraffic(d);
  if (traffic === undefined) return probe('the listener weights');
  const ts = revisionTaskSet(d, traffic.service);
  if (ts === undefined) return taskSetMissing(d);
  // Green was stable when Deploy ended, but smoke tests and the approval wait (hours, days) lie
  // in between: production traffic goes to it only while it still runs its tasks (as a canary's
  // promotion checks). A green that does not recover meets progressDeadline; traffic stays on blue.
  if (!isTaskSetStable(ts))
    return waitFor('world', `waiting for the green task set ${ts.id} to become stable`);
  return takeAllTraffic(d, traffic, ts, {
    weights: 'switching production traffic to green',
    primary: `green task set ${ts.id} becomes primary`,
  });
}
