// Argo CD and Flux against the real controller: each kind is driven on the real apiserver (moto,
// Redis) into the states people see — mid-canary, paused, awaiting approval, aborted, rolled back,
// stalled, healthy — and every state is (1) judged by the shipped health.lua (gopher-lua) and the
// documented healthCheckExprs (cel-go) and (2) captured as a fixture (written to
// test/gitops/fixtures/ with LATTICEDB_WRITE_GITOPS_FIXTURES=true: `npm run gitops:fixtures`).
// Every shipped resource action is run as Argo CD runs it — the script's returned object becomes
// a merge patch of the live object — and the controller is shown acting on it.
import { writeFileSync } from 'node:fs';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { FailoverPlanKind } from '../../../reconcilers/failoverplan/api.js';
import { FlagRolloutKind } from '../../../reconcilers/flagrollout/api.js';
import { setupFailoverPlan } from '../../../reconcilers/failoverplan/setup.js';
import { ReleaseKind } from '../../../reconcilers/release/api.js';
import { createTestNamespace } from '../../env/fixtures.js';
import {
  installControllerCrd,
  startInProcessController,
  type RunningController,
} from '../../fixtures/in-process-controller.js';
import { kindObjects, type KindObjects } from '../../fixtures/kind-objects.js';
import { EXPECTED, FIXTURE_DIR, type FixtureName } from '../../gitops/expected.js';
import {
  argoAction,
  argoDiscovery,
  argoHealth,
  fluxHealth,
  mergePatch,
  type KubeObject,
  type LatticeKind,
} from '../../gitops/harness.js';
import {
  createRollout,
  errorRateAnalysis as rolloutErrorRate,
  putErrorRate as putRolloutErrorRate,
  rawRedis,
  startController as startRolloutController,
  uniqueFlag,
  installCrd as installRolloutCrd,
} from '../flagrollout/support.js';
import { blueGreenSpec, canarySpec, seedWorld } from '../release/scenario.js';
import {
  createRelease,
  errorRateAnalysis,
  installCrd as installReleaseCrd,
  putErrorRate,
  startController as startReleaseController,
} from '../release/support.js';

type Obj = KubeObject & { status?: Record<string, unknown> & { phase?: string } };
const releases = kindObjects<Obj>(ReleaseKind);
const plans = kindObjects<Obj>(FailoverPlanKind);
const rollouts = kindObjects<Obj>(FlagRolloutKind);

const captured = new Map<FixtureName, KubeObject>();
const controllers: RunningController[] = [];

beforeAll(async () => {
  await installReleaseCrd();
  await installRolloutCrd();
  await installControllerCrd(
    new URL('../../../crds/failoverplans.delivery.latticedb.com.yaml', import.meta.url),
  );
});

afterEach(async () => {
  for (const c of controllers.splice(0)) await c.stop();
});

afterAll(() => {
  if (process.env.LATTICEDB_WRITE_GITOPS_FIXTURES !== 'true') return;
  for (const [name, obj] of captured) {
    writeFileSync(new URL(`${name}.json`, FIXTURE_DIR), `${JSON.stringify(obj, null, 2)}\n`);
  }
});

/** The object as Argo CD and Flux see it, minus managedFields (noise in a fixture). */
function scrub(obj: KubeObject): KubeObject {
  const metadata = { ...(obj.metadata as Record<string, unknown>) };
  delete metadata.managedFields;
  return { ...obj, metadata };
}

/** Checks both tools' verdict on the live object and keeps it as the fixture `name`. */
/** The current attempt's timed pause end (a Release status). */
const nextStepAt = (st: Record<string, unknown>): unknown =>
  (st.attempt as { nextStepAt?: string } | undefined)?.nextStepAt;

function capture(name: FixtureName, obj: KubeObject): void {
  const expected = EXPECTED[name];
  const clean = scrub(obj);
  expect(argoHealth(expected.kind, [clean])[0]?.status, `Argo CD health of ${name}`).toBe(
    expected.argo,
  );
  expect(fluxHealth(expected.kind, [clean])[0], `Flux health of ${name}`).toBe(expected.flux);
  captured.set(name, clean);
}

/** Runs an Argo CD resource action on the live object; returns the merge patch it sent. */
async function runAction(
  kind: LatticeKind,
  objects: KindObjects<Obj>,
  ns: string,
  name: string,
  action: string,
): Promise<Record<string, unknown>> {
  const live = await objects.get(ns, name);
  expect(argoDiscovery(kind, live)[action], `${action} offered`).toBe(true);
  const patch = mergePatch(live, argoAction(kind, action, live)) as Record<string, unknown>;
  await objects.mergePatch(ns, name, patch);
  return patch;
}

const annotation = (patch: Record<string, unknown>, action: string) =>
  (patch.metadata as { annotations?: Record<string, string> } | undefined)?.annotations?.[
    `delivery.latticedb.com/${action}`
  ];

const waitPhase = (objects: KindObjects<Obj>, ns: string, name: string, phases: string[]) =>
  objects.waitForStatus(ns, name, (s) => phases.includes(s.phase ?? ''), {
    timeoutMs: 90_000,
    message: `${name} to reach ${phases.join('/')}`,
  });

const live = (objects: KindObjects<Obj>, ns: string, name: string) => objects.get(ns, name);

describe('Release: health in Argo CD and Flux, and the Argo CD actions', () => {
  it('canary: mid-canary, promote, paused, abort, retry, promote twice more, healthy, rollback', async () => {
    const s = await seedWorld();
    const ns = await createTestNamespace('gitops-rel');
    controllers.push(await startReleaseController(ns));
    await createRelease(
      ns,
      'ldb',
      canarySpec(s, {
        steps: [{ setWeight: 20 }, { pause: { duration: '1h' } }, { setWeight: 50 }, { pause: {} }],
      }),
    );
    await releases.waitForStatus(
      ns,
      'ldb',
      (st) => st.phase === 'Progressing' && st.currentWeight === 20 && nextStepAt(st) !== undefined,
      { timeoutMs: 90_000, message: 'the canary at 20 % in its timed pause' },
    );
    capture('release-mid-canary', await live(releases, ns, 'ldb'));

    // promote skips the timed pause; the canary goes on to 50 % and the pause without duration.
    expect(annotation(await runAction('Release', releases, ns, 'ldb', 'promote'), 'promote')).toBe(
      '1',
    );
    const paused = await waitPhase(releases, ns, 'ldb', ['Paused']);
    expect(paused.currentWeight).toBe(50);
    const pausedObj = await live(releases, ns, 'ldb');
    capture('release-paused', pausedObj);
    expect(argoDiscovery('Release', pausedObj)).toMatchObject({
      promote: true,
      abort: true,
      approve: false,
      retry: false,
    });

    expect(annotation(await runAction('Release', releases, ns, 'ldb', 'abort'), 'abort')).toBe('1');
    await waitPhase(releases, ns, 'ldb', ['Aborted']);
    const aborted = await live(releases, ns, 'ldb');
    capture('release-aborted', aborted);
    expect(argoDiscovery('Release', aborted)).toMatchObject({ retry: true, promote: false });

    // retry restarts revision 1; its promote=1 was used, so the action picks 1.2, then 1.3.
    expect(annotation(await runAction('Release', releases, ns, 'ldb', 'retry'), 'retry')).toBe('1');
    await releases.waitForStatus(
      ns,
      'ldb',
      (st) => st.currentWeight === 20 && nextStepAt(st) !== undefined && st.phase === 'Progressing',
      { timeoutMs: 90_000, message: 'the retried canary in its timed pause' },
    );
    expect(annotation(await runAction('Release', releases, ns, 'ldb', 'promote'), 'promote')).toBe(
      '1.2',
    );
    await waitPhase(releases, ns, 'ldb', ['Paused']);
    expect(annotation(await runAction('Release', releases, ns, 'ldb', 'promote'), 'promote')).toBe(
      '1.3',
    );
    await releases.waitForStatus(
      ns,
      'ldb',
      (st) => st.phase === 'Healthy' && st.retiring === undefined,
      { timeoutMs: 90_000, message: 'revision 1 healthy' },
    );
    capture('release-healthy', await live(releases, ns, 'ldb'));

    // rollback on a healthy revision: revision 2 = the previous stable task definition, pinned.
    expect(
      annotation(await runAction('Release', releases, ns, 'ldb', 'rollback'), 'rollback'),
    ).toBe('1');
    const back = await releases.waitForStatus(
      ns,
      'ldb',
      (st) =>
        st.phase === 'Healthy' &&
        (st.revision as { number?: number } | undefined)?.number === 2 &&
        st.pinnedSpecHash !== undefined,
      { timeoutMs: 90_000, message: 'the rollback to the previous stable revision' },
    );
    expect((back.attempt as { outcome?: string } | undefined)?.outcome).toBe('Succeeded');

    // A spec the controller has not seen yet is Progressing / InProgress, whatever status says.
    for (const c of controllers.splice(0)) await c.stop();
    await releases.mergePatch(ns, 'ldb', { spec: { suspend: true } });
    capture('release-spec-not-yet-observed', await live(releases, ns, 'ldb'));
  });

  it('blue/green awaiting approval, then approve', async () => {
    const s = await seedWorld();
    const ns = await createTestNamespace('gitops-bg');
    controllers.push(await startReleaseController(ns));
    await createRelease(ns, 'ldb', blueGreenSpec(s, { approval: 'Required' }));
    await waitPhase(releases, ns, 'ldb', ['AwaitingApproval']);
    const waiting = await live(releases, ns, 'ldb');
    capture('release-awaiting-approval', waiting);
    expect(argoDiscovery('Release', waiting)).toMatchObject({ approve: true });
    expect(annotation(await runAction('Release', releases, ns, 'ldb', 'approve'), 'approve')).toBe(
      '1',
    );
    const done = await waitPhase(releases, ns, 'ldb', ['Healthy']);
    expect((done.actions as Record<string, string> | undefined)?.approve).toBe('1');
  });

  it('rolled back by a failed analysis', async () => {
    const s = await seedWorld();
    const ns = await createTestNamespace('gitops-rb');
    let errors = 0;
    const feeder = setInterval(() => void putErrorRate(ns, errors).catch(() => undefined), 250);
    try {
      await putErrorRate(ns, 0);
      controllers.push(await startReleaseController(ns));
      await createRelease(
        ns,
        'ldb',
        canarySpec(
          s,
          { initialWeight: 5, stepWeight: 10, stepInterval: '1s' },
          { analysis: errorRateAnalysis(ns) },
        ),
      );
      await releases.waitForStatus(
        ns,
        'ldb',
        (st) => ((st.currentWeight as number | undefined) ?? 0) >= 15,
        {
          timeoutMs: 90_000,
          message: 'the canary at 15 %',
        },
      );
      errors = 7;
      await waitPhase(releases, ns, 'ldb', ['RolledBack']);
    } finally {
      clearInterval(feeder);
    }
    capture('release-rolled-back', await live(releases, ns, 'ldb'));
  });

  it('stalled: the service does not exist', async () => {
    const s = await seedWorld();
    const ns = await createTestNamespace('gitops-st');
    controllers.push(await startReleaseController(ns));
    const spec = canarySpec(s, { steps: [{ setWeight: 100 }] });
    await createRelease(ns, 'ldb', { ...spec, target: { ...spec.target, service: 'no-such-svc' } });
    await releases.waitForStatus(
      ns,
      'ldb',
      (st) =>
        ((st.conditions as { type: string; status: string }[] | undefined) ?? []).some(
          (c) => c.type === 'Stalled' && c.status === 'True',
        ),
      { timeoutMs: 90_000, message: 'Stalled' },
    );
    capture('release-stalled', await live(releases, ns, 'ldb'));
  });
});

describe('FlagRollout: health in Argo CD and Flux, and the Argo CD actions', () => {
  it('holding, pause, resume, disable, enable, kill switch', async () => {
    const ns = await createTestNamespace('gitops-fr');
    controllers.push(startRolloutController(ns));
    const flag = uniqueFlag('gitops');
    const group = uniqueFlag('exp').replace('_', '-');
    await createRollout(ns, 'ramp', {
      flag,
      killSwitch: group,
      steps: [{ percentage: 0, hold: '1h' }, { percentage: 100 }],
    });
    await waitPhase(rollouts, ns, 'ramp', ['Holding']);
    capture('flagrollout-holding', await live(rollouts, ns, 'ramp'));

    await runAction('FlagRollout', rollouts, ns, 'ramp', 'pause');
    await waitPhase(rollouts, ns, 'ramp', ['Paused']);
    capture('flagrollout-paused', await live(rollouts, ns, 'ramp'));
    await runAction('FlagRollout', rollouts, ns, 'ramp', 'resume');
    await waitPhase(rollouts, ns, 'ramp', ['Holding']);

    const redis = rawRedis();
    try {
      await runAction('FlagRollout', rollouts, ns, 'ramp', 'disable');
      await waitPhase(rollouts, ns, 'ramp', ['Disabled']);
      expect(await redis.hget(`latticedb:flags:${flag}`, 'enabled')).toBe('0');
      capture('flagrollout-disabled', await live(rollouts, ns, 'ramp'));
      await runAction('FlagRollout', rollouts, ns, 'ramp', 'enable');
      await waitPhase(rollouts, ns, 'ramp', ['Holding']);
      expect(await redis.hget(`latticedb:flags:${flag}`, 'enabled')).toBe('1');

      await redis.set(`latticedb:flags:kill_switch:${group}`, '1');
      await waitPhase(rollouts, ns, 'ramp', ['KilledBySwitch']);
      capture('flagrollout-killed', await live(rollouts, ns, 'ramp'));
      await redis.del(`latticedb:flags:kill_switch:${group}`);
    } finally {
      await redis.quit();
    }
  });

  it('complete, and rolled back by a failed analysis', async () => {
    const ns = await createTestNamespace('gitops-fr2');
    controllers.push(startRolloutController(ns));
    await createRollout(ns, 'done', {
      flag: uniqueFlag('gitops_done'),
      steps: [{ percentage: 0, hold: '1s' }, { percentage: 100 }],
    });
    await waitPhase(rollouts, ns, 'done', ['Complete']);
    capture('flagrollout-complete', await live(rollouts, ns, 'done'));

    const name = `${ns}-bad`;
    await putRolloutErrorRate(name, 10);
    await createRollout(ns, 'bad', {
      flag: uniqueFlag('gitops_bad'),
      analysis: rolloutErrorRate(name),
      steps: [{ percentage: 5, hold: '30s' }, { percentage: 100 }],
    });
    await waitPhase(rollouts, ns, 'bad', ['RolledBack']);
    capture('flagrollout-rolled-back', await live(rollouts, ns, 'bad'));
  });
});

describe('FailoverPlan: health in Argo CD and Flux, and the Argo CD actions', () => {
  it('a plan whose standby is missing is Degraded; failover and failback change activeRegion and the controller observes them', async () => {
    const ns = await createTestNamespace('gitops-fp');
    controllers.push(startInProcessController(ns, setupFailoverPlan));
    await plans.create(ns, 'dr', {
      primary: { region: 'us-east-1', cluster: 'prod', service: 'svc' },
      secondary: { region: 'us-west-2', cluster: 'prod-west', service: 'svc' },
      dns: {
        hostedZoneId: 'Z0123456789ABCDEFGHIJ',
        recordName: 'prod.latticedb.com',
        primaryValue: 'east.elb.amazonaws.com',
        secondaryValue: 'west.elb.amazonaws.com',
      },
      activeRegion: 'us-east-1',
    });
    await plans.waitForStatus(ns, 'dr', (st) => st.observedGeneration === 1, {
      timeoutMs: 60_000,
      message: 'generation 1 observed',
    });
    capture('failoverplan-standby-not-ready', await live(plans, ns, 'dr'));

    await runAction('FailoverPlan', plans, ns, 'dr', 'failover');
    await plans.waitForStatus(ns, 'dr', (st) => st.observedGeneration === 2, {
      timeoutMs: 60_000,
      message: 'the failover request observed',
    });
    const over = await live(plans, ns, 'dr');
    expect((over.spec as { activeRegion: string }).activeRegion).toBe('us-west-2');
    expect(argoDiscovery('FailoverPlan', over)).toEqual({ failover: false, failback: true });
    await runAction('FailoverPlan', plans, ns, 'dr', 'failback');
    await plans.waitForStatus(ns, 'dr', (st) => st.observedGeneration === 3, {
      timeoutMs: 60_000,
      message: 'the failback request observed',
    });
    expect(((await live(plans, ns, 'dr')).spec as { activeRegion: string }).activeRegion).toBe(
      'us-east-1',
    );
  });
});
