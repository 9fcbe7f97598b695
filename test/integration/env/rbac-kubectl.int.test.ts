// RBAC is enforced for ServiceAccount tokens (how later tests prove the shipped RBAC is sufficient
// and minimal), and kubectl works with the generated kubeconfig (how printer columns are tested).
import { CoreV1Api, CustomObjectsApi, RbacAuthorizationV1Api } from '@kubernetes/client-node';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  adminKubeConfig,
  apiStatus,
  applyCrdFiles,
  createTestNamespace,
  kubectl,
  serviceAccountKubeConfig,
  uniqueName,
  waitFor,
} from '../../env/fixtures.js';
import { widget, WIDGET_CRD_FILES, widgets } from './widgets.js';

let namespace: string;

beforeAll(async () => {
  await applyCrdFiles(WIDGET_CRD_FILES);
  namespace = await createTestNamespace('rbac');
});

describe('RBAC', () => {
  it('lets a ServiceAccount do what its Role allows and refuses the rest with 403', async () => {
    const admin = adminKubeConfig();
    const rbac = admin.makeApiClient(RbacAuthorizationV1Api);
    const other = await createTestNamespace('rbac-other');
    const existing = uniqueName('existing');
    await admin.makeApiClient(CustomObjectsApi).createNamespacedCustomObject({
      ...widgets,
      namespace,
      body: widget(namespace, existing, { replicas: 1 }),
    });
    await rbac.createNamespacedRole({
      namespace,
      body: {
        metadata: { name: 'widget-status-writer' },
        rules: [
          {
            apiGroups: [widgets.group],
            resources: [widgets.plural],
            verbs: ['get', 'list', 'watch'],
          },
          { apiGroups: [widgets.group], resources: [`${widgets.plural}/status`], verbs: ['patch'] },
        ],
      },
    });
    await rbac.createNamespacedRoleBinding({
      namespace,
      body: {
        metadata: { name: 'widget-status-writer' },
        roleRef: {
          apiGroup: 'rbac.authorization.k8s.io',
          kind: 'Role',
          name: 'widget-status-writer',
        },
        subjects: [{ kind: 'ServiceAccount', name: 'controller', namespace }],
      },
    });
    const asController = (await serviceAccountKubeConfig(namespace, 'controller')).makeApiClient(
      CustomObjectsApi,
    );

    // Allowed (the authorizer's cache may need a moment to see the new binding).
    const list = await waitFor(
      () => asController.listNamespacedCustomObject({ ...widgets, namespace }),
      {
        message: 'the RoleBinding to take effect',
      },
    );
    expect((list as { items: unknown[] }).items).toHaveLength(1);
    await asController.patchNamespacedCustomObjectStatus({
      ...widgets,
      namespace,
      name: existing,
      body: [{ op: 'add', path: '/status', value: { phase: 'Seen' } }],
    });

    // Refused: verbs, resources and namespaces the Role does not grant.
    const sa = await serviceAccountKubeConfig(namespace, 'controller');
    const refused = [
      () =>
        asController.createNamespacedCustomObject({
          ...widgets,
          namespace,
          body: widget(namespace, uniqueName('denied'), { replicas: 1 }),
        }),
      () => asController.deleteNamespacedCustomObject({ ...widgets, namespace, name: existing }),
      () => asController.listNamespacedCustomObject({ ...widgets, namespace: other }),
      () => sa.makeApiClient(CoreV1Api).listNamespacedSecret({ namespace }),
    ];
    for (const attempt of refused) {
      const err: unknown = await attempt().then(
        () => new Error('allowed, but the Role does not grant it'),
        (e: unknown) => e,
      );
      expect(apiStatus(err)).toMatchObject({ code: 403, reason: 'Forbidden' });
      expect(apiStatus(err).message).toContain(`system:serviceaccount:${namespace}:controller`);
    }
  });
});

describe('kubectl with the generated kubeconfig', () => {
  it('lists custom resources with their printer columns', async () => {
    const name = uniqueName('printed');
    await adminKubeConfig()
      .makeApiClient(CustomObjectsApi)
      .createNamespacedCustomObject({
        ...widgets,
        namespace,
        body: widget(namespace, name, { replicas: 3 }),
      });
    const { stdout } = await kubectl(['get', widgets.plural, '--namespace', namespace, name]);
    const [header, row] = stdout.trim().split('\n');
    // A CRD's printer columns replace the default AGE column; NAME always comes first.
    expect(header?.split(/\s+/)).toEqual(['NAME', 'REPLICAS', 'PHASE']);
    expect(row?.split(/\s+/).slice(0, 2)).toEqual([name, '3']);

    const byCategory = await kubectl(['get', 'latticedb-test', '-n', namespace, '-o', 'name']);
    expect(byCategory.stdout).toContain(`widget.${widgets.group}/${name}`);
  });

  it('reports an error for an unknown resource with a non-zero exit', async () => {
    const result = await kubectl(['get', 'nosuchthings'], { check: false });
    expect(result.exitCode).not.toBe(0);
    expect(result.stderr).toContain('nosuchthings');
  });
});
