// A maintenance flag an earlier revision left on (irreversible migration, deploy frozen, rolled
// back or superseded): remembered when the next revision starts, not that revision's to turn off
// when it fails, turned off in MaintenanceOff once a revision completes healthy.
import { describe, expect, it } from 'vitest';
import { observationNeeds } from '../../../../reconcilers/release/plan/index.js';
import { canarySpec, image, inFlight, iso, next, OBJECT, run, weights } from './fixtures.js';

const FLAG = 'maintenance_mode';
const migration = {
  snapshot: { dbInstanceIdentifier: 'ldb-prod' },
  maintenanceFlag: FLAG,
  task: { command: ['migrate'], timeout: '10m' },
  reversible: false,
};
const flagState = (enabled: boolean, version: number) => ({
  ok: true as const,
  version,
  record: {
    name: FLAG,
    enabled,
    basisPoints: enabled ? 10_000 : 0,
    salt: FLAG,
    targets: [],
    killSwitch: null,
    version,
    updatedAt: iso(),
    updatedBy: 'x',
  },
});
const leftOn = [{ flag: FLAG, revision: 1 }];

describe('maintenance flags left on', () => {
  it('a new spec after Frozen remembers the flag as revision 2 starts', () => {
    const frozen = inFlight(
      'Done',
      {
        outcome: 'Frozen',
        migration: { phase: 'Succeeded', revision: 1, flagOn: true, flag: FLAG },
      },
      canarySpec({ migration }),
    );
    const d = run(frozen, { weights: weights(5) }, { spec: canarySpec({ image: image('v3') }) });
    expect(d.status.revision?.number).toBe(2);
    expect(d.status.maintenanceFlagsLeftOn).toEqual(leftOn);
    expect(d.status.migration).toBeUndefined();
    expect(d.events).toContainEqual(
      expect.objectContaining({
        type: 'Warning',
        reason: 'MaintenanceFlagLeftOn',
        message: `maintenance flag ${FLAG} stays on (left on by revision 1): it goes off when revision 2 completes healthy`,
      }),
    );
  });

  it('is read only where it is turned off (PostChecks, MaintenanceOff)', () => {
    const spec = canarySpec();
    const needs = (stage: 'Steps' | 'PostChecks' | 'MaintenanceOff') =>
      observationNeeds(
        spec,
        inFlight(stage, { maintenanceFlagsLeftOn: leftOn }, spec),
        OBJECT,
        600_000,
      ).flagLeftOn;
    expect(needs('Steps')).toBeUndefined();
    expect(needs('PostChecks')).toBe(FLAG);
    expect(needs('MaintenanceOff')).toBe(FLAG);
  });

  it('MaintenanceOff turns it off (CAS on the observed version), then the revision is healthy', () => {
    const status = inFlight('MaintenanceOff', { maintenanceFlagsLeftOn: leftOn });
    const off = run(status, { flagLeftOn: flagState(true, 7) });
    expect(off.action).toMatchObject({
      type: 'setMaintenanceFlag',
      flag: FLAG,
      on: false,
      expectedVersion: 7,
    });
    expect(off.status.stage).toBe('MaintenanceOff');
    const done = run(next(off), { flagLeftOn: flagState(false, 8) });
    expect(done.status).toMatchObject({
      stage: 'Done',
      phase: 'Healthy',
      attempt: { outcome: 'Succeeded' },
    });
    expect(done.status.maintenanceFlagsLeftOn).toBeUndefined();
    expect(done.status.history?.map((e) => e.message)).toContain(
      `maintenance flag ${FLAG} (left on by revision 1) is off: revision 1 completed healthy`,
    );
  });

  it('a flag store that cannot be used holds MaintenanceOff (the revision does not end with the flag forgotten)', () => {
    const status = inFlight('MaintenanceOff', { maintenanceFlagsLeftOn: leftOn });
    const d = run(status, { flagLeftOn: { ok: false, problem: 'RedisUnavailable: down' } });
    expect(d.action).toBeUndefined();
    expect(d.status.stage).toBe('MaintenanceOff');
    expect(d.status.message).toContain('RedisUnavailable');
  });

  it('a later migration finding the flag on does not take it over: its own failure leaves it on', () => {
    const spec = canarySpec({ migration });
    const status = inFlight('MaintenanceOn', { maintenanceFlagsLeftOn: leftOn }, spec);
    const d = run(status, { flag: flagState(true, 3) }, { spec });
    expect(d.status.migration).toMatchObject({ flagOn: false, flag: FLAG });
    expect(d.events.find((e) => e.reason === 'MaintenanceOn')?.message).toContain(
      'left on by revision 1',
    );
    const failed = inFlight(
      'RollingBack',
      {
        maintenanceFlagsLeftOn: leftOn,
        migration: { phase: 'Failed', revision: 1, flagOn: false, flag: FLAG, exitCode: 1 },
        rollback: {
          outcome: 'Failed',
          reason: 'MigrationFailed',
          message: 'exit 1',
          at: iso(),
          fromStage: 'Migration',
        },
      },
      spec,
    );
    const end = run(failed, { flag: flagState(true, 3) }, { spec });
    expect(end.action).toBeUndefined();
    expect(end.status).toMatchObject({ stage: 'Done', attempt: { outcome: 'Failed' } });
    expect(end.status.maintenanceFlagsLeftOn).toEqual(leftOn);
  });
});
