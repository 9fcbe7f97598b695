/**
 * {@link KubeClient} over @kubernetes/client-node 2.0. Custom objects go through
 * `CustomObjectsApi` (raw JSON); patches set their content type explicitly, because the generated
 * methods default to JSON Patch and custom resources reject strategic merge patch (415).
 * Every request carries a timeout so a hung connection cannot stall a reconcile forever.
 */
import {
  CoreV1Api,
  CustomObjectsApi,
  Observable,
  PatchStrategy,
  setHeaderOptions,
  type ConfigurationOptions,
  type CoreV1Event,
  type KubeConfig,
  type ObservableMiddleware,
  type RequestContext,
  type V1Secret,
} from '@kubernetes/client-node';
import type { KubeClient, ListOptions, StatusPatch } from './client.js';
import { toKubeApiError } from './errors.js';
import type {
  CoreEvent,
  CustomObject,
  GroupVersionResource,
  JsonPatchOperation,
  ObjectList,
} from './types.js';

/** Options applying a per-request deadline (client-node has no client-wide timeout). */
export function requestTimeoutOptions(
  timeoutMs: number,
  base?: ConfigurationOptions,
): ConfigurationOptions {
  const timeout: ObservableMiddleware = {
    pre: (ctx: RequestContext) => {
      ctx.setSignal(AbortSignal.timeout(timeoutMs));
      return new Observable(Promise.resolve(ctx));
    },
    post: (response) => new Observable(Promise.resolve(response)),
  };
  return {
    ...base,
    middleware: [...(base?.middleware ?? []), timeout],
    middlewareMergeStrategy: 'append',
  };
}

export function createKubeClient(
  kc: KubeConfig,
  options: { requestTimeoutMs?: number } = {},
): KubeClient {
  const custom = kc.makeApiClient(CustomObjectsApi);
  const core = kc.makeApiClient(CoreV1Api);
  const timeout = requestTimeoutOptions(options.requestTimeoutMs ?? 30_000);
  const withType = (type: PatchStrategy) => setHeaderOptions('Content-Type', type, timeout);
  const merge = withType(PatchStrategy.MergePatch);
  const json = withType(PatchStrategy.JsonPatch);

  const call = async <R>(fn: () => Promise<unknown>): Promise<R> => {
    try {
      return (await fn()) as R;
    } catch (err) {
      throw toKubeApiError(err);
    }
  };

  return {
    get: <T extends CustomObject>(res: GroupVersionResource, namespace: string, name: string) =>
      call<T>(() => custom.getNamespacedCustomObject({ ...res, namespace, name }, timeout)),

    list: <T extends CustomObject>(res: GroupVersionResource, opts: ListOptions = {}) => {
      const q = {
        ...res,
        labelSelector: opts.labelSelector,
        limit: opts.limit,
        _continue: opts.continueToken,
      };
      return call<ObjectList<T>>(() =>
        opts.namespace === undefined
          ? custom.listClusterCustomObject(q, timeout)
          : custom.listNamespacedCustomObject({ ...q, namespace: opts.namespace }, timeout),
      );
    },

    patchStatus: <T extends CustomObject>(
      res: GroupVersionResource,
      namespace: string,
      name: string,
      body: StatusPatch,
    ) =>
      call<T>(() =>
        custom.patchNamespacedCustomObjectStatus({ ...res, namespace, name, body }, merge),
      ),

    jsonPatch: <T extends CustomObject>(
      res: GroupVersionResource,
      namespace: string,
      name: string,
      body: readonly JsonPatchOperation[],
    ) => call<T>(() => custom.patchNamespacedCustomObject({ ...res, namespace, name, body }, json)),

    getSecret: async (namespace, name) => {
      const secret = await call<V1Secret>(() =>
        core.readNamespacedSecret({ namespace, name }, timeout),
      );
      return {
        namespace,
        name,
        resourceVersion: secret.metadata?.resourceVersion,
        data: Object.fromEntries(
          Object.entries(secret.data ?? {}).map(([k, v]) => [
            k,
            Buffer.from(v, 'base64').toString('utf8'),
          ]),
        ),
      };
    },

    createEvent: async (event: CoreEvent) =>
      fromCoreEvent(
        await call<CoreV1Event>(() =>
          core.createNamespacedEvent(
            { namespace: event.metadata.namespace, body: toCoreEvent(event) },
            timeout,
          ),
        ),
      ),

    patchEvent: async (namespace, name, patch) =>
      fromCoreEvent(
        await call<CoreV1Event>(() =>
          core.patchNamespacedEvent({ namespace, name, body: patch }, merge),
        ),
      ),
  };
}

// client-node's models are data-only classes: the serializer reads their fields, never their
// prototype, so plain objects are what it expects in practice.
function toCoreEvent(e: CoreEvent): CoreV1Event {
  return {
    ...e,
    metadata: { name: e.metadata.name, namespace: e.metadata.namespace },
    firstTimestamp: new Date(e.firstTimestamp),
    lastTimestamp: new Date(e.lastTimestamp),
  };
}

function fromCoreEvent(e: CoreV1Event): CoreEvent {
  const iso = (d: Date | undefined) => (d === undefined ? '' : new Date(d).toISOString());
  return {
    metadata: {
      name: e.metadata.name ?? '',
      namespace: e.metadata.namespace ?? '',
      resourceVersion: e.metadata.resourceVersion,
    },
    involvedObject: {
      apiVersion: e.involvedObject.apiVersion,
      kind: e.involvedObject.kind,
      name: e.involvedObject.name,
      namespace: e.involvedObject.namespace,
      uid: e.involvedObject.uid,
      resourceVersion: e.involvedObject.resourceVersion,
    },
    type: e.type === 'Warning' ? 'Warning' : 'Normal',
    reason: e.reason ?? '',
    message: e.message ?? '',
    count: e.count ?? 1,
    firstTimestamp: iso(e.firstTimestamp),
    lastTimestamp: iso(e.lastTimestamp),
    source: { component: e.source?.component ?? '', host: e.source?.host },
    reportingComponent: e.reportingComponent ?? '',
    reportingInstance: e.reportingInstance ?? '',
  };
}
