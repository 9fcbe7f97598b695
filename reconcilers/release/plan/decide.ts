// decide(spec, status, observed, now, annotations) → next status, at most one action, events and
// when to come back. Pure: no I/O, no clock, no randomness; the same input gives the same output,
// which is what makes a crash between an action and its status write harmless — the next
// reconcile observes the action's effect and decides from there.
import { assessAll } from '../../shared/analysis/index.js';
import { ReleaseStage } from '../api.js';
import { applyActions, EMERGENCY_ACTIONS } from './actions.js';
import { claimedByOther, claimGate, unclaimable } from './claim.js';
import { activeGate, recordFor } from './analysis.js';
import { conditionsFor } from './conditions.js';
import { deadlineAt } from './deadline.js';
import { createDraft, waitFor, type Draft, type DraftStatus, type StepResult } from './draft.js';
import { note, strategyName } from './history.js';
import { derivePhase, isStopped } from './phase.js';
import { runPipeline } from './pipeline.js';
import { adopt, supersedeIfChanged } from './revision.js';
import { ACTION_REASON, pendingWriteOf, tellPendingWrite } from './found.js';
import { afterReleaseAction } from './result.js';
import type { Action, DecideInput, Decision, ReleaseState } from './types.js';

export function decide(input: DecideInput): Decision {
  const draft = createDraft(input);
  // A pending write found done is told by a reconcile of its own, which records only that: its
  // Event goes out with that status write, before a next write (whose checkpoint would replace
  // the mark) and a kill right after it could lose it.
  if (tellPendingWrite(draft)) {
    return {
      status: written(draft.status),
      events: draft.events,
      requeueAfterMs: draft.tuning.probeMs,
      facts: { transitions: [], rollbacks: [] },
    };
  }
  draft.status.strategy = strategyName(draft.spec);
  const suspended = draft.spec.suspend === true;
  const result = run(draft, input, suspended);
  // Another Release's service reads Degraded beside Stalled (ServiceClaimed), as a missing one.
  const phase = derivePhase(
    draft.status,
    draft.observed.service === null || claimedByOther(draft) || unclaimable(draft),
  );
  if (draft.status.phase !== phase)
    note(draft, isStopped(phase) ? 'Warning' : 'Normal', phase, `phase ${phase}`);
  const message = result.kind === 'wait' || result.kind === 'act' ? result.message : '';
  draft.status.phase = phase;
  draft.status.message = message.slice(0, 4096);
  draft.status.conditions = conditionsFor(draft, phase, draft.status.message, suspended);
  const requeueAfterMs = requeue(draft, result);
  const status = written(draft.status);
  // A write that leaves no trace of its own in status is written ahead, marked pending (found.ts):
  // the checkpoint is this decision, which claims nothing of the write but the mark.
  const pending = result.kind === 'act' ? pendingWriteOf(result.action) : undefined;
  const checkpoint =
    result.kind === 'act' &&
    (result.checkpoint === true || rollbackStarted(input, draft) || pending !== undefined);
  return {
    status,
    ...(result.kind === 'act' ? actionOf(result.action, status, draft.tuning.probeMs) : {}),
    // Release's checkpoint is this decision (plus a pending mark): its Events (writes found done,
    // transitions) go out with it, or a kill right after the action would lose them for good.
    ...(checkpoint ? { checkpoint: true, eventsAtCheckpoint: true } : {}),
    ...(pending === undefined ? {} : { checkpointStatus: { ...status, lastWrite: pending } }),
    events: draft.events,
    ...(requeueAfterMs === undefined ? {} : { requeueAfterMs }),
    facts: draft.facts,
  };
}

/** A Release no attempt has started (no service yet, a claim to write) shows no attempt. */
function written({ attempt, ...rest }: DraftStatus): ReleaseState {
  return Object.keys(attempt).length === 0 ? rest : { ...rest, attempt };
}

/** The action, the Event that tells it (the status message describes the step), its answer. */
function actionOf(
  action: Action,
  status: ReleaseState,
  retryMs: number,
): Pick<Decision, 'action' | 'actionEvent' | 'afterAction'> {
  return {
    action,
    actionEvent: {
      type: 'Normal',
      reason: ACTION_REASON[action.type],
      message: status.message ?? '',
    },
    afterAction: (result) => afterReleaseAction(status, action, result, retryMs),
  };
}

/**
 * This reconcile decided to roll back (or abort, or supersede). Its first undo action is written
 * ahead: the decision may rest on an observation that does not repeat (an alarm that clears, a
 * flaky smoke test), and if a crash lost it after, say, traffic went back to stable, the next
 * reconcile would resume the delivery from the old stage over the undone traffic — and retire the
 * stable task set that now serves everything. Found by the crash-resume integration test.
 */
function rollbackStarted(input: DecideInput, draft: Draft): boolean {
  return draft.status.stage === 'RollingBack' && input.status?.stage !== 'RollingBack';
}

function run(draft: Draft, input: DecideInput, suspended: boolean): StepResult {
  const service = draft.observed.service;
  if (service === null) {
    const { region, cluster, service: name } = draft.spec.target;
    return waitFor('world', `ECS service ${name} not found in cluster ${cluster} (${region})`);
  }
  if (suspended) return waitFor('steady', 'suspended (spec.suspend): observing only, no action');
  const held = draft.observed.heldBy;
  if (held !== undefined) {
    // Looked at again each poll: nothing wakes a Release when the FailoverPlan finishes.
    return waitFor('time', held.message, new Date(draft.now.getTime() + draft.tuning.pollMs));
  }
  // The service is this Release's before anything else happens to it (also before abort or
  // rollback under an invalid spec: another Release's service is not ours to undo).
  const claim = claimGate(draft);
  if (claim !== undefined) return claim;
  if (draft.status.revision === undefined) {
    const adopted = adopt(draft);
    if (adopted.kind === 'wait' || adopted.kind === 'act') return adopted;
  }
  if (input.invalid !== undefined) {
    applyActions(draft, input.annotations, EMERGENCY_ACTIONS);
    if (draft.status.stage === ReleaseStage.RollingBack)
      return runPipeline(draft, { stopAtDone: true });
    const n = draft.status.revision?.number ?? 0;
    return waitFor(
      'human',
      `the spec is invalid (${input.invalid}): nothing is applied until it is restored; ` +
        `abort=${n} or rollback=${n} still return traffic to stable`,
    );
  }
  applyActions(draft, input.annotations);
  supersedeIfChanged(draft);
  return runPipeline(draft);
}

/** When to come back: soon after an action, at the end of a timed wait, or at the resync period. */
function requeue(draft: Draft, result: StepResult): number | undefined {
  const { tuning, now } = draft;
  const at = (date: Date | undefined): number | undefined =>
    date === undefined ? undefined : Math.max(1, date.getTime() - now.getTime() + 1);
  let ms: number | undefined;
  // After an action inside a timed wait, the follow-up comes no later than the wait's end: the
  // next step is due then, and a fixed delay after each action would add up over a rollout.
  if (result.kind === 'act') ms = Math.min(tuning.afterActionMs, at(result.until) ?? Infinity);
  else if (result.kind === 'wait') {
    switch (result.on) {
      case 'probe':
        ms = tuning.probeMs;
        break;
      case 'world': {
        const deadline = deadlineAt(draft, result);
        ms = Math.min(
          tuning.pollMs,
          at(deadline === undefined ? undefined : new Date(deadline)) ?? Infinity,
        );
        break;
      }
      case 'time':
      case 'human':
        ms = at(result.until) ?? tuning.resyncMs;
        break;
      case 'steady':
        ms = tuning.resyncMs;
        break;
    }
  }
  // A running analysis gate — or an inconclusive one, measured again while it holds — is measured
  // on its own schedule, whatever else the stage waits for.
  const gate = activeGate(draft.spec, draft.status);
  const verdict = draft.status.attempt.analysis?.verdict;
  if (gate !== undefined && (verdict === 'Running' || verdict === 'Inconclusive')) {
    const next = assessAll(gate.checks, recordFor(draft.status, gate), now).nextMeasurementAt;
    const due = at(next);
    const gateMs = due === undefined ? undefined : Math.max(tuning.probeMs, due);
    if (gateMs !== undefined) ms = Math.min(ms ?? gateMs, gateMs);
  }
  return ms === undefined ? undefined : Math.min(ms, tuning.resyncMs);
}
