// reconcilers/shared/interlock: which FailoverPlan holds what a kind touches — a failover in
// flight holds both services, safe mode them and its read-only flag, and (asked with
// standbyServing) a plan serving from its secondary holds that secondary.
import { describe, expect, it } from 'vitest';
import { KubeApiError, type KubeClient } from '../../../controller/index.js';
import {
  failoverPlanWatch,
  handedBack,
  holdingPlanOf,
  interlockHold,
  involvedIn,
  type Involved,
} from '../../../reconcilers/shared/interlock/index.js';

const PRIMARY = { region: 'us-east-1', cluster: 'c', service: 's' };
const SECONDARY = { region: 'us-west-2', cluster: 'c2', service: 's' };

const kubeWith = (plans: object[]): Pick<KubeClient, 'list'> =>
  ({
    list: () => Promise.resolve({ items: plans }),
  }) as unknown as Pick<KubeClient, 'list'>;

const plan = (status: object, spec: object = {}) => ({
  metadata: { name: 'dr', namespace: 'ns' },
  spec: { primary: PRIMARY, secondary: SECONDARY, ...spec },
  status,
});

describe('interlockHold', () => {
  it('holds both services during a failover, neither after it', async () => {
    const flying = kubeWith([plan({ lastFailover: { from: 'us-east-1', to: 'us-west-2' } })]);
    expect(await interlockHold(flying, 'ns', { services: [PRIMARY] })).toMatchObject({
      plan: 'dr',
    });
    expect((await interlockHold(flying, 'ns', { services: [SECONDARY] }))?.message).toContain(
      'failover us-east-1 → us-west-2 in flight',
    );
    const done = kubeWith([
      plan({ lastFailover: { from: 'a', to: 'b', completedAt: '2026-12-06T12:00:00Z' } }),
    ]);
    expect(await interlockHold(done, 'ns', { services: [PRIMARY] })).toBeUndefined();
  });

  it('holds the read-only flag in safe mode, no other flag', async () => {
    const safe = kubeWith([plan({}, { safeMode: { enabled: true, readOnlyFlag: 'ro' } })]);
    expect(await interlockHold(safe, 'ns', { flags: ['ro'] })).toMatchObject({ plan: 'dr' });
    expect(await interlockHold(safe, 'ns', { flags: ['other'] })).toBeUndefined();
  });

  it('holds the secondary while the plan serves from it, only when asked', async () => {
    const serving = kubeWith([plan({ activeRegion: 'us-west-2' })]);
    expect(await interlockHold(serving, 'ns', { services: [SECONDARY] })).toBeUndefined();
    const hold = await interlockHold(
      serving,
      'ns',
      { services: [SECONDARY] },
      { standbyServing: true },
    );
    expect(hold?.message).toContain('serves from us-west-2');
    expect(
      await interlockHold(serving, 'ns', { services: [PRIMARY] }, { standbyServing: true }),
    ).toBeUndefined();
    const back = kubeWith([plan({ activeRegion: 'us-east-1' })]);
    expect(
      await interlockHold(back, 'ns', { services: [SECONDARY] }, { standbyServing: true }),
    ).toBeUndefined();
  });
});

describe('interlockHold when FailoverPlans cannot be listed', () => {
  const failing = (code: number, reason: string): Pick<KubeClient, 'list'> => ({
    list: () => Promise.reject(new KubeApiError(code, reason, `failoverplans: ${reason}`)),
  });

  it('no FailoverPlan CRD (404): no plan can exist, nothing holds', async () => {
    expect(await interlockHold(failing(404, 'NotFound'), 'ns', { flags: ['f'] })).toBeUndefined();
  });

  it('forbidden (403): holds, saying the interlock is unknown and which permission to grant', async () => {
    const hold = await interlockHold(failing(403, 'Forbidden'), 'ns', { services: [PRIMARY] });
    expect(hold?.message).toContain('FailoverPlans cannot be read (403 forbidden)');
    expect(hold?.message).toContain('failoverplans.delivery.latticedb.com');
  });

  it('anything else is an error of the reconcile (retried)', async () => {
    await expect(interlockHold(failing(500, 'InternalError'), 'ns', {})).rejects.toThrow(
      /InternalError/,
    );
  });
});

describe('failoverPlanWatch', () => {
  const asked: [string, Involved][] = [];
  const watch = failoverPlanWatch((namespace, involved) => {
    asked.push([namespace, involved]);
    return [{ namespace, name: 'woken' }];
  });

  it('wakes, in the plan namespace, what its two services and its read-only flag touch', () => {
    asked.length = 0;
    expect(watch.resource.plural).toBe('failoverplans');
    // A wake-up only (the hold is read from the API): the kind does not wait for its cache.
    expect(watch.optional).toBe(true);
    expect(watch.mapToRequests(plan({}))).toEqual([{ namespace: 'ns', name: 'woken' }]);
    expect(asked).toEqual([['ns', { services: [PRIMARY, SECONDARY], flags: ['read_only_mode'] }]]);
  });

  it('names the flag as recorded and as declared while they differ', () => {
    const edited = plan({ safeMode: { flag: 'ro' } }, { safeMode: { readOnlyFlag: 'ro2' } });
    expect(involvedIn(edited).flags).toEqual(['ro', 'ro2']);
    const same = plan({ safeMode: { flag: 'ro' } }, { safeMode: { readOnlyFlag: 'ro' } });
    expect(involvedIn(same).flags).toEqual(['ro']);
  });
});

describe('handedBack', () => {
  const held = 'held by FailoverPlan dr: safe mode (data corruption) on: holding at step 0';

  it('names the plan of a held message, and nothing else', () => {
    expect(holdingPlanOf(held)).toBe('dr');
    expect(holdingPlanOf('held by a FailoverPlan')).toBeUndefined();
    expect(holdingPlanOf(undefined)).toBeUndefined();
  });

  it('is a flag the holding plan turned off under its own name', () => {
    const off = { enabled: false, updatedBy: 'controller:ns/dr' };
    expect(handedBack(off, 'ns', held)).toBe(true);
    // Left on (the plan deleted during safe mode): a person decides, not handed back.
    expect(handedBack({ ...off, enabled: true }, 'ns', held)).toBe(false);
    // Another writer, another namespace's plan, or no hold: not handed back.
    expect(handedBack({ ...off, updatedBy: 'controller:ns/other' }, 'ns', held)).toBe(false);
    expect(handedBack({ ...off, updatedBy: 'cli:alice' }, 'ns', held)).toBe(false);
    expect(handedBack(off, 'other-ns', held)).toBe(false);
    expect(handedBack(off, 'ns', undefined)).toBe(false);
    expect(handedBack(undefined, 'ns', held)).toBe(false);
  });
});
