// observationNeeds: each stage reads what it decides on and nothing more; steady state reads only
// the (cached) service.
import { describe, expect, it } from 'vitest';
import { observationNeeds } from '../../../../reconcilers/release/plan/index.js';
import {
  blueGreenSpec,
  canarySpec,
  ERROR_RATE_CHECK,
  inFlight,
  LISTENER,
  OBJECT,
  TEST_LISTENER,
} from './fixtures.js';

const RESYNC = 600_000;
const needs = (status: Parameters<typeof observationNeeds>[1], spec = canarySpec()) =>
  observationNeeds(spec, status, OBJECT, RESYNC);

describe('observationNeeds', () => {
  it('steady state: the service from the cache, nothing else', () => {
    expect(needs(inFlight('Done', { outcome: 'Succeeded' }))).toEqual({
      serviceMaxAgeMs: RESYNC,
      baseTaskDefinition: false,
      listeners: [],
      capacity: false,
      smoke: false,
    });
  });

  it('first sight: the current task definition, and what pre-flight will need', () => {
    expect(needs(undefined)).toMatchObject({
      serviceMaxAgeMs: 0,
      baseTaskDefinition: true,
      listeners: [LISTENER],
      image: canarySpec().image,
      capacity: true,
    });
  });

  it('a spec change while Healthy reads like a start', () => {
    expect(
      needs(
        inFlight('Done', {
          outcome: 'Succeeded',
          revision: { number: 1, specHash: 'old', image: 'x' },
        }),
      ),
    ).toMatchObject({ serviceMaxAgeMs: 0, listeners: [LISTENER], capacity: true });
  });

  it('skipped pre-flight checks are not read', () => {
    const spec = canarySpec({ checks: { preflight: { skip: { reason: 'hotfix' } } } });
    const n = needs(inFlight('Preflight', {}, spec), spec);
    expect(n.image).toBeUndefined();
    expect(n.capacity).toBe(false);
  });

  it('in flight: fresh service and listener weights; the test listener only while green deploys', () => {
    expect(needs(inFlight('Steps'))).toMatchObject({
      serviceMaxAgeMs: 0,
      listeners: [LISTENER],
      capacity: false,
    });
    const bg = blueGreenSpec();
    expect(needs(inFlight('Deploy', {}, bg), bg).listeners).toEqual([LISTENER, TEST_LISTENER]);
    expect(needs(inFlight('Approval', {}, bg), bg).listeners).toEqual([LISTENER]);
  });

  it('the analysis gate of the current step, with its record', () => {
    const spec = canarySpec({ analysis: { metrics: [ERROR_RATE_CHECK] } });
    const n = needs(
      inFlight(
        'Steps',
        { currentStepIndex: 1, analysis: { step: 0, verdict: 'Running', measurements: [] } },
        spec,
      ),
      spec,
    );
    expect(n.analysis).toMatchObject({
      step: 0,
      checks: [{ name: 'error-rate' }],
      record: { measurements: [] },
    });
  });

  it('migration stages read the snapshot, the flag, the task', () => {
    const spec = canarySpec({
      migration: {
        snapshot: { dbInstanceIdentifier: 'db' },
        maintenanceFlag: 'maintenance_mode',
        task: { command: ['m'] },
        reversible: true,
      },
    });
    expect(needs(inFlight('Snapshot', {}, spec), spec)).toMatchObject({
      snapshotId: expect.stringMatching(/^latticedb-r1-/),
      flag: 'maintenance_mode',
    });
    const running = inFlight(
      'Migration',
      { migration: { phase: 'Running', revision: 1, startedBy: 'ldb-x-r1' } },
      spec,
    );
    expect(needs(running, spec).migrationStartedBy).toBe('ldb-x-r1');
  });

  it('smoke tests and alarms only where they are judged', () => {
    const spec = canarySpec({
      checks: { smoke: [{ url: 'https://x/health' }], postDeployment: { noAlarmsFiring: ['a'] } },
    });
    expect(needs(inFlight('Smoke', {}, spec), spec).smoke).toBe(true);
    expect(needs(inFlight('Steps', {}, spec), spec)).toMatchObject({ smoke: false });
    expect(
      needs(inFlight('PostChecks', { smoke: { phase: 'PreTraffic' } }, spec), spec),
    ).toMatchObject({ smoke: true, alarms: ['a'] });
    expect(
      needs(inFlight('PostChecks', { smoke: { phase: 'PostPromotion' } }, spec), spec).smoke,
    ).toBe(false);
  });
});
