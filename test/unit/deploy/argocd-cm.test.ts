// manifests/argocd/argocd-cm.yaml is generated from the Lua files next to it; Argo CD reads only
// the ConfigMap, so a stale one would ship old scripts.
import { readFileSync } from 'node:fs';
import yaml from 'js-yaml';
import { describe, expect, it } from 'vitest';
import { ARGOCD_CM_PATH, renderArgoCdConfigMap } from '../../gitops/argocd-cm.js';

describe('argocd-cm snippet', () => {
  it('is current: run npm run argocd-cm after editing a .lua file', () => {
    expect(readFileSync(ARGOCD_CM_PATH, 'utf8')).toBe(renderArgoCdConfigMap());
  });

  it('has health for all four kinds and actions in the shape Argo CD reads', () => {
    const cm = yaml.load(renderArgoCdConfigMap()) as { data: Record<string, string> };
    for (const kind of ['Release', 'FlagRollout', 'FailoverPlan', 'ScalePolicy']) {
      expect(cm.data[`resource.customizations.health.delivery.latticedb.com_${kind}`]).toMatch(
        /return hs/,
      );
    }
    const actions = yaml.load(
      cm.data['resource.customizations.actions.delivery.latticedb.com_Release'] ?? '',
    ) as { 'discovery.lua': string; definitions: { name: string; 'action.lua': string }[] };
    expect(actions['discovery.lua']).toMatch(/return actions/);
    expect(actions.definitions.map((d) => d.name)).toEqual([
      'abort',
      'approve',
      'promote',
      'retry',
      'rollback',
    ]);
  });
});
