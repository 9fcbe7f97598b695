// The benchmark's objects: N copies of the ScalePolicy example, created concurrently and given a
// status that a no-op reconcile leaves as it is (observedGeneration and conditions already what
// the runtime would write), so every measured reconcile is a pure read with no API write.
import { fileURLToPath } from 'node:url';
import {
  CustomObjectsApi,
  PatchStrategy,
  setHeaderOptions,
  type KubeConfig,
  type KubernetesObject,
} from '@kubernetes/client-node';
import { loadYamlFile } from '../demo/cluster.js';

export const BENCH_RESOURCE = {
  group: 'delivery.latticedb.com',
  version: 'v1alpha1',
  plural: 'scalepolicies',
  kind: 'ScalePolicy',
} as const;

export const BENCH_CRD = fileURLToPath(
  new URL('../../crds/scalepolicies.delivery.latticedb.com.yaml', import.meta.url),
);
const EXAMPLE = fileURLToPath(
  new URL('../../manifests/examples/scalepolicy-gradual.yaml', import.meta.url),
);

const MERGE_PATCH = setHeaderOptions('Content-Type', PatchStrategy.MergePatch);

export interface SeedResult {
  readonly created: number;
  readonly seconds: number;
  /** The collection's resourceVersion after seeding: later writes to any object exceed it. */
  readonly resourceVersion: string;
}

/** Creates `count` objects named `bench-00001`… in `namespace`, `concurrency` requests at a time. */
export async function seedObjects(
  kc: KubeConfig,
  namespace: string,
  count: number,
  concurrency: number,
  now: Date,
): Promise<SeedResult> {
  const api = kc.makeApiClient(CustomObjectsApi);
  const template = exampleObject();
  const status = steadyStatus(now);
  const started = performance.now();
  await runPool(count, concurrency, async (i) => {
    const name = `bench-${String(i + 1).padStart(5, '0')}`;
    const body = { ...template, metadata: { name, namespace } };
    const ref = { ...BENCH_RESOURCE, namespace, name };
    await api.createNamespacedCustomObject({ ...ref, body });
    await api.patchNamespacedCustomObjectStatus({ ...ref, body: { status } }, MERGE_PATCH);
  });
  const seconds = (performance.now() - started) / 1000;
  return { created: count, seconds, resourceVersion: await collectionVersion(kc, namespace) };
}

/** How many objects in `namespace` were written after `resourceVersion` (status writes by the run). */
export async function objectsWrittenSince(
  kc: KubeConfig,
  namespace: string,
  resourceVersion: string,
): Promise<number> {
  const api = kc.makeApiClient(CustomObjectsApi);
  let written = 0;
  let _continue: string | undefined;
  do {
    const page = (await api.listNamespacedCustomObject({
      ...BENCH_RESOURCE,
      namespace,
      limit: 500,
      _continue,
    })) as { items: KubernetesObject[]; metadata?: { continue?: string } };
    // etcd revisions are integers in practice; the comparison is only a report, not a decision.
    written += page.items.filter(
      (o) => Number(o.metadata?.resourceVersion) > Number(resourceVersion),
    ).length;
    _continue = page.metadata?.continue || undefined;
  } while (_continue !== undefined);
  return written;
}

export async function deleteObjects(kc: KubeConfig, namespace: string): Promise<void> {
  await kc
    .makeApiClient(CustomObjectsApi)
    .deleteCollectionNamespacedCustomObject({ ...BENCH_RESOURCE, namespace });
}

async function collectionVersion(kc: KubeConfig, namespace: string): Promise<string> {
  const list = (await kc
    .makeApiClient(CustomObjectsApi)
    .listNamespacedCustomObject({ ...BENCH_RESOURCE, namespace, limit: 1 })) as {
    metadata?: { resourceVersion?: string };
  };
  return list.metadata?.resourceVersion ?? '0';
}

function exampleObject(): KubernetesObject & { spec: unknown } {
  const [example] = loadYamlFile(EXAMPLE) as (KubernetesObject & { spec: unknown })[];
  if (example?.kind !== BENCH_RESOURCE.kind) throw new Error(`${EXAMPLE} is not a ScalePolicy`);
  return { apiVersion: example.apiVersion, kind: example.kind, spec: example.spec };
}

/** A status the runtime would write after a reconcile that changes nothing. */
function steadyStatus(now: Date): Record<string, unknown> {
  const lastTransitionTime = `${now.toISOString().slice(0, 19)}Z`;
  const condition = (type: string, status: string, reason: string, message: string) => ({
    type,
    status,
    reason,
    message,
    observedGeneration: 1,
    lastTransitionTime,
  });
  return {
    observedGeneration: 1,
    phase: 'Stable',
    message: 'benchmark object',
    desired: 6,
    running: 6,
    conditions: [
      condition('Ready', 'True', 'Stable', 'benchmark object'),
      condition('Reconciling', 'False', 'Stable', ''),
      condition('Stalled', 'False', 'Stable', ''),
    ],
  };
}

/** Runs `task(0..count-1)` with at most `concurrency` in flight; the first failure rejects. */
async function runPool(
  count: number,
  concurrency: number,
  task: (index: number) => Promise<void>,
): Promise<void> {
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < count) await task(next++);
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, count) }, worker));
}
