// phaseOf: the phase is a function of spec and status alone, with a fixed precedence.
import { describe, expect, it } from 'vitest';
import type { FlagRolloutSpec, FlagRolloutState } from '../../../reconcilers/flagrollout/api.js';
import { kstateOf, phaseOf } from '../../../reconcilers/flagrollout/plan/view.js';
import { iso, rolloutSpec } from './support/fixtures.js';

const killed = {
  type: 'KillSwitchActive',
  status: 'True' as const,
  reason: 'KillSwitchActive',
  message: '',
};
const externalDisable = {
  type: 'FlagSynced',
  status: 'False' as const,
  reason: 'ExternalDisable',
  message: '',
};
const rollback = { at: iso(0), step: 2, generation: 1, message: 'failed' };

describe('phaseOf', () => {
  it.each<[string, Partial<FlagRolloutSpec>, FlagRolloutState, string]>([
    ['nothing written', {}, {}, 'Pending'],
    ['a step without hold', {}, { currentStep: 4 }, 'Ramping'],
    ['a running hold', {}, { currentStep: 1, nextStepAt: iso(5) }, 'Holding'],
    ['completed', {}, { currentStep: 4, completedAt: iso(0) }, 'Complete'],
    ['suspended', { suspend: true }, { currentStep: 1, nextStepAt: iso(5) }, 'Paused'],
    [
      'rolled back, even if suspended',
      { suspend: true },
      { currentStep: 2, rollback },
      'RolledBack',
    ],
    [
      'disabled by someone else',
      {},
      { currentStep: 2, rollback, conditions: [externalDisable] },
      'Disabled',
    ],
    [
      'killed, whatever else',
      { suspend: true },
      { currentStep: 2, rollback, conditions: [killed] },
      'KilledBySwitch',
    ],
    [
      'enabled: false, even when killed',
      { enabled: false },
      { currentStep: 2, conditions: [killed] },
      'Disabled',
    ],
  ])('%s → %s', (_why, spec, status, phase) => {
    expect(phaseOf(rolloutSpec(spec), status)).toBe(phase);
  });
});

describe('kstateOf', () => {
  it.each<[Partial<FlagRolloutSpec>, string, string, string]>([
    [{}, 'Complete', 'Ready', 'Complete'],
    // An emergency disable stops the rollout until the spec changes: never Ready.
    [{ enabled: false }, 'Disabled', 'Stalled', 'EmergencyDisabled'],
    [{}, 'Disabled', 'Stalled', 'ExternalDisable'],
    [{}, 'RolledBack', 'Stalled', 'RolledBack'],
    [{}, 'KilledBySwitch', 'Reconciling', 'KillSwitchActive'],
    [{}, 'Paused', 'Reconciling', 'Suspended'],
    [{}, 'Holding', 'Reconciling', 'Holding'],
  ])('%o %s → %s (%s)', (spec, phase, state, reason) => {
    expect(kstateOf(rolloutSpec(spec), phase as never)).toEqual({ state, reason });
  });
});
