// Issue 9 item 3 on a real apiserver: FlagRollout and ScalePolicy watch FailoverPlans only for the
// interlock, so neither may stall when FailoverPlans cannot be read.
// - The FailoverPlan CRD not installed (a private apiserver: the shared one may have it from other
//   files): no plan can exist, so nothing holds; the rollout writes its flag and the policy scales
//   down. An error line names the FailoverPlan informer and /readyz lists it unsynced.
// - RBAC forbidding failoverplans (a ServiceAccount whose Role leaves them out): whether a failover
//   is in flight is unknown, so the rollout holds with Reconciling naming the 403 and the
//   permission to grant, and writes nothing; granted, it proceeds.
import { join } from 'node:path';
import {
  CoreV1Api,
  CustomObjectsApi,
  KubeConfig,
  KubernetesObjectApi,
  PatchStrategy,
  RbacAuthorizationV1Api,
} from '@kubernetes/client-node';
import { pino } from 'pino';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { FlagRolloutKind, type FlagRolloutStatus } from '../../../reconcilers/flagrollout/api.js';
import { setupFlagRolloutWith } from '../../../reconcilers/flagrollout/setup.js';
import { ScalePolicyKind, type ScalePolicyStatus } from '../../../reconcilers/scalepolicy/api.js';
import { setupScalePolicyWith } from '../../../reconcilers/scalepolicy/setup.js';
import { ensureControlPlaneBinaries } from '../../env/binaries.js';
import { startControlPlane, type ControlPlane } from '../../env/control-plane.js';
import { createStateDir, removeStateDir } from '../../env/state-dir.js';
import {
  adminKubeConfig,
  createTestNamespace,
  loadYamlObjects,
  serviceAccountKubeConfig,
  TEST_FIELD_MANAGER,
  testEnv,
  waitFor,
} from '../../env/fixtures.js';
import {
  startInProcessController,
  type RunningController,
} from '../../fixtures/in-process-controller.js';
import { kindObjects } from '../../fixtures/kind-objects.js';
import { motoService, seedWorld } from '../scalepolicy/support.js';
import {
  conditionOf,
  createRollout,
  installCrd,
  rawRedis,
  readRawFlag,
  uniqueFlag,
  waitForStatus,
} from './support.js';

const crd = (plural: string): URL =>
  new URL(`../../../crds/${plural}.delivery.latticedb.com.yaml`, import.meta.url);

interface LogLine {
  readonly level: number;
  readonly msg: string;
  readonly kind?: string;
}

const logInto = (lines: LogLine[]) =>
  pino({ level: 'info' }, { write: (line: string) => lines.push(JSON.parse(line) as LogLine) });

const running: RunningController[] = [];

afterEach(async () => {
  await Promise.all(running.splice(0).map((c) => c.stop()));
});

// A private kube-apiserver from the cached test binaries: only where the suite built them (not
// against an existing cluster, where none may be at hand).
describe.skipIf(!testEnv().managed.kubeApiserver)('FailoverPlan CRD not installed', () => {
  let plane: ControlPlane | undefined;
  let stateDir: string | undefined;
  let kc: KubeConfig;

  beforeAll(async () => {
    // A state dir of its own, reaped by the next run if this one is killed.
    stateDir = createStateDir();
    const binaries = await ensureControlPlaneBinaries({
      build: false,
      buildLogPath: join(stateDir, 'build.log'),
      log: () => undefined,
    });
    plane = await startControlPlane({ stateDir, binaries });
    // The controller's AWS clients use the SDK's default credential chain; moto takes any.
    process.env.AWS_ACCESS_KEY_ID ??= 'test';
    process.env.AWS_SECRET_ACCESS_KEY ??= 'test';
    kc = new KubeConfig();
    kc.loadFromFile(plane.kubeconfigPath);
    // Every CRD the two kinds use but FailoverPlan's.
    const objects = kc.makeApiClient(KubernetesObjectApi);
    const custom = kc.makeApiClient(CustomObjectsApi);
    for (const plural of ['flagrollouts', 'scalepolicies', 'releases']) {
      for (const obj of loadYamlObjects([crd(plural)]))
        await objects.patch(
          obj,
          undefined,
          undefined,
          TEST_FIELD_MANAGER,
          true,
          PatchStrategy.ServerSideApply,
        );
      await waitFor(
        () =>
          custom
            .listClusterCustomObject({
              group: 'delivery.latticedb.com',
              version: 'v1alpha1',
              plural,
            })
            .then(() => true),
        { timeoutMs: 30_000, message: `${plural} served` },
      );
    }
  }, 180_000);

  afterAll(async () => {
    await plane?.stop();
    if (stateDir !== undefined) removeStateDir(stateDir);
  });

  it('FlagRollouts and ScalePolicies reconcile; an error line and /readyz name the FailoverPlan informer', async () => {
    const ns = 'no-failoverplans';
    await kc.makeApiClient(CoreV1Api).createNamespace({ body: { metadata: { name: ns } } });
    const s = await seedWorld(3);
    const lines: LogLine[] = [];
    const options = {
      kubeConfig: kc,
      logger: logInto(lines),
      extraArgs: ['--cache-sync-timeout=1s'],
    };
    const rolloutController = startInProcessController(
      ns,
      setupFlagRolloutWith({ pollMs: 500 }),
      options,
    );
    running.push(rolloutController);
    running.push(
      startInProcessController(
        ns,
        setupScalePolicyWith({ afterActionMs: 100, pollMs: 300 }),
        options,
      ),
    );

    const flag = uniqueFlag('nofp');
    await kindObjects(FlagRolloutKind, () => kc).create(ns, 'r', {
      flag,
      steps: [{ percentage: 10, hold: '1h' }, { percentage: 100 }],
    });
    await kindObjects(ScalePolicyKind, () => kc).create(ns, 'p', {
      target: s.rolling.ref,
      desiredCount: 2,
    });

    const redis = rawRedis();
    try {
      await waitFor(async () => (await readRawFlag(redis, flag))?.hash.percentage === '1000', {
        timeoutMs: 30_000,
        message: 'the rollout writes 10 % with no FailoverPlan CRD',
      });
    } finally {
      redis.disconnect();
    }
    await waitFor(async () => (await motoService(s)).desiredCount === 2, {
      timeoutMs: 30_000,
      message: 'the policy scales 3 → 2 with no FailoverPlan CRD',
    });
    const rollout = await kindObjects<{ status?: FlagRolloutStatus }>(
      FlagRolloutKind,
      () => kc,
    ).get(ns, 'r');
    expect(conditionOf(rollout.status, 'Reconciling')?.reason).not.toBe('HeldByFailoverPlan');
    const policy = await kindObjects<{ status?: ScalePolicyStatus }>(ScalePolicyKind, () => kc).get(
      ns,
      'p',
    );
    expect(JSON.stringify(policy.status?.conditions)).not.toContain('HeldByFailoverPlan');

    await waitFor(() => lines.some((l) => l.level === 50 && l.kind === 'FlagRollout'), {
      timeoutMs: 10_000,
      message: 'an error line past --cache-sync-timeout',
    });
    for (const kind of ['FlagRollout', 'ScalePolicy']) {
      const error = lines.find((l) => l.level === 50 && l.kind === kind);
      expect(error?.msg).toContain(`${kind}: watch on failoverplans.delivery.latticedb.com`);
      expect(error?.msg).toContain('reconciled without it');
    }
    expect(rolloutController.manager.readiness()).toMatchObject({
      [`informer failoverplans.delivery.latticedb.com in ${ns}`]: false,
      [`informer flagrollouts.delivery.latticedb.com in ${ns}`]: true,
    });
  });
});

describe('FailoverPlans forbidden by RBAC', () => {
  beforeAll(async () => {
    await installCrd();
  });

  it('a FlagRollout holds, naming the 403 and the permission; granted, it proceeds', async () => {
    const ns = await createTestNamespace('fr-fp-403');
    const rbac = adminKubeConfig().makeApiClient(RbacAuthorizationV1Api);
    const rules = (failoverPlans: boolean) => [
      {
        apiGroups: ['delivery.latticedb.com'],
        resources: ['flagrollouts', ...(failoverPlans ? ['failoverplans'] : [])],
        verbs: ['list', 'watch', 'patch'],
      },
      {
        apiGroups: ['delivery.latticedb.com'],
        resources: ['flagrollouts/status'],
        verbs: ['patch'],
      },
      { apiGroups: [''], resources: ['events'], verbs: ['create', 'patch'] },
    ];
    await rbac.createNamespacedRole({
      namespace: ns,
      body: { metadata: { name: 'controller' }, rules: rules(false) },
    });
    await rbac.createNamespacedRoleBinding({
      namespace: ns,
      body: {
        metadata: { name: 'controller' },
        roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: 'controller' },
        subjects: [{ kind: 'ServiceAccount', name: 'controller', namespace: ns }],
      },
    });
    const kubeConfig = await serviceAccountKubeConfig(ns, 'controller');
    const lines: LogLine[] = [];
    running.push(
      startInProcessController(ns, setupFlagRolloutWith({ pollMs: 300 }), {
        kubeConfig,
        logger: logInto(lines),
        extraArgs: ['--cache-sync-timeout=1s'],
      }),
    );
    const flag = uniqueFlag('fp403');
    await createRollout(ns, 'r', { flag, steps: [{ percentage: 10, hold: '1h' }] });

    const held = await waitForStatus(
      ns,
      'r',
      (st) => conditionOf(st, 'Reconciling')?.reason === 'HeldByFailoverPlan',
      { message: 'held: FailoverPlans cannot be read' },
    );
    const message = conditionOf(held, 'Reconciling')?.message ?? '';
    expect(message).toContain('FailoverPlans cannot be read (403 forbidden)');
    expect(message).toContain('failoverplans.delivery.latticedb.com');
    const redis = rawRedis();
    try {
      expect(await readRawFlag(redis, flag)).toBeUndefined();
      await waitFor(() => lines.some((l) => l.level === 50 && l.kind === 'FlagRollout'), {
        timeoutMs: 10_000,
        message: 'an error line past --cache-sync-timeout',
      });
      expect(lines.find((l) => l.level === 50 && l.kind === 'FlagRollout')?.msg).toMatch(
        /watch on failoverplans\.delivery\.latticedb\.com.*forbidden/i,
      );

      await rbac.replaceNamespacedRole({
        name: 'controller',
        namespace: ns,
        body: { metadata: { name: 'controller' }, rules: rules(true) },
      });
      await waitFor(async () => (await readRawFlag(redis, flag))?.hash.percentage === '1000', {
        timeoutMs: 30_000,
        message: 'the rollout writes 10 % once FailoverPlans can be read',
      });
    } finally {
      redis.disconnect();
    }
  });
});
