// A rollback decided in one reconcile is written ahead of its first undo action: the observation
// behind it (here an alarm that fires after promotion, then clears) may be gone after a crash,
// and resuming from the pre-rollback status would finish the delivery over the undone traffic.
import { describe, expect, it } from 'vitest';
import type { AlarmCheckResult } from '../../../../reconcilers/shared/checks/index.js';
import {
  canarySpec,
  canaryTaskSet,
  inFlight,
  LISTENER,
  next,
  run,
  service,
  stableTaskSet,
  TG_A,
  TG_B,
  weights,
} from './fixtures.js';

const spec = canarySpec({ checks: { postDeployment: { noAlarmsFiring: ['latticedb-5xx'] } } });
const alarms = (firing: boolean): AlarmCheckResult => ({
  name: 'alarms',
  passed: !firing,
  firing: firing ? ['latticedb-5xx'] : [],
  missing: [],
  message: firing ? 'latticedb-5xx is in ALARM' : 'no alarm in ALARM',
});
/** After promotion: the canary is primary and takes all traffic; the old stable set is still up. */
const promoted = service([
  stableTaskSet({ status: 'ACTIVE' }),
  canaryTaskSet(100, { status: 'PRIMARY', runningCount: 4, computedDesiredCount: 4 }),
]);
const postChecks = inFlight('PostChecks', { currentWeight: 100, currentStepIndex: 21 }, spec);

describe('the first action of a rollback', () => {
  it('is written ahead (checkpoint) in the reconcile that decided the rollback', () => {
    const d = run(
      postChecks,
      { service: promoted, weights: weights(100), alarms: alarms(true) },
      {
        spec,
      },
    );
    expect(d.status).toMatchObject({
      stage: 'RollingBack',
      attempt: { rollback: { reason: 'PostDeploymentCheckFailed' } },
    });
    expect(d.action).toMatchObject({
      type: 'setWeights',
      listenerArn: LISTENER,
      weights: [
        { targetGroupArn: TG_A, weight: 100 },
        { targetGroupArn: TG_B, weight: 0 },
      ],
    });
    expect(d.checkpoint).toBe(true);
  });

  it('so after a crash the rollback goes on, although the alarm has cleared', () => {
    const decided = run(
      postChecks,
      { service: promoted, weights: weights(100), alarms: alarms(true) },
      { spec },
    );
    // The checkpointed status, the traffic already back on stable, the alarm OK again.
    const resumed = run(
      next(decided),
      { service: promoted, weights: weights(0), alarms: alarms(false) },
      { spec },
    );
    expect(resumed.status.stage).toBe('RollingBack');
    expect(resumed.action).toMatchObject({ type: 'setPrimary' });
    expect(resumed.checkpoint).toBeUndefined(); // later undo steps are recognised by observation
  });

  it('ordinary steps are not written ahead', () => {
    const stepping = inFlight('Steps', { currentStepIndex: 2, currentWeight: 5 }, spec);
    const d = run(
      stepping,
      {
        service: service([stableTaskSet(), canaryTaskSet(15)]),
        weights: weights(5),
      },
      { spec },
    );
    expect(d.action).toMatchObject({ type: 'setWeights' });
    expect(d.checkpoint).toBeUndefined();
  });
});
