// `kubectl apply -k manifests/base` on the test apiserver (no nodes: the Deployment never runs,
// but every object is admitted, including by Pod Security "restricted" in the namespace), the
// bindings reach the ServiceAccount the Deployment uses, and overlays with the optional components
// render (the ServiceMonitor CRD is not installed here, so that overlay is rendered, not applied).
import { mkdtempSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { loadAll } from 'js-yaml';
import { describe, expect, it } from 'vitest';
import { kubectl, testEnv } from '../../env/fixtures.js';
import { repoPath } from './support.js';

const SA = 'system:serviceaccount:latticedb-system:latticedb-controller';

interface Rendered {
  kind: string;
  metadata: { name: string; namespace?: string };
  subjects?: { kind: string; name: string; namespace?: string }[];
}

async function canI(...args: string[]): Promise<string> {
  const result = await kubectl(['auth', 'can-i', `--as=${SA}`, ...args], { check: false });
  return result.stdout.trim();
}

describe('kustomize', () => {
  it('applies manifests/base server-side without warnings', async () => {
    // --force-conflicts: other test files server-side-applied the same CRDs under the test
    // helpers' field manager (from crds/*.yaml as it was then); a fresh cluster needs no force.
    const apply = [
      'apply',
      '--server-side',
      '--force-conflicts',
      '-k',
      repoPath('manifests', 'base'),
    ];
    const applied = await kubectl(apply);
    expect(applied.stdout).toContain('deployment.apps/latticedb-controller serverside-applied');
    expect(applied.stdout).toContain('clusterrole.rbac.authorization.k8s.io/latticedb-controller');
    expect(applied.stderr).not.toMatch(/warning|would violate PodSecurity/i);
    // Idempotent: a second apply changes nothing and still succeeds.
    await kubectl(apply);

    const deployment = await kubectl([
      'get',
      'deployment',
      'latticedb-controller',
      '-n',
      'latticedb-system',
      '-o',
      'jsonpath={.spec.template.spec.serviceAccountName}',
    ]);
    expect(deployment.stdout).toBe('latticedb-controller');

    // What the Deployment's ServiceAccount may do, through the applied bindings.
    expect(await canI('list', 'releases.delivery.latticedb.com', '--all-namespaces')).toBe('yes');
    expect(await canI('watch', 'failoverplans.delivery.latticedb.com', '--all-namespaces')).toBe(
      'yes',
    );
    expect(
      await canI(
        'patch',
        'scalepolicies.delivery.latticedb.com',
        '--subresource=status',
        '-n',
        'x',
      ),
    ).toBe('yes');
    expect(await canI('create', 'events', '-n', 'x')).toBe('yes');
    expect(
      await canI(
        'update',
        'leases.coordination.k8s.io/latticedb-controller',
        '-n',
        'latticedb-system',
      ),
    ).toBe('yes');
    expect(await canI('update', 'leases.coordination.k8s.io/other', '-n', 'latticedb-system')).toBe(
      'no',
    );
    expect(await canI('create', 'leases.coordination.k8s.io', '-n', 'default')).toBe('no');
    expect(await canI('delete', 'releases.delivery.latticedb.com', '-n', 'x')).toBe('no');
    expect(await canI('get', 'secrets', '-n', 'x')).toBe('no');
    // notifications: the one Secret, by name, in the controller's namespace
    expect(await canI('get', 'secrets/latticedb-notifications', '-n', 'latticedb-system')).toBe(
      'yes',
    );
    expect(await canI('get', 'secrets/other', '-n', 'latticedb-system')).toBe('no');
    expect(await canI('list', 'secrets', '-n', 'latticedb-system')).toBe('no');
  });

  it('renders an overlay with the servicemonitor and redis-secret-refs components', async () => {
    // Kustomize wants relative paths: the overlay lives in this run's state dir inside the repo.
    const dir = mkdtempSync(join(testEnv().stateDir, 'overlay-'));
    const from = (...parts: string[]) => relative(dir, repoPath('manifests', ...parts));
    writeFileSync(
      join(dir, 'kustomization.yaml'),
      [
        'apiVersion: kustomize.config.k8s.io/v1beta1',
        'kind: Kustomization',
        'resources:',
        `  - ${from('base')}`,
        'components:',
        `  - ${from('components', 'servicemonitor')}`,
        `  - ${from('components', 'redis-secret-refs')}`,
        '',
      ].join('\n'),
    );
    const { stdout } = await kubectl(['kustomize', dir]);
    const objects = loadAll(stdout) as Rendered[];
    const find = (kind: string, name: string) =>
      objects.find((o) => o.kind === kind && o.metadata.name === name);
    expect(find('ServiceMonitor', 'latticedb-controller')?.metadata.namespace).toBe(
      'latticedb-system',
    );
    expect(find('ClusterRole', 'latticedb-controller-redis-secrets')).toBeDefined();
    expect(find('ClusterRoleBinding', 'latticedb-controller-redis-secrets')?.subjects).toEqual([
      { kind: 'ServiceAccount', name: 'latticedb-controller', namespace: 'latticedb-system' },
    ]);
    expect(find('Deployment', 'latticedb-controller')).toBeDefined();
  });
});
