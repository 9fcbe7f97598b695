// The stage dispatcher (Argo's ordered sub-reconcilers): run the current stage's handler; a stage
// that completes hands over to the strategy's next stage on the same observation, until a handler
// needs an action or has to wait. Every action and every wait on AWS is checked against
// progressDeadline here, in one place.
import { ReleaseStage, StrategyName, type ReleaseStage as Stage } from '../api.js';
import { blueGreenDeployStage, approvalStage, blueGreenSwitchStage } from './blue-green.js';
import { canaryDeployStage, canarySwitchStage, stepsStage } from './canary.js';
import { postChecksStage, smokeStage } from './checks.js';
import { deadlineExceeded } from './deadline.js';
import { doneStage, succeed } from './done.js';
import { waitFor, type Draft, type StepResult } from './draft.js';
import {
  maintenanceOffStage,
  maintenanceOnStage,
  migrationStage,
  snapshotStage,
} from './migration.js';
import { preflightStage } from './preflight.js';
import { registerStage } from './register.js';
import { rollingBackStage } from './rollback.js';
import { strategyName } from './history.js';
import { failRevision } from './rollback-start.js';
import { rollingDeployStage } from './rolling.js';
import { cleanupStage } from './task-sets.js';

const FRONT: readonly Stage[] = [
  'Cleanup',
  'Preflight',
  'Register',
  'Snapshot',
  'MaintenanceOn',
  'Migration',
  'Deploy',
];
const BACK: readonly Stage[] = ['PostChecks', 'MaintenanceOff', 'Done'];

/** Each strategy's stages, in order (`status.strategy` names the strategy: `StrategyName`). */
const ORDER = {
  Canary: [...FRONT, 'Smoke', 'Steps', 'Switch', ...BACK],
  BlueGreen: [...FRONT, 'Smoke', 'Approval', 'Switch', ...BACK],
  Rolling: [...FRONT, ...BACK],
} as const satisfies Record<StrategyName, readonly Stage[]>;

function handlerFor(strategy: StrategyName, stage: Stage): (draft: Draft) => StepResult {
  switch (stage) {
    case 'Cleanup':
      return cleanupStage;
    case 'Preflight':
      return preflightStage;
    case 'Register':
      return registerStage;
    case 'Snapshot':
      return snapshotStage;
    case 'MaintenanceOn':
      return maintenanceOnStage;
    case 'Migration':
      return migrationStage;
    case 'Deploy':
      return strategy === StrategyName.Canary
        ? canaryDeployStage
        : strategy === StrategyName.BlueGreen
          ? blueGreenDeployStage
          : rollingDeployStage;
    case 'Smoke':
      return smokeStage;
    case 'Steps':
      return stepsStage;
    case 'Approval':
      return approvalStage;
    case 'Switch':
      return strategy === StrategyName.Canary ? canarySwitchStage : blueGreenSwitchStage;
    case 'PostChecks':
      return postChecksStage;
    case 'MaintenanceOff':
      return maintenanceOffStage;
    case 'RollingBack':
      return rollingBackStage;
    case 'Done':
      return doneStage;
  }
}

/** Every stage in pipeline order; a strategy uses a subsequence. */
const ALL: readonly Stage[] = [...FRONT, 'Smoke', 'Steps', 'Approval', 'Switch', ...BACK];

/** The stage after `stage` in this strategy's order. */
function nextStage(strategy: StrategyName, stage: Stage): Stage {
  const order: readonly Stage[] = ORDER[strategy];
  return ALL.slice(ALL.indexOf(stage) + 1).find((s) => order.includes(s)) ?? ReleaseStage.Done;
}

/** The revision left `from` (a pipeline stage) to be rolled back, or froze. */
function leftForFailure(draft: Draft, from: Stage): boolean {
  if (from === ReleaseStage.RollingBack || from === ReleaseStage.Done) return false;
  const to = draft.status.stage;
  return (
    to === ReleaseStage.RollingBack ||
    (to === ReleaseStage.Done && draft.status.attempt.outcome === 'Frozen')
  );
}

/** Far more than any real chain of transitions on one observation (every canary step at once). */
const MAX_TRANSITIONS = 200;

/** `stopAtDone`: a rollback under an invalid spec ends there (no next revision is started). */
export function runPipeline(
  draft: Draft,
  opts: { readonly stopAtDone?: boolean } = {},
): StepResult {
  const strategy = strategyName(draft.spec);
  for (let i = 0; i < MAX_TRANSITIONS; i++) {
    const stage = draft.status.stage ?? ReleaseStage.Cleanup;
    if (opts.stopAtDone === true && stage === ReleaseStage.Done)
      return waitFor('human', 'rolled back; the spec is invalid: restore it to go on');
    const result = handlerFor(strategy, stage)(draft);
    if (result.kind === 'again') {
      draft.facts.transitions.push(result.promoted === true ? 'promoted' : 'completed');
      continue;
    }
    if (result.kind === 'next') {
      if (draft.status.stage !== stage) {
        // The handler moved on itself: a failure (rollback or freeze), a finished rollback, or
        // the next revision; only leaving the pipeline for a failure is a step transition.
        if (leftForFailure(draft, stage)) draft.facts.transitions.push('failed');
        continue;
      }
      draft.facts.transitions.push(result.promoted === true ? 'promoted' : 'completed');
      const next = nextStage(strategy, stage);
      if (next === ReleaseStage.Done && stage !== ReleaseStage.Done) succeed(draft);
      else draft.status.stage = next;
      continue;
    }
    const late = deadlineExceeded(draft, result);
    if (late !== undefined) {
      failRevision(draft, late.reason, late.message);
      if (leftForFailure(draft, stage)) draft.facts.transitions.push('failed');
      continue;
    }
    if (draft.status.stage !== stage && leftForFailure(draft, stage))
      draft.facts.transitions.push('failed');
    return result;
  }
  return waitFor('probe', 'too many transitions in one reconcile; continuing');
}
