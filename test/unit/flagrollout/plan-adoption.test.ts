// decide(): the first start on a flag that already serves users (a FlagRollout re-created after a
// Retain deletion, a restored cluster, a CLI-managed flag) adopts its split instead of lowering it.
import { describe, expect, it } from 'vitest';
import { analysisRequest, decide } from '../../../reconcilers/flagrollout/plan/decide.js';
import type { FlagRolloutState } from '../../../reconcilers/flagrollout/api.js';
import type { FlagRecord } from '../../../flags/model.js';
import {
  at,
  condition,
  flagRecord,
  IDENTITY,
  input,
  iso,
  observation,
  rolloutSpec,
  withAnalysis,
} from './support/fixtures.js';

const spec = rolloutSpec(); // 0 → 5 → 25 → 50 → 100 %, 10 s holds

/** A flag the CLI manages at `percent` %, before any FlagRollout (no targets of ours). */
function cliFlag(percent: number, overrides: Partial<FlagRecord> = {}): FlagRecord {
  return flagRecord({
    basisPoints: percent * 100,
    targets: [],
    version: 4,
    updatedBy: 'cli:alice',
    ...overrides,
  });
}

/** Our own flag as a FlagRollout of the same name left it before it was deleted (Retain). */
const retained = (percent: number) => flagRecord({ basisPoints: percent * 100, version: 7 });

/** The flag as our adoption write leaves it. */
function afterWrite(d: ReturnType<typeof decide>): FlagRecord {
  if (d.action === undefined) throw new Error('no write planned');
  return {
    ...d.action.next,
    name: 'new_query_optimizer',
    version: d.action.expectedVersion + 1,
    updatedAt: iso(0),
  };
}

describe('decide: adoption at an exact step', () => {
  it('a re-created FlagRollout (same name, Retain) picks up at 50 % without writing', () => {
    const d = decide(input(spec, undefined, observation(retained(50))));
    expect(d.action).toBeUndefined();
    expect(d.checkpoint).toBe(false);
    const message = 'step 4/5 (50 % + 2 targeted users), holding until 2026-11-26T10:00:10Z';
    expect(d.status).toEqual({
      adopted: { step: 3, percentage: 50, at: iso(0) },
      currentStep: 3,
      stepCount: 5,
      step: '4/5',
      stepStartedAt: iso(0),
      nextStepAt: iso(10),
      flagVersion: 7,
      percentage: 50,
      exposure: { percentage: 50, targetedUsers: 2 },
      phase: 'Holding',
      message,
      conditions: [
        { type: 'Ready', status: 'False', reason: 'Holding', message },
        { type: 'Reconciling', status: 'True', reason: 'Holding', message },
        { type: 'Stalled', status: 'False', reason: 'Holding', message },
        {
          type: 'FlagSynced',
          status: 'True',
          reason: 'FlagInSync',
          message: 'version 7: 50 % + 2 targeted users',
        },
        {
          type: 'KillSwitchActive',
          status: 'False',
          reason: 'KillSwitchNotSet',
          message: 'kill switch "experimental" is not set',
        },
      ],
      history: [
        {
          time: iso(0),
          to: 'Holding',
          reason: 'Adopted',
          message: 'adopted the flag at 50 % (step 4/5); holding until 2026-11-26T10:00:10Z',
        },
      ],
    });
    expect(d.events).toEqual([
      {
        type: 'Normal',
        reason: 'Adopted',
        message:
          'flag new_query_optimizer (version 7, written by controller:prod/new-query-optimizer): ' +
          'adopted the flag at 50 % (step 4/5); holding until 2026-11-26T10:00:10Z',
      },
    ]);
    expect(d.requeueAfterMs).toBe(10_000);
    expect(d.rolloutInfo).toMatchObject({ phase: 'Holding', step: 3, nextStepAt: iso(10) });
  });

  it('the adopted step holds in full, then promotes to the next step as usual', () => {
    const adopted = decide(input(spec, undefined, observation(retained(50)))).status;
    const early = decide(input(spec, adopted, observation(retained(50)), { now: at(9) }));
    expect(early.action).toBeUndefined();
    expect(early.requeueAfterMs).toBe(1_000);
    const d = decide(input(spec, early.status, observation(retained(50)), { now: at(10) }));
    expect(d.action).toMatchObject({ reason: 'promote', next: { basisPoints: 10_000 } });
    expect(d.status).toMatchObject({ currentStep: 4, step: '5/5', lastGoodPercentage: 50 });
  });

  it('a CLI-managed flag at 50 % is taken over at 50 %: targets and owner from the spec', () => {
    const d = decide(input(spec, undefined, observation(cliFlag(50))));
    expect(d.action).toEqual({
      type: 'writeFlag',
      expectedVersion: 4,
      reason: 'adopt',
      next: {
        enabled: true,
        basisPoints: 5000,
        salt: 'new_query_optimizer',
        targets: ['u-internal', 'u-qa'],
        killSwitch: 'experimental',
        updatedBy: IDENTITY,
      },
    });
    expect(d.checkpoint).toBe(true);
    expect(d.status).toMatchObject({ currentStep: 3, percentage: 50, flagVersion: 5 });
    // One event says it all (no separate FlagAdopted for the takeover).
    expect(d.events.map((e) => e.reason)).toEqual(['Adopted']);
    expect(d.events[0]?.message).toContain('written by cli:alice');
  });

  it('a flag at 100 % is adopted at the last step and completes after its hold', () => {
    const last = rolloutSpec({
      steps: [
        { percentage: 0, hold: '10s' },
        { percentage: 100, hold: '10s' },
      ],
    });
    const d = decide(input(last, undefined, observation(retained(100))));
    expect(d.status).toMatchObject({ currentStep: 1, step: '2/2', phase: 'Holding' });
    const done = decide(input(last, d.status, observation(retained(100)), { now: at(10) }));
    expect(done.action).toBeUndefined();
    expect(done.status).toMatchObject({ phase: 'Complete', percentage: 100 });
  });
});

describe('decide: adoption between two steps never lowers the split', () => {
  it('30 % starts at step 3/5 (25 %) but keeps serving 30 %', () => {
    const d = decide(input(spec, undefined, observation(cliFlag(30))));
    expect(d.action).toMatchObject({ reason: 'adopt', next: { enabled: true, basisPoints: 3000 } });
    const message =
      'step 3/5 (30 % + 2 targeted users, adopted; step 25 %), holding until 2026-11-26T10:00:10Z';
    expect(d.status).toMatchObject({
      adopted: { step: 2, percentage: 30, at: iso(0) },
      currentStep: 2,
      step: '3/5',
      nextStepAt: iso(10),
      percentage: 30,
      exposure: { percentage: 30, targetedUsers: 2 },
      phase: 'Holding',
      message,
    });
    expect(condition(d.status, 'Ready')).toMatchObject({ reason: 'Holding', message });
    expect(d.status.history).toEqual([
      {
        time: iso(0),
        to: 'Holding',
        reason: 'Adopted',
        message:
          "adopted the flag at 30 % (step 3/5): kept above the step's 25 % until its hold passes; " +
          'holding until 2026-11-26T10:00:10Z',
      },
    ]);
    expect(d.events).toEqual([
      {
        type: 'Normal',
        reason: 'Adopted',
        message:
          'flag new_query_optimizer (version 4, written by cli:alice): adopted the flag at 30 % ' +
          "(step 3/5): kept above the step's 25 % until its hold passes; holding until 2026-11-26T10:00:10Z",
      },
    ]);
  });

  it('holds at 30 % (a hold, not a repair to 25 %), then promotes to 50 %; 30 % was the last good', () => {
    const adopted = decide(input(spec, undefined, observation(cliFlag(30))));
    const ours = afterWrite(adopted);
    const mid = decide(input(spec, adopted.status, observation(ours), { now: at(5) }));
    expect(mid.action).toBeUndefined();
    expect(mid.events).toEqual([]);
    expect(mid.status).toMatchObject({ currentStep: 2, percentage: 30, nextStepAt: iso(10) });
    const promoted = decide(input(spec, mid.status, observation(ours), { now: at(10) }));
    expect(promoted.action).toMatchObject({ reason: 'promote', next: { basisPoints: 5000 } });
    expect(promoted.status).toMatchObject({
      currentStep: 3,
      step: '4/5',
      percentage: 50,
      lastGoodPercentage: 30,
    });
  });

  it('a CLI change during the adopted hold is put back to 30 %, not to the step’s 25 %', () => {
    const adopted = decide(input(spec, undefined, observation(cliFlag(30))));
    const changed = { ...afterWrite(adopted), basisPoints: 1000, updatedBy: 'cli:bob', version: 6 };
    const d = decide(input(spec, adopted.status, observation(changed), { now: at(5) }));
    expect(d.action).toMatchObject({ reason: 'repair', next: { basisPoints: 3000 } });
  });

  it('analysis runs during the adopted hold on the 30 % actually served', () => {
    const analysed = withAnalysis();
    const adopted = decide(input(analysed, undefined, observation(cliFlag(30))));
    const ours = observation(afterWrite(adopted));
    expect(analysisRequest(input(analysed, adopted.status, ours, { now: at(2) }))).toMatchObject({
      checks: [{ name: 'error-rate' }],
    });
    // Without a successful round the hold does not end.
    const d = decide(input(analysed, adopted.status, ours, { now: at(10) }));
    expect(d.action).toBeUndefined();
    expect(d.status.currentStep).toBe(2);
  });

  it('an emergency disable keeps the adopted split in the hash; re-enabling serves 30 % again', () => {
    const adopted = decide(input(spec, undefined, observation(cliFlag(30))));
    const off = rolloutSpec({ enabled: false });
    const d = decide(input(off, adopted.status, observation(afterWrite(adopted)), { now: at(2) }));
    expect(d.action).toMatchObject({
      reason: 'disable',
      next: { enabled: false, basisPoints: 3000 },
    });
  });
});

describe('decide: what is not adopted (the normal start at step 1/5, 0 %)', () => {
  /** Starts normally: writes step 0's split, no adoption recorded. */
  function expectNormalStart(d: ReturnType<typeof decide>): void {
    expect(d.action).toMatchObject({ reason: 'start', next: { enabled: true, basisPoints: 0 } });
    expect(d.status).toMatchObject({ currentStep: 0, step: '1/5', percentage: 0 });
    expect(d.status.adopted).toBeUndefined();
    expect(d.events.map((e) => e.reason)).not.toContain('Adopted');
  }

  // Each case next to its twin that does serve users (and so is adopted): only the one difference
  // decides.
  it.each<[string, FlagRecord | undefined, FlagRecord]>([
    ['at 0 %', cliFlag(0), cliFlag(5)],
    ['missing', undefined, retained(50)],
  ])('a flag %s', (_why, notServing, serving) => {
    expectNormalStart(decide(input(spec, undefined, observation(notServing))));
    expect(decide(input(spec, undefined, observation(serving))).status.adopted).toBeDefined();
  });

  it('an unreadable flag is rewritten from step 0 (nothing can be said about who it serves)', () => {
    const d = decide(
      input(spec, undefined, observation(undefined, { problem: 'bad hash', version: 3 })),
    );
    expectNormalStart(d);
    expect(decide(input(spec, undefined, observation(retained(50)))).status.currentStep).toBe(3);
  });

  it('a flag killed by its kill switch is not adopted while killed; once cleared, its split is', () => {
    const killed = decide(input(spec, undefined, observation(cliFlag(50), { killed: true })));
    expect(killed.action).toBeUndefined();
    expect(killed.status).toMatchObject({ phase: 'KilledBySwitch', percentage: 0 });
    expect(killed.status.currentStep).toBeUndefined();
    expect(killed.status.adopted).toBeUndefined();
    // The switch cleared: the flag serves 50 % again (the hash was left alone), and is adopted.
    const cleared = decide(input(spec, killed.status, observation(cliFlag(50)), { now: at(30) }));
    expect(cleared.status).toMatchObject({ currentStep: 3, percentage: 50 });
    expect(cleared.action).toMatchObject({ reason: 'adopt', next: { basisPoints: 5000 } });
  });

  it('a split below the first step is not adopted: step 1 is already higher', () => {
    const from10 = rolloutSpec({ steps: [{ percentage: 10, hold: '10s' }, { percentage: 100 }] });
    const d = decide(input(from10, undefined, observation(cliFlag(5))));
    expect(d.action).toMatchObject({ reason: 'start', next: { basisPoints: 1000 } });
    expect(d.status.adopted).toBeUndefined();
    expect(decide(input(from10, undefined, observation(cliFlag(20)))).status.adopted).toEqual({
      step: 0,
      percentage: 20,
      at: iso(0),
    });
  });
});

describe('decide: a flag bucketed with another salt is not adopted', () => {
  it('starts at step 0 with the spec salt and says why (Warning NotAdopted)', () => {
    const other = cliFlag(30, { salt: 'legacy-salt' });
    const d = decide(input(spec, undefined, observation(other)));
    expectStartWithSpecSalt(d);
    expect(d.events).toEqual([
      {
        type: 'Warning',
        reason: 'NotAdopted',
        message:
          'flag new_query_optimizer serves 30 % with salt "legacy-salt", the spec\'s salt is ' +
          '"new_query_optimizer": another salt puts other users in the split, so the flag is not ' +
          "adopted; starting at step 1/5 with the spec's salt",
      },
      expect.objectContaining({ reason: 'FlagAdopted' }),
      expect.objectContaining({ reason: 'StepStarted' }),
    ]);
    // The same flag with the spec's salt is adopted.
    const same = decide(input(spec, undefined, observation(cliFlag(30))));
    expect(same.status.adopted).toEqual({ step: 2, percentage: 30, at: iso(0) });
  });

  it('a spec salt that differs from the flag name is compared, not the name', () => {
    const salted = rolloutSpec({ salt: 'rollout-2026' });
    const d = decide(input(salted, undefined, observation(cliFlag(30, { salt: 'rollout-2026' }))));
    expect(d.status.adopted).toEqual({ step: 2, percentage: 30, at: iso(0) });
    const stale = decide(input(salted, undefined, observation(cliFlag(30))));
    expect(stale.status.adopted).toBeUndefined();
    expect(stale.action).toMatchObject({ next: { basisPoints: 0, salt: 'rollout-2026' } });
  });

  function expectStartWithSpecSalt(d: ReturnType<typeof decide>): void {
    expect(d.action).toMatchObject({
      reason: 'start',
      next: { basisPoints: 0, salt: 'new_query_optimizer' },
    });
    expect(d.status).toMatchObject({ currentStep: 0, percentage: 0 });
    expect(d.status.adopted).toBeUndefined();
  }
});

describe('decide: a controller killed right after an adoption resumes it', () => {
  const adoptCli = () => decide(input(spec, undefined, observation(cliFlag(30))));

  it('after the checkpoint and the write, before the final patch: holds on, nothing repeated', () => {
    const adopted = adoptCli();
    expect(adopted.checkpoint).toBe(true); // the checkpointed status is what survives
    const checkpointed: FlagRolloutState = adopted.status;
    const d = decide(input(spec, checkpointed, observation(afterWrite(adopted)), { now: at(3) }));
    expect(d.action).toBeUndefined();
    expect(d.events).toEqual([]);
    expect(d.status).toMatchObject({
      adopted: { step: 2, percentage: 30, at: iso(0) },
      currentStep: 2,
      stepStartedAt: iso(0),
      nextStepAt: iso(10), // the hold is neither restarted nor skipped
      percentage: 30,
      flagVersion: 5,
    });
    expect(d.status.history).toEqual(checkpointed.history);
    expect(d.requeueAfterMs).toBe(7_000);
  });

  it('after the checkpoint, before the write: writes 30 % (never 25 %), the hold goes on', () => {
    const adopted = adoptCli();
    const d = decide(input(spec, adopted.status, observation(cliFlag(30)), { now: at(3) }));
    expect(d.action).toMatchObject({ expectedVersion: 4, next: { basisPoints: 3000 } });
    expect(d.status).toMatchObject({ currentStep: 2, nextStepAt: iso(10), percentage: 30 });
  });

  it('a re-created rollout killed before its status was stored adopts again the same way', () => {
    const first = decide(input(spec, undefined, observation(retained(50))));
    expect(first.action).toBeUndefined(); // nothing to recognise afterwards: deciding again is safe
    const again = decide(input(spec, undefined, observation(retained(50)), { now: at(2) }));
    expect(again.action).toBeUndefined();
    expect(again.status).toMatchObject({ currentStep: 3, percentage: 50, nextStepAt: iso(12) });
  });
});
