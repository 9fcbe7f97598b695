// Builders for FlagRollout unit tests: a five-step spec like the playbook's (seconds instead of
// days), flag records as the store returns them, and one `decide` input.
import type { FlagRolloutSpec, FlagRolloutState } from '../../../../reconcilers/flagrollout/api.js';
import type { DecideInput } from '../../../../reconcilers/flagrollout/plan/decide.js';
import type { MetricCheck } from '../../../../reconcilers/shared/api/metric-check.js';
import type { FlagRecord } from '../../../../flags/model.js';
import type { FlagObservation } from '../../../../flags/store.js';

export const NOW = new Date('2026-11-26T10:00:00.000Z');
export const IDENTITY = 'controller:prod/new-query-optimizer';
export const FLAG = 'new_query_optimizer';
export const POLL_MS = 30_000;

/** internal users (0 %) → 5 → 25 → 50 → 100 %, 10 s holds, no analysis. */
export function rolloutSpec(overrides: Partial<FlagRolloutSpec> = {}): FlagRolloutSpec {
  return {
    flag: FLAG,
    enabled: true,
    killSwitch: 'experimental',
    targeting: { users: ['u-qa', 'u-internal'] },
    steps: [
      { percentage: 0, hold: '10s' },
      { percentage: 5, hold: '10s' },
      { percentage: 25, hold: '10s' },
      { percentage: 50, hold: '10s' },
      { percentage: 100 },
    ],
    onFailure: 'RollbackToLastGood',
    deletionPolicy: 'Retain',
    suspend: false,
    ...overrides,
  };
}

/** Error rate: < 1 succeeds, > 5 fails, measured every 2 s. */
export const errorRate: MetricCheck = {
  name: 'error-rate',
  cloudWatch: {
    metric: { namespace: 'LatticeDB', metricName: 'ErrorRate', stat: 'Maximum', period: '1m' },
    window: '1m',
  },
  successCondition: '< 1',
  failureCondition: '> 5',
  interval: '2s',
  count: 1,
};

export function withAnalysis(overrides: Partial<FlagRolloutSpec> = {}): FlagRolloutSpec {
  return rolloutSpec({ analysis: { interval: '2s', metrics: [errorRate] }, ...overrides });
}

/** A flag as our controller writes it at `percentage` (basis points = percentage × 100). */
export function flagRecord(overrides: Partial<FlagRecord> = {}): FlagRecord {
  return {
    name: FLAG,
    enabled: true,
    basisPoints: 0,
    salt: FLAG,
    targets: ['u-internal', 'u-qa'],
    killSwitch: 'experimental',
    version: 1,
    updatedAt: '2026-11-26T09:59:00Z',
    updatedBy: IDENTITY,
    ...overrides,
  };
}

export function observation(
  record: FlagRecord | undefined,
  options: { killed?: boolean; problem?: string; version?: number } = {},
): FlagObservation {
  return {
    name: FLAG,
    record,
    version: options.version ?? record?.version ?? 0,
    ...(options.problem === undefined ? {} : { problem: options.problem }),
    killSwitch: { group: 'experimental', active: options.killed ?? false },
  };
}

export function input(
  spec: FlagRolloutSpec,
  status: FlagRolloutState | undefined,
  flag: FlagObservation,
  overrides: Partial<DecideInput> = {},
): DecideInput {
  return {
    spec,
    status,
    generation: 1,
    identity: IDENTITY,
    flag,
    now: NOW,
    pollMs: POLL_MS,
    ...overrides,
  };
}

/** `NOW + seconds` */
export function at(seconds: number): Date {
  return new Date(NOW.getTime() + seconds * 1000);
}

/** RFC 3339 of `NOW + seconds` (whole seconds). */
export function iso(seconds: number): string {
  return at(seconds).toISOString().replace('.000Z', 'Z');
}

/** Status in a running hold of `step` (started at NOW, as `decide` would have left it). */
export function holding(step: number, overrides: Partial<FlagRolloutState> = {}): FlagRolloutState {
  return {
    currentStep: step,
    stepCount: 5,
    step: `${step + 1}/5`,
    stepStartedAt: iso(0),
    nextStepAt: iso(10),
    flagVersion: 1,
    phase: 'Holding',
    ...(step > 0 ? { lastGoodPercentage: percent(step - 1) } : {}),
    ...overrides,
  };
}

const PERCENTAGES = [0, 5, 25, 50, 100];

/** The percentage of step `step` in `rolloutSpec()`. */
export function percent(step: number): number {
  const value = PERCENTAGES[step];
  if (value === undefined) throw new RangeError(`no step ${step}`);
  return value;
}

export function condition(status: FlagRolloutState, type: string) {
  return status.conditions?.find((c) => c.type === type);
}
