// observe: how old an Application Auto Scaling read may be. A steady policy unchanged since its
// last observe (a resync) may take the period's snapshot; a changed object (a nudge, a spec edit)
// or a policy that is not steady reads afresh, so drift is found at once when asked.
import { describe, expect, it } from 'vitest';
import { observe, SeenVersions } from '../../../reconcilers/scalepolicy/observe.js';
import { DEFAULT_TUNING } from '../../../reconcilers/scalepolicy/plan/index.js';
import type {
  ScalePolicyObject,
  ScalePolicyPorts,
} from '../../../reconcilers/scalepolicy/ports.js';
import type { AutoscalingPort } from '../../../reconcilers/shared/ports/autoscaling.js';
import type { ServiceState } from '../../../reconcilers/shared/ports/ecs.js';

const ref = { region: 'us-east-1', cluster: 'c', service: 's' };

function ports(ages: number[]): ScalePolicyPorts {
  const record = (opts?: { maxAgeMs?: number }) => ages.push(opts?.maxAgeMs ?? 0);
  const autoscaling: AutoscalingPort = {
    describeTarget: (_r, _id, opts) => (record(opts), Promise.resolve(undefined)),
    describePolicies: (_r, _id, opts) => (record(opts), Promise.resolve([])),
    describeScheduledActions: (_r, _id, opts) => (record(opts), Promise.resolve([])),
    registerTarget: () => Promise.resolve(),
    deregisterTarget: () => Promise.resolve(),
    putTargetTrackingPolicy: () => Promise.resolve(),
    deletePolicy: () => Promise.resolve(),
    putScheduledAction: () => Promise.resolve(),
    deleteScheduledAction: () => Promise.resolve(),
  };
  const service = { ref, desiredCount: 3, runningCount: 3, pendingCount: 0 } as ServiceState;
  return {
    ecs: {
      describeService: () => Promise.resolve(service),
      setDesiredCount: () => Promise.resolve(),
    },
    autoscaling,
    metrics: { query: () => Promise.reject(new Error('not read')) },
    releases: () => Promise.resolve([]),
    failoverHold: () => Promise.resolve(undefined),
  };
}

const policy = (
  generation: number,
  phase: string,
  annotations: Record<string, string> = {},
): ScalePolicyObject =>
  ({
    metadata: { namespace: 'ns', name: 'p', uid: 'u1', generation, annotations },
    spec: { target: ref, autoscaling: { minCapacity: 3, maxCapacity: 10 } },
    status: { phase },
  }) as unknown as ScalePolicyObject;

const io = { now: new Date('2026-12-01T00:00:00Z'), signal: new AbortController().signal };

describe('ScalePolicy observe: Application Auto Scaling read age', () => {
  it('a resync of an unchanged steady policy may use a snapshot up to one period old', async () => {
    const ages: number[] = [];
    const seen = new SeenVersions();
    const p = ports(ages);
    await observe(policy(1, 'Stable'), p, DEFAULT_TUNING, io, seen);
    expect(ages).toEqual([0, 0, 0]); // first sight: fresh
    ages.length = 0;
    await observe(policy(1, 'Stable'), p, DEFAULT_TUNING, io, seen);
    expect(ages).toEqual(Array(3).fill(DEFAULT_TUNING.resyncMs));
  });

  it('a nudge (annotation) reads afresh; a status write alone does not count as a change', async () => {
    const ages: number[] = [];
    const seen = new SeenVersions();
    const p = ports(ages);
    await observe(policy(1, 'Stable'), p, DEFAULT_TUNING, io, seen);
    ages.length = 0;
    await observe(policy(1, 'Stable', { nudge: '1' }), p, DEFAULT_TUNING, io, seen);
    expect(ages).toEqual([0, 0, 0]);
  });

  it('a spec change (new generation) reads afresh', async () => {
    const ages: number[] = [];
    const seen = new SeenVersions();
    const p = ports(ages);
    await observe(policy(1, 'Stable'), p, DEFAULT_TUNING, io, seen);
    ages.length = 0;
    await observe(policy(2, 'Stable'), p, DEFAULT_TUNING, io, seen);
    expect(ages).toEqual([0, 0, 0]);
  });

  it('a policy that is not steady always reads afresh', async () => {
    const ages: number[] = [];
    const seen = new SeenVersions();
    const p = ports(ages);
    await observe(policy(1, 'Scaling'), p, DEFAULT_TUNING, io, seen);
    await observe(policy(1, 'Scaling'), p, DEFAULT_TUNING, io, seen);
    expect(ages).toEqual(Array(6).fill(0));
  });
});
