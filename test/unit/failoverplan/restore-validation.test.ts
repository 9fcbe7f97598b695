// The validation of a restored database, decided purely: the task is started once under a
// deterministic startedBy (≤ 36 characters, the owner's UID in it) written ahead; its exit code
// decides; HTTP checks with no result are no pass; a failed task is final, failing checks are
// measured again; bad input only the world can refuse names the field.
import { describe, expect, it } from 'vitest';
import type { FailoverPlanSpec } from '../../../reconcilers/failoverplan/api.js';
import {
  decide,
  DEFAULT_TUNING,
  type FailoverPlanState,
  type Observed,
} from '../../../reconcilers/failoverplan/plan/index.js';
import {
  restoreValidationNeeds,
  validationStartedBy,
} from '../../../reconcilers/failoverplan/plan/restore-validation.js';
import { validateFailoverPlan } from '../../../reconcilers/failoverplan/validate.js';
import type { OneOffTask, ServiceState } from '../../../reconcilers/shared/ports/ecs.js';

const UID = '5f1c2a9e-3b7d-4c1e-9a2f-0d8e7b6c5a41';
const NOW = new Date('2026-12-06T12:00:00Z');
const SPEC: FailoverPlanSpec = {
  primary: { region: 'us-east-1', cluster: 'c', service: 's' },
  secondary: { region: 'us-west-2', cluster: 'c2', service: 's' },
  dns: {
    hostedZoneId: 'Z1',
    recordName: 'prod.example.com',
    primaryValue: 'east.elb.example.com',
    secondaryValue: 'west.elb.example.com',
  },
  activeRegion: 'us-east-1',
  safeMode: {
    enabled: true,
    reason: 'INC-7',
    restore: {
      dbInstanceIdentifier: 'db',
      snapshotIdentifier: 'db-before',
      targetInstanceIdentifier: 'db-restored',
      validation: {
        httpChecks: [{ name: 'data', url: 'http://checks.internal/data' }],
        task: { container: 'app', command: ['./validate-data.sh'], timeout: '10m' },
      },
    },
  },
};

function service(region: string): ServiceState {
  return {
    ref: { region, cluster: 'c', service: 's' },
    arn: `arn:${region}`,
    status: 'ACTIVE',
    deploymentController: 'ECS',
    taskDefinitionArn: `td:${region}`,
    desiredCount: 4,
    runningCount: 4,
    pendingCount: 0,
    capacityProviders: [],
    deployments: [],
    taskSets: [],
    loadBalancers: [],
    observedAt: NOW,
  };
}

const base: Observed = {
  primary: {
    role: 'primary',
    ref: SPEC.primary,
    clusterStatus: 'ACTIVE',
    service: service('us-east-1'),
    images: { app: 'img:1' },
  },
  secondary: {
    role: 'secondary',
    ref: SPEC.secondary,
    clusterStatus: 'ACTIVE',
    service: service('us-west-2'),
    images: { app: 'img:1' },
  },
  dns: { zone: true, record: { values: ['east.elb.example.com'] } },
  readOnly: { version: 3, enabled: true, basisPoints: 10_000, salt: 's' },
  snapshots: [{ id: 'db-before', status: 'available', createdAt: '2026-12-06T09:00:00Z' }],
  restored: { status: 'available', endpoint: 'db-restored.rds.test:5432', ownerUid: UID },
};

const passing = [{ name: 'data', passed: true, message: 'status 200' }];

function run(status: FailoverPlanState | undefined, observed: Partial<Observed>, spec = SPEC) {
  return decide({
    object: { namespace: 'ns', name: 'dr', uid: UID },
    spec,
    status,
    observed: { ...base, ...observed },
    now: NOW,
    tuning: DEFAULT_TUNING,
  });
}

const stopped = (exitCode: number | undefined): OneOffTask => ({
  arn: 'arn:task/1',
  lastStatus: 'STOPPED',
  ...(exitCode === undefined ? {} : { exitCode }),
});

describe('restore validation', () => {
  it('keeps startedBy within ECS limits, deterministic, carrying the UID', () => {
    const id = validationStartedBy({ namespace: 'ns', name: 'dr', uid: UID }, 'db-before/db-r');
    expect(id.length).toBeLessThanOrEqual(36);
    expect(id).toMatch(/^[A-Za-z0-9_-]+$/);
    expect(id).toContain(UID.replace(/-/g, '').slice(0, 22));
    expect(validationStartedBy({ namespace: 'ns', name: 'dr', uid: UID }, 'db-before/db-r')).toBe(
      id,
    );
    expect(
      validationStartedBy({ namespace: 'ns', name: 'dr', uid: UID }, 'db-older/db-r2'),
    ).not.toBe(id);
  });

  it('starts the task once the instance is available, written ahead, with the endpoint in its environment', () => {
    const d = run(undefined, { restoreChecks: passing });
    expect(d.checkpoint).toBe(true);
    expect(d.action).toMatchObject({
      type: 'runValidationTask',
      ref: SPEC.primary,
      taskDefinitionArn: 'td:us-east-1',
      container: 'app',
      command: ['./validate-data.sh'],
      environment: {
        RESTORED_DB_HOST: 'db-restored.rds.test',
        RESTORED_DB_PORT: '5432',
        RESTORED_DB_INSTANCE: 'db-restored',
      },
    });
    const rec = d.status.safeMode?.validation;
    expect(rec).toMatchObject({ of: 'db-before/db-restored', phase: 'Running' });
    expect(d.action?.type === 'runValidationTask' && d.action.startedBy).toBe(rec?.startedBy);
    expect(d.status.safeMode?.nextStep).toBeUndefined();
    expect(d.status.phase).toBe('Restoring');
    // The task's ARN is recorded once ECS answered it, not before.
    expect(rec?.taskArn).toBeUndefined();
    const after = d.afterAction?.({ type: 'taskStarted', taskArn: 'arn:task/9' });
    expect(after?.outcome === 'applied' && after.status.safeMode?.validation).toMatchObject({
      of: 'db-before/db-restored',
      taskArn: 'arn:task/9',
    });
  });

  it('passes on exit code 0 and passing checks, with the measured values and the next step', () => {
    const first = run(undefined, { restoreChecks: passing });
    const d = run(first.status, { restoreChecks: passing, validationTask: stopped(0) });
    expect(d.action).toBeUndefined();
    expect(d.status.safeMode?.validation).toMatchObject({
      phase: 'Passed',
      exitCode: 0,
      taskArn: 'arn:task/1',
      checks: passing,
    });
    expect(d.status.safeMode?.validation?.message).toContain('exited with 0');
    expect(d.status.safeMode?.nextStep).toContain('Release');
    expect(d.status.conditions?.find((c) => c.type === 'Ready')).toMatchObject({
      status: 'True',
      reason: 'RestoreValidated',
    });
    // Passed is final: nothing more is measured for this restore.
    expect(restoreValidationNeeds(SPEC, d.status)).toEqual({ httpChecks: false });
  });

  it('fails for good on a non-zero exit code, and says not to re-point', () => {
    const first = run(undefined, { restoreChecks: passing });
    const d = run(first.status, { restoreChecks: passing, validationTask: stopped(3) });
    expect(d.status.safeMode?.validation).toMatchObject({ phase: 'Failed', exitCode: 3 });
    expect(d.status.safeMode?.nextStep).toContain('do not re-point');
    expect(d.status.conditions?.find((c) => c.type === 'Stalled')).toMatchObject({
      status: 'True',
      reason: 'RestoreValidationFailed',
    });
    expect(restoreValidationNeeds(SPEC, d.status)).toEqual({ httpChecks: false });
    const again = run(d.status, {});
    expect(again.action).toBeUndefined();
    expect(again.status.safeMode?.validation?.phase).toBe('Failed');
  });

  it('takes no HTTP result as no pass, and measures failing checks again', () => {
    const first = run(undefined, { restoreChecks: passing });
    const unmeasured = run(first.status, { validationTask: stopped(0) });
    expect(unmeasured.status.safeMode?.validation?.phase).toBe('Running');
    const failing = run(first.status, {
      validationTask: stopped(0),
      restoreChecks: [{ name: 'data', passed: false, message: 'status 500' }],
    });
    expect(failing.status.safeMode?.validation).toMatchObject({ phase: 'Failed' });
    expect(failing.status.safeMode?.validation?.message).toContain('status 500');
    // The task's exit 0 is kept: not looked up again (ECS forgets stopped tasks).
    expect(restoreValidationNeeds(SPEC, failing.status)).toEqual({ httpChecks: true });
    const healed = run(failing.status, { restoreChecks: passing });
    expect(healed.status.safeMode?.validation?.phase).toBe('Passed');
  });

  it('runs the task again under the same startedBy when it was never seen (crash before RunTask)', () => {
    const first = run(undefined, { restoreChecks: passing });
    const d = run(first.status, { restoreChecks: passing, validationTask: null });
    expect(d.action).toMatchObject({
      type: 'runValidationTask',
      startedBy: first.status.safeMode?.validation?.startedBy,
    });
  });

  it('fails when the task outlives its timeout', () => {
    const first = run(undefined, { restoreChecks: passing });
    const late = decide({
      object: { namespace: 'ns', name: 'dr', uid: UID },
      spec: SPEC,
      status: first.status,
      observed: {
        ...base,
        restoreChecks: passing,
        validationTask: { arn: 'a', lastStatus: 'RUNNING' },
      },
      now: new Date(NOW.getTime() + 11 * 60_000),
      tuning: DEFAULT_TUNING,
    });
    expect(late.status.safeMode?.validation?.phase).toBe('Failed');
    expect(late.status.safeMode?.validation?.message).toContain('10m');
  });

  it('names the field of a container the task definition lacks, and runs nothing', () => {
    const spec: FailoverPlanSpec = {
      ...SPEC,
      safeMode: {
        ...SPEC.safeMode,
        restore: {
          ...SPEC.safeMode!.restore!,
          validation: { task: { container: 'worker', command: ['x'] } },
        },
      },
    };
    const d = run(undefined, {}, spec);
    expect(d.action).toBeUndefined();
    const stalled = d.status.conditions?.find((c) => c.type === 'Stalled');
    expect(stalled).toMatchObject({ status: 'True', reason: 'InvalidSpec' });
    expect(stalled?.message).toContain('spec.safeMode.restore.validation.task.container');
  });

  it('refuses an empty validation and bad check URLs, naming the field', () => {
    const restore = SPEC.safeMode!.restore!;
    const errors = validateFailoverPlan({
      spec: {
        ...SPEC,
        safeMode: {
          ...SPEC.safeMode,
          restore: { ...restore, validation: { httpChecks: [{ url: 'ftp://x/y' }] } },
        },
      },
    });
    expect(errors.map((e) => e.field)).toEqual([
      'spec.safeMode.restore.validation.httpChecks[0].url',
    ]);
    const empty = validateFailoverPlan({
      spec: { ...SPEC, safeMode: { ...SPEC.safeMode, restore: { ...restore, validation: {} } } },
    });
    expect(empty.map((e) => e.field)).toContain('spec.safeMode.restore.validation');
  });
});
