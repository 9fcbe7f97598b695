// The stage dispatcher (Argo's ordered sub-reconcilers): run the current stage's handler; a stage
// that completes hands over to the strategy's next stage on the same observation, until a handler
// needs an action or has to wait. Every action and every wait on AWS is checked against
// progressDeadline here, in one place.
import { ReleaseStage, type ReleaseStage as Stage } from '../api.js';
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

const ORDER = {
  canary: [...FRONT, 'Smoke', 'Steps', 'Switch', ...BACK],
  blueGreen: [...FRONT, 'Smoke', 'Approval', 'Switch', ...BACK],
  rolling: [...FRONT, ...BACK],
} as const satisfies Record<string, readonly Stage[]>;

type Flavour = keyof typeof ORDER;

const flavourOf = (d: Draft): Flavour =>
  d.spec.strategy.canary !== undefined
    ? 'canary'
    : d.spec.strategy.blueGreen !== undefined
      ? 'blueGreen'
      : 'rolling';

function handlerFor(flavour: Flavour, stage: Stage): (d: Draft) => StepResult {
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
      return flavour === 'canary'
        ? canaryDeployStage
        : flavour === 'blueGreen'
          ? blueGreenDeployStage
          : rollingDeployStage;
    case 'Smoke':
      return smokeStage;
    case 'Steps':
      return stepsStage;
    case 'Approval':
      return approvalStage;
    case 'Switch':
      return flavour === 'canary' ? canarySwitchStage : blueGreenSwitchStage;
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
function nextStage(flavour: Flavour, stage: Stage): Stage {
  const order: readonly Stage[] = ORDER[flavour];
  return ALL.slice(ALL.indexOf(stage) + 1).find((s) => order.includes(s)) ?? ReleaseStage.Done;
}

/** The revision left `from` (a pipeline stage) to be rolled back, or froze. */
function leftForFailure(d: Draft, from: Stage): boolean {
  if (from === ReleaseStage.RollingBack || from === ReleaseStage.Done) return false;
  const to = d.status.stage;
  return (
    to === ReleaseStage.RollingBack || (to === ReleaseStage.Done && d.status.outcome === 'Frozen')
  );
}

/** Far more than any real chain of transitions on one observation (every canary step at once). */
const MAX_TRANSITIONS = 200;

/** `stopAtDone`: a rollback under an invalid spec ends there (no next revision is started). */
export function runPipeline(d: Draft, opts: { readonly stopAtDone?: boolean } = {}): StepResult {
  const flavour = flavourOf(d);
  for (let i = 0; i < MAX_TRANSITIONS; i++) {
    const stage = d.status.stage ?? ReleaseStage.Cleanup;
    if (opts.stopAtDone === true && stage === ReleaseStage.Done)
      return waitFor('human', 'rolled back; the spec is invalid: restore it to go on');
    const result = handlerFor(flavour, stage)(d);
    if (result.kind === 'again') {
      d.facts.transitions.push(result.promoted === true ? 'promoted' : 'completed');
      continue;
    }
    if (result.kind === 'next') {
      if (d.status.stage !== stage) {
        // The handler moved on itself: a failure (rollback or freeze), a finished rollback, or
        // the next revision; only leaving the pipeline for a failure is a step transition.
        if (leftForFailure(d, stage)) d.facts.transitions.push('failed');
        continue;
      }
      d.facts.transitions.push(result.promoted === true ? 'promoted' : 'completed');
      const next = nextStage(flavour, stage);
      if (next === ReleaseStage.Done && stage !== ReleaseStage.Done) succeed(d);
      else d.status.stage = next;
      continue;
    }
    const late = deadlineExceeded(d, result);
    if (late !== undefined) {
      failRevision(d, late.reason, late.message);
      if (leftForFailure(d, stage)) d.facts.transitions.push('failed');
      continue;
    }
    if (d.status.stage !== stage && leftForFailure(d, stage)) d.facts.transitions.push('failed');
    return result;
  }
  return waitFor('probe', 'too many transitions in one reconcile; continuing');
}
