// decide(): emergency disable, kill switch, suspend, and what others do to the flag (flush,
// unreadable hash, CLI changes, another controller). Each acts within one decision.
import { describe, expect, it } from 'vitest';
import { decide } from '../../../reconcilers/flagrollout/plan/decide.js';
import {
  at,
  condition,
  flagRecord,
  holding,
  input,
  iso,
  observation,
  POLL_MS,
  rolloutSpec,
} from './support/fixtures.js';

const spec = rolloutSpec();
const atFive = flagRecord({ basisPoints: 500, version: 3 });
const hold1 = holding(1, { flagVersion: 3 });
const reasons = (d: { events: readonly { type: string; reason: string }[] }) =>
  d.events.map((e) => `${e.type}:${e.reason}`);

describe('emergency disable (enabled: false)', () => {
  const disabledSpec = rolloutSpec({ enabled: false });

  it('writes enabled=0 at once, mid-hold, and freezes the hold', () => {
    const d = decide(input(disabledSpec, hold1, observation(atFive), { now: at(4) }));
    expect(d.action).toEqual({
      type: 'writeFlag',
      expectedVersion: 3,
      reason: 'disable',
      next: expect.objectContaining({ enabled: false, basisPoints: 500 }),
    });
    expect(d.checkpoint).toBe(false);
    expect(d.status).toMatchObject({
      phase: 'Disabled',
      holdRemainingSeconds: 6,
      percentage: 0,
      exposure: { percentage: 0, targetedUsers: 0 },
      flagVersion: 4,
    });
    expect(d.status.nextStepAt).toBeUndefined();
    expect(condition(d.status, 'Ready')).toMatchObject({
      status: 'False',
      reason: 'EmergencyDisabled',
    });
    expect(condition(d.status, 'Stalled')).toMatchObject({
      status: 'True',
      reason: 'EmergencyDisabled',
    });
    expect(reasons(d)).toEqual(['Warning:EmergencyDisabled']);
    expect(d.requeueAfterMs).toBe(POLL_MS);
  });

  it('disables even while the kill switch is active or the rollout is suspended', () => {
    for (const s of [rolloutSpec({ enabled: false, suspend: true }), disabledSpec]) {
      const d = decide(input(s, hold1, observation(atFive, { killed: true }), { now: at(4) }));
      expect(d.action?.next.enabled).toBe(false);
      expect(d.status.phase).toBe('Disabled');
    }
  });

  it('re-enabling resumes the same step with the hold time that was left', () => {
    const off = decide(input(disabledSpec, hold1, observation(atFive), { now: at(4) }));
    const offFlag = observation(flagRecord({ enabled: false, basisPoints: 500, version: 4 }));
    const d = decide(input(spec, off.status, offFlag, { now: at(100), generation: 2 }));
    expect(d.action).toMatchObject({
      expectedVersion: 4,
      next: { enabled: true, basisPoints: 500 },
    });
    expect(d.status).toMatchObject({ phase: 'Holding', currentStep: 1, nextStepAt: iso(106) });
    expect(d.status.holdRemainingSeconds).toBeUndefined();
    expect(reasons(d)).toEqual(['Normal:Resumed']);
  });

  it('disabled before the first step creates the flag off', () => {
    const d = decide(input(disabledSpec, undefined, observation(undefined)));
    expect(d.action).toMatchObject({
      expectedVersion: 0,
      next: { enabled: false, basisPoints: 0 },
    });
    expect(d.status.currentStep).toBeUndefined();
  });
});

describe('kill switch', () => {
  it('reports KilledBySwitch, writes nothing and freezes the hold', () => {
    const d = decide(input(spec, hold1, observation(atFive, { killed: true }), { now: at(4) }));
    expect(d.action).toBeUndefined();
    expect(d.status).toMatchObject({
      phase: 'KilledBySwitch',
      holdRemainingSeconds: 6,
      percentage: 0,
      exposure: { percentage: 0, targetedUsers: 0 },
    });
    expect(condition(d.status, 'KillSwitchActive')).toMatchObject({
      status: 'True',
      reason: 'KillSwitchActive',
    });
    expect(condition(d.status, 'Reconciling')).toMatchObject({
      status: 'True',
      reason: 'KillSwitchActive',
    });
    expect(condition(d.status, 'FlagSynced')).toMatchObject({ status: 'True' });
    expect(reasons(d)).toEqual(['Warning:KillSwitchActive']);
    const still = decide(
      input(spec, d.status, observation(atFive, { killed: true }), { now: at(50) }),
    );
    expect(still.events).toEqual([]);
    expect(still.status.holdRemainingSeconds).toBe(6);
  });

  it('clearing it resumes where it was: the remaining hold, no write', () => {
    const killed = decide(
      input(spec, hold1, observation(atFive, { killed: true }), { now: at(4) }),
    );
    const d = decide(input(spec, killed.status, observation(atFive), { now: at(200) }));
    expect(d.action).toBeUndefined();
    expect(d.status).toMatchObject({ phase: 'Holding', nextStepAt: iso(206), percentage: 5 });
    expect(reasons(d)).toEqual(['Normal:KillSwitchCleared']);
    expect(d.requeueAfterMs).toBe(6_000);
    expect(condition(d.status, 'KillSwitchActive')).toMatchObject({
      status: 'False',
      reason: 'KillSwitchCleared',
    });
    // Cleared stays the reason while the switch stays off.
    const later = decide(input(spec, d.status, observation(atFive), { now: at(201) }));
    expect(condition(later.status, 'KillSwitchActive')?.reason).toBe('KillSwitchCleared');
  });

  it('a switch that was never set reads KillSwitchNotSet, not KillSwitchCleared', () => {
    const d = decide(input(spec, hold1, observation(atFive), { now: at(4) }));
    expect(condition(d.status, 'KillSwitchActive')).toMatchObject({
      status: 'False',
      reason: 'KillSwitchNotSet',
    });
  });

  it('the hold freezes when the switch was seen active, not when the reconcile ran', () => {
    // Killed at 2 s, reconciled at 12 s (after the hold would have ended): the 8 s left at the
    // kill are kept, none of the killed time counts as served.
    const d = decide(
      input(spec, hold1, observation(atFive, { killed: true }), {
        now: at(12),
        killSwitchSeenAt: at(2),
      }),
    );
    expect(d.status).toMatchObject({ phase: 'KilledBySwitch', holdRemainingSeconds: 8 });
    // An observation older than the hold's start cannot give back more than the full hold.
    const old = decide(
      input(spec, hold1, observation(atFive, { killed: true }), {
        now: at(4),
        killSwitchSeenAt: at(-100),
      }),
    );
    expect(old.status.holdRemainingSeconds).toBe(10);
    // An observation "in the future" (clock skew) is not used.
    const skewed = decide(
      input(spec, hold1, observation(atFive, { killed: true }), {
        now: at(4),
        killSwitchSeenAt: at(6),
      }),
    );
    expect(skewed.status.holdRemainingSeconds).toBe(6);
  });

  it('another group being active does not matter', () => {
    const other = { ...observation(atFive), killSwitch: { group: 'other', active: true } };
    expect(decide(input(spec, hold1, other, { now: at(4) })).status.phase).toBe('Holding');
  });
});

describe('suspend', () => {
  const suspended = rolloutSpec({ suspend: true });

  it('observes only: a missing flag is reported, not written', () => {
    const d = decide(input(suspended, hold1, observation(undefined), { now: at(4) }));
    expect(d.action).toBeUndefined();
    expect(d.status).toMatchObject({ phase: 'Paused', holdRemainingSeconds: 6 });
    expect(condition(d.status, 'FlagSynced')).toMatchObject({
      status: 'False',
      reason: 'Suspended',
    });
    expect(reasons(d)).toEqual(['Normal:Suspended']);
  });

  it('unsuspending repairs the flag and keeps the remaining hold', () => {
    const paused = decide(input(suspended, hold1, observation(undefined), { now: at(4) }));
    const d = decide(
      input(spec, paused.status, observation(undefined), { now: at(30), generation: 2 }),
    );
    expect(d.action).toMatchObject({ expectedVersion: 0, next: { basisPoints: 500 } });
    expect(d.status.nextStepAt).toBe(iso(36));
    expect(reasons(d)).toEqual(['Warning:FlagRewritten', 'Normal:Resumed']);
  });
});

describe('what others do to the flag', () => {
  it('Redis flushed mid-hold: rewritten from the spec (CAS on 0) and the hold restarts', () => {
    const d = decide(input(spec, hold1, observation(undefined), { now: at(7) }));
    expect(d.action).toMatchObject({
      expectedVersion: 0,
      reason: 'repair',
      next: { basisPoints: 500 },
    });
    expect(d.status).toMatchObject({ flagVersion: 1, nextStepAt: iso(17), phase: 'Holding' });
    expect(d.events).toEqual([
      {
        type: 'Warning',
        reason: 'FlagRewritten',
        message:
          'flag new_query_optimizer was missing from Redis (restarted or flushed?); rewrote it from the spec: 5 % + 2 targeted users',
      },
    ]);
    expect(d.requeueAfterMs).toBe(100);
  });

  it('an unreadable hash is overwritten against its version', () => {
    const flag = observation(undefined, {
      problem: 'percentage "lots" is not an integer',
      version: 9,
    });
    const d = decide(input(spec, hold1, flag, { now: at(4) }));
    expect(d.action?.expectedVersion).toBe(9);
    expect(reasons(d)).toEqual(['Warning:FlagRewritten']);
  });

  it('a CLI percentage change is put back (Warning) and the hold restarts', () => {
    const cli = flagRecord({ basisPoints: 5000, version: 4, updatedBy: 'cli:alice' });
    const d = decide(input(spec, hold1, observation(cli), { now: at(4) }));
    expect(d.action).toMatchObject({
      expectedVersion: 4,
      next: { basisPoints: 500, updatedBy: 'controller:prod/new-query-optimizer' },
    });
    expect(d.status.nextStepAt).toBe(iso(14));
    expect(d.events[0]?.message).toBe(
      'flag new_query_optimizer was changed by cli:alice (version 4); put back to the spec: 5 % + 2 targeted users. Change the FlagRollout to change the flag',
    );
  });

  it('a CLI disable is respected: nothing written, Disabled, Stalled, hold frozen', () => {
    const cli = flagRecord({
      enabled: false,
      basisPoints: 500,
      version: 4,
      updatedBy: 'cli:oncall',
    });
    const d = decide(input(spec, hold1, observation(cli), { now: at(4) }));
    expect(d.action).toBeUndefined();
    expect(d.status).toMatchObject({
      phase: 'Disabled',
      holdRemainingSeconds: 6,
      percentage: 0,
      flagVersion: 3,
    });
    expect(condition(d.status, 'Stalled')).toMatchObject({
      status: 'True',
      reason: 'ExternalDisable',
    });
    expect(condition(d.status, 'FlagSynced')).toMatchObject({
      status: 'False',
      reason: 'ExternalDisable',
    });
    expect(reasons(d)).toEqual(['Warning:ExternalDisable']);
    expect(decide(input(spec, d.status, observation(cli), { now: at(9) })).events).toEqual([]);

    const reenabled = flagRecord({
      enabled: true,
      basisPoints: 500,
      version: 5,
      updatedBy: 'cli:oncall',
    });
    const back = decide(input(spec, d.status, observation(reenabled), { now: at(60) }));
    expect(back.action).toMatchObject({ expectedVersion: 5 }); // ownership taken back
    expect(back.status).toMatchObject({ phase: 'Holding', nextStepAt: iso(66) });
    expect(reasons(back)).toEqual(['Warning:ExternalChangeOverwritten', 'Normal:Resumed']);
  });

  it('a flag written by another controller is left alone (Stalled, no rollout info)', () => {
    const theirs = flagRecord({ updatedBy: 'controller:other/rollout', version: 8 });
    const d = decide(input(spec, undefined, observation(theirs)));
    expect(d.action).toBeUndefined();
    expect(d.rolloutInfo).toBeUndefined();
    expect(condition(d.status, 'Stalled')).toMatchObject({
      status: 'True',
      reason: 'FlagOwnedElsewhere',
    });
    expect(reasons(d)).toEqual(['Warning:FlagOwnedElsewhere']);
    // Stalled reads as stopped in PHASE too, not as Pending.
    expect(d.status.phase).toBe('Degraded');
    expect(decide(input(spec, d.status, observation(theirs))).events).toEqual([]);
  });
});

describe('a flag another FlagRollout manages, a CLI disable, a hand-over', () => {
  // This FlagRollout is prod/new-query-optimizer (IDENTITY); the other one manages the flag.
  const other = 'x/other-rollout';
  const cliDisabled = flagRecord({
    enabled: false,
    basisPoints: 2500,
    version: 11,
    updatedBy: 'cli:oncall',
  });
  const cliEnabled = flagRecord({ basisPoints: 2500, version: 12, updatedBy: 'cli:oncall' });

  it('a CLI disable is never undone by a FlagRollout that never wrote the flag (no claim either)', () => {
    const d = decide(input(spec, undefined, observation(cliDisabled)));
    expect(d.action).toBeUndefined();
    expect(d.status).toMatchObject({ phase: 'Disabled', percentage: 0 });
    expect(d.status.currentStep).toBeUndefined();
    expect(condition(d.status, 'Stalled')).toMatchObject({
      status: 'True',
      reason: 'ExternalDisable',
      message:
        'flag new_query_optimizer was disabled by cli:oncall (version 11); respected. Re-enable ' +
        'it to start the rollout: latticedb-flags enable new_query_optimizer (or set ' +
        'spec.enabled to false and back to true)',
    });
    // It claims the flag (rollout info) while respecting the disable; enabling starts it.
    expect(d.rolloutInfo).toMatchObject({ owner: 'prod/new-query-optimizer', phase: 'Disabled' });
    const on = decide(input(spec, d.status, observation(cliEnabled), { now: at(5) }));
    expect(on.action).toMatchObject({ reason: 'adopt', next: { enabled: true } });
  });

  it('while another FlagRollout manages it, a CLI write (disable or enable) is not a takeover', () => {
    for (const flag of [cliDisabled, cliEnabled]) {
      const d = decide(input(spec, undefined, observation(flag), { claimedBy: other }));
      expect(d.action).toBeUndefined();
      expect(d.rolloutInfo).toBeUndefined();
      expect(d.status.phase).toBe('Degraded');
      expect(condition(d.status, 'Stalled')).toMatchObject({
        status: 'True',
        reason: 'FlagOwnedElsewhere',
        message:
          `flag new_query_optimizer is managed by FlagRollout x/other-rollout (last written by ` +
          `cli:oncall, version ${flag.version}); not touching it. To hand it to this ` +
          'FlagRollout: latticedb-flags hand-over new_query_optimizer prod/new-query-optimizer',
      });
    }
  });

  it('one already leaving the flag to another writer does not take it on a CLI write, claimed or not', () => {
    const theirs = flagRecord({ updatedBy: `controller:${other}`, version: 10 });
    const waiting = decide(input(spec, undefined, observation(theirs))).status;
    // The manager had not published its rollout info yet when the operator disabled the flag.
    const d = decide(input(spec, waiting, observation(cliDisabled), { now: at(1) }));
    expect(d.action).toBeUndefined();
    expect(d.rolloutInfo).toBeUndefined(); // no claim published either
    expect(condition(d.status, 'Stalled')).toMatchObject({
      reason: 'FlagOwnedElsewhere',
      message:
        'flag new_query_optimizer is managed by another writer (last written by cli:oncall, ' +
        'version 11); not touching it. To hand it to this FlagRollout: latticedb-flags ' +
        'hand-over new_query_optimizer prod/new-query-optimizer',
    });
    const enabled = decide(input(spec, d.status, observation(cliEnabled), { now: at(2) }));
    expect(enabled.action).toBeUndefined();
    // Handed over: taken.
    const handed = decide(
      input(spec, d.status, observation(cliEnabled), {
        now: at(3),
        claimedBy: 'prod/new-query-optimizer',
      }),
    );
    expect(handed.action).toMatchObject({ reason: 'adopt', next: { basisPoints: 2500 } });
  });

  it('the FlagRollout the rollout info names keeps it: respects the disable, resumes on enable', () => {
    const own = { claimedBy: 'prod/new-query-optimizer' };
    const d = decide(input(spec, hold1, observation(cliDisabled), { ...own, now: at(4) }));
    expect(d.action).toBeUndefined();
    expect(d.status.phase).toBe('Disabled');
    expect(condition(d.status, 'Stalled')?.message).toContain(
      'Re-enable it to resume the rollout: latticedb-flags enable new_query_optimizer',
    );
    const back = decide(input(spec, d.status, observation(cliEnabled), { ...own, now: at(9) }));
    expect(back.action).toMatchObject({ expectedVersion: 12, next: { enabled: true } });
  });

  it('a flag written by another controller names the hand-over command', () => {
    const theirs = flagRecord({ updatedBy: `controller:${other}`, version: 8 });
    const d = decide(input(spec, undefined, observation(theirs)));
    expect(condition(d.status, 'Stalled')?.message).toBe(
      'flag new_query_optimizer is written by controller:x/other-rollout; not touching it. To ' +
        'hand it to this FlagRollout once that writer no longer needs it: latticedb-flags ' +
        'hand-over new_query_optimizer prod/new-query-optimizer',
    );
  });

  it('after a hand-over the previous owner lets go and the new one never turns the flag on', () => {
    const handedHere = { claimedBy: 'prod/new-query-optimizer' };
    // This one was the owner, mid-hold: handed to the other, it stops touching the flag.
    const gone = decide(input(spec, hold1, observation(cliEnabled), { claimedBy: other }));
    expect(gone.action).toBeUndefined();
    expect(condition(gone.status, 'Stalled')?.reason).toBe('FlagOwnedElsewhere');
    // Handed a disabled flag: respected (taken over, not turned on).
    const disabled = decide(input(spec, undefined, observation(cliDisabled), handedHere));
    expect(disabled.action).toBeUndefined();
    expect(disabled.status.phase).toBe('Disabled');
    expect(disabled.rolloutInfo?.owner).toBe('prod/new-query-optimizer');
    // Handed a flag serving 25 %: adopted at that split.
    const serving = decide(input(spec, undefined, observation(cliEnabled), handedHere));
    expect(serving.action).toMatchObject({ reason: 'adopt', next: { basisPoints: 2500 } });
  });

  it('KilledBySwitch names the command that clears the switch', () => {
    const d = decide(input(spec, hold1, observation(atFive, { killed: true }), { now: at(4) }));
    expect(d.status.message).toContain(
      'clear it with: latticedb-flags kill-switch experimental off',
    );
    expect(condition(d.status, 'KillSwitchActive')?.message).toContain(
      'latticedb-flags kill-switch experimental off',
    );
  });
});
