// redisRef Secrets and the optional component manifests/components/redis-secret-refs, on the real
// apiserver and Redis: with only the base RBAC the controller's ServiceAccount cannot read the
// Secret and `flagStoreFor` says so (typed result naming the component, no crash); with the
// component's ClusterRole bound it connects with the Secret's URL, shares one connection per URL
// and closes it at shutdown.
import { CoreV1Api, RbacAuthorizationV1Api, type V1ClusterRole } from '@kubernetes/client-node';
import { pino } from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import { systemClock } from '../../../controller/clock.js';
import { SharedRegistry } from '../../../controller/external.js';
import { createKubeClient } from '../../../controller/k8s/client-node.js';
import {
  flagStoreFor,
  FlagStoreReason,
  type FlagStoreDeps,
} from '../../../reconcilers/shared/runtime/index.js';
import {
  adminKubeConfig,
  createTestNamespace,
  redisClient,
  testEnv,
  uniqueName,
  waitFor,
} from '../../env/fixtures.js';
import {
  bindServiceAccount,
  readYaml,
  shippedClusterRole,
  shippedLeaderElectionRole,
} from './support.js';

const cleanups: (() => Promise<unknown>)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

/** Connections named `latticedb-controller` (flagStoreFor's connection name) on the test Redis. */
async function controllerConnections(): Promise<number> {
  const admin = redisClient();
  try {
    const list = (await admin.call('CLIENT', 'LIST')) as string;
    return list.split('\n').filter((l) => l.includes(' name=latticedb-controller ')).length;
  } finally {
    await admin.quit();
  }
}

describe('redisRef Secrets', () => {
  it('are forbidden with the base RBAC and readable with the redis-secret-refs component', async () => {
    const ns = await createTestNamespace('redis-ref');
    const admin = adminKubeConfig();
    await admin.makeApiClient(CoreV1Api).createNamespacedSecret({
      namespace: ns,
      body: { metadata: { name: 'flags-redis' }, stringData: { url: testEnv().redisUrl } },
    });
    const sa = await bindServiceAccount({
      namespace: ns,
      saName: 'latticedb-controller',
      clusterRules: shippedClusterRole().rules ?? [],
      namespaceRules: shippedLeaderElectionRole().rules ?? [],
    });
    cleanups.push(() => sa.cleanup());
    const registry = new SharedRegistry({ logger: pino({ level: 'silent' }) });
    cleanups.push(() => registry.closeAll());
    const deps: FlagStoreDeps = {
      kube: createKubeClient(sa.kubeConfig),
      redis: undefined,
      shared: registry.shared,
      logger: pino({ level: 'silent' }),
      clock: systemClock,
    };
    const ref = { secretRef: { name: 'flags-redis' } };

    const refused = await flagStoreFor(deps, ref, ns);
    expect(refused).toMatchObject({ ok: false, reason: FlagStoreReason.RedisSecretForbidden });
    expect(!refused.ok && refused.message).toContain('manifests/components/redis-secret-refs');

    // Bind the component's ClusterRole (renamed: cluster-scoped names are shared by all tests).
    const role = readYaml(
      'manifests',
      'components',
      'redis-secret-refs',
      'cluster-role.yaml',
    ) as V1ClusterRole;
    expect(role.rules).toEqual([{ apiGroups: [''], resources: ['secrets'], verbs: ['get'] }]);
    const name = uniqueName('redis-secrets');
    const rbac = admin.makeApiClient(RbacAuthorizationV1Api);
    await rbac.createClusterRole({ body: { metadata: { name }, rules: role.rules } });
    await rbac.createNamespacedRoleBinding({
      namespace: ns,
      body: {
        metadata: { name: 'redis-secrets' },
        roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name },
        subjects: [{ kind: 'ServiceAccount', name: 'latticedb-controller', namespace: ns }],
      },
    });
    cleanups.push(() => rbac.deleteClusterRole({ name }));

    const result = await waitFor(
      async () => {
        const r = await flagStoreFor(deps, ref, ns);
        return r.ok ? r : undefined;
      },
      { message: 'the Secret to become readable' },
    );
    expect(result.endpoint).not.toContain(new URL(testEnv().redisUrl).password);
    const flag = uniqueName('never-written');
    expect(await result.store.read(flag)).toMatchObject({ name: flag, version: 0 });
    const again = await flagStoreFor(deps, ref, ns);
    expect(again.ok && again.store).toBe(result.store);
    expect(await controllerConnections()).toBe(1);

    await registry.closeAll();
    await waitFor(async () => (await controllerConnections()) === 0, {
      message: 'the connection closed at shutdown',
    });
  });
});
