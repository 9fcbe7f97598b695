// Pure helpers: the phase derived from status (Argo's CalculateRolloutPhase) and step expansion.
import { describe, expect, it } from 'vitest';
import type { CanaryStrategy } from '../../../../reconcilers/release/api.js';
import {
  canarySteps,
  derivePhase,
  expandShorthand,
  stepDisplay,
} from '../../../../reconcilers/release/plan/index.js';
import { inFlight } from './fixtures.js';

describe('derivePhase', () => {
  it.each([
    [{}, 'Pending'],
    [inFlight('Cleanup'), 'Progressing'],
    [inFlight('Preflight'), 'Preflight'],
    [inFlight('Register'), 'Preflight'],
    [inFlight('Snapshot'), 'Migrating'],
    [inFlight('MaintenanceOn'), 'Migrating'],
    [inFlight('Migration'), 'Migrating'],
    [inFlight('Steps'), 'Progressing'],
    [inFlight('Steps', { pause: { reason: 'StepPaused', since: 'x' } }), 'Paused'],
    [inFlight('Steps', { pause: { reason: 'AnalysisInconclusive', since: 'x' } }), 'Paused'],
    [
      inFlight('Approval', { pause: { reason: 'AwaitingApproval', since: 'x' } }),
      'AwaitingApproval',
    ],
    [inFlight('Switch'), 'Promoting'],
    [inFlight('PostChecks'), 'Promoting'],
    [inFlight('MaintenanceOff'), 'Promoting'],
    [inFlight('RollingBack', { pause: { reason: 'StepPaused', since: 'x' } }), 'RollingBack'],
    [inFlight('Done', { outcome: 'Succeeded' }), 'Healthy'],
    [inFlight('Done', { outcome: 'RolledBack' }), 'RolledBack'],
    [inFlight('Done', { outcome: 'Aborted' }), 'Aborted'],
    [inFlight('Done', { outcome: 'Failed' }), 'Failed'],
    [inFlight('Done', { outcome: 'Frozen' }), 'Frozen'],
  ])('%o → %s', (status, phase) => {
    expect(derivePhase(status)).toBe(phase);
  });
});

const routing = { alb: { listenerArn: 'l', stableTargetGroupArn: 'a', canaryTargetGroupArn: 'b' } };
const weightsOf = (c: Partial<CanaryStrategy>) =>
  expandShorthand({ trafficRouting: routing, ...c }).flatMap((s) =>
    s.kind === 'setWeight' ? [s.weight] : [],
  );

describe('canary steps', () => {
  it('expands the playbook shorthand: 5 %, +10 % every interval, up to 100 %', () => {
    const steps = expandShorthand({
      initialWeight: 5,
      stepWeight: 10,
      stepInterval: '10m',
      trafficRouting: routing,
    });
    expect(steps.slice(0, 4)).toEqual([
      { kind: 'setWeight', weight: 5 },
      { kind: 'pause', durationMs: 600_000 },
      { kind: 'setWeight', weight: 15 },
      { kind: 'pause', durationMs: 600_000 },
    ]);
    expect(steps.at(-1)).toEqual({ kind: 'setWeight', weight: 100 });
    expect(steps).toHaveLength(21);
  });

  it.each([
    [
      { initialWeight: 5, stepWeight: 10, stepInterval: '1m', maxWeight: 95 },
      [5, 15, 25, 35, 45, 55, 65, 75, 85, 95],
    ],
    [{ initialWeight: 10, stepWeight: 20, stepInterval: '1m', maxWeight: 50 }, [10, 30, 50]],
    [{ initialWeight: 40, stepWeight: 30, stepInterval: '1m' }, [40, 70, 100]],
    [{ initialWeight: 50, stepWeight: 10, stepInterval: '1m', maxWeight: 50 }, [50]],
  ])('%o → weights %o (each below 100 followed by a pause)', (c, expected) => {
    expect(weightsOf(c)).toEqual(expected);
  });

  it('explicit steps map one to one; the fast path is all traffic at once', () => {
    const canary: CanaryStrategy = {
      steps: [{ setWeight: 10 }, { pause: { duration: '90s' } }, { pause: {} }, { analysis: {} }],
      trafficRouting: routing,
    };
    expect(canarySteps(canary, false)).toEqual([
      { kind: 'setWeight', weight: 10 },
      { kind: 'pause', durationMs: 90_000 },
      { kind: 'pause' },
      { kind: 'analysis' },
    ]);
    expect(canarySteps(canary, true)).toEqual([{ kind: 'setWeight', weight: 100 }]);
  });

  it('displays the step in progress from 1, as messages count it, of steps in total', () => {
    expect(stepDisplay(0, 7)).toBe('1/7');
    expect(stepDisplay(3, 7)).toBe('4/7');
    expect(stepDisplay(7, 7)).toBe('7/7');
    expect(stepDisplay(9, 7)).toBe('7/7');
  });
});
