// setup.ts failoverInterlock: the rollouts that asked about a flag's hold are the ones a change of
// a FailoverPlan whose read-only flag that is wakes (in the plan's namespace only).
import { describe, expect, it } from 'vitest';
import type { KubeClient } from '../../../controller/index.js';
import type { RolloutObject } from '../../../reconcilers/flagrollout/ports.js';
import { failoverInterlock } from '../../../reconcilers/flagrollout/setup.js';
import { rolloutSpec } from './support/fixtures.js';

const safeMode = {
  metadata: { name: 'dr', namespace: 'prod' },
  spec: { safeMode: { enabled: true, readOnlyFlag: 'read_only_mode' } },
};
const noPlans = {
  list: () => Promise.resolve({ items: [] }),
} as unknown as Pick<KubeClient, 'list'>;
const kube = {
  list: () => Promise.resolve({ items: [safeMode] }),
} as unknown as Pick<KubeClient, 'list'>;

const rollout = (namespace: string, name: string, flag: string): RolloutObject => ({
  apiVersion: 'delivery.latticedb.com/v1alpha1',
  kind: 'FlagRollout',
  metadata: { namespace, name },
  spec: rolloutSpec({ flag }),
});

describe('FlagRollout failoverInterlock', () => {
  it('wakes the rollouts of the plan flag that asked, in its namespace', async () => {
    const interlock = failoverInterlock(noPlans);
    expect(interlock.watch.mapToRequests(safeMode)).toEqual([]);
    expect(await interlock.failoverHold(rollout('prod', 'a', 'read_only_mode'))).toBeUndefined();
    await interlock.failoverHold(rollout('prod', 'b', 'read_only_mode'));
    await interlock.failoverHold(rollout('prod', 'c', 'checkout_v2'));
    await interlock.failoverHold(rollout('staging', 'd', 'read_only_mode'));
    expect(interlock.watch.mapToRequests(safeMode)).toEqual([
      { namespace: 'prod', name: 'a' },
      { namespace: 'prod', name: 'b' },
    ]);
  });

  it('answers the hold of the rollout flag', async () => {
    const interlock = failoverInterlock(kube);
    expect(await interlock.failoverHold(rollout('prod', 'a', 'read_only_mode'))).toMatchObject({
      plan: 'dr',
    });
    expect(await interlock.failoverHold(rollout('prod', 'c', 'checkout_v2'))).toBeUndefined();
  });
});
