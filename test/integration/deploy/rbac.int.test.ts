// The shipped RBAC is sufficient and minimal. The controller (Node 24 + tsx, every kind of
// reconcilers/index.ts) runs as a ServiceAccount bound to exactly the rules of
// manifests/base/rbac/cluster-role.yaml and leader-election-role.yaml (namespace rewritten), as
// the Deployment would: cluster-wide, with leader election. It must lead, reconcile one example
// of each kind, write status and Events, and never meet a 403. Then the same controller with one
// rule removed must fail visibly.
import {
  CoordinationV1Api,
  CoreV1Api,
  CustomObjectsApi,
  type V1PolicyRule,
} from '@kubernetes/client-node';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { KubeApiError } from '../../../controller/k8s/errors.js';
import { createKubeClient } from '../../../controller/k8s/client-node.js';
import { addFinalizer, removeFinalizer } from '../../../controller/k8s/finalizers.js';
import type { CustomObject } from '../../../controller/k8s/types.js';
import {
  adminKubeConfig,
  applyCrdFiles,
  createTestNamespace,
  waitFor,
} from '../../env/fixtures.js';
import {
  bindServiceAccount,
  crdFiles,
  examplesByKind,
  metricSum,
  scrapeMetrics,
  shippedClusterRole,
  shippedLeaderElectionRole,
  shippedNotificationsRole,
  startControllerFromSource,
  testStackEnv,
  type BoundServiceAccount,
  type ControllerProcess,
} from './support.js';

const GROUP = 'delivery.latticedb.com';
const VERSION = 'v1alpha1';
const PLURALS: Readonly<Record<string, string>> = {
  Release: 'releases',
  FlagRollout: 'flagrollouts',
  ScalePolicy: 'scalepolicies',
  FailoverPlan: 'failoverplans',
};
/** Kinds whose setup is still the NotImplemented stub (their own issues replace them). */
const STUB_KINDS: string[] = [];
/** Kinds whose first reconcile here records an Event (a transition), whatever its reason. */
const EVENT_KINDS = ['FailoverPlan'];

interface Condition {
  type: string;
  status: string;
  reason: string;
}
type Resource = CustomObject<unknown, { observedGeneration?: number; conditions?: Condition[] }>;

const cleanups: (() => Promise<unknown>)[] = [];

beforeAll(async () => {
  await applyCrdFiles(crdFiles());
}, 120_000);

afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

async function createExamples(namespace: string): Promise<Map<string, string>> {
  const custom = adminKubeConfig().makeApiClient(CustomObjectsApi);
  const names = new Map<string, string>();
  for (const [kind, example] of examplesByKind()) {
    const plural = PLURALS[kind];
    if (plural === undefined) throw new Error(`no plural for example kind ${kind}`);
    await custom.createNamespacedCustomObject({
      group: GROUP,
      version: VERSION,
      plural,
      namespace,
      body: { ...example, metadata: { ...example.metadata, namespace } },
    });
    names.set(kind, example.metadata.name);
  }
  expect([...names.keys()].sort()).toEqual(Object.keys(PLURALS).sort());
  return names;
}

async function getResource(namespace: string, kind: string, name: string): Promise<Resource> {
  return (await adminKubeConfig()
    .makeApiClient(CustomObjectsApi)
    .getNamespacedCustomObject({
      group: GROUP,
      version: VERSION,
      plural: PLURALS[kind] ?? '',
      namespace,
      name,
    })) as Resource;
}

async function runAs(
  namespace: string,
  rules: { cluster: readonly V1PolicyRule[]; namespaced: readonly V1PolicyRule[] },
  extraArgs: readonly string[],
): Promise<{ sa: BoundServiceAccount; controller: ControllerProcess }> {
  const sa = await bindServiceAccount({
    namespace,
    saName: 'latticedb-controller',
    clusterRules: rules.cluster,
    namespaceRules: rules.namespaced,
  });
  cleanups.push(() => sa.cleanup());
  const controller = startControllerFromSource(
    [
      `--kubeconfig=${sa.kubeconfigPath}`,
      '--leader-elect',
      `--leader-election-namespace=${namespace}`,
      '--metrics-bind-address=127.0.0.1:0',
      '--health-probe-bind-address=127.0.0.1:0',
      '--log-level=debug', // lease attempt failures are logged at debug
      '--shutdown-timeout=5s',
      ...extraArgs,
    ],
    testStackEnv(),
  );
  cleanups.push(() => controller.kill());
  return { sa, controller };
}

describe('the shipped ClusterRole and leader-election Role', () => {
  it('are all the controller needs: it leads, reconciles every kind and records Events', async () => {
    const ns = await createTestNamespace('rbac-shipped');
    const names = await createExamples(ns);
    const { sa, controller } = await runAs(
      ns,
      {
        cluster: shippedClusterRole().rules ?? [],
        namespaced: [
          ...(shippedLeaderElectionRole().rules ?? []),
          ...(shippedNotificationsRole().rules ?? []),
        ],
      },
      [], // all namespaces, as the Deployment runs
    );
    const identity = (await controller.waitForLog((l) => l.msg === 'starting', 'start'))
      .identity as string;

    const leases = adminKubeConfig().makeApiClient(CoordinationV1Api);
    const lease = await waitFor(
      async () => {
        const l = await leases.readNamespacedLease({ namespace: ns, name: 'latticedb-controller' });
        return l.spec?.holderIdentity === identity ? l : undefined;
      },
      { timeoutMs: 30_000, message: 'the controller to hold the Lease' },
    );
    expect(lease.spec?.leaseDurationSeconds).toBe(15);

    for (const [kind, name] of names) {
      const obj = await waitFor(
        async () => {
          const o = await getResource(ns, kind, name);
          return o.status?.observedGeneration === o.metadata.generation ? o : undefined;
        },
        { timeoutMs: 30_000, message: `${kind} ${name} reconciled` },
      );
      const types = (obj.status?.conditions ?? []).map((c) => c.type);
      expect(types, kind).toEqual(expect.arrayContaining(['Ready', 'Reconciling', 'Stalled']));
      if (STUB_KINDS.includes(kind)) {
        expect(obj.status?.conditions?.find((c) => c.type === 'Stalled')).toMatchObject({
          status: 'True',
          reason: 'NotImplemented',
        });
      }
    }

    const events = await waitFor(
      async () => {
        const list = await adminKubeConfig()
          .makeApiClient(CoreV1Api)
          .listNamespacedEvent({ namespace: ns });
        const ours = list.items.filter(
          (e) => e.reportingComponent === 'delivery.latticedb.com/latticedb-controller',
        );
        const kinds = [...STUB_KINDS, ...EVENT_KINDS];
        return kinds.every((k) => ours.some((e) => e.involvedObject.kind === k)) ? ours : undefined;
      },
      { message: 'Events from the controller' },
    );
    for (const kind of STUB_KINDS) {
      expect(events.find((e) => e.involvedObject.kind === kind)).toMatchObject({
        type: 'Warning',
        reason: 'NotImplemented',
        reportingInstance: identity,
      });
    }
    for (const kind of EVENT_KINDS) {
      expect(events.find((e) => e.involvedObject.kind === kind)).toMatchObject({
        reportingInstance: identity,
      });
    }

    // Finalizers (the Release kind's cleanup): the runtime's guarded JSON Patches, as the SA.
    const kube = createKubeClient(sa.kubeConfig);
    const releases = { group: GROUP, version: VERSION, plural: 'releases' };
    const release = await getResource(ns, 'Release', names.get('Release') ?? '');
    const added = await addFinalizer(kube, releases, release, 'delivery.latticedb.com/rbac-test');
    expect(added.object.metadata.finalizers).toContain('delivery.latticedb.com/rbac-test');
    const removed = await removeFinalizer(
      kube,
      releases,
      added.object,
      'delivery.latticedb.com/rbac-test',
    );
    expect(removed.changed).toBe(true);
    // ...and Secrets stay out of reach (redisRef needs the optional component).
    const secret = await kube.getSecret(ns, 'anything').catch((e: unknown) => e);
    expect(secret).toBeInstanceOf(KubeApiError);
    expect((secret as KubeApiError).code).toBe(403);

    const metrics = await scrapeMetrics(await controller.serverUrl('serving /metrics'));
    expect(
      metricSum(metrics, 'leader_election_master_status', { name: 'latticedb-controller' }),
    ).toBe(1);
    for (const kind of Object.keys(PLURALS)) {
      expect(
        metricSum(metrics, 'controller_runtime_reconcile_total', {
          controller: kind.toLowerCase(),
        }),
        kind,
      ).toBeGreaterThan(0);
    }
    expect(metricSum(metrics, 'latticedb_resources', { kind: 'ScalePolicy' })).toBeGreaterThan(0);
    expect(controller.forbidden()).toEqual([]);
  });

  const withoutRule = (match: (r: V1PolicyRule) => boolean) => {
    const all = shippedClusterRole().rules ?? [];
    const kept = all.filter((r) => !match(r));
    expect(kept).toHaveLength(all.length - 1);
    return kept;
  };
  const mentions = (r: V1PolicyRule, resource: string) => (r.resources ?? []).includes(resource);

  // Each rule of the shipped roles is needed: without it the controller meets a 403 (logged
  // where it happens; the process keeps running and retrying).
  it.each([
    {
      rule: 'list/watch of our kinds',
      cluster: () => withoutRule((r) => mentions(r, 'scalepolicies')),
      namespaced: shippedLeaderElectionRole,
      where: 'list failed',
      says: 'cannot list resource',
    },
    {
      rule: 'patch of <kind>/status',
      cluster: () => withoutRule((r) => mentions(r, 'scalepolicies/status')),
      namespaced: shippedLeaderElectionRole,
      where: 'reconciler error',
      says: 'cannot patch resource \\"scalepolicies/status\\"',
    },
    {
      rule: 'create of Events',
      cluster: () => withoutRule((r) => mentions(r, 'events')),
      namespaced: shippedLeaderElectionRole,
      where: 'could not record event',
      says: 'cannot create resource \\"events\\"',
    },
    {
      rule: 'the leader-election Role',
      cluster: () => shippedClusterRole().rules ?? [],
      namespaced: () => ({ rules: [] }),
      // A 403 on the Lease is logged at error, naming what to check (not the generic retry line).
      where: 'not allowed to get/create/update Lease',
      says: 'resource \\"leases\\"',
    },
  ])('are minimal: without $rule the controller meets a 403', async (c) => {
    const ns = await createTestNamespace('rbac-minimal');
    const names = await createExamples(ns);
    const { controller } = await runAs(
      ns,
      { cluster: c.cluster(), namespaced: c.namespaced().rules ?? [] },
      [`--namespaces=${ns}`],
    );
    const refused = await controller.waitForLog(
      (l) => l.msg.startsWith(c.where) && JSON.stringify(l).includes(c.says),
      `"${c.where}" with a 403`,
    );
    expect(refused.err).toMatchObject({ code: 403, reason: 'Forbidden' });
    if (c.rule.includes('/status')) {
      const scalePolicy = await getResource(ns, 'ScalePolicy', names.get('ScalePolicy') ?? '');
      expect(scalePolicy.status?.observedGeneration).toBeUndefined();
      const metrics = await scrapeMetrics(await controller.serverUrl('serving /metrics'));
      expect(
        metricSum(metrics, 'controller_runtime_reconcile_errors_total', {
          controller: 'scalepolicy',
        }),
      ).toBeGreaterThan(0);
    }
  });
});
