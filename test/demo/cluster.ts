// Small Kubernetes helpers for scripts that bring their own stack (`npm run demo`, `npm run bench`).
// The integration-test fixtures (test/env/fixtures.ts) read the stack from vitest's `inject`, so
// scripts cannot use them; these take a KubeConfig instead.
import { readFileSync } from 'node:fs';
import { setTimeout as delay } from 'node:timers/promises';
import {
  ApiextensionsV1Api,
  ApiException,
  CoreV1Api,
  KubeConfig,
  KubernetesObjectApi,
  loadAllYaml,
  PatchStrategy,
  type KubernetesObject,
} from '@kubernetes/client-node';

/** Field manager of everything the scripts apply. */
export const SCRIPT_FIELD_MANAGER = 'latticedb-demo';

export function kubeConfigFromFile(path: string): KubeConfig {
  const kc = new KubeConfig();
  kc.loadFromFile(path);
  return kc;
}

/**
 * Parses a YAML file (several documents allowed) into client-node models. `loadAllYaml` keeps
 * `enum` and `x-kubernetes-*` keys of CRDs, which plain js-yaml objects lose in client-node's
 * serializer.
 */
export function loadYamlFile(path: string): KubernetesObject[] {
  return (loadAllYaml(readFileSync(path, 'utf8')) as unknown[]).filter(
    (doc): doc is KubernetesObject => typeof doc === 'object' && doc !== null,
  );
}

/** Server-side apply with our field manager (creates or updates; force takes over fields). */
export async function applyObject(
  kc: KubeConfig,
  obj: KubernetesObject,
): Promise<KubernetesObject> {
  return kc
    .makeApiClient(KubernetesObjectApi)
    .patch(obj, undefined, undefined, SCRIPT_FIELD_MANAGER, true, PatchStrategy.ServerSideApply);
}

/** Applies the CRDs in `paths`, then waits until each is Established and answers a list. */
export async function installCrds(
  kc: KubeConfig,
  paths: readonly string[],
  timeoutMs = 30_000,
): Promise<string[]> {
  const crds = paths.flatMap(loadYamlFile).filter((o) => o.kind === 'CustomResourceDefinition');
  for (const crd of crds) await applyObject(kc, crd);
  const api = kc.makeApiClient(ApiextensionsV1Api);
  const names = crds.map((c) => c.metadata?.name ?? '');
  const deadline = performance.now() + timeoutMs;
  for (const name of names) {
    for (;;) {
      const crd = await api.readCustomResourceDefinition({ name });
      const isTrue = (type: string): boolean =>
        crd.status?.conditions?.some((c) => c.type === type && c.status === 'True') ?? false;
      if (isTrue('Established') && isTrue('NamesAccepted')) break;
      if (performance.now() > deadline) throw new Error(`CRD ${name} not Established in time`);
      await delay(100);
    }
  }
  return names;
}

/** Creates the namespace unless it exists. */
export async function ensureNamespace(kc: KubeConfig, name: string): Promise<void> {
  try {
    await kc.makeApiClient(CoreV1Api).createNamespace({ body: { metadata: { name } } });
  } catch (err) {
    if (!(err instanceof ApiException && err.code === 409)) throw err;
  }
}

/** The `message` of a Kubernetes API error (the Status body), else the error's own message. */
export function apiErrorMessage(err: unknown): string {
  if (err instanceof ApiException) {
    try {
      const body = (typeof err.body === 'string' ? JSON.parse(err.body) : err.body) as {
        message?: string;
      };
      if (body.message !== undefined) return `${err.code}: ${body.message}`;
    } catch {
      // not JSON
    }
    return `HTTP ${err.code}`;
  }
  return err instanceof Error ? err.message : String(err);
}
