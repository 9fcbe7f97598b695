// The phase is derived from the state-machine fields of status, never stored independently
// (Argo Rollouts' CalculateRolloutPhase): a status patched halfway can never show a phase that
// contradicts its own stage.
import type { ReleaseState } from './types.js';
import { ReleasePhase, ReleaseStage, type DeploymentOutcome } from '../api.js';

const OUTCOME_PHASE: Record<DeploymentOutcome, ReleasePhase> = {
  Succeeded: ReleasePhase.Healthy,
  RolledBack: ReleasePhase.RolledBack,
  Aborted: ReleasePhase.Aborted,
  Failed: ReleasePhase.Failed,
  Frozen: ReleasePhase.Frozen,
  // A superseded revision is replaced within the same reconcile; should one ever be shown, it is
  // on its way to the next revision.
  Superseded: ReleasePhase.Progressing,
};

const STAGE_PHASE: Record<ReleaseStage, ReleasePhase> = {
  Cleanup: ReleasePhase.Progressing,
  Preflight: ReleasePhase.Preflight,
  Register: ReleasePhase.Preflight,
  Snapshot: ReleasePhase.Migrating,
  MaintenanceOn: ReleasePhase.Migrating,
  Migration: ReleasePhase.Migrating,
  Deploy: ReleasePhase.Progressing,
  Smoke: ReleasePhase.Progressing,
  Steps: ReleasePhase.Progressing,
  Approval: ReleasePhase.Progressing,
  Switch: ReleasePhase.Promoting,
  PostChecks: ReleasePhase.Promoting,
  MaintenanceOff: ReleasePhase.Promoting,
  RollingBack: ReleasePhase.RollingBack,
  Done: ReleasePhase.Healthy,
};

/**
 * `serviceMissing`: the ECS service was not found, so the Release is Stalled whatever its stage;
 * the phase says Degraded rather than a waiting word (Pending, Paused) beside `Stalled=True`.
 * A finished revision keeps its outcome (RolledBack, Failed, …), which already reads as stopped.
 */
export function derivePhase(
  status: ReleaseState | undefined,
  serviceMissing = false,
): ReleasePhase {
  const phase = pipelinePhase(status);
  return serviceMissing && !isTerminal(phase) ? ReleasePhase.Degraded : phase;
}

function pipelinePhase(status: ReleaseState | undefined): ReleasePhase {
  if (status?.revision === undefined || status.stage === undefined) return ReleasePhase.Pending;
  if (status.stage === ReleaseStage.Done) {
    return OUTCOME_PHASE[status.attempt?.outcome ?? 'Succeeded'];
  }
  if (status.stage !== ReleaseStage.RollingBack && status.attempt?.pause !== undefined) {
    return status.attempt.pause.reason === 'AwaitingApproval'
      ? ReleasePhase.AwaitingApproval
      : ReleasePhase.Paused;
  }
  return STAGE_PHASE[status.stage];
}

/** Phases a person must act on: announced with a Warning event. */
export function isStopped(phase: ReleasePhase): boolean {
  return phase === ReleasePhase.Degraded || isTerminal(phase);
}

/** Phases in which the revision is finished and nothing changes without a spec change or action. */
export function isTerminal(phase: ReleasePhase): boolean {
  return (
    phase === ReleasePhase.RolledBack ||
    phase === ReleasePhase.Aborted ||
    phase === ReleasePhase.Failed ||
    phase === ReleasePhase.Frozen
  );
}
