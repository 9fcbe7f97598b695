// Entering the failure paths. A failure before any traffic moved ends as Failed; from Deploy on
// the deploy is rolled back (RolledBack). The one exception is an irreversible migration that
// already succeeded: rolling back would put old code on a migrated schema, so the revision
// freezes where it is and status says what a person must decide.
import { ReleaseStage, type ReleaseStage as Stage, type RollbackState } from '../api.js';
import { nowIso, progressed, type Draft, type StepResult } from './draft.js';
import { actionHint } from './action-values.js';
import { bounded, logDeployment, note } from './history.js';

const ORDER: readonly Stage[] = [
  ReleaseStage.Cleanup,
  ReleaseStage.Preflight,
  ReleaseStage.Register,
  ReleaseStage.Snapshot,
  ReleaseStage.MaintenanceOn,
  ReleaseStage.Migration,
  ReleaseStage.Deploy,
  ReleaseStage.Smoke,
  ReleaseStage.Steps,
  ReleaseStage.Approval,
  ReleaseStage.Switch,
  ReleaseStage.PostChecks,
  ReleaseStage.MaintenanceOff,
];

/** The revision may have created task sets, moved traffic or updated the service. */
export function touchedTraffic(stage: Stage | undefined): boolean {
  if (stage === undefined) return false;
  const i = ORDER.indexOf(stage);
  return i >= ORDER.indexOf(ReleaseStage.Deploy);
}

/** This revision's migration ran to success and cannot be undone by redeploying old code. */
export function irreversiblyMigrated(draft: Draft): boolean {
  const m = draft.status.migration;
  return (
    draft.spec.migration?.reversible === false &&
    m?.phase === 'Succeeded' &&
    m.revision === draft.status.revision?.number
  );
}

export function beginRollback(
  draft: Draft,
  why: Pick<RollbackState, 'outcome' | 'reason' | 'message'>,
): void {
  // From a Frozen revision (stage Done), undo from the stage it froze in.
  const stage = draft.status.stage ?? ReleaseStage.Cleanup;
  const fromStage =
    stage === ReleaseStage.Done
      ? (draft.status.attempt.rollback?.fromStage ?? ReleaseStage.Deploy)
      : stage;
  // Messages carry check results (alarm names, smoke URLs, analysis verdicts) of any length:
  // bounded as the schema requires, or the status write — the write-ahead one too — is refused.
  draft.status.attempt.rollback = {
    ...why,
    message: bounded(why.message),
    at: nowIso(draft),
    fromStage,
  };
  draft.status.stage = ReleaseStage.RollingBack;
  draft.facts.rollbacks.push(why.reason);
  delete draft.status.attempt.pause;
  delete draft.status.attempt.nextStepAt;
  const type = why.outcome === 'Superseded' ? 'Normal' : 'Warning';
  note(draft, type, why.reason, why.message);
}

/** An automatic failure (analysis, smoke, checks, deadline, circuit breaker, migration). */
export function failRevision(draft: Draft, reason: string, message: string): StepResult {
  const deployed = touchedTraffic(draft.status.stage);
  if (deployed && irreversiblyMigrated(draft)) return freeze(draft, reason, message);
  beginRollback(draft, { outcome: deployed ? 'RolledBack' : 'Failed', reason, message });
  return progressed(draft);
}

function freeze(draft: Draft, reason: string, cause: string): StepResult {
  const s = draft.status;
  const n = s.revision?.number ?? 0;
  const flag = draft.spec.migration?.maintenanceFlag;
  const snapshot = s.migration?.snapshotId;
  const message =
    `${cause}. The migration of revision ${n} succeeded and is not reversible, so nothing was rolled back: ` +
    `traffic stays as it is (canary weight ${s.currentWeight ?? 0}%)` +
    (flag === undefined ? '' : `, maintenance flag ${flag} stays on`) +
    `. A person decides: resume the deploy (${actionHint(draft, 'retry')}), send all traffic back to revision ${s.stableRevision?.number ?? 0} (${actionHint(draft, 'rollback')})` +
    (snapshot === undefined
      ? ''
      : ` (the database stays migrated; snapshot ${snapshot} holds the data from before)`) +
    ', or change the spec' +
    (flag === undefined ? '' : ` (the next revision turns ${flag} off once it is healthy)`) +
    '.';
  s.attempt.rollback = {
    outcome: 'Frozen',
    reason,
    message: bounded(message),
    at: nowIso(draft),
    fromStage: s.stage ?? 'Deploy',
  };
  s.stage = ReleaseStage.Done;
  s.attempt.outcome = 'Frozen';
  delete s.attempt.pause;
  note(draft, 'Warning', 'Frozen', message);
  logDeployment(draft, 'Frozen', cause);
  return { kind: 'wait', on: 'human', message };
}
