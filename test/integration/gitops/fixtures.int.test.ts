// The shipped Argo CD scripts (gopher-lua) and Flux healthCheckExprs (cel-go) on the objects the
// controller wrote in each state, as captured by capture.int.test.ts into test/gitops/fixtures/.
// Needs no cluster, only the Go harness (built on first use, like the control plane).
import { describe, expect, it } from 'vitest';
import { EXPECTED, readFixture, type FixtureName } from '../../gitops/expected.js';
import {
  actionNames,
  argoAction,
  argoDiscovery,
  argoHealth,
  fluxHealth,
  mergePatch,
  type KubeObject,
} from '../../gitops/harness.js';

const names = Object.keys(EXPECTED) as FixtureName[];

describe('health of the captured objects', () => {
  it.each(names)('%s', (name) => {
    const { kind, argo, flux } = EXPECTED[name];
    const obj = readFixture(name);
    const [health] = argoHealth(kind, [obj]);
    expect(health?.status).toBe(argo);
    expect(health?.message).not.toBe('');
    expect(fluxHealth(kind, [obj])).toEqual([flux]);
  });

  it('Degraded names the cause the controller wrote', () => {
    expect(argoHealth('Release', [readFixture('release-rolled-back')])[0]?.message).toMatch(
      /^RolledBack: .*analysis/i,
    );
    expect(argoHealth('Release', [readFixture('release-stalled')])[0]?.message).toMatch(
      /no-such-svc|not found/i,
    );
  });
});

describe('resource actions change only what they are for', () => {
  const releaseFixtures = names.filter((n) => EXPECTED[n].kind === 'Release');

  it.each(releaseFixtures)('Release actions on %s set one annotation each', (name) => {
    const obj = readFixture(name);
    const status = obj.status as {
      revision?: { number: number };
      actions?: Record<string, string>;
    };
    for (const action of actionNames('Release')) {
      if (status.revision === undefined) {
        expect(() => argoAction('Release', action, obj)).toThrow(/no revision/);
        continue;
      }
      const patch = mergePatch(obj, argoAction('Release', action, obj));
      const n = String(status.revision.number);
      // as the controller's own hint (plan/action-values.ts): n, then n.2, n.3, …
      const [rev, suffix] = (status.actions?.[action] ?? '').split('.');
      const value = rev !== n ? n : suffix === undefined ? `${n}.2` : `${n}.${Number(suffix) + 1}`;
      expect(patch, `${action} on ${name}`).toEqual({
        metadata: { annotations: { [`delivery.latticedb.com/${action}`]: value } },
      });
    }
  });

  it('FlagRollout and FailoverPlan actions patch one spec field', () => {
    const holding = readFixture('flagrollout-holding');
    const expected: Record<string, object> = {
      pause: { suspend: true },
      resume: { suspend: false },
      disable: { enabled: false },
      enable: { enabled: true },
    };
    expect(actionNames('FlagRollout')).toEqual(Object.keys(expected).sort());
    for (const [action, spec] of Object.entries(expected)) {
      const patch = mergePatch(holding, argoAction('FlagRollout', action, holding)) as KubeObject;
      // enable/resume on a rollout that has the field at its default still write it explicitly
      if (Object.keys(patch).length > 0) expect(patch).toEqual({ spec });
    }
    const plan = readFixture('failoverplan-standby-not-ready');
    expect(mergePatch(plan, argoAction('FailoverPlan', 'failover', plan))).toEqual({
      spec: { activeRegion: 'us-west-2' },
    });
    expect(argoDiscovery('FailoverPlan', plan)).toEqual({ failover: true, failback: false });
  });

  it('discovery offers what the state allows', () => {
    expect(argoDiscovery('Release', readFixture('release-awaiting-approval'))).toMatchObject({
      approve: true,
      promote: true,
      retry: false,
    });
    // A status written before status.attempt (not reconciled since the upgrade): the same offer.
    const waiting = readFixture('release-awaiting-approval');
    const { attempt, ...rest } = waiting.status as Record<string, unknown>;
    const legacy = { ...waiting, status: { ...rest, ...(attempt as object) } };
    expect(argoDiscovery('Release', legacy)).toEqual(argoDiscovery('Release', waiting));
    expect(argoDiscovery('Release', readFixture('release-rolled-back'))).toMatchObject({
      approve: false,
      promote: false,
      abort: false,
      retry: true,
    });
    expect(argoDiscovery('Release', readFixture('release-healthy'))).toMatchObject({
      promote: false,
      abort: false,
      retry: false,
      rollback: true,
    });
    expect(argoDiscovery('FlagRollout', readFixture('flagrollout-paused'))).toMatchObject({
      pause: false,
      resume: true,
    });
    expect(argoDiscovery('FlagRollout', readFixture('flagrollout-disabled'))).toMatchObject({
      disable: false,
      enable: true,
    });
  });
});
