// The observable face of the status: phase (derived, Argo-style, from spec and status alone),
// kstatus conditions, the domain conditions, the one-line message and the exposure.
import {
  ConditionStatus,
  findCondition,
  isConditionTrue,
  kstatusConditions,
  type ConditionInput,
  type KStatusState,
} from '../../../controller/index.js';
import type { FlagRecord, FlagWrite } from '../../../flags/model.js';
import {
  FlagRolloutConditionType as T,
  FlagRolloutPhase as P,
  FlagRolloutReason as R,
  type FlagRolloutPhase,
  type FlagRolloutSpec,
  type FlagRolloutState,
} from '../api.js';
import { describeStep, type Ctx, type Draft } from './draft.js';
import { Ownership } from './flag-content.js';
import { describeSeconds } from './timing.js';

/**
 * The phase, from spec and status only (precedence as in modes.ts). Reads the domain conditions
 * FlagSynced (an external disable) and KillSwitchActive, so build those first.
 */
export function phaseOf(spec: FlagRolloutSpec, status: FlagRolloutState): FlagRolloutPhase {
  if (spec.enabled === false) return P.Disabled;
  if (isConditionTrue(status.conditions, T.KillSwitchActive)) return P.KilledBySwitch;
  if (findCondition(status.conditions, T.FlagSynced)?.reason === R.ExternalDisable)
    return P.Disabled;
  if (status.rollback !== undefined) return P.RolledBack;
  if (spec.suspend === true) return P.Paused;
  if (status.currentStep === undefined) return P.Pending;
  if (status.completedAt !== undefined) return P.Complete;
  if (status.nextStepAt !== undefined) return P.Holding;
  return P.Ramping;
}

const WAITING: readonly FlagRolloutPhase[] = [
  P.Pending,
  P.Ramping,
  P.Holding,
  P.Paused,
  P.Complete,
];

/**
 * The phase shown: Degraded while a Stalled situation (the flag owned elsewhere) holds and the
 * derived phase would read as waiting or done; Disabled and RolledBack already read as stopped.
 */
export function shownPhase(draft: Draft, derived: FlagRolloutPhase): FlagRolloutPhase {
  return draft.stalled !== undefined && WAITING.includes(derived) ? P.Degraded : derived;
}

/** kstatus for a phase: Ready when the spec is fully applied, Stalled when a human must act. */
export function kstateOf(
  spec: FlagRolloutSpec,
  phase: FlagRolloutPhase,
): { state: KStatusState; reason: string } {
  switch (phase) {
    case P.Complete:
      return { state: 'Ready', reason: R.Complete };
    case P.Disabled:
      // Either way the rollout is stopped until a person acts (edits the spec, re-enables the
      // flag): Stalled, never Ready, so `kubectl wait` and GitOps health do not read it as done.
      return spec.enabled === false
        ? { state: 'Stalled', reason: R.EmergencyDisabled }
        : { state: 'Stalled', reason: R.ExternalDisable };
    case P.RolledBack:
      return { state: 'Stalled', reason: R.RolledBack };
    case P.KilledBySwitch:
      return { state: 'Reconciling', reason: R.KillSwitchActive };
    case P.Paused:
      return { state: 'Reconciling', reason: R.Suspended };
    case P.Pending:
      return { state: 'Reconciling', reason: R.Pending };
    case P.Holding:
      return { state: 'Reconciling', reason: R.Holding };
    case P.Ramping:
      return { state: 'Reconciling', reason: R.Ramping };
    case P.Degraded:
      return { state: 'Stalled', reason: P.Degraded };
  }
}

/** FlagSynced, AnalysisPassed (with analysis) and KillSwitchActive (with a kill switch). */
export function domainConditions(draft: Draft): ConditionInput[] {
  const { ctx } = draft;
  const conditions: ConditionInput[] = [{ type: T.FlagSynced, ...draft.sync }];
  if (ctx.gate !== undefined)
    conditions.push({ type: T.AnalysisPassed, ...analysisState(ctx, draft.status) });
  const group = ctx.spec.killSwitch;
  if (group !== undefined) {
    conditions.push(
      ctx.killed
        ? {
            type: T.KillSwitchActive,
            status: ConditionStatus.True,
            reason: R.KillSwitchActive,
            message: `kill switch "${group}" is active: the flag is off for everyone; clear it with: ${killSwitchOffCommand(group)}`,
          }
        : {
            type: T.KillSwitchActive,
            status: ConditionStatus.False,
            reason: wasKilled(draft) ? R.KillSwitchCleared : R.KillSwitchNotSet,
            message: `kill switch "${group}" is not set`,
          },
    );
  }
  return conditions;
}

/** The switch was active before this reconcile (or had been cleared before and stays so). */
function wasKilled(draft: Draft): boolean {
  const prev = findCondition(draft.ctx.prev.conditions, T.KillSwitchActive);
  return prev?.status === ConditionStatus.True || prev?.reason === R.KillSwitchCleared;
}

function analysisState(
  ctx: Ctx,
  status: FlagRolloutState,
): { status: ConditionStatus; reason: string; message: string } {
  if (status.rollback !== undefined) {
    return {
      status: ConditionStatus.False,
      reason: R.AnalysisFailed,
      message: status.rollback.message,
    };
  }
  if (status.completedAt !== undefined) {
    return {
      status: ConditionStatus.True,
      reason: R.AnalysisSucceeded,
      message: 'every hold passed',
    };
  }
  const step = status.currentStep;
  const latest = status.lastAnalysis?.step === step ? status.lastAnalysis?.summary : undefined;
  const verdict = status.analysis?.step === step ? status.analysis?.verdict : undefined;
  const where = step === undefined ? 'not started' : describeStep(ctx, status, step);
  const message = `${where}: ${latest ?? 'no measurement yet'}`;
  switch (verdict) {
    case 'Successful':
      return { status: ConditionStatus.True, reason: R.AnalysisSucceeded, message };
    case 'Failed':
      return { status: ConditionStatus.False, reason: R.AnalysisFailed, message };
    case 'Inconclusive':
      return { status: ConditionStatus.False, reason: R.AnalysisInconclusive, message };
    case 'Running':
    case undefined:
      return { status: ConditionStatus.Unknown, reason: R.AnalysisRunning, message };
  }
}

/** The Ready/Reconciling/Stalled trio; a Stalled situation (e.g. owned elsewhere) wins. */
export function kstatusFor(
  draft: Draft,
  phase: FlagRolloutPhase,
  message: string,
): ConditionInput[] {
  if (draft.stalled !== undefined)
    return kstatusConditions('Stalled', draft.stalled.reason, draft.stalled.message);
  const { state, reason } = kstateOf(draft.ctx.spec, phase);
  return kstatusConditions(state, reason, message);
}

export function phaseMessage(draft: Draft, phase: FlagRolloutPhase): string {
  const { ctx, status: s } = draft;
  if (draft.stalled !== undefined) return draft.stalled.message;
  const at = s.currentStep === undefined ? 'no step yet' : describeStep(ctx, s, s.currentStep);
  const where = s.currentStep === undefined ? 'before the first step' : `at ${at}`;
  const left =
    s.holdRemainingSeconds === undefined
      ? ''
      : `; hold frozen with ${describeSeconds(s.holdRemainingSeconds)} left`;
  switch (phase) {
    case P.Pending:
      return `flag ${ctx.spec.flag} not written yet`;
    case P.Ramping:
      return at;
    case P.Holding: {
      const analysis =
        s.lastAnalysis?.step === s.currentStep
          ? `; analysis: ${s.lastAnalysis?.summary ?? ''}`
          : '';
      return `${at}, holding until ${s.nextStepAt ?? '?'}${analysis}`;
    }
    case P.Complete:
      return `complete since ${s.completedAt ?? '?'}: ${at}`;
    case P.Disabled:
      return `emergency disable (spec.enabled: false): flag off for everyone, ${where}${left}`;
    case P.KilledBySwitch:
      return (
        `kill switch "${ctx.spec.killSwitch ?? ''}" is active: flag off for everyone, ${where}${left}; ` +
        `clear it with: ${killSwitchOffCommand(ctx.spec.killSwitch)}`
      );
    case P.RolledBack:
      return `${s.rollback?.message ?? 'rolled back'}; edit the spec to retry the step`;
    case P.Paused:
      return `suspended ${where}: observing only${left}`;
    case P.Degraded:
      return `stalled ${where}: see the Stalled condition`;
  }
}

/** The CLI command that clears a kill switch (its syntax: `kill-switch <group> on|off`). */
export function killSwitchOffCommand(group: string | undefined): string {
  return `latticedb-flags kill-switch ${group ?? '<group>'} off`;
}

/** What the flag serves after this reconcile: the planned write, else what the store holds. */
export function servedState(draft: Draft): { percentage: number; targetedUsers: number } {
  const { ctx } = draft;
  const served: FlagWrite | FlagRecord | undefined =
    draft.action?.next ?? (ctx.ownership === Ownership.Unreadable ? undefined : ctx.flag.record);
  if (served === undefined || !served.enabled || ctx.killed)
    return { percentage: 0, targetedUsers: 0 };
  return { percentage: served.basisPoints / 100, targetedUsers: served.targets.length };
}
