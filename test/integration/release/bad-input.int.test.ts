// Bad input on the real apiserver + moto, the controller's AWS traffic counted at the fault proxy:
// what the CRD can judge is refused at admission with the field named; what needs the world
// (a container missing from the task definition, a strategy the service's deployment controller
// cannot run, an image not in ECR, a service that does not exist) or a cross-field rule the CRD
// does not carry (an ARN in another region) ends as Failed / InvalidSpec with a message naming
// the cause — and in every case the controller makes no AWS write.
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { CustomObjectsApi } from '@kubernetes/client-node';
import {
  ReleaseKind,
  type ReleaseSpec,
  type ReleaseStatus,
} from '../../../reconcilers/release/api.js';
import {
  adminKubeConfig,
  apiStatus,
  createTestNamespace,
  kubectl,
  waitFor,
} from '../../env/fixtures.js';
import { tableRow } from '../../env/kubectl-table.js';
import type { SeededLatticeDb } from '../../fixtures/moto/seed.js';
import {
  annotateRelease,
  createRelease,
  getRelease,
  installCrd,
  waitForRelease,
} from './support.js';
import {
  canarySpec,
  imageOf,
  listenerShares,
  motoService,
  NEW_TAG,
  patchReleaseSpec,
  seedWorld,
  sleep,
  startProxiedController,
  type ProxiedController,
} from './scenario.js';

let running: ProxiedController | undefined;

beforeAll(async () => {
  await installCrd();
});

afterEach(async () => {
  await running?.stop();
  running = undefined;
});

const condition = (status: ReleaseStatus, type: string) =>
  status.conditions?.find((c) => c.type === type);

/** `kubectl get release <name>` as the operator sees it: column name → cell (empty cells too). */
async function getRow(namespace: string, name: string): Promise<Record<string, string>> {
  const { stdout } = await kubectl(['get', 'release', name, '-n', namespace]);
  return tableRow(stdout);
}

/** The Events of one object, as `kubectl get events` lists them: "<type> <reason>" each. */
async function eventsOf(namespace: string, name: string): Promise<string[]> {
  const { stdout } = await kubectl([
    'get',
    'events',
    '-n',
    namespace,
    '--field-selector',
    `involvedObject.name=${name}`,
    '-o',
    'jsonpath={range .items[*]}{.type} {.reason}{"\\n"}{end}',
  ]);
  return stdout.trim().split('\n');
}

/** A valid canary spec to break one field of. */
const base = (s: SeededLatticeDb): ReleaseSpec =>
  canarySpec(s, { steps: [{ setWeight: 10 }, { pause: { duration: '1s' } }, { setWeight: 50 }] });

const withCanary = (
  s: SeededLatticeDb,
  canary: Partial<NonNullable<ReleaseSpec['strategy']['canary']>>,
): ReleaseSpec => {
  const spec = base(s);
  const current = spec.strategy.canary;
  if (current === undefined) throw new Error('base spec is a canary');
  return { ...spec, strategy: { canary: { ...current, ...canary } } };
};

interface RefusedCase {
  readonly name: string;
  readonly spec: (s: SeededLatticeDb) => ReleaseSpec;
  /** The field and the reason the apiserver must name. */
  readonly message: RegExp;
}

const REFUSED: readonly RefusedCase[] = [
  {
    name: 'two strategies',
    spec: (s) => {
      const spec = base(s);
      return { ...spec, strategy: { ...spec.strategy, rolling: {} } };
    },
    message:
      /spec\.strategy: Invalid value: .*exactly one of canary, blueGreen, rolling must be set/,
  },
  {
    name: 'a setWeight above 100',
    spec: (s) => withCanary(s, { steps: [{ setWeight: 10 }, { setWeight: 101 }] }),
    message:
      /spec\.strategy\.canary\.steps\[1\]\.setWeight: Invalid value: 101: .*less than or equal to 100/,
  },
  {
    name: 'shorthand weights above 100',
    spec: (s) =>
      withCanary(s, { steps: undefined, initialWeight: 150, stepWeight: 10, stepInterval: '1s' }),
    message:
      /spec\.strategy\.canary\.initialWeight: Invalid value: 150: .*less than or equal to 100/,
  },
  {
    name: 'a negative pause',
    spec: (s) => withCanary(s, { steps: [{ setWeight: 10 }, { pause: { duration: '-30s' } }] }),
    message:
      /spec\.strategy\.canary\.steps\[1\]\.pause\.duration: Invalid value: "-30s": .*should match/,
  },
  {
    name: 'weights going down',
    spec: (s) => withCanary(s, { steps: [{ setWeight: 50 }, { setWeight: 20 }] }),
    message: /spec\.strategy\.canary\.steps: Invalid value: .*setWeight values must not decrease/,
  },
  {
    name: 'a pre-flight skip without a reason',
    spec: (s) => ({ ...base(s), checks: { preflight: { skip: { reason: '   ' } } } }),
    message:
      /spec\.checks\.preflight\.skip\.reason: Invalid value: .*a reason is required to skip pre-flight checks/,
  },
];

const { group, version, plural } = ReleaseKind;
const custom = () => adminKubeConfig().makeApiClient(CustomObjectsApi);

/** Admission only: the apiserver validates and persists nothing. */
async function admitDryRun(namespace: string, spec: ReleaseSpec): Promise<void> {
  await custom().createNamespacedCustomObject({
    group,
    version,
    namespace,
    plural,
    dryRun: 'All',
    body: { apiVersion: `${group}/${version}`, kind: 'Release', metadata: { name: 'good' }, spec },
  });
}

/** Only writes count: the controller may (and does) read to decide. */
const writes = (p: ProxiedController) => p.proxy.count({ reads: false });

describe('Release bad input', () => {
  it('refuses at admission, naming the field: two strategies, weights above 100, a negative pause, decreasing weights, a skip without reason', async () => {
    const s = await seedWorld();
    const ns = await createTestNamespace('rel-refused');
    running = await startProxiedController(ns);
    for (const [i, c] of REFUSED.entries()) {
      const error = await createRelease(ns, `bad-${i}`, c.spec(s)).then(
        () => undefined,
        (err: unknown) => err,
      );
      const status = apiStatus(error);
      expect(status, c.name).toMatchObject({ code: 422, reason: 'Invalid' });
      expect(status.message, c.name).toMatch(c.message);
    }
    // The unbroken spec is admitted (server-side dry run): each refusal is its broken field's.
    await admitDryRun(ns, base(s));
    const { items } = (await custom().listNamespacedCustomObject({
      group,
      version,
      plural,
      namespace: ns,
    })) as {
      items: unknown[];
    };
    expect(items).toHaveLength(0);
    await sleep(500);
    expect(writes(running)).toBe(0);
  });

  interface RuntimeCase {
    readonly name: string;
    readonly spec: (s: SeededLatticeDb) => ReleaseSpec;
    readonly settled: (st: ReleaseStatus) => boolean;
    readonly check: (st: ReleaseStatus, s: SeededLatticeDb) => void;
    /** The controller reads the service before deciding (not so for a spec it rejects). */
    readonly observes: boolean;
    /** TagResource calls: 1 when the service exists (the claim is a Release's first action). */
    readonly claims?: number;
  }

  const preflightFailed =
    (message: RegExp) =>
    (st: ReleaseStatus): void => {
      expect(st.phase).toBe('Failed');
      expect(st.attempt?.rollback).toMatchObject({ outcome: 'Failed', reason: 'PreflightFailed' });
      expect(st.attempt?.rollback?.message).toMatch(message);
      expect(condition(st, 'PreflightPassed')).toMatchObject({
        status: 'False',
        reason: 'PreflightFailed',
      });
      expect(condition(st, 'Stalled')).toMatchObject({ status: 'True', reason: 'PreflightFailed' });
    };

  const RUNTIME: readonly RuntimeCase[] = [
    {
      name: 'a container the task definition does not have',
      claims: 1,
      spec: (s) => ({ ...base(s), target: { ...base(s).target, container: 'latticedb-typo' } }),
      settled: (st) => st.phase === 'Failed',
      check: preflightFailed(
        /container: container latticedb-typo is not in the task definition \(it has latticedb, envoy\)/,
      ),
      observes: true,
    },
    {
      name: 'a canary on a service with the ECS deployment controller',
      claims: 1,
      spec: (s) => ({ ...base(s), target: { ...s.rolling.ref, container: s.containerName } }),
      settled: (st) => st.phase === 'Failed',
      check: preflightFailed(/need the EXTERNAL deployment controller; the service uses ECS/),
      observes: true,
    },
    {
      name: 'an image that is not in ECR',
      claims: 1,
      spec: (s) => ({ ...base(s), image: imageOf(s, NEW_TAG).replace(NEW_TAG, '9.9.9') }),
      settled: (st) => st.phase === 'Failed',
      check: preflightFailed(/imageExists: /),
      observes: true,
    },
    {
      name: 'a listener ARN in another region than the service',
      spec: (s) => {
        const spec = base(s);
        const alb = spec.strategy.canary?.trafficRouting.alb;
        if (alb === undefined) throw new Error('base spec is a canary');
        const listenerArn = alb.listenerArn.replace(':us-east-1:', ':eu-west-1:');
        return withCanary(s, { trafficRouting: { alb: { ...alb, listenerArn } } });
      },
      settled: (st) => condition(st, 'InvalidSpec')?.status === 'True',
      check: (st) => {
        expect(condition(st, 'InvalidSpec')).toMatchObject({
          reason: 'InvalidSpec',
          message:
            'spec.strategy.canary.trafficRouting.alb.listenerArn: is in eu-west-1, but target.region is us-east-1',
        });
        expect(condition(st, 'Stalled')).toMatchObject({ status: 'True', reason: 'InvalidSpec' });
        expect(st.revision).toBeUndefined();
      },
      observes: false,
    },
    {
      name: 'a service that does not exist',
      spec: (s) => ({ ...base(s), target: { ...base(s).target, service: 'latticedb-nope' } }),
      settled: (st) => condition(st, 'Stalled')?.reason === 'ServiceNotFound',
      check: (st) => {
        expect(st.phase).toBe('Degraded');
        expect(st.message).toMatch(/ECS service latticedb-nope not found in cluster latticedb/);
        expect(condition(st, 'Available')).toMatchObject({ status: 'False' });
        expect(st.revision).toBeUndefined();
      },
      observes: true,
    },
  ];

  it('refuses another kind of strategy or another listener while a canary is in flight, and writes nothing', async () => {
    const s = await seedWorld();
    const ns = await createTestNamespace('rel-switch');
    running = await startProxiedController(ns);
    const spec = canarySpec(s, { steps: [{ setWeight: 10 }, { pause: {} }, { setWeight: 50 }] });
    await createRelease(ns, 'ldb', spec);
    await waitForRelease(ns, 'ldb', (st) => st.phase === 'Paused', 'the pause at 10 %');

    // An action for another revision is ignored: visible in status (kubectl) and as a Warning.
    await kubectl([
      'annotate',
      '-n',
      ns,
      'release/ldb',
      'delivery.latticedb.com/promote=9',
      '--overwrite',
    ]);
    const ignoredStatus = await waitFor(
      async () => {
        const { stdout } = await kubectl([
          'get',
          'release/ldb',
          '-n',
          ns,
          '-o',
          'jsonpath={.status.actions.lastIgnored.message}',
        ]);
        return stdout === '' ? undefined : stdout;
      },
      { timeoutMs: 30_000, message: 'status.actions.lastIgnored' },
    );
    expect(ignoredStatus).toBe(
      `delivery.latticedb.com/promote=9 ignored: the current revision is 1; for it: kubectl -n ${ns} annotate release/ldb delivery.latticedb.com/promote=1 --overwrite`,
    );
    expect(await eventsOf(ns, 'ldb')).toContain('Warning ActionIgnored');
    expect((await getRelease(ns, 'ldb')).status?.currentWeight).toBe(10);
    const before = writes(running);

    // A rolling spec over a 10 % canary would otherwise call the revision healthy.
    await patchReleaseSpec(ns, 'ldb', { strategy: { canary: null, rolling: {} } });
    const invalid = await waitForRelease(
      ns,
      'ldb',
      (st) => condition(st, 'InvalidSpec')?.status === 'True',
      'InvalidSpec',
    );
    expect(condition(invalid, 'InvalidSpec')?.message).toBe(
      'spec.strategy: revision 1 is in flight as Canary: restore spec.strategy.canary until it is done ' +
        `(or undo it now: kubectl -n ${ns} annotate release/ldb delivery.latticedb.com/abort=1 --overwrite), ` +
        'then change the strategy',
    );
    expect(condition(invalid, 'Stalled')).toMatchObject({ status: 'True', reason: 'InvalidSpec' });
    expect(invalid).toMatchObject({ stage: 'Steps', currentWeight: 10, strategy: 'Canary' });
    // Not "Paused" beside Stalled=True: PHASE and REASON say it is stopped, and why.
    expect(invalid.phase).toBe('Degraded');
    expect(await getRow(ns, 'ldb')).toMatchObject({
      PHASE: 'Degraded',
      REVISION: '1',
      READY: 'False',
      REASON: 'InvalidSpec',
    });
    await sleep(700);
    expect(writes(running)).toBe(before);

    await patchReleaseSpec(ns, 'ldb', {
      strategy: { rolling: null, canary: spec.strategy.canary },
    });
    const resumed = await waitForRelease(
      ns,
      'ldb',
      (st) => st.phase === 'Paused' && condition(st, 'InvalidSpec') === undefined,
      'the canary paused again',
    );
    expect(resumed).toMatchObject({ stage: 'Steps', currentWeight: 10 });
    expect(resumed.trafficRouting?.listenerArn).toBe(s.alb.listenerArn);

    // Another listener would leave the 10 % behind on this one: refused the same way.
    await patchReleaseSpec(ns, 'ldb', {
      strategy: { canary: { trafficRouting: { alb: { listenerArn: s.alb.rollingListenerArn } } } },
    });
    const moved = await waitForRelease(
      ns,
      'ldb',
      (st) => condition(st, 'InvalidSpec')?.status === 'True',
      'InvalidSpec on the routing',
    );
    expect(condition(moved, 'InvalidSpec')?.message).toMatch(
      /^spec\.strategy\.canary\.trafficRouting\.alb: revision 1 shifts traffic on listener /,
    );
    await sleep(700);
    expect(writes(running)).toBe(before);
  });

  it('an abort still acts on a canary whose spec became invalid mid-flight (issue 9, item 4)', async () => {
    const s = await seedWorld();
    const ns = await createTestNamespace('rel-abort-invalid');
    running = await startProxiedController(ns);
    const spec = canarySpec(s, { steps: [{ setWeight: 10 }, { pause: {} }, { setWeight: 50 }] });
    await createRelease(ns, 'ldb', spec);
    await waitForRelease(ns, 'ldb', (st) => st.phase === 'Paused', 'the pause at 10 %');
    expect(await listenerShares(s, s.alb.listenerArn)).toEqual({ blue: 90, green: 10 });

    await patchReleaseSpec(ns, 'ldb', { strategy: { canary: null, rolling: {} } });
    await waitForRelease(
      ns,
      'ldb',
      (st) => condition(st, 'InvalidSpec')?.status === 'True',
      'InvalidSpec',
    );
    await annotateRelease(ns, 'ldb', 'abort', '1');
    const aborted = await waitForRelease(
      ns,
      'ldb',
      (st) => st.phase === 'Aborted' && st.stage === 'Done',
      'the abort, under InvalidSpec',
    );
    // Undone with the revision's own listener and task sets (once done, nothing is in flight and
    // the new strategy is accepted: no revision starts, the image is the same).
    expect(aborted).toMatchObject({
      currentWeight: 0,
      attempt: { rollback: { outcome: 'Aborted' } },
    });
    expect(await listenerShares(s, s.alb.listenerArn)).toEqual({ blue: 100, green: 0 });
    const service = await motoService(s, s.canary.ref.service);
    expect(
      (service.taskSets ?? []).filter((t) => t.status !== 'DRAINING').map((t) => t.externalId),
    ).toEqual([s.canary.primaryExternalId]);
  });

  it('a Release whose service is missing reads Degraded in kubectl get, announced by a Warning', async () => {
    const s = await seedWorld();
    const ns = await createTestNamespace('rel-degraded');
    running = await startProxiedController(ns);
    await createRelease(ns, 'ldb', {
      ...base(s),
      target: { ...base(s).target, service: 'latticedb-nope' },
    });
    await waitForRelease(ns, 'ldb', (st) => st.phase === 'Degraded', 'phase Degraded');
    const row = await getRow(ns, 'ldb');
    expect(row).toMatchObject({
      NAME: 'ldb',
      PHASE: 'Degraded',
      STRATEGY: 'Canary',
      READY: 'False',
      REASON: 'ServiceNotFound',
    });
    expect(Object.keys(row)).toEqual([
      'NAME',
      'PHASE',
      'STRATEGY',
      'STEP',
      'WEIGHT',
      'IMAGE',
      'REVISION',
      'READY',
      'REASON',
      'AGE',
    ]);
    const events = await waitFor(
      async () => {
        const listed = await eventsOf(ns, 'ldb');
        return listed.includes('Warning Degraded') ? listed : undefined;
      },
      { timeoutMs: 30_000, message: 'a Warning event Degraded' },
    );
    expect(events).not.toContain('Normal Degraded');
    expect(events).not.toContain('Normal Pending');
  });

  for (const c of RUNTIME) {
    it(`stops ${c.name} with no AWS write but the service claim`, async () => {
      const s = await seedWorld();
      const ns = await createTestNamespace('rel-bad');
      running = await startProxiedController(ns);
      await createRelease(ns, 'ldb', c.spec(s));
      const status = await waitForRelease(ns, 'ldb', c.settled, c.name);
      c.check(status, s);
      // A few more reconciles' worth: still nothing written.
      await sleep(700);
      // Nothing but the claim on the service: a Release whose service exists tags it first.
      const claims = running.proxy.count({ service: 'ecs', operation: 'TagResource' });
      expect(writes(running) - claims, c.name).toBe(0);
      expect(claims, c.name).toBe(c.claims ?? 0);
      const described = running.proxy.count({ service: 'ecs', operation: 'DescribeServices' });
      if (c.observes) expect(described).toBeGreaterThan(0);
      else expect(described).toBe(0);
    });
  }
});
