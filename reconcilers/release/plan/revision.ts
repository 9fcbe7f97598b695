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
  draft: Pick<Draft, 'spec' | 'status'>,
  td: TaskDefinitionSummary,
): string | undefined {
  const revision = draft.status.revision;
  const name = draft.spec.target.container;
  const c = td.containers.find((x) => x.name === name);
  if (revision === undefined) return 'no revision';
  if (c === undefined) return `task definition ${td.arn} has no container ${name}`;
  if (c.image !== revision.image)
    return `task definition ${td.arn} runs ${c.image}, not ${revision.image} (revision ${revision.number})`;
  if (revision.specHash !== specHash(draft.spec)) return undefined;
  const { environment, secrets } = draft.spec;
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
export function checkContent(draft: Draft): StepResult | undefined {
  const arn = draft.status.revision?.taskDefinitionArn;
  const td = draft.observed.revisionTaskDefinition;
  if (td === undefined || td === null || td.arn !== arn)
    return probe('the content of the revision’s task definition');
  const mismatch = contentMismatch(draft, td);
  if (mismatch === undefined) return undefined;
  return failRevision(draft, ReleaseReason.TaskDefinitionMismatch, mismatch);
}

/**
 * A new delivery attempt (new revision, or retry): `status.attempt` is replaced whole, so nothing
 * of the last attempt — its steps, checks, analysis, holds, a promote that let a gate pass
 * (`promotedGate` once survived an allow-list that forgot it) — carries over, including fields
 * added to the attempt later. The stage and the weight restart at the top level (api.ts says why
 * they live there).
 */
export function resetAttempt(draft: Draft): void {
  draft.status.attempt = { progressStartedAt: nowIso(draft), lastProgressAt: nowIso(draft) };
  draft.status.stage = ReleaseStage.Cleanup;
  draft.status.currentWeight = 0;
}

export function startRevision(
  draft: Draft,
  fields: Omit<Revision, 'number'>,
  reason: string,
  message: string,
): StepResult {
  const number = (draft.status.revision?.number ?? 0) + 1;
  rememberFlagLeftOn(draft, number);
  draft.status.revision = { number, ...fields };
  draft.status.imageTag = imageTag(fields.image);
  const routing = routingOf(draft.spec);
  if (routing === undefined) delete draft.status.trafficRouting;
  else
    draft.status.trafficRouting = {
      listenerArn: routing.listenerArn,
      targetGroupArns: [...routing.pair],
    };
  delete draft.status.migration;
  resetAttempt(draft);
  note(draft, 'Normal', reason, `revision ${number} (${fields.image}): ${message}`);
  return progressed(draft);
}

/** First sight of the service: its current task definition becomes stable revision 0 (or 1). */
export function adopt(draft: Draft): StepResult {
  const service = draft.observed.service;
  const base = draft.observed.baseTaskDefinition;
  if (service === null || base === undefined) return probe('the current task definition');
  const primary = primaryTaskSet(service);
  const tg = pairTargetGroup(draft.spec, primary);
  if (tg !== undefined) draft.status.stableTargetGroupArn = tg;
  const container = base?.containers.find((c) => c.name === draft.spec.target.container);
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
      describes(draft.spec, container) &&
      leftoverTaskSets(draft, service).length === 0
    ) {
      const adopted = { ...stable, number: 1, specHash: specHash(draft.spec) };
      draft.status.revision = adopted;
      draft.status.stableRevision = adopted;
      draft.status.stableHistory = [adopted];
      draft.status.imageTag = imageTag(adopted.image);
      draft.status.stage = ReleaseStage.Done;
      draft.status.attempt.outcome = 'Succeeded';
      note(draft, 'Normal', ReleaseReason.Adopted, `the service already runs ${adopted.image}`);
      return progressed(draft);
    }
    draft.status.stableRevision = stable;
    draft.status.stableHistory = [stable];
  }
  const leftover = leftoverTaskSets(draft, service)[0];
  return startRevision(
    draft,
    fromSpec(draft.spec),
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
export function specChanged(draft: Draft): boolean {
  const hash = specHash(draft.spec);
  return hash !== draft.status.revision?.specHash && hash !== draft.status.pinnedSpecHash;
}

/** A revision in flight whose spec changed is rolled back first (outcome Superseded). */
export function supersedeIfChanged(draft: Draft): void {
  const stage = draft.status.stage;
  if (stage === ReleaseStage.Done || stage === ReleaseStage.RollingBack || !specChanged(draft))
    return;
  const n = draft.status.revision?.number ?? 0;
  beginRollback(draft, {
    outcome: 'Superseded',
    reason: ReleaseReason.Superseded,
    message: `the spec changed: revision ${n} is cleaned up, then revision ${n + 1} starts`,
  });
}

/** From a finished revision: start the one the spec names, through the fast path if it may. */
export function startFromSpec(draft: Draft): StepResult {
  const hash = specHash(draft.spec);
  // The spec moved away from the one the rollback action pinned: the pin has done its job. Kept,
  // it would silently ignore a later edit back to that spec (e.g. reverting a hotfix).
  delete draft.status.pinnedSpecHash;
  const window = draft.spec.rollbackWindow?.revisions ?? 0;
  const recent = window === 0 ? [] : (draft.status.stableHistory ?? []).slice(-window);
  const known = recent.findLast((r) => r.specHash === hash);
  if (known === undefined) {
    // A spec that was stable before reuses that revision's task definition (no registration,
    // no read; its content is checked before anything runs it), outside rollbackWindow too.
    const earlier = (draft.status.stableHistory ?? []).findLast(
      (r) => r.specHash === hash && r.taskDefinitionArn !== undefined,
    );
    return earlier?.taskDefinitionArn === undefined
      ? startRevision(draft, fromSpec(draft.spec), 'NewRevision', 'spec changed')
      : startRevision(
          draft,
          { ...fromSpec(draft.spec), taskDefinitionArn: earlier.taskDefinitionArn },
          'NewRevision',
          `spec changed (back to the spec of revision ${earlier.number}: its task definition is reused)`,
        );
  }
  return startRevision(
    draft,
    {
      specHash: hash,
      image: draft.spec.image,
      ...(known.taskDefinitionArn === undefined
        ? {}
        : { taskDefinitionArn: known.taskDefinitionArn }),
      fastPath: true,
    },
    ReleaseReason.FastRollback,
    `returns to stable revision ${known.number} (within rollbackWindow): no steps, analysis or approval`,
  );
}
