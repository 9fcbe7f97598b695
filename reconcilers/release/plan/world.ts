// Reading the observed ECS/ELB world in the Release's terms: which task set is stable, which one
// belongs to the revision, which target group plays which role, whether weights are as wanted.
// Task sets are recognised by their externalId `ldb-<uid>-r<revision>-<role>` (the owning
// Release's UID first), so a task set created just before a crash is found again instead of
// created twice, and one left by another Release is never taken for ours.
import type { ServiceRef, ServiceState, TaskSet } from '../../shared/ports/ecs.js';
import type { TargetGroupWeight } from '../../shared/ports/traffic.js';
import type { ReleaseSpec } from '../api.js';
import type { Draft } from './draft.js';

/**
 * What we create: `ldb-<uid>-r<revision>-canary|green`, the owning Release's UID first (a
 * look-alike such as `ldb-<uid>-r1-blue` is not ours). ECS documents no length limit for
 * externalId (it becomes the Cloud Map attribute ECS_TASK_SET_EXTERNAL_ID, values ≤ 1024); a
 * Kubernetes UID is 36 characters of [0-9a-f-], so the id stays under 70 characters. moto stores it
 * unchecked. The greedy owner group takes everything up to the last `-r<N>-<role>`.
 */
const OURS = /^ldb-([A-Za-z0-9-]+)-r(\d+)-(canary|green)$/;
/** What controllers before owner-carrying ids created: `ldb-r<revision>-<role>`, owner unknown. */
const LEGACY = /^ldb-r(\d+)-(?:canary|green)$/;

export const externalIdFor = (uid: string, revision: number, role: 'canary' | 'green'): string =>
  `ldb-${uid}-r${revision}-${role}`;

/**
 * Who made the task set, if a Release did: its owner's UID (undefined for an id made before ids
 * carried the owner) and the revision. Undefined: not made by a Release (the seed's primary, …).
 */
export function taskSetOrigin(
  ts: TaskSet,
): { readonly uid: string | undefined; readonly revision: number } | undefined {
  const id = ts.externalId ?? '';
  const legacy = LEGACY.exec(id);
  if (legacy !== null) return { uid: undefined, revision: Number(legacy[1]) };
  const m = OURS.exec(id);
  return m === null ? undefined : { uid: m[1], revision: Number(m[2]) };
}

/** The revision of a task set this Release (`uid`) made; undefined for any other task set. */
export const revisionOfTaskSet = (ts: TaskSet, uid: string): number | undefined => {
  const origin = taskSetOrigin(ts);
  return origin !== undefined && origin.uid === uid ? origin.revision : undefined;
};

/**
 * Task sets another Release made (another UID, or an id without owner from before ids carried
 * one) that are live and not primary: left by a deleted Release. Only the Release that claims the
 * service gets here (plan/claim.ts), so they are nobody's: Cleanup takes traffic back to stable and
 * deletes them, saying so. The primary is never one: it serves the stable revision.
 */
export function leftoverTaskSets(draft: Draft, service: ServiceState): TaskSet[] {
  return liveTaskSets(service).filter((ts) => {
    if (ts.status === 'PRIMARY' || ts.arn === draft.status.revision?.taskSetArn) return false;
    const origin = taskSetOrigin(ts);
    return origin !== undefined && origin.uid !== draft.object.uid;
  });
}

export const serviceRef = (spec: ReleaseSpec): ServiceRef => ({
  region: spec.target.region,
  cluster: spec.target.cluster,
  service: spec.target.service,
});

export const liveTaskSets = (service: ServiceState): TaskSet[] =>
  service.taskSets.filter((ts) => ts.status !== 'DRAINING');

export const primaryTaskSet = (service: ServiceState): TaskSet | undefined =>
  service.taskSets.find((ts) => ts.status === 'PRIMARY');

/** The task definition the service runs now (EXTERNAL: its primary task set's). */
export function currentTaskDefinitionArn(service: ServiceState): string | undefined {
  if (service.deploymentController === 'EXTERNAL')
    return primaryTaskSet(service)?.taskDefinitionArn;
  return service.taskDefinitionArn;
}

/** `arn:aws:ecs:…:task-definition/web:7` or `web:7` → `web`. */
export function familyOf(taskDefinition: string): string {
  const name = taskDefinition.slice(taskDefinition.lastIndexOf('/') + 1);
  const colon = name.lastIndexOf(':');
  return colon > 0 ? name.slice(0, colon) : name;
}

/** Task sets are live in ECS only until scaled in; STEADY_STATE with every task running. */
export function isTaskSetStable(ts: TaskSet): boolean {
  if (ts.stabilityStatus !== undefined && ts.stabilityStatus !== 'STEADY_STATE') return false;
  // Without counts only ECS's own verdict is evidence: no stabilityStatus and no counts is no
  // data, and no data never passes.
  if (ts.runningCount === undefined || ts.computedDesiredCount === undefined)
    return ts.stabilityStatus === 'STEADY_STATE';
  return ts.runningCount >= ts.computedDesiredCount;
}

/**
 * The revision's task set: its own (by externalId, or as recorded), or the retiring one when it
 * runs the same task definition — a rollback inside blue/green's scaleDownDelay reuses blue. One
 * found by externalId is the revision's only when its owner is this Release (the UID in the id)
 * and it runs the revision's task definition: a task set left by another Release (deleted
 * mid-canary and re-created, its revisions counting from 1 again) is a leftover, never adopted.
 */
export function revisionTaskSet(draft: Draft, service: ServiceState): TaskSet | undefined {
  const revision = draft.status.revision;
  if (revision === undefined) return undefined;
  const live = liveTaskSets(service);
  const own = live.find(
    (ts) =>
      revisionOfTaskSet(ts, draft.object.uid) === revision.number &&
      revision.taskDefinitionArn !== undefined &&
      ts.taskDefinitionArn === revision.taskDefinitionArn,
  );
  if (own !== undefined) return own;
  const recorded = live.find((ts) => ts.arn === revision.taskSetArn);
  if (recorded !== undefined) return recorded;
  const retiring = draft.status.retiring;
  if (retiring === undefined || revision.taskDefinitionArn === undefined) return undefined;
  return live.find(
    (ts) => ts.arn === retiring.taskSetArn && ts.taskDefinitionArn === revision.taskDefinitionArn,
  );
}

/**
 * Task sets left over: ours from other revisions, or the retiring one, that are neither primary
 * nor the current revision's. Foreign task sets are never touched (pre-flight reports them).
 */
export function strayTaskSets(draft: Draft, service: ServiceState): TaskSet[] {
  const mine = revisionTaskSet(draft, service);
  return liveTaskSets(service).filter(
    (ts) =>
      ts.status !== 'PRIMARY' &&
      ts.arn !== mine?.arn &&
      (revisionOfTaskSet(ts, draft.object.uid) !== undefined ||
        ts.arn === draft.status.retiring?.taskSetArn),
  );
}

export interface TargetGroupRoles {
  readonly stableTg: string;
  readonly newTg: string;
}

export interface Routing {
  readonly listenerArn: string;
  readonly testListenerArn?: string;
  /** The two target groups whose roles alternate between stable and new. */
  readonly pair: readonly [string, string];
}

export function routingOf(spec: ReleaseSpec): Routing | undefined {
  const canary = spec.strategy.canary?.trafficRouting.alb;
  if (canary !== undefined) {
    return {
      listenerArn: canary.listenerArn,
      pair: [canary.stableTargetGroupArn, canary.canaryTargetGroupArn],
    };
  }
  const bg = spec.strategy.blueGreen?.trafficRouting.alb;
  if (bg === undefined) return undefined;
  return {
    listenerArn: bg.listenerArn,
    ...(bg.testListenerArn === undefined ? {} : { testListenerArn: bg.testListenerArn }),
    pair: [bg.blueTargetGroupArn, bg.greenTargetGroupArn],
  };
}

/** Stable and new target groups for the current revision (from status, else the spec's order). */
export function rolesOf(draft: Draft): TargetGroupRoles | undefined {
  const routing = routingOf(draft.spec);
  if (routing === undefined) return undefined;
  const [first, second] = routing.pair;
  const stableTg = draft.status.stableTargetGroupArn === second ? second : first;
  return { stableTg, newTg: stableTg === first ? second : first };
}

/** The production listener as observed, with the service behind it and the target-group roles. */
export interface ProductionTraffic {
  readonly service: ServiceState;
  readonly roles: TargetGroupRoles;
  readonly listenerArn: string;
  readonly weights: readonly TargetGroupWeight[];
}

/** Undefined without a service, traffic routing, or the production listener's weights read. */
export function productionTraffic(draft: Draft): ProductionTraffic | undefined {
  const service = draft.observed.service;
  const roles = rolesOf(draft);
  const listenerArn = routingOf(draft.spec)?.listenerArn ?? '';
  const weights = draft.observed.weights?.[listenerArn];
  if (service === null || roles === undefined || weights === undefined) return undefined;
  return { service, roles, listenerArn, weights };
}

/** The target group of the pair the task set serves, if any. */
export function pairTargetGroup(spec: ReleaseSpec, ts: TaskSet | undefined): string | undefined {
  const routing = routingOf(spec);
  return ts?.targetGroupArns.find((tg) => routing?.pair.includes(tg) === true);
}

export const weightOf = (weights: readonly TargetGroupWeight[], tg: string): number =>
  weights.find((w) => w.targetGroupArn === tg)?.weight ?? 0;

/** `newTg` gets `weight`, `stableTg` the rest. */
export const splitWeights = (
  stableTg: string,
  newTg: string,
  weight: number,
): TargetGroupWeight[] => [
  { targetGroupArn: stableTg, weight: 100 - weight },
  { targetGroupArn: newTg, weight },
];

/**
 * Observed weights give the wanted traffic shares (ALB weights are relative: 1:1 is 50:50;
 * target groups not listed count as 0).
 */
export function weightsEqual(
  observed: readonly TargetGroupWeight[],
  wanted: readonly TargetGroupWeight[],
): boolean {
  const tgs = new Set([...observed, ...wanted].map((w) => w.targetGroupArn));
  return [...tgs].every((tg) => shareOf(observed, tg) === shareOf(wanted, tg));
}

/** Percent of the listener's traffic `tg` receives. */
export function shareOf(weights: readonly TargetGroupWeight[], tg: string): number {
  const total = weights.reduce((sum, w) => sum + w.weight, 0);
  return total === 0 ? 0 : Math.round((100 * weightOf(weights, tg)) / total);
}
