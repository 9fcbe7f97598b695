// A status written by the version before `status.attempt` (the attempt's fields at the top level)
// decides exactly as its upgraded form, and the status written after it carries no top-level
// attempt field: the merge patch the status writer sends removes each (null).
import { describe, expect, it } from 'vitest';
import { createMergePatch } from '../../../../controller/k8s/merge-patch.js';
import { LEGACY_ATTEMPT_FIELDS } from '../../../../reconcilers/release/api.js';
import {
  observationNeeds,
  type Decision,
  type ReleaseState,
} from '../../../../reconcilers/release/plan/index.js';
import { upgradeStatus } from '../../../../reconcilers/release/plan/upgrade.js';
import {
  comparable,
  canarySpec,
  canaryTaskSet,
  inFlight,
  iso,
  OBJECT,
  run,
  service,
  stableTaskSet,
  weights,
} from './fixtures.js';

/** The same status as the previous version stored it: no `attempt`, its fields at the top level. */
function legacyOf(status: ReleaseState): ReleaseState {
  const { attempt, ...rest } = status;
  return { ...rest, ...attempt };
}

const canaryWorld = (weight: number) => ({
  service: service([stableTaskSet(), canaryTaskSet(weight)]),
  weights: weights(weight),
});

const rollback = {
  outcome: 'RolledBack' as const,
  reason: 'AnalysisFailed',
  message: 'error rate 7 > 5',
  at: iso(-120_000),
  fromStage: 'Steps' as const,
};

const cases: [string, ReleaseState, Parameters<typeof run>[1], Record<string, string>][] = [
  [
    'a canary in the timed pause of its second step',
    inFlight('Steps', {
      currentWeight: 5,
      currentStepIndex: 1,
      stepCount: 4,
      step: '2/4',
      weightChangedAt: iso(-30_000),
      nextStepAt: iso(30_000),
    }),
    canaryWorld(5),
    {},
  ],
  [
    'a canary held by an inconclusive analysis gate, promoted',
    inFlight('Steps', {
      currentWeight: 15,
      currentStepIndex: 2,
      pause: { reason: 'AnalysisInconclusive', since: iso(-60_000) },
      analysis: { step: 0, startedAt: iso(-300_000), verdict: 'Inconclusive' },
    }),
    canaryWorld(15),
    { 'delivery.latticedb.com/promote': '1' },
  ],
  [
    'a rollback under way',
    inFlight('RollingBack', { currentWeight: 15, rollback }),
    canaryWorld(15),
    {},
  ],
  [
    'a rolled-back revision retried (the new attempt starts clean)',
    inFlight('Done', { currentWeight: 0, outcome: 'RolledBack', rollback, promotedGate: 0 }),
    canaryWorld(0),
    { 'delivery.latticedb.com/retry': '1' },
  ],
];

const top = (d: Decision): string[] =>
  LEGACY_ATTEMPT_FIELDS.filter((key) => key in (d.status as Record<string, unknown>));

describe('a status written before status.attempt', () => {
  it.each(cases)('%s: decides as its upgraded form', (_, status, observed, annotations) => {
    const legacy = legacyOf(status);
    expect(Object.keys(legacy)).not.toContain('attempt');
    expect(upgradeStatus(legacy)).toEqual(status);

    const fromLegacy = run(legacy, observed, { annotations });
    const fromUpgraded = run(status, observed, { annotations });
    expect(comparable(fromLegacy)).toEqual(comparable(fromUpgraded));
    expect(observationNeeds(canarySpec(), legacy, OBJECT, 600_000)).toEqual(
      observationNeeds(canarySpec(), status, OBJECT, 600_000),
    );
    expect(top(fromLegacy)).toEqual([]);
  });

  it.each(cases)('%s: the status write removes the top-level fields', (_, status, observed, a) => {
    const legacy = legacyOf(status);
    const written = run(legacy, observed, { annotations: a }).status;
    const patch = createMergePatch(
      legacy as Record<string, unknown>,
      written as Record<string, unknown>,
    );
    for (const key of Object.keys(legacy).filter((k) => LEGACY_ATTEMPT_FIELDS.includes(k as never)))
      expect(patch?.[key], key).toBeNull();
  });

  it('the stored attempt is carried over: the canary goes on from its second step', () => {
    const [, status, observed] = cases[0]!;
    const d = run(legacyOf(status), observed);
    // From step index 1 to 2; an attempt lost in the upgrade would start again from step 0.
    expect(d.status.attempt?.currentStepIndex).toBe(2);
    expect(d.status.attempt?.progressStartedAt).toBe(status.attempt?.progressStartedAt);
  });

  it('a retried attempt drops what the old one held, promotedGate included', () => {
    const [, status, observed, annotations] = cases[3]!;
    const d = run(legacyOf(status), observed, { annotations });
    expect(d.status.stage).not.toBe('Done');
    expect(d.status.attempt?.promotedGate).toBeUndefined();
    expect(d.status.attempt?.rollback).toBeUndefined();
  });

  it('a status in the new shape passes unchanged (same object)', () => {
    const status = cases[0]![1];
    expect(upgradeStatus(status)).toBe(status);
    expect(upgradeStatus(undefined)).toBeUndefined();
  });
});
