// Smoke tests (before traffic and again after promotion) and post-deployment checks (all tasks
// running, named alarms not in ALARM, and the post-promotion analysis gate: always for blue/green
// and rolling, for a canary when its analysis runs in the background). The same for every strategy. observe.ts runs the probes; this folds their results into status and decides.
import type { HttpCheckResult } from '../../shared/checks/index.js';
import type { ServiceState, TaskSet } from '../../shared/ports/ecs.js';
import { ReleaseReason, type CheckResult } from '../api.js';
import { failGate, holdForGate, openGate } from './analysis.js';
import { nowIso, probe, progressed, waitFor, type Draft, type StepResult } from './draft.js';
import { bounded, note } from './history.js';
import { failRevision } from './rollback-start.js';
import { revisionTaskSet } from './world.js';

/** Smoke tests before any traffic reaches the new revision (skipped on the fast path). */
export function smokeStage(draft: Draft): StepResult {
  if ((draft.spec.checks?.smoke ?? []).length === 0 || draft.status.revision?.fastPath === true) {
    return progressed(draft);
  }
  return runSmoke(draft, 'PreTraffic') ?? progressed(draft);
}

/** Undefined when the smoke tests of `phase` passed (now or earlier in this stage). */
function runSmoke(draft: Draft, phase: 'PreTraffic' | 'PostPromotion'): StepResult | undefined {
  if ((draft.spec.checks?.smoke ?? []).length === 0 || draft.status.attempt.smoke?.phase === phase)
    return undefined;
  const results = draft.observed.smoke;
  if (results === undefined) return probe('the smoke tests');
  draft.status.attempt.smoke = { phase, results: results.map((r) => toCheckResult(draft, r)) };
  const failed = results.filter((r) => !r.passed);
  const when = phase === 'PreTraffic' ? 'before traffic' : 'after promotion';
  if (failed.length > 0) {
    const why = failed.map((r) => `${r.name}: ${r.message}`).join('; ');
    return failRevision(draft, ReleaseReason.SmokeTestFailed, `smoke tests failed ${when}: ${why}`);
  }
  note(
    draft,
    'Normal',
    ReleaseReason.SmokeTestsPassed,
    `${results.length} smoke test(s) passed ${when}`,
  );
  return undefined;
}

const toCheckResult = (draft: Draft, r: HttpCheckResult): CheckResult => ({
  name: r.name.slice(0, 253),
  outcome: r.passed ? 'Passed' : 'Failed',
  at: nowIso(draft),
  message: r.message.slice(0, 1024),
});

export function postChecksStage(draft: Draft): StepResult {
  const smoke = runSmoke(draft, 'PostPromotion');
  if (smoke !== undefined) return smoke;
  const gate = openGate(draft);
  if (gate === 'probe') return probe('the analysis');
  if (gate?.assessment.phase === 'Failed') return failGate(draft, gate);
  const held = gate === undefined ? undefined : holdForGate(draft, gate, 'after promotion');
  if (held !== undefined) return held;
  const post = draft.spec.checks?.postDeployment ?? {};
  const results: CheckResult[] = [];
  if (post.allTasksRunning !== false) {
    const service = draft.observed.service;
    const tasks: TasksRunning =
      service === null
        ? { outcome: 'Warning', message: 'the service is gone' }
        : allTasksRunning(service, revisionTaskSet(draft, service));
    results.push({
      name: 'allTasksRunning',
      outcome: tasks.outcome,
      at: nowIso(draft),
      message: tasks.message,
    });
    if (tasks.outcome !== 'Passed') {
      draft.status.attempt.postDeployment = { results };
      // Not yet (or no data): keep waiting on ECS; progressDeadline bounds the wait and then
      // rolls the revision back with this message, which names what is missing.
      const what =
        tasks.outcome === 'Inconclusive'
          ? `allTasksRunning is inconclusive: ${tasks.message}`
          : `waiting for all tasks to run: ${tasks.message}`;
      return waitFor('world', what);
    }
  }
  if ((post.noAlarmsFiring ?? []).length > 0) {
    const alarms = draft.observed.alarms;
    if (alarms === undefined) return probe('the alarms');
    results.push({
      name: 'noAlarmsFiring',
      outcome: alarms.passed ? 'Passed' : 'Failed',
      at: nowIso(draft),
      // Up to ten alarm names of up to 255 characters: bounded as the schema requires.
      message: bounded(alarms.message),
    });
    draft.status.attempt.postDeployment = { results };
    if (!alarms.passed)
      return failRevision(draft, ReleaseReason.PostDeploymentCheckFailed, alarms.message);
  }
  draft.status.attempt.postDeployment = { results };
  if (results.length > 0)
    note(
      draft,
      'Normal',
      'PostDeploymentChecksPassed',
      results.map((r) => `${r.name}: ${r.message ?? ''}`).join('; '),
    );
  return progressed(draft);
}

/** The allTasksRunning check on one observation of the service (pure). */
export interface TasksRunning {
  /** Passed: every task runs; Warning: not yet; Inconclusive: ECS reported no counts to judge. */
  readonly outcome: 'Passed' | 'Warning' | 'Inconclusive';
  readonly message: string;
}

/**
 * Every task of the revision runs: with the EXTERNAL deployment controller the task set's
 * `runningCount` against its `computedDesiredCount` (the revision's own task set, else the
 * primary), otherwise the service's counts. A task set that reports no counts gives no evidence
 * either way: Inconclusive, never Passed.
 */
export function allTasksRunning(service: ServiceState, revisionSet?: TaskSet): TasksRunning {
  if (service.deploymentController !== 'EXTERNAL') {
    return countsOutcome(service.runningCount, service.desiredCount);
  }
  const ts = revisionSet ?? service.taskSets.find((t) => t.status === 'PRIMARY');
  if (ts === undefined) return { outcome: 'Inconclusive', message: 'no primary task set found' };
  const missing = [
    ts.runningCount === undefined ? 'runningCount' : undefined,
    ts.computedDesiredCount === undefined ? 'computedDesiredCount' : undefined,
  ].filter((m) => m !== undefined);
  if (ts.runningCount === undefined || ts.computedDesiredCount === undefined) {
    return {
      outcome: 'Inconclusive',
      message: `task set ${ts.id} reports no ${missing.join(' or ')}`,
    };
  }
  return countsOutcome(ts.runningCount, ts.computedDesiredCount);
}

const countsOutcome = (running: number, desired: number): TasksRunning => ({
  outcome: running >= desired ? 'Passed' : 'Warning',
  message: `${running} of ${desired} tasks running`,
});
