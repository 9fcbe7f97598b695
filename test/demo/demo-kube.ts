// DemoKube (scenario.ts) over client-node: what an operator does with kubectl get/patch/annotate.
import {
  ApiException,
  CustomObjectsApi,
  PatchStrategy,
  setHeaderOptions,
  type KubeConfig,
} from '@kubernetes/client-node';
import { resourceOf, type DemoKind } from './kinds.js';
import type { DemoKube, StoredObject } from './scenario.js';

const MERGE_PATCH = setHeaderOptions('Content-Type', PatchStrategy.MergePatch);

export function demoKube(kc: KubeConfig, namespace: string): DemoKube {
  const api = kc.makeApiClient(CustomObjectsApi);
  const ref = (kind: DemoKind, name: string) => {
    const { group, version, plural } = resourceOf(kind);
    return { group, version, plural, namespace, name };
  };
  return {
    async get(kind, name) {
      try {
        return (await api.getNamespacedCustomObject(ref(kind, name))) as StoredObject;
      } catch (err) {
        if (err instanceof ApiException && err.code === 404) return undefined;
        throw err;
      }
    },
    async patchSpec(kind, name, spec) {
      await api.patchNamespacedCustomObject({ ...ref(kind, name), body: { spec } }, MERGE_PATCH);
    },
    async annotate(kind, name, key, value) {
      await api.patchNamespacedCustomObject(
        { ...ref(kind, name), body: { metadata: { annotations: { [key]: value } } } },
        MERGE_PATCH,
      );
    },
  };
}
