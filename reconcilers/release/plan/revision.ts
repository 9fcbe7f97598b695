// Revisions: what makes one (a stable hash of the container's image, environment, secrets and
// restartedAt), adopting what the service runs on first sight, starting revision N+1 on a spec
// change, superseding one in flight, and the rollbackWindow fast path.
import { createHash } from 'node:crypto';
import type { TaskDefinitionSummary } from '../../shared/ports/ecs.js';
import { ReleaseReason, ReleaseStage, type ReleaseSpec, type Revision } from '../api.js';
import { nowIso, probe, progressed, type Draft, type StepResult } from './draft.js';
import { rememberFlagLeftOn } from './flags-left-on.js';
import { imageTag, note } from './history.js';
import { beginRollback, failRevision } from './rollback-start.js';
import { leftoverTaskSets, pairTargetGroup, primaryTaskSet, routingOf } from './world.js';

/** Task definitions we register carry this tag: a crash after RegisterTaskDefinition reuses it. */
export const SPEC_HASH_TAG = 'latticedb.com/spec-hash';

type Container = TaskDefinitionSummary['containers'][number];

function hashOf(value: unknown): string {
  return createHash('sha256').update(JSON.stringify(value)).digest('hex').slice(0, 16);
}

const sortedEnv = (env: Readonly<Record<string, string>>): [string, string][] =>
  Object.entries(env).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));

const sortedSecrets = (secrets: readonly { name: string; valueFrom: string }[]): string[][] =>
  [...secrets].sort((a, b) => (a.name < b.name ? -1 : 1)).map((s) => [s.name, s.valueFrom]);

/** The revision identity of a spec. Absent environment/secrets mean "keep the task definition's". */
export function specHash(spec: ReleaseSpec): string {
  return hashOf({
    container: spec.target.container,
    image: spec.image,
    environment: spec.environment === undefined ? null : sortedEnv(spec.environment),
    secrets: spec.secrets === undefined ? null : sortedSecrets(spec.secrets),
    restartedAt: spec.restartedAt ?? null,
  });
}

/** The same identity for what a task definition's container runs (adopted revisions). */
export function containerHash(container: Container): string {
  return hashOf({
    container: container.name,
    image: container.image,
    environment: sortedEnv(container.environment),
    secrets: sortedSecrets(container.secrets),
    restartedAt: null,
  });
}

/** The spec describes exactly what the container already runs: nothing to deploy. */
function describes(spec: ReleaseSpec, c: Container): boolean {
  const sameEnv =
    spec.environment === undefined ||
    JSON.stringify(sortedEnv(spec.environment)) === JSON.stringify(sortedEnv(c.environment));
  const sameSecrets =
    spec.secrets === undefined ||
    JSON.stringify(sortedSecrets(spec.secrets)) === JSON.stringify(sortedSecrets(c.secrets));
  return spec.image === c.image && sameEnv && sameSecrets && spec.restartedAt === undefined;
}

/**
 * Why `td` is not the revision's task definition, or undefined when it is: the managed container
 * runs the revision's image — and, for a revision of the current spec, the environment and secrets
 * the spec sets. Checked before anything runs it (task set, green, rolling update, migration task)
 * and before a task definition found by tag is adopted: a tag or hash alone is not proof.
 */
export function contentMismatch(
  d: Pick<Draft, 'spec' | 'status'>,
  td: TaskDefinitionSummary,
): string | undefined {
  const revision = d.status.revision;
  const name = d.spec.target.container;
  const c = td.containers.find((x) => x.name === name);
  if (revision === undefined) return 'no revision';
  if (c === undefined) return `task definition ${td.arn} has no container ${name}`;
  if (c.image !== revision.image)
    return `task definition ${td.arn} runs ${c.image}, not ${revision.image} (revision ${revision.number})`;
  if (revision.specHash !== specHash(d.spec)) return undefined;
  const { environment, secrets } = d.spec;
  if (
    environment !== undefined &&
    JSON.stringify(sortedEnv(environment)) !== JSON.stringify(sortedEnv(c.environment))
  )
    return `task definition ${td.arn} has another environment than spec.environment`;
  if (
    secrets !== undefined &&
    JSON.stringify(sortedSecrets(secrets)) !== JSON.stringify(sortedSecrets(c.secrets))
  )
    return `task definition ${td.arn} has other secrets than spec.secrets`;
  return undefined;
}

/**
 * Before `td` runs anything: wait for it to be read, or fail the revision when it is not the
 * revision's (undefined: it is, go on).
 */
export function checkContent(d: Draft): StepResult | undefined {
  const arn = d.status.revision?.taskDefinitionArn;
  const td = d.observed.revisionTaskDefinition;
  if (td === undefined || td === null || td.arn !== arn)
    return probe('the content of the revision’s task definition');
  const mismatch = contentMismatch(d, td);
  if (mismatch === undefined) return undefined;
  return failRevision(d, ReleaseReason.TaskDefinitionMismatch, mismatch);
}

/**
 * A new delivery attempt (new revision, or retry): `status.attempt` is replaced whole, so nothing
 * of the last attempt — its steps, checks, analysis, holds, a promote that let a gate pass
 * (`promotedGate` once survived an allow-list that forgot it) — carries over, including fields
 * added to the attempt later. The stage and the weight restart at the top level (api.ts says why
 * they live there).
 */
export function resetAttempt(d: Draft): void {
  d.status.attempt = { progressStartedAt: nowIso(d), lastProgressAt: nowIso(d) };
  d.status.stage = ReleaseStage.Cleanup;
  d.status.currentWeight = 0;
}

export function startRevision(
  d: Draft,
  fields: Omit<Revision, 'number'>,
  reason: string,
  message: string,
): StepResult {
  const number = (d.status.revision?.number ?? 0) + 1;
  rememberFlagLeftOn(d, number);
  d.status.revision = { number, ...fields };
  d.status.imageTag = imageTag(fields.image);
  const routing = routingOf(d.spec);
  if (routing === undefined) delete d.status.trafficRouting;
  else
    d.status.trafficRouting = {
      listenerArn: routing.listenerArn,
      targetGroupArns: [...routing.pair],
    };
  delete d.status.migration;
  resetAttempt(d);
  note(d, 'Normal', reason, `revision ${number} (${fields.image}): ${message}`);
  return progressed(d);
}

/** First sight of the service: its current task definition becomes stable revision 0 (or 1). */
export function adopt(d: Draft): StepResult {
  const service = d.observed.service;
  const base = d.observed.baseTaskDefinition;
  if (service === null || base === undefined) return probe('the current task definition');
  const primary = primaryTaskSet(service);
  const tg = pairTargetGroup(d.spec, primary);
  if (tg !== undefined) d.status.stableTargetGroupArn = tg;
  const container = base?.containers.find((c) => c.name === d.spec.target.container);
  if (base !== null) {
    const stable: Revision = {
      number: 0,
      specHash: container === undefined ? `td:${base.arn}` : containerHash(container),
      image: container?.image ?? '',
      taskDefinitionArn: base.arn,
      ...(primary === undefined ? {} : { taskSetArn: primary.arn }),
    };
    // A task set another Release left (deleted mid-canary) may still take traffic: the service
    // does not run only what the spec describes, so a revision starts, whose Cleanup removes it.
    if (
      container !== undefined &&
      describes(d.spec, container) &&
      leftoverTaskSets(d, service).length === 0
    ) {
      const adopted = { ...stable, number: 1, specHash: specHash(d.spec) };
      d.status.revision = adopted;
      d.status.stableRevision = adopted;
      d.status.stableHistory = [adopted];
      d.status.imageTag = imageTag(adopted.image);
      d.status.stage = ReleaseStage.Done;
      d.status.attempt.outcome = 'Succeeded';
      note(d, 'Normal', ReleaseReason.Adopted, `the service already runs ${adopted.image}`);
      return progressed(d);
    }
    d.status.stableRevision = stable;
    d.status.stableHistory = [stable];
  }
  const leftover = leftoverTaskSets(d, service)[0];
  return startRevision(
    d,
    fromSpec(d.spec),
    'NewRevision',
    leftover === undefined
      ? 'first release of this service'
      : `first release of this service (task set ${leftover.id}, left by another Release, is removed first)`,
  );
}

const fromSpec = (spec: ReleaseSpec): Omit<Revision, 'number'> => ({
  specHash: specHash(spec),
  image: spec.image,
});

/** The spec names a revision other than the current one (and is not pinned by a rollback). */
export function specChanged(d: Draft): boolean {
  const hash = specHash(d.spec);
  return hash !== d.status.revision?.specHash && hash !== d.status.pinnedSpecHash;
}

/** A revision in flight whose spec changed is rolled back first (outcome Superseded). */
export function supersedeIfChanged(d: Draft): void {
  const stage = d.status.stage;
  if (stage === ReleaseStage.Done || stage === ReleaseStage.RollingBack || !specChanged(d)) return;
  const n = d.status.revision?.number ?? 0;
  beginRollback(d, {
    outcome: 'Superseded',
    reason: ReleaseReason.Superseded,
    message: `the spec changed: revision ${n} is cleaned up, then revision ${n + 1} starts`,
  });
}

/** From a finished revision: start the one the spec names, through the fast path if it may. */
export function startFromSpec(d: Draft): StepResult {
  const hash = specHash(d.spec);
  // The spec moved away from the one the rollback action pinned: the pin has done its job. Kept,
  // it would silently ignore a later edit back to that spec (e.g. reverting a hotfix).
  delete d.status.pinnedSpecHash;
  const window = d.spec.rollbackWindow?.revisions ?? 0;
  const recent = window === 0 ? [] : (d.status.stableHistory ?? []).slice(-window);
  const known = recent.findLast((r) => r.specHash === hash);
  if (known === undefined) {
    // A spec that was stable before reuses that revision's task definition (no registration,
    // no read; its content is checked before anything runs it), outside rollbackWindow too.
    const earlier = (d.status.stableHistory ?? []).findLast(
      (r) => r.specHash === hash && r.taskDefinitionArn !== undefined,
    );
    return earlier?.taskDefinitionArn === undefined
      ? startRevision(d, fromSpec(d.spec), 'NewRevision', 'spec changed')
      : startRevision(
          d,
          { ...fromSpec(d.spec), taskDefinitionArn: earlier.taskDefinitionArn },
          'NewRevision',
          `spec changed (back to the spec of revision ${earlier.number}: its task definition is reused)`,
        );
  }
  return startRevision(
    d,
    {
      specHash: hash,
      image: d.spec.image,
      ...(known.taskDefinitionArn === undefined
        ? {}
        : { taskDefinitionArn: known.taskDefinitionArn }),
      fastPath: true,
    },
    ReleaseReason.FastRollback,
    `returns to stable revision ${known.number} (within rollbackWindow): no steps, analysis or approval`,
  );
}
