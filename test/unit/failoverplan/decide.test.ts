// FailoverPlan's pure core: validation beyond the CRD, the image comparison across regions, and
// the decision's recognition of steps already done in the world (no second scale or DNS change).
import { describe, expect, it } from 'vitest';
import type { FailoverPlanSpec } from '../../../reconcilers/failoverplan/api.js';
import {
  decide,
  DEFAULT_TUNING,
  type FailoverPlanState,
  type Observed,
  type SiteObserved,
} from '../../../reconcilers/failoverplan/plan/index.js';
import { sameImageKey } from '../../../reconcilers/failoverplan/plan/readiness.js';
import { validateFailoverPlan } from '../../../reconcilers/failoverplan/validate.js';
import type { ServiceState } from '../../../reconcilers/shared/ports/ecs.js';

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
};
const NOW = new Date('2026-12-06T12:00:00Z');
const IMAGE = (region: string) => `123456789012.dkr.ecr.${region}.amazonaws.com/latticedb:2.1.0`;

function service(region: string, desired: number, running = desired): ServiceState {
  return {
    ref: { region, cluster: 'c', service: 's' },
    arn: `arn:${region}`,
    status: 'ACTIVE',
    deploymentController: 'ECS',
    taskDefinitionArn: `td:${region}`,
    desiredCount: desired,
    runningCount: running,
    pendingCount: 0,
    capacityProviders: [],
    deployments: [],
    taskSets: [],
    loadBalancers: [],
    observedAt: NOW,
  };
}

function site(role: 'primary' | 'secondary', desired: number): SiteObserved {
  const ref = role === 'primary' ? SPEC.primary : SPEC.secondary;
  return {
    role,
    ref,
    clusterStatus: 'ACTIVE',
    service: service(ref.region, desired),
    images: { app: IMAGE(ref.region) },
  };
}

function world(record: string, standbyDesired = 1): Observed {
  return {
    primary: site('primary', 4),
    secondary: site('secondary', standbyDesired),
    dns: { zone: true, record: { values: [record] } },
  };
}

const run = (input: {
  spec?: Partial<FailoverPlanSpec>;
  status?: FailoverPlanState;
  observed: Observed;
}) =>
  decide({
    object: { namespace: 'ns', name: 'dr', uid: 'uid-1' },
    spec: { ...SPEC, ...input.spec },
    status: input.status,
    observed: input.observed,
    now: NOW,
    tuning: DEFAULT_TUNING,
  });

describe('FailoverPlan validation beyond the CRD', () => {
  it('names the field of a bad check URL', () => {
    const errors = validateFailoverPlan({
      spec: { ...SPEC, healthChecks: [{ url: 'ftp://standby/health' }] },
    });
    expect(errors.map((e) => e.field)).toEqual(['spec.healthChecks[0].url']);
  });

  it('names a secondary that would serve with zero tasks', () => {
    const errors = validateFailoverPlan({
      spec: { ...SPEC, secondary: { ...SPEC.secondary, desiredCount: 0 } },
    });
    expect(errors.map((e) => e.field)).toEqual(['spec.secondary.desiredCount']);
  });
});

describe('FailoverPlan standby images', () => {
  it('treats the same ECR repository and tag in another region as the same image', () => {
    expect(sameImageKey(IMAGE('us-east-1'))).toBe(sameImageKey(IMAGE('us-west-2')));
    expect(sameImageKey(IMAGE('us-east-1'))).not.toBe(
      sameImageKey(IMAGE('us-west-2').replace('2.1.0', '2.2.0')),
    );
    expect(sameImageKey('ghcr.io/latticedb/app:1')).toBe('ghcr.io/latticedb/app:1');
  });
});

describe('FailoverPlan decision', () => {
  it('starts a failover on spec.activeRegion and scales the standby to the primary count, written ahead', () => {
    const d = run({ spec: { activeRegion: 'us-west-2' }, observed: world('east.elb.example.com') });
    expect(d.action).toMatchObject({ type: 'setDesiredCount', count: 4, from: 1 });
    expect(d.checkpoint).toBe(true);
    expect(d.status.lastFailover).toMatchObject({
      from: 'us-east-1',
      to: 'us-west-2',
      startedAt: '2026-12-06T12:00:00Z',
    });
  });

  it('recognises a scale and a DNS change already made (after a crash) and does not repeat them', () => {
    // The world after both writes, with status lost: the record names the standby already.
    const d = run({
      spec: { activeRegion: 'us-west-2' },
      status: {
        activeRegion: 'us-east-1',
        lastFailover: {
          from: 'us-east-1',
          to: 'us-west-2',
          direction: 'Failover',
          startedAt: '2026-12-06T11:59:00Z',
          steps: [
            {
              name: 'ScaleTarget',
              startedAt: '2026-12-06T11:59:00Z',
              outcome: 'Running',
              desiredCount: 4,
            },
          ],
        },
      },
      observed: world('west.elb.example.com', 4),
    });
    expect(d.action).toBeUndefined();
    expect(d.status.phase).toBe('FailedOver');
    expect(d.status.lastFailover?.rtoSeconds).toBe(60);
    expect(d.status.lastFailover?.steps?.map((s) => s.name)).toEqual([
      'ScaleTarget',
      'SwitchDns',
      'Validate',
    ]);
    expect(d.status.lastFailover?.steps?.[1]?.message).toContain('already points');
  });

  it("records the UPSERT's change id in the SwitchDns step only once the call answered it", () => {
    const scaled = run({
      spec: { activeRegion: 'us-west-2' },
      status: {
        activeRegion: 'us-east-1',
        lastFailover: {
          from: 'us-east-1',
          to: 'us-west-2',
          direction: 'Failover',
          startedAt: '2026-12-06T11:59:00Z',
          steps: [
            {
              name: 'ScaleTarget',
              startedAt: '2026-12-06T11:59:00Z',
              outcome: 'Running',
              desiredCount: 4,
            },
          ],
        },
      },
      observed: world('east.elb.example.com', 4),
    });
    expect(scaled.action).toMatchObject({ type: 'upsertRecord', value: 'west.elb.example.com' });
    expect(scaled.checkpoint).toBe(true);
    // Written ahead without the id (status never says what is not true yet) …
    expect(scaled.status.lastFailover?.steps?.at(-1)).toMatchObject({ name: 'SwitchDns' });
    expect(scaled.status.lastFailover?.steps?.at(-1)?.changeId).toBeUndefined();
    // … and recorded with it once Route 53 answered.
    const after = scaled.afterAction?.({ type: 'recordChanged', changeId: 'C0042' });
    expect(after?.outcome).toBe('applied');
    const step =
      after?.outcome === 'applied' ? after.status.lastFailover?.steps?.at(-1) : undefined;
    expect(step).toMatchObject({ name: 'SwitchDns', changeId: 'C0042' });
    // A scale answers nothing status records.
    const scale = run({
      spec: { activeRegion: 'us-west-2' },
      observed: world('east.elb.example.com'),
    });
    expect(scale.action?.type).toBe('setDesiredCount');
    expect(scale.afterAction).toBeUndefined();
  });

  it('waits at SwitchDns until the change is INSYNC, without a second UPSERT', () => {
    const status = {
      activeRegion: 'us-east-1',
      lastFailover: {
        from: 'us-east-1',
        to: 'us-west-2',
        direction: 'Failover',
        startedAt: '2026-12-06T11:59:00Z',
        steps: [
          {
            name: 'SwitchDns',
            startedAt: '2026-12-06T11:59:30Z',
            outcome: 'Running',
            changeId: 'C0042',
          },
        ],
      },
    } satisfies FailoverPlanState;
    const observed = (change: string | null): Observed => ({
      ...world('west.elb.example.com', 4),
      change,
    });
    for (const change of ['PENDING', null]) {
      const waiting = run({
        spec: { activeRegion: 'us-west-2' },
        status,
        observed: observed(change),
      });
      expect(waiting.action).toBeUndefined();
      expect(waiting.status.conditions?.find((c) => c.type === 'Reconciling')).toMatchObject({
        status: 'True',
        reason: 'WaitingForDnsSync',
      });
      expect(waiting.status.lastFailover?.steps?.at(-1)).toMatchObject({
        name: 'SwitchDns',
        outcome: 'Running',
      });
    }
    const synced = run({
      spec: { activeRegion: 'us-west-2' },
      status,
      observed: observed('INSYNC'),
    });
    expect(synced.action).toBeUndefined();
    expect(synced.status.lastFailover?.steps?.map((s) => s.name)).toEqual([
      'SwitchDns',
      'Validate',
    ]);
    expect(synced.status.lastFailover?.steps?.[0]).toMatchObject({
      outcome: 'Succeeded',
      message: 'record points at west.elb.example.com; change C0042 INSYNC',
    });
  });

  it('reads a site it cannot reach as not ready, with the region named', () => {
    const observed = {
      ...world('east.elb.example.com'),
      secondary: { role: 'secondary' as const, ref: SPEC.secondary, error: 'connect ETIMEDOUT' },
    };
    const d = run({ observed });
    expect(d.status.standby).toMatchObject({ reason: 'RegionUnreadable' });
    expect(d.status.standbyReady).toBe(false);
  });
});

describe('FailoverPlan first sight', () => {
  const cond = (d: ReturnType<typeof run>, type: string) =>
    d.status.conditions?.find((c) => c.type === type);

  it('takes a spec naming the secondary as a failover to perform when the record names the primary', () => {
    const d = run({ spec: { activeRegion: 'us-west-2' }, observed: world('east.elb.example.com') });
    expect(d.status.activeRegion).toBe('us-east-1');
    expect(d.status.lastFailover).toMatchObject({ from: 'us-east-1', to: 'us-west-2' });
    expect(d.action).toMatchObject({ type: 'setDesiredCount' });
  });

  it('takes the secondary as serving when the record says so, without a failover', () => {
    const d = run({
      spec: { activeRegion: 'us-west-2' },
      observed: world('west.elb.example.com', 4),
    });
    expect(d.status.activeRegion).toBe('us-west-2');
    expect(d.status.lastFailover).toBeUndefined();
    expect(d.action).toBeUndefined();
  });

  it('claims nothing while the record cannot tell, and moves nothing', () => {
    const unreadable = run({
      spec: { activeRegion: 'us-west-2' },
      observed: { ...world('x'), dns: { error: 'Throttling: Rate exceeded' } },
    });
    expect(unreadable.status.activeRegion).toBeUndefined();
    expect(unreadable.action).toBeUndefined();
    expect(unreadable.status.lastFailover).toBeUndefined();
    expect(cond(unreadable, 'Reconciling')).toMatchObject({
      status: 'True',
      reason: 'DnsUnreadable',
    });
    expect(cond(unreadable, 'Reconciling')?.message).toContain('cannot tell which region serves');
    expect(unreadable.requeueAfterMs).toBe(DEFAULT_TUNING.pollMs);

    const other = run({
      spec: { activeRegion: 'us-west-2' },
      observed: world('somewhere-else.example.com'),
    });
    expect(other.status.activeRegion).toBeUndefined();
    expect(cond(other, 'Stalled')).toMatchObject({ status: 'True', reason: 'ServingUnknown' });
    expect(cond(other, 'Stalled')?.message).toContain('somewhere-else.example.com');
  });
});

describe('FailoverPlan safe mode flag', () => {
  const safe = { safeMode: { enabled: true, reason: 'INC-1', readOnlyFlag: 'ro' } };

  it('takes a read-only flag on for a share of users as not on, and turns it on for all', () => {
    const d = run({
      spec: safe,
      observed: {
        ...world('east.elb.example.com'),
        readOnly: { version: 7, enabled: true, basisPoints: 1_000, updatedBy: 'controller:ns/ro' },
      },
    });
    expect(d.action).toMatchObject({ type: 'setReadOnly', on: true, expectedVersion: 7 });
    expect(d.status.safeMode).toMatchObject({ active: false, flagOwner: 'controller:ns/ro' });
  });

  it('hands the flag back to the controller that wrote it before, when turned off', () => {
    const d = run({
      spec: { safeMode: { enabled: false } },
      status: { safeMode: { active: true, flag: 'ro', flagOwner: 'controller:ns/ro' } },
      observed: {
        ...world('east.elb.example.com'),
        readOnly: { version: 8, enabled: true, basisPoints: 10_000, updatedBy: 'controller:ns/dr' },
      },
    });
    // The write names its writer, the plan (flags/CONTRACT.md §2); the hand-back is told.
    expect(d.action).toMatchObject({
      type: 'setReadOnly',
      on: false,
      updatedBy: 'controller:ns/dr',
      handBackTo: 'controller:ns/ro',
    });
    // Until the write succeeded the flag is on: the checkpoint says so (the hold stays).
    expect(d.checkpoint).toBe(true);
    expect(d.checkpointStatus?.safeMode).toMatchObject({ active: true, flag: 'ro' });
    expect(d.status.safeMode).toEqual({ active: false, flag: 'ro' });
    expect(d.afterAction?.({ type: 'flagWritten', version: 9 })).toEqual({
      outcome: 'applied',
      status: d.status,
    });
  });

  it('takes a compare-and-set that met another writer as a lost race, on and off', () => {
    const on = run({
      spec: safe,
      observed: { ...world('east.elb.example.com'), readOnly: { version: 3, enabled: false } },
    });
    expect(on.action).toMatchObject({ type: 'setReadOnly', on: true, expectedVersion: 3 });
    expect(on.afterAction?.({ type: 'flagConflict', currentVersion: 4 })).toMatchObject({
      outcome: 'lost',
      why: 'read-only flag ro changed meanwhile (version 4, expected 3)',
      requeueAfterMs: DEFAULT_TUNING.afterActionMs,
    });
    const off = run({
      spec: { safeMode: { enabled: false } },
      status: { safeMode: { active: true, flag: 'ro' } },
      observed: {
        ...world('east.elb.example.com'),
        readOnly: { version: 8, enabled: true, basisPoints: 10_000, updatedBy: 'controller:ns/dr' },
      },
    });
    expect(off.action).toMatchObject({
      type: 'setReadOnly',
      on: false,
      updatedBy: 'controller:ns/dr',
    });
    expect(off.afterAction?.({ type: 'flagConflict', currentVersion: 9 })).toMatchObject({
      outcome: 'lost',
    });
  });
});

describe('FailoverPlan evidence snapshot', () => {
  const spec = {
    safeMode: {
      enabled: true,
      reason: 'INC-2',
      readOnlyFlag: 'ro',
      snapshot: { dbInstanceIdentifier: 'latticedb-prod' },
    },
  };
  const on = { version: 4, enabled: true, basisPoints: 10_000, updatedBy: 'controller:ns/dr' };
  const source = { status: 'available' };

  it('is taken once the flag is on, named after the episode, recorded only once it returned', () => {
    const d = run({
      spec,
      status: { safeMode: { active: false, flag: 'ro', since: '2026-12-06T11:59:00Z' } },
      observed: { ...world('east.elb.example.com'), readOnly: on, evidenceSource: source },
    });
    // The owner's UID (uid-1 → uid1) is in the id: another plan's snapshot is never taken for it.
    const id = 'latticedb-prod-evidence-uid1-20261206-120000';
    expect(d.action).toEqual({
      type: 'snapshotDatabase',
      region: 'us-east-1',
      instance: 'latticedb-prod',
      snapshotId: id,
    });
    expect(d.checkpoint).toBe(true);
    expect(d.status.safeMode).toMatchObject({ active: true, evidenceSnapshot: id });
    expect(d.checkpointStatus?.safeMode).toMatchObject({
      active: true,
      since: '2026-12-06T12:00:00Z',
    });
    expect(d.checkpointStatus?.safeMode?.evidenceSnapshot).toBeUndefined();

    // Recorded: not taken again; the restore path goes on.
    const after = run({
      spec,
      status: d.status,
      observed: { ...world('east.elb.example.com'), readOnly: on },
    });
    expect(after.action).toBeUndefined();
    expect(after.status.safeMode?.evidenceSnapshot).toBe(id);
  });

  it('does not hold up the restore when the instance does not exist, and says so', () => {
    const d = run({
      spec,
      status: { safeMode: { active: true, flag: 'ro', since: '2026-12-06T11:00:00Z' } },
      observed: { ...world('east.elb.example.com'), readOnly: on, evidenceSource: null },
    });
    expect(d.action).toBeUndefined();
    expect(d.status.safeMode?.evidenceSnapshot).toBeUndefined();
    expect(d.status.message).toContain('no evidence snapshot');
  });
});

describe('FailoverPlan failover annotation', () => {
  const annotate = (value: string) => ({ 'delivery.latticedb.com/failover': value });

  it('says the region DNS points at as active while validation fails after the switch', () => {
    const switchedRun = {
      from: 'us-east-1',
      to: 'us-west-2',
      direction: 'Failback' as const,
      startedAt: '2026-12-06T11:59:00Z',
      steps: [
        {
          name: 'SwitchDns' as const,
          startedAt: '2026-12-06T11:59:30Z',
          outcome: 'Running' as const,
        },
      ],
    };
    const d = run({
      spec: { activeRegion: 'us-west-2', validation: [{ url: 'https://prod.example.com/h' }] },
      status: {
        activeRegion: 'us-east-1',
        lastFailover: { ...switchedRun, direction: 'Failover' },
      },
      observed: {
        ...world('west.elb.example.com', 4),
        validation: [{ name: 'https://prod.example.com/h', passed: false, message: 'status 503' }],
      },
    });
    expect(d.status.phase).toBe('Degraded');
    expect(d.status.message).toContain('serving from us-west-2');
    // The record already points at us-west-2: status.activeRegion must not still say us-east-1.
    expect(d.status.activeRegion).toBe('us-west-2');
    // Before the switch the serving region is still the old one.
    const before = run({
      spec: { activeRegion: 'us-west-2' },
      status: { activeRegion: 'us-east-1' },
      observed: world('east.elb.example.com', 1),
    });
    expect(before.status.activeRegion).toBe('us-east-1');
  });

  it('says how to fail back, the way the failover was asked for', () => {
    const done = {
      activeRegion: 'us-west-2',
      lastFailover: {
        from: 'us-east-1',
        to: 'us-west-2',
        direction: 'Failover' as const,
        startedAt: '2026-12-06T11:59:00Z',
        completedAt: '2026-12-06T12:00:00Z',
      },
    };
    const byGit = run({
      spec: { activeRegion: 'us-west-2' },
      status: done,
      observed: world('west.elb.example.com', 4),
    });
    expect(byGit.status.phase).toBe('FailedOver');
    expect(byGit.status.message).toContain(
      'primary ready to fail back: set spec.activeRegion: us-east-1',
    );
    const byAnnotation = decide({
      object: { namespace: 'ns', name: 'dr', uid: 'u' },
      spec: SPEC,
      status: {
        ...done,
        requested: {
          region: 'us-west-2',
          value: 'us-west-2',
          specActiveRegion: 'us-east-1',
          at: '2026-12-06T11:59:00Z',
        },
      },
      annotations: { 'delivery.latticedb.com/failover': 'us-west-2' },
      observed: world('west.elb.example.com', 4),
      now: NOW,
      tuning: DEFAULT_TUNING,
    });
    expect(byAnnotation.status.message).toContain(
      'kubectl -n ns annotate failoverplan/dr delivery.latticedb.com/failover=us-east-1 --overwrite',
    );
  });

  it('fails over on the annotation and keeps to it until spec.activeRegion changes', () => {
    const first = decide({
      object: { namespace: 'ns', name: 'dr', uid: 'u' },
      spec: SPEC,
      status: undefined,
      annotations: annotate('us-west-2'),
      observed: world('east.elb.example.com'),
      now: NOW,
      tuning: DEFAULT_TUNING,
    });
    expect(first.action).toMatchObject({ type: 'setDesiredCount' });
    expect(first.status.requested).toMatchObject({
      region: 'us-west-2',
      specActiveRegion: 'us-east-1',
    });
    expect(first.status.lastFailover?.trigger).toContain('annotation');

    // Done (record on the standby); the same annotation and spec: no failback.
    const after = {
      ...first.status,
      activeRegion: 'us-west-2',
      lastFailover: { ...first.status.lastFailover!, completedAt: '2026-12-06T12:01:00Z' },
    };
    const steady = decide({
      object: { namespace: 'ns', name: 'dr', uid: 'u' },
      spec: SPEC,
      status: after,
      annotations: annotate('us-west-2'),
      observed: world('west.elb.example.com', 4),
      now: NOW,
      tuning: DEFAULT_TUNING,
    });
    expect(steady.action).toBeUndefined();
    expect(steady.status.phase).toBe('FailedOver');

    // spec.activeRegion changed since (GitOps): it wins, failback starts.
    const back = decide({
      object: { namespace: 'ns', name: 'dr', uid: 'u' },
      spec: { ...SPEC, activeRegion: 'us-west-2' },
      status: after,
      annotations: annotate('us-west-2'),
      observed: world('west.elb.example.com', 4),
      now: NOW,
      tuning: DEFAULT_TUNING,
    });
    expect(back.status.lastFailover?.completedAt).toBeDefined();
    const gitBack = decide({
      object: { namespace: 'ns', name: 'dr', uid: 'u' },
      spec: { ...SPEC, activeRegion: 'us-east-1' },
      status: { ...after, requested: { ...after.requested!, specActiveRegion: 'us-west-2' } },
      annotations: annotate('us-west-2'),
      observed: world('west.elb.example.com', 4),
      now: NOW,
      tuning: DEFAULT_TUNING,
    });
    expect(gitBack.status.lastFailover).toMatchObject({ direction: 'Failback', to: 'us-east-1' });
  });

  it('ignores a value that names neither region, once, with a Warning', () => {
    const d = decide({
      object: { namespace: 'ns', name: 'dr', uid: 'u' },
      spec: SPEC,
      status: undefined,
      annotations: annotate('eu-west-1'),
      observed: world('east.elb.example.com'),
      now: NOW,
      tuning: DEFAULT_TUNING,
    });
    expect(d.action).toBeUndefined();
    expect(d.events.find((e) => e.reason === 'ActionIgnored')?.message).toContain('eu-west-1');
    expect(d.status.ignoredAnnotation).toBe('eu-west-1');
    const again = decide({
      object: { namespace: 'ns', name: 'dr', uid: 'u' },
      spec: SPEC,
      status: d.status,
      annotations: annotate('eu-west-1'),
      observed: world('east.elb.example.com'),
      now: NOW,
      tuning: DEFAULT_TUNING,
    });
    expect(again.events.find((e) => e.reason === 'ActionIgnored')).toBeUndefined();
  });
});
