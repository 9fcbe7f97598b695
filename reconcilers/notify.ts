// Which status.history entries of each kind are notifications (controller/notifications/ sends
// them to the routes of the notifications Secret). Only transitions a person acts on: a revision
// starting, a wait for a person, the end of a revision, a flag step, an emergency, a failover
// (started, finished once validated, failed) and a standby that could not take over.
import type { Classify, KindSetup } from '../controller/index.js';
import {
  FailoverPlanPhase,
  FailoverPlanReason,
  StandbyNotReadyReasons,
} from './failoverplan/api.js';

const RESUMED_FROM = new Set(['Paused', 'Disabled', 'KilledBySwitch']);

export const classifyRelease: Classify = (e) => {
  switch (e.reason) {
    case 'NewRevision':
    case 'Retry':
      return 'revision-started';
    case 'AwaitingApproval':
    case 'StepPaused':
      return 'awaiting-approval';
    case 'RevisionHealthy':
      return 'healthy';
  }
  if (e.to === e.from) return undefined;
  switch (e.to) {
    case 'RolledBack':
      return 'rolled-back';
    case 'Aborted':
      return 'aborted';
    case 'Failed':
      return 'failed';
    case 'Frozen':
      return 'frozen';
    default:
      return undefined;
  }
};

export const classifyFlagRollout: Classify = (e) => {
  if (e.to === 'KilledBySwitch' && e.from !== e.to) return 'kill-switch';
  if (e.to === 'Disabled' && e.from !== e.to) return 'flag-disabled';
  if (e.to === 'RolledBack' && e.from !== e.to) return 'rolled-back';
  if (e.to === 'Complete' && e.from !== e.to) return 'healthy';
  if ((e.to === 'Holding' || e.to === 'Ramping') && !RESUMED_FROM.has(e.from ?? ''))
    return 'flag-step';
  return undefined;
};

const STANDBY_NOT_READY = new Set<string>(StandbyNotReadyReasons);

export const classifyFailoverPlan: Classify = (e) => {
  if (e.to === FailoverPlanPhase.Degraded) {
    // Degraded with the readiness reason of the standby (each new cause is a new entry), or a
    // failover/failback that stopped: refused (target not ready) or serving but not validated.
    if (STANDBY_NOT_READY.has(e.reason)) return 'standby-not-ready';
    if (e.reason === FailoverPlanReason.TargetNotReady) return 'failover-failed';
    if (e.reason === FailoverPlanReason.ValidationFailed) return 'failover-failed';
    return undefined;
  }
  if (e.from === e.to) return undefined;
  if (e.to === FailoverPlanPhase.FailingOver || e.to === FailoverPlanPhase.FailingBack)
    return 'failover-started';
  // Finished only once validated: the reasons the Validate step's success writes (a plan first
  // seen serving from the secondary, with no `from`, finished nothing).
  if (e.from === undefined) return undefined;
  if (
    (e.to === FailoverPlanPhase.FailedOver && e.reason === FailoverPlanReason.FailedOver) ||
    (e.to === FailoverPlanPhase.Ready && e.reason === FailoverPlanReason.FailedBack)
  )
    return 'failover-finished';
  return undefined;
};

/** A kind's setup whose registration also declares its notifications. */
export const notifying =
  (setup: KindSetup, notify: Classify): KindSetup =>
  (deps) => ({ ...setup(deps), notify });
