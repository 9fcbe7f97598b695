// Conditions, computed from scratch every reconcile (Argo's syncRolloutStatus): the kstatus trio
// from the derived phase, and the domain conditions from what status records for the current
// revision. The runtime keeps lastTransitionTime unless a status flips.
import { HELD_BY_FAILOVER_PLAN } from '../../shared/interlock/index.js';
import { kstatusConditions, type ConditionInput } from '../../../controller/index.js';
import {
  ReleasePhase,
  ReleaseReason,
  ReleaseStage,
  type ReleasePhase as Phase,
  type ReleaseSpec,
} from '../api.js';
import type { Draft } from './draft.js';
import type { ReleaseState } from './types.js';
import { gateWhere } from './analysis.js';
import { claimedByOther, unclaimable } from './claim.js';
import { isTerminal } from './phase.js';
import { currentTaskDefinitionArn } from './world.js';

type Status = ConditionInput['status'];
const cond = (type: string, status: Status, reason: string, message: string): ConditionInput => ({
  type,
  status,
  reason,
  message,
});

export function conditionsFor(
  draft: Draft,
  phase: Phase,
  message: string,
  suspended: boolean,
): ConditionInput[] {
  return [
    ...kstatus(draft, phase, message),
    available(draft),
    paused(draft, suspended),
    ...domain(draft),
  ];
}

function kstatus(draft: Draft, phase: Phase, message: string): ConditionInput[] {
  if (draft.observed.service === null)
    return kstatusConditions('Stalled', ReleaseReason.ServiceNotFound, message);
  if (claimedByOther(draft))
    return kstatusConditions('Stalled', ReleaseReason.ServiceClaimed, message);
  if (unclaimable(draft))
    return kstatusConditions('Stalled', ReleaseReason.ShortServiceArn, message);
  if (phase === ReleasePhase.Healthy)
    return kstatusConditions('Ready', ReleaseReason.RevisionHealthy, message);
  if (isTerminal(phase)) {
    return kstatusConditions(
      'Stalled',
      draft.status.attempt.rollback?.reason ?? draft.status.attempt.outcome ?? 'Failed',
      message,
    );
  }
  const reason =
    draft.status.stage === ReleaseStage.RollingBack
      ? ReleaseReason.RollingBack
      : (draft.status.attempt.pause?.reason ?? ReleaseReason.Progressing);
  return kstatusConditions('Reconciling', reason, message);
}

function available(draft: Draft): ConditionInput {
  const type = 'Available';
  const service = draft.observed.service;
  const stable = draft.status.stableRevision;
  if (service === null)
    return cond(type, 'False', ReleaseReason.ServiceNotFound, 'the ECS service does not exist');
  if (stable === undefined)
    return cond(type, 'False', ReleaseReason.Progressing, 'no stable revision yet');
  const running = currentTaskDefinitionArn(service);
  const steady =
    draft.status.stage === ReleaseStage.Done && draft.status.attempt.outcome !== 'Frozen';
  if (
    steady &&
    running !== undefined &&
    stable.taskDefinitionArn !== undefined &&
    running !== stable.taskDefinitionArn
  ) {
    return cond(
      type,
      'False',
      ReleaseReason.ServiceDrifted,
      `the service runs ${running}, not ${stable.taskDefinitionArn} of stable revision ${stable.number}; nothing is changed until the next revision`,
    );
  }
  return cond(
    type,
    'True',
    ReleaseReason.RevisionHealthy,
    `stable revision ${stable.number} (${stable.image}) serves the service`,
  );
}

function paused(draft: Draft, suspended: boolean): ConditionInput {
  if (suspended)
    return cond('Paused', 'True', ReleaseReason.Suspended, 'spec.suspend: observing only');
  const held = draft.observed.heldBy;
  if (held !== undefined) return cond('Paused', 'True', HELD_BY_FAILOVER_PLAN, held.message);
  const pause = draft.status.attempt.pause;
  if (pause === undefined) return cond('Paused', 'False', ReleaseReason.NotPaused, 'not paused');
  return cond('Paused', 'True', pause.reason, `since ${pause.since}`);
}

/** The domain conditions that apply to the current revision, one function each. */
function domain(draft: Draft): ConditionInput[] {
  return [
    preflightPassed(draft.status),
    analysisPassed(draft.spec, draft.status),
    smokeTestsPassed(draft.status),
    migrationSucceeded(draft.spec, draft.status),
  ].filter((condition) => condition !== undefined);
}

/** PreflightPassed: skipped (True, with the reason), a failed check (False, naming each), else True. */
function preflightPassed(status: ReleaseState): ConditionInput | undefined {
  const preflight = status.attempt?.preflight;
  if (preflight === undefined) return undefined;
  const type = 'PreflightPassed';
  if (preflight.skipped)
    return cond(type, 'True', ReleaseReason.PreflightSkipped, preflight.reason ?? 'skipped');
  const results = preflight.results ?? [];
  const failed = results.filter((result) => result.outcome === 'Failed');
  if (failed.length > 0) {
    const message = failed.map((result) => `${result.name}: ${result.message ?? ''}`).join('; ');
    return cond(type, 'False', ReleaseReason.PreflightFailed, message);
  }
  return cond(type, 'True', ReleaseReason.PreflightPassed, `${results.length} check(s) passed`);
}

/** AnalysisPassed, when spec.analysis is set and a gate has a verdict: Unknown while it runs. */
function analysisPassed(spec: ReleaseSpec, status: ReleaseState): ConditionInput | undefined {
  const verdict = status.attempt?.analysis?.verdict;
  if (spec.analysis === undefined || verdict === undefined) return undefined;
  const type = 'AnalysisPassed';
  const message = `${gateWhere(spec, status.attempt?.analysis?.step ?? 0)}: ${verdict}`;
  switch (verdict) {
    case 'Successful':
      return cond(type, 'True', ReleaseReason.AnalysisSucceeded, message);
    case 'Failed':
      return cond(type, 'False', ReleaseReason.AnalysisFailed, message);
    case 'Inconclusive':
      return cond(type, 'Unknown', ReleaseReason.AnalysisInconclusive, message);
    case 'Running':
      return cond(type, 'Unknown', ReleaseReason.AnalysisRunning, message);
  }
}

/** SmokeTestsPassed, once smoke tests ran: False naming each failed test. */
function smokeTestsPassed(status: ReleaseState): ConditionInput | undefined {
  const results = status.attempt?.smoke?.results;
  if (results === undefined) return undefined;
  const type = 'SmokeTestsPassed';
  const failed = results.filter((result) => result.outcome === 'Failed');
  if (failed.length > 0) {
    const message = failed.map((result) => `${result.name}: ${result.message ?? ''}`).join('; ');
    return cond(type, 'False', ReleaseReason.SmokeTestFailed, message);
  }
  const message = `${results.length} passed (${status.attempt?.smoke?.phase ?? ''})`;
  return cond(type, 'True', ReleaseReason.SmokeTestsPassed, message);
}

/** MigrationSucceeded, for the current revision's migration (spec.migration set). */
function migrationSucceeded(spec: ReleaseSpec, status: ReleaseState): ConditionInput | undefined {
  const migration = status.migration;
  if (spec.migration === undefined || migration === undefined) return undefined;
  if (migration.revision !== status.revision?.number) return undefined;
  const type = 'MigrationSucceeded';
  switch (migration.phase) {
    case 'Succeeded':
      return cond(
        type,
        'True',
        ReleaseReason.MigrationSucceeded,
        `exit code ${migration.exitCode ?? 0}`,
      );
    case 'Failed':
      return cond(type, 'False', ReleaseReason.MigrationFailed, migration.message ?? 'failed');
    case 'Pending':
    case 'Snapshotting':
    case 'Running':
      return cond(type, 'Unknown', ReleaseReason.MigrationRunning, migration.phase);
  }
}
