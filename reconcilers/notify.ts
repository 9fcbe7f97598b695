// Which status.history entries of each kind are notifications (controller/notifications/ sends
// them to the routes of the notifications Secret). Only transitions a person acts on: a revision
// starting, a wait for a person, the end of a revision, a flag step, an emergency, a failover.
import type { Classify, KindSetup } from '../controller/index.js';

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

export const classifyFailoverPlan: Classify = (e) => {
  if (e.reason === 'StandbyUnhealthy') return 'standby-not-ready';
  if (e.from === e.to) return undefined;
  if (e.to === 'FailingOver' || e.to === 'FailingBack') return 'failover-started';
  if (e.to === 'FailedOver' || e.from === 'FailingBack') return 'failover-finished';
  return undefined;
};

/** A kind's setup whose registration also declares its notifications. */
export const notifying =
  (setup: KindSetup, notify: Classify): KindSetup =>
  (deps) => ({ ...setup(deps), notify });
