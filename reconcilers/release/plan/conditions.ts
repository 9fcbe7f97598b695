// Conditions, computed from scratch every reconcile (Argo's syncRolloutStatus): the kstatus trio
// from the derived phase, and the domain conditions from what status records for the current
// revision. The runtime keeps lastTransitionTime unless a status flips.
import { HELD_BY_FAILOVER_PLAN } from '../../shared/interlock/index.js';
import { kstatusConditions, type ConditionInput } from '../../../controller/index.js';
import { ReleasePhase, ReleaseReason, ReleaseStage, type ReleasePhase as Phase } from '../api.js';
import type { Draft } from './draft.js';
import { gateWhere } from './analysis.js';
import { claimedByOther } from './claim.js';
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
  d: Draft,
  phase: Phase,
  message: string,
  suspended: boolean,
): ConditionInput[] {
  return [...kstatus(d, phase, message), available(d), paused(d, suspended), ...domain(d)];
}

function kstatus(d: Draft, phase: Phase, message: string): ConditionInput[] {
  if (d.observed.service === null)
    return kstatusConditions('Stalled', ReleaseReason.ServiceNotFound, message);
  if (claimedByOther(d)) return kstatusConditions('Stalled', ReleaseReason.ServiceClaimed, message);
  if (phase === ReleasePhase.Healthy)
    return kstatusConditions('Ready', ReleaseReason.RevisionHealthy, message);
  if (isTerminal(phase)) {
    return kstatusConditions(
      'Stalled',
      d.status.rollback?.reason ?? d.status.outcome ?? 'Failed',
      message,
    );
  }
  const reason =
    d.status.stage === ReleaseStage.RollingBack
      ? ReleaseReason.RollingBack
      : (d.status.pause?.reason ?? ReleaseReason.Progressing);
  return kstatusConditions('Reconciling', reason, message);
}

function available(d: Draft): ConditionInput {
  const type = 'Available';
  const service = d.observed.service;
  const stable = d.status.stableRevision;
  if (service === null)
    return cond(type, 'False', ReleaseReason.ServiceNotFound, 'the ECS service does not exist');
  if (stable === undefined)
    return cond(type, 'False', ReleaseReason.Progressing, 'no stable revision yet');
  const running = currentTaskDefinitionArn(service);
  const steady = d.status.stage === ReleaseStage.Done && d.status.outcome !== 'Frozen';
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

function paused(d: Draft, suspended: boolean): ConditionInput {
  if (suspended)
    return cond('Paused', 'True', ReleaseReason.Suspended, 'spec.suspend: observing only');
  const held = d.observed.heldBy;
  if (held !== undefined) return cond('Paused', 'True', HELD_BY_FAILOVER_PLAN, held.message);
  const pause = d.status.pause;
  if (pause === undefined) return cond('Paused', 'False', ReleaseReason.NotPaused, 'not paused');
  return cond('Paused', 'True', pause.reason, `since ${pause.since}`);
}

function domain(d: Draft): ConditionInput[] {
  const s = d.status;
  const out: ConditionInput[] = [];
  if (s.preflight !== undefined) {
    const failed = (s.preflight.results ?? []).filter((r) => r.outcome === 'Failed');
    out.push(
      s.preflight.skipped
        ? cond(
            'PreflightPassed',
            'True',
            ReleaseReason.PreflightSkipped,
            s.preflight.reason ?? 'skipped',
          )
        : failed.length > 0
          ? cond(
              'PreflightPassed',
              'False',
              ReleaseReason.PreflightFailed,
              failed.map((r) => `${r.name}: ${r.message ?? ''}`).join('; '),
            )
          : cond(
              'PreflightPassed',
              'True',
              ReleaseReason.PreflightPassed,
              `${s.preflight.results?.length ?? 0} check(s) passed`,
            ),
    );
  }
  if (d.spec.analysis !== undefined && s.analysis?.verdict !== undefined) {
    const v = s.analysis.verdict;
    const m = `${gateWhere(d.spec, s.analysis.step ?? 0)}: ${v}`;
    out.push(
      v === 'Successful'
        ? cond('AnalysisPassed', 'True', ReleaseReason.AnalysisSucceeded, m)
        : v === 'Failed'
          ? cond('AnalysisPassed', 'False', ReleaseReason.AnalysisFailed, m)
          : cond(
              'AnalysisPassed',
              'Unknown',
              v === 'Inconclusive'
                ? ReleaseReason.AnalysisInconclusive
                : ReleaseReason.AnalysisRunning,
              m,
            ),
    );
  }
  if (s.smoke?.results !== undefined) {
    const failed = s.smoke.results.filter((r) => r.outcome === 'Failed');
    out.push(
      failed.length === 0
        ? cond(
            'SmokeTestsPassed',
            'True',
            ReleaseReason.SmokeTestsPassed,
            `${s.smoke.results.length} passed (${s.smoke.phase ?? ''})`,
          )
        : cond(
            'SmokeTestsPassed',
            'False',
            ReleaseReason.SmokeTestFailed,
            failed.map((r) => `${r.name}: ${r.message ?? ''}`).join('; '),
          ),
    );
  }
  const m = s.migration;
  if (d.spec.migration !== undefined && m !== undefined && m.revision === s.revision?.number) {
    out.push(
      m.phase === 'Succeeded'
        ? cond(
            'MigrationSucceeded',
            'True',
            ReleaseReason.MigrationSucceeded,
            `exit code ${m.exitCode ?? 0}`,
          )
        : m.phase === 'Failed'
          ? cond(
              'MigrationSucceeded',
              'False',
              ReleaseReason.MigrationFailed,
              m.message ?? 'failed',
            )
          : cond('MigrationSucceeded', 'Unknown', ReleaseReason.MigrationRunning, m.phase),
    );
  }
  return out;
}
