// Smoke tests (before traffic and again after promotion) and post-deployment checks (all tasks
// running, named alarms not in ALARM, and the post-promotion analysis gate: always for blue/green
// and rolling, for a canary when its analysis runs in the background). The same for every strategy. observe.ts runs the probes; this folds their results into status and decides.
import type { HttpCheckResult } from '../../shared/checks/index.js';
import { ReleaseReason, type CheckResult } from '../api.js';
import { failGate, holdForGate, openGate } from './analysis.js';
import { nowIso, probe, progressed, waitFor, type Draft, type StepResult } from './draft.js';
import { bounded, note } from './history.js';
import { failRevision } from './rollback-start.js';
import { revisionTaskSet } from './world.js';

/** Smoke tests before any traffic reaches the new revision (skipped on the fast path). */
export function smokeStage(d: Draft): StepResult {
  if ((d.spec.checks?.smoke ?? []).length === 0 || d.status.revision?.fastPath === true) {
    return progressed(d);
  }
  return runSmoke(d, 'PreTraffic') ?? progressed(d);
}

/** Undefined when the smoke tests of `phase` passed (now or earlier in this stage). */
function runSmoke(d: Draft, phase: 'PreTraffic' | 'PostPromotion'): StepResult | undefined {
  if ((d.spec.checks?.smoke ?? []).length === 0 || d.status.smoke?.phase === phase)
    return undefined;
  const results = d.observed.smoke;
  if (results === undefined) return probe('the smoke tests');
  d.status.smoke = { phase, results: results.map((r) => toCheckResult(d, r)) };
  const failed = results.filter((r) => !r.passed);
  const when = phase === 'PreTraffic' ? 'before traffic' : 'after promotion';
  if (failed.length > 0) {
    const why = failed.map((r) => `${r.name}: ${r.message}`).join('; ');
    return failRevision(d, ReleaseReason.SmokeTestFailed, `smoke tests failed ${when}: ${why}`);
  }
  note(
    d,
    'Normal',
    ReleaseReason.SmokeTestsPassed,
    `${results.length} smoke test(s) passed ${when}`,
  );
  return undefined;
}

const toCheckResult = (d: Draft, r: HttpCheckResult): CheckResult => ({
  name: r.name.slice(0, 253),
  outcome: r.passed ? 'Passed' : 'Failed',
  at: nowIso(d),
  message: r.message.slice(0, 1024),
});

export function postChecksStage(d: Draft): StepResult {
  const smoke = runSmoke(d, 'PostPromotion');
  if (smoke !== undefined) return smoke;
  const gate = openGate(d);
  if (gate === 'probe') return probe('the analysis');
  if (gate?.assessment.phase === 'Failed') return failGate(d, gate);
  const held = gate === undefined ? undefined : holdForGate(d, gate, 'after promotion');
  if (held !== undefined) return held;
  const post = d.spec.checks?.postDeployment ?? {};
  const results: CheckResult[] = [];
  if (post.allTasksRunning !== false) {
    const tasks = tasksRunning(d);
    results.push({
      name: 'allTasksRunning',
      outcome: tasks.ok ? 'Passed' : 'Warning',
      at: nowIso(d),
      message: tasks.message,
    });
    if (!tasks.ok) {
      d.status.postDeployment = { results };
      return waitFor('world', `waiting for all tasks to run: ${tasks.message}`);
    }
  }
  if ((post.noAlarmsFiring ?? []).length > 0) {
    const alarms = d.observed.alarms;
    if (alarms === undefined) return probe('the alarms');
    results.push({
      name: 'noAlarmsFiring',
      outcome: alarms.passed ? 'Passed' : 'Failed',
      at: nowIso(d),
      // Up to ten alarm names of up to 255 characters: bounded as the schema requires.
      message: bounded(alarms.message),
    });
    d.status.postDeployment = { results };
    if (!alarms.passed)
      return failRevision(d, ReleaseReason.PostDeploymentCheckFailed, alarms.message);
  }
  d.status.postDeployment = { results };
  if (results.length > 0)
    note(
      d,
      'Normal',
      'PostDeploymentChecksPassed',
      results.map((r) => `${r.name}: ${r.message ?? ''}`).join('; '),
    );
  return progressed(d);
}

function tasksRunning(d: Draft): { ok: boolean; message: string } {
  const service = d.observed.service;
  if (service === null) return { ok: false, message: 'the service is gone' };
  if (service.deploymentController === 'EXTERNAL') {
    const ts = revisionTaskSet(d, service) ?? service.taskSets.find((t) => t.status === 'PRIMARY');
    if (ts?.runningCount === undefined || ts.computedDesiredCount === undefined) {
      return { ok: true, message: 'task counts not reported for the task set' };
    }
    return {
      ok: ts.runningCount >= ts.computedDesiredCount,
      message: `${ts.runningCount} of ${ts.computedDesiredCount} tasks running`,
    };
  }
  return {
    ok: service.runningCount >= service.desiredCount,
    message: `${service.runningCount} of ${service.desiredCount} tasks running`,
  };
}
