// Task-set work shared by canary and blue/green: clearing leftovers before a revision starts,
// bringing the revision's task set up, giving it all traffic, and retiring the previous stable one
// once it is replaced.
import type { TaskSet } from '../../shared/ports/ecs.js';
import type { TargetGroupWeight } from '../../shared/ports/traffic.js';
import { ReleaseReason } from '../api.js';
import { act, probe, progressed, waitFor, type Draft, type StepResult } from './draft.js';
import { note } from './history.js';
import { foundDone } from './found.js';
import { checkContent } from './revision.js';
import { failRevision } from './rollback-start.js';
import type { Action } from './types.js';
import {
  externalIdFor,
  isTaskSetStable,
  leftoverTaskSets,
  liveTaskSets,
  pairTargetGroup,
  primaryTaskSet,
  revisionTaskSet,
  taskSetOrigin,
  rolesOf,
  routingOf,
  serviceRef,
  shareOf,
  splitWeights,
  strayTaskSets,
  weightsEqual,
  type ProductionTraffic,
} from './world.js';

/**
 * Before a revision: the stable task set takes all traffic and leftovers are deleted, one per
 * reconcile — ours (a superseded revision's task set after a crash, the retiring blue) and those a
 * deleted Release left on the service (another UID in the externalId), each told by a Warning
 * Event naming it. Only then does the revision start, from its first step.
 */
export function cleanupStage(draft: Draft): StepResult {
  const routing = routingOf(draft.spec);
  const service = draft.observed.service;
  if (routing === undefined || service === null) return progressed(draft);
  const stableTg = pairTargetGroup(draft.spec, primaryTaskSet(service));
  if (stableTg !== undefined) draft.status.stableTargetGroupArn = stableTg;
  const roles = rolesOf(draft);
  const weights = draft.observed.weights?.[routing.listenerArn];
  if (roles === undefined || weights === undefined) return probe('the listener weights');
  // Replaying this revision's own start (its task set exists): its traffic is left as it is.
  const replay = revisionTaskSet(draft, service) !== undefined;
  const leftover = leftoverTaskSets(draft, service)[0];
  if (
    !replay &&
    shareOf(weights, roles.stableTg) !== 100 &&
    primaryTaskSet(service) !== undefined
  ) {
    return setWeights(
      draft,
      routing.listenerArn,
      splitWeights(roles.stableTg, roles.newTg, 0),
      leftover === undefined
        ? 'all traffic back to stable before the revision starts'
        : `all traffic back to stable before the revision starts: task set ${leftover.id} (${leftover.externalId ?? ''}) was left by another Release`,
    );
  }
  if (leftover !== undefined) {
    const owner = taskSetOrigin(leftover)?.uid;
    note(
      draft,
      'Warning',
      ReleaseReason.LeftoverTaskSet,
      `task set ${leftover.id} (${leftover.externalId ?? ''}) was left by ${owner === undefined ? 'a Release of an earlier controller version' : `another Release (uid ${owner}) that no longer exists`}: it has no traffic; deleting it before revision ${draft.status.revision?.number ?? 0} starts`,
    );
    return deleteTaskSet(
      draft,
      leftover.arn,
      `deleting leftover task set ${leftover.id} (${leftover.externalId ?? ''}) of another Release`,
    );
  }
  const stray = strayTaskSets(draft, service)[0];
  if (stray !== undefined)
    return deleteTaskSet(draft, stray.arn, `deleting leftover task set ${stray.id}`);
  const retiring = draft.status.retiring;
  if (
    retiring !== undefined &&
    !liveTaskSets(service).some((ts) => ts.arn === retiring.taskSetArn)
  ) {
    delete draft.status.retiring;
  }
  if (!replay) draft.status.currentWeight = 0;
  return progressed(draft);
}

/** The revision's task set exists at `scale` % and is stable; undefined once it is. */
export function ensureTaskSet(
  draft: Draft,
  role: 'canary' | 'green',
  scale: number,
): StepResult | undefined {
  const service = draft.observed.service;
  const roles = rolesOf(draft);
  const revision = draft.status.revision;
  if (service === null || roles === undefined || revision?.taskDefinitionArn === undefined) {
    return probe('the service');
  }
  const ts = revisionTaskSet(draft, service);
  if (ts === undefined) {
    const wrong = checkContent(draft);
    if (wrong !== undefined) return wrong;
    // EXTERNAL services carry their load balancers on task sets: copy the primary's binding.
    const primary = primaryTaskSet(service);
    const pair: readonly string[] = routingOf(draft.spec)?.pair ?? [];
    const bindings = [...(primary?.loadBalancers ?? []), ...service.loadBalancers];
    const binding = bindings.find((lb) => pair.includes(lb.targetGroupArn)) ?? bindings[0];
    const action: Action = {
      type: 'createTaskSet',
      ref: serviceRef(draft.spec),
      externalId: externalIdFor(draft.object.uid, revision.number, role),
      taskDefinitionArn: revision.taskDefinitionArn,
      ...(binding === undefined
        ? {}
        : { loadBalancer: { ...binding, targetGroupArn: roles.newTg } }),
      scalePercent: scale,
      ...(primary === undefined ? {} : { template: primary }),
    };
    return act(action, `creating the ${role} task set of revision ${revision.number} at ${scale}%`);
  }
  if (revision.taskSetArn !== ts.arn) {
    foundDone(
      draft,
      { type: 'createTaskSet', externalId: ts.externalId ?? '' },
      `the ${role} task set ${ts.id} of revision ${revision.number} exists`,
    );
  }
  revision.taskSetArn = ts.arn;
  if (ts.scalePercent < scale)
    return scaleTaskSet(draft, ts.arn, scale, `scaling the ${role} task set to ${scale}%`);
  if (!isTaskSetStable(ts)) {
    return waitFor(
      'world',
      `waiting for the ${role} task set ${ts.id} to become stable (${ts.stabilityStatus ?? 'unknown'})`,
    );
  }
  return undefined;
}

/**
 * The last step of a canary promotion or a blue/green switch: the production listener sends all
 * traffic to the revision's task set `ts`, which then becomes primary (one action per reconcile).
 */
export function takeAllTraffic(
  draft: Draft,
  traffic: ProductionTraffic,
  ts: TaskSet,
  say: { readonly weights: string; readonly primary: string },
): StepResult {
  const wanted = splitWeights(traffic.roles.stableTg, traffic.roles.newTg, 100);
  if (!weightsEqual(traffic.weights, wanted))
    return setWeights(draft, traffic.listenerArn, wanted, say.weights);
  if (draft.status.currentWeight !== 100)
    foundDone(
      draft,
      { type: 'setWeights', listenerArn: traffic.listenerArn, weights: wanted },
      say.weights,
    );
  draft.status.currentWeight = 100;
  if (ts.status !== 'PRIMARY') return setPrimary(draft, ts.arn, say.primary);
  foundDone(draft, { type: 'setPrimary', taskSetArn: ts.arn }, say.primary);
  note(
    draft,
    'Normal',
    ReleaseReason.Promoted,
    `revision ${draft.status.revision?.number ?? 0} takes all traffic`,
  );
  return progressed(draft);
}

/** The revision's task set vanished mid-flight (someone deleted it): roll back. */
export const taskSetMissing = (draft: Draft): StepResult =>
  failRevision(
    draft,
    'TaskSetMissing',
    `the task set of revision ${draft.status.revision?.number ?? 0} disappeared`,
  );

/**
 * Every weight change goes through here: a target group is given traffic only when a live task
 * set of the service serves it. trafficRouting may be edited mid-rollout (it is not immutable),
 * and a stable task set may have been deleted by hand: without this, the share meant for it would
 * go to an empty target group and fail. The wait is bounded by progressDeadline (then rollback).
 */
export function setWeights(
  draft: Draft,
  listenerArn: string,
  weights: readonly TargetGroupWeight[],
  message: string,
): StepResult {
  const service = draft.observed.service;
  const served = new Set(
    (service === null ? [] : liveTaskSets(service))
      .filter((ts) => ts.scalePercent > 0)
      .flatMap((ts) => ts.targetGroupArns),
  );
  const empty = weights.find((w) => w.weight > 0 && !served.has(w.targetGroupArn));
  if (empty !== undefined) {
    return waitFor(
      'world',
      `${message}: held, no task set of the service serves target group ${empty.targetGroupArn}`,
    );
  }
  return act(
    { type: 'setWeights', region: draft.spec.target.region, listenerArn, weights },
    message,
  );
}

export const scaleTaskSet = (
  draft: Draft,
  taskSetArn: string,
  scalePercent: number,
  message: string,
): StepResult =>
  act({ type: 'scaleTaskSet', ref: serviceRef(draft.spec), taskSetArn, scalePercent }, message);

export const setPrimary = (draft: Draft, taskSetArn: string, message: string): StepResult =>
  act({ type: 'setPrimary', ref: serviceRef(draft.spec), taskSetArn }, message);

export const deleteTaskSet = (draft: Draft, taskSetArn: string, message: string): StepResult =>
  act({ type: 'deleteTaskSet', ref: serviceRef(draft.spec), taskSetArn }, message);
