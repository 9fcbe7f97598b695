// The stand-in custom resource of the environment tests. To test real CRDs instead, point
// WIDGET_CRD_FILES at crds/*.yaml and the descriptor at their group/version/plural.
import type { KubernetesObject } from '@kubernetes/client-node';

export const WIDGET_CRD_FILES = [new URL('./widgets.crd.yaml', import.meta.url)];

export const widgets = {
  group: 'test.latticedb.com',
  version: 'v1alpha1',
  plural: 'widgets',
  kind: 'Widget',
} as const;

export interface Widget extends KubernetesObject {
  spec: { replicas: number; maxReplicas?: number; color?: string };
  status?: { phase?: string; observedGeneration?: number };
}

export function widget(namespace: string, name: string, spec: Widget['spec']): Widget {
  return {
    apiVersion: `${widgets.group}/${widgets.version}`,
    kind: widgets.kind,
    metadata: { name, namespace },
    spec,
  };
}
