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
export function cleanupStage(d: Draft): StepResult {
  const routing = routingOf(d.spec);
  const service = d.observed.service;
  if (routing === undefined || service === null) return progressed(d);
  const stableTg = pairTargetGroup(d.spec, primaryTaskSet(service));
  if (stableTg !== undefined) d.status.stableTargetGroupArn = stableTg;
  const roles = rolesOf(d);
  const weights = d.observed.weights?.[routing.listenerArn];
  if (roles === undefined || weights === undefined) return probe('the listener weights');
  // Replaying this revision's own start (its task set exists): its traffic is left as it is.
  const replay = revisionTaskSet(d, service) !== undefined;
  const leftover = leftoverTaskSets(d, service)[0];
  if (
    !replay &&
    shareOf(weights, roles.stableTg) !== 100 &&
    primaryTaskSet(service) !== undefined
  ) {
    return setWeights(
      d,
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
      d,
      'Warning',
      ReleaseReason.LeftoverTaskSet,
      `task set ${leftover.id} (${leftover.externalId ?? ''}) was left by ${owner === undefined ? 'a Release of an earlier controller version' : `another Release (uid ${owner}) that no longer exists`}: it has no traffic; deleting it before revision ${d.status.revision?.number ?? 0} starts`,
    );
    return deleteTaskSet(
      d,
      leftover.arn,
      `deleting leftover task set ${leftover.id} (${leftover.externalId ?? ''}) of another Release`,
    );
  }
  const stray = strayTaskSets(d, service)[0];
  if (stray !== undefined)
    return deleteTaskSet(d, stray.arn, `deleting leftover task set ${stray.id}`);
  const retiring = d.status.retiring;
  if (
    retiring !== undefined &&
    !liveTaskSets(service).some((ts) => ts.arn === retiring.taskSetArn)
  ) {
    delete d.status.retiring;
  }
  if (!replay) d.status.currentWeight = 0;
  return progressed(d);
}

/** The revision's task set exists at `scale` % and is stable; undefined once it is. */
export function ensureTaskSet(
  d: Draft,
  role: 'canary' | 'green',
  scale: number,
): StepResult | undefined {
  const service = d.observed.service;
  const roles = rolesOf(d);
  const revision = d.status.revision;
  if (service === null || roles === undefined || revision?.taskDefinitionArn === undefined) {
    return probe('the service');
  }
  const ts = revisionTaskSet(d, service);
  if (ts === undefined) {
    const wrong = checkContent(d);
    if (wrong !== undefined) return wrong;
    // EXTERNAL services carry their load balancers on task sets: copy the primary's binding.
    const primary = primaryTaskSet(service);
    const pair: readonly string[] = routingOf(d.spec)?.pair ?? [];
    const bindings = [...(primary?.loadBalancers ?? []), ...service.loadBalancers];
    const binding = bindings.find((lb) => pair.includes(lb.targetGroupArn)) ?? bindings[0];
    const action: Action = {
      type: 'createTaskSet',
      ref: serviceRef(d.spec),
      externalId: externalIdFor(d.object.uid, revision.number, role),
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
      d,
      { type: 'createTaskSet', externalId: ts.externalId ?? '' },
      `the ${role} task set ${ts.id} of revision ${revision.number} exists`,
    );
  }
  revision.taskSetArn = ts.arn;
  if (ts.scalePercent < scale)
    return scaleTaskSet(d, ts.arn, scale, `scaling the ${role} task set to ${scale}%`);
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
  d: Draft,
  traffic: ProductionTraffic,
  ts: TaskSet,
  say: { readonly weights: string; readonly primary: string },
): StepResult {
  const wanted = splitWeights(traffic.roles.stableTg, traffic.roles.newTg, 100);
  if (!weightsEqual(traffic.weights, wanted))
    return setWeights(d, traffic.listenerArn, wanted, say.weights);
  if (d.status.currentWeight !== 100)
    foundDone(
      d,
      { type: 'setWeights', listenerArn: traffic.listenerArn, weights: wanted },
      say.weights,
    );
  d.status.currentWeight = 100;
  if (ts.status !== 'PRIMARY') return setPrimary(d, ts.arn, say.primary);
  foundDone(d, { type: 'setPrimary', taskSetArn: ts.arn }, say.primary);
  note(
    d,
    'Normal',
    ReleaseReason.Promoted,
    `revision ${d.status.revision?.number ?? 0} takes all traffic`,
  );
  return progressed(d);
}

/** The revision's task set vanished mid-flight (someone deleted it): roll back. */
export const taskSetMissing = (d: Draft): StepResult =>
  failRevision(
    d,
    'TaskSetMissing',
    `the task set of revision ${d.status.revision?.number ?? 0} disappeared`,
  );

/**
 * Every weight change goes through here: a target group is given traffic only when a live task
 * set of the service serves it. trafficRouting may be edited mid-rollout (it is not immutable),
 * and a stable task set may have been deleted by hand: without this, the share meant for it would
 * go to an empty target group and fail. The wait is bounded by progressDeadline (then rollback).
 */
export function setWeights(
  d: Draft,
  listenerArn: string,
  weights: readonly TargetGroupWeight[],
  message: string,
): StepResult {
  const service = d.observed.service;
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
  return act({ type: 'setWeights', region: d.spec.target.region, listenerArn, weights }, message);
}

export const scaleTaskSet = (
  d: Draft,
  taskSetArn: string,
  scalePercent: number,
  message: string,
): StepResult =>
  act({ type: 'scaleTaskSet', ref: serviceRef(d.spec), taskSetArn, scalePercent }, message);

export const setPrimary = (d: Draft, taskSetArn: string, message: string): StepResult =>
  act({ type: 'setPrimary', ref: serviceRef(d.spec), taskSetArn }, message);

export const deleteTaskSet = (d: Draft, taskSetArn: string, message: string): StepResult =>
  act({ type: 'deleteTaskSet', ref: serviceRef(d.spec), taskSetArn }, message);
