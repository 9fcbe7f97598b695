// The real kube-apiserver does what the controller relies on: CRDs with schema and CEL validation,
// the status subresource, watch, optimistic concurrency, Leases (MicroTime) and Events.
import {
  CoordinationV1Api,
  CoreV1Api,
  CustomObjectsApi,
  EventsV1Api,
  PatchStrategy,
  setHeaderOptions,
  V1MicroTime,
  Watch,
  type V1CustomResourceDefinition,
} from '@kubernetes/client-node';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  adminKubeConfig,
  apiStatus,
  applyCrdFiles,
  createTestNamespace,
  uniqueName,
  waitFor,
} from '../../env/fixtures.js';
import { widget, WIDGET_CRD_FILES, widgets, type Widget } from './widgets.js';

const MERGE_PATCH = setHeaderOptions('Content-Type', PatchStrategy.MergePatch);

let crds: V1CustomResourceDefinition[];
let namespace: string;

beforeAll(async () => {
  crds = await applyCrdFiles(WIDGET_CRD_FILES);
  namespace = await createTestNamespace('kube-api');
});

describe('custom resources', () => {
  const custom = () => adminKubeConfig().makeApiClient(CustomObjectsApi);
  const create = (w: Widget) =>
    custom().createNamespacedCustomObject({ ...widgets, namespace, body: w }) as Promise<Widget>;

  it('applies the CRD and it reaches Established and NamesAccepted', () => {
    const conditions = crds[0]?.status?.conditions ?? [];
    expect(conditions).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ type: 'Established', status: 'True' }),
        expect.objectContaining({ type: 'NamesAccepted', status: 'True' }),
      ]),
    );
  });

  it('creates, reads and watches a resource and updates status through the subresource', async () => {
    const kc = adminKubeConfig();
    const seen: { type: string; phase: string | undefined }[] = [];
    const watch = await new Watch(kc).watch(
      `/apis/${widgets.group}/${widgets.version}/namespaces/${namespace}/${widgets.plural}`,
      {},
      (type: string, obj: Widget) => seen.push({ type, phase: obj.status?.phase }),
      () => undefined,
    );
    try {
      const name = uniqueName('watched');
      const created = await create(widget(namespace, name, { replicas: 2, color: 'red' }));
      const read = (await custom().getNamespacedCustomObject({
        ...widgets,
        namespace,
        name,
      })) as Widget;
      expect(read.spec).toEqual({ replicas: 2, color: 'red' });
      expect(read.metadata?.uid).toBe(created.metadata?.uid);

      // The status endpoint ignores spec changes; the main endpoint ignores status changes.
      const patched = (await custom().patchNamespacedCustomObjectStatus(
        {
          ...widgets,
          namespace,
          name,
          body: { spec: { replicas: 9 }, status: { phase: 'Ready', observedGeneration: 1 } },
        },
        MERGE_PATCH,
      )) as Widget;
      expect(patched.status).toEqual({ phase: 'Ready', observedGeneration: 1 });
      expect(patched.spec.replicas).toBe(2);
      expect(patched.metadata?.generation).toBe(created.metadata?.generation);
      const specPatched = (await custom().patchNamespacedCustomObject(
        { ...widgets, namespace, name, body: { status: { phase: 'Hacked' } } },
        MERGE_PATCH,
      )) as Widget;
      expect(specPatched.status?.phase).toBe('Ready');

      await waitFor(() => seen.some((e) => e.type === 'MODIFIED' && e.phase === 'Ready'), {
        message: 'the watch to deliver the status update',
      });
      expect(seen[0]).toEqual({ type: 'ADDED', phase: undefined });
    } finally {
      watch.abort();
    }
  });

  it('rejects a spec that violates the schema, naming the field', async () => {
    const cases = [
      {
        spec: { replicas: 0 },
        field: 'spec.replicas',
        text: 'should be greater than or equal to 1',
      },
      { spec: { replicas: 1, color: 'purple' }, field: 'spec.color', text: 'Unsupported value' },
      { spec: { replicas: 5, maxReplicas: 3 }, field: 'spec.replicas', text: 'must not exceed' },
    ];
    for (const { spec, field, text } of cases) {
      const err: unknown = await create(widget(namespace, uniqueName('invalid'), spec)).catch(
        (e: unknown) => e,
      );
      const status = apiStatus(err);
      expect(status).toMatchObject({ code: 422, reason: 'Invalid' });
      expect(status.message).toContain(field);
      expect(status.message).toContain(text);
    }
  });

  it('answers an update with a stale resourceVersion with 409 Conflict', async () => {
    const name = uniqueName('conflict');
    const first = await create(widget(namespace, name, { replicas: 1 }));
    await custom().replaceNamespacedCustomObject({
      ...widgets,
      namespace,
      name,
      body: { ...first, spec: { replicas: 2 } },
    });
    const stale: unknown = await custom()
      .replaceNamespacedCustomObject({
        ...widgets,
        namespace,
        name,
        body: { ...first, spec: { replicas: 3 } },
      })
      .catch((e: unknown) => e);
    expect(apiStatus(stale)).toMatchObject({ code: 409, reason: 'Conflict' });
  });
});

describe('coordination and events', () => {
  it('creates and renews a Lease with microsecond timestamps', async () => {
    const coordination = adminKubeConfig().makeApiClient(CoordinationV1Api);
    const name = uniqueName('leader');
    const acquired = new V1MicroTime();
    const lease = (holderIdentity: string, renewTime: V1MicroTime, resourceVersion?: string) => ({
      metadata: { name, resourceVersion },
      spec: { holderIdentity, leaseDurationSeconds: 15, acquireTime: acquired, renewTime },
    });
    const created = await coordination.createNamespacedLease({
      namespace,
      body: lease('a', acquired),
    });
    // The apiserver stores and returns MicroTime with exactly six fractional digits.
    expect(String(created.spec?.renewTime)).toMatch(/\.\d{6}Z$/);

    const firstVersion = created.metadata?.resourceVersion;
    const renewed = await coordination.replaceNamespacedLease({
      name,
      namespace,
      body: lease('a', new V1MicroTime(), firstVersion),
    });
    expect(renewed.metadata?.resourceVersion).not.toBe(firstVersion);
    expect(Date.parse(String(renewed.spec?.renewTime))).toBeGreaterThanOrEqual(acquired.getTime());

    // A second candidate taking over from the old copy loses: that is what makes election safe.
    const lost: unknown = await coordination
      .replaceNamespacedLease({
        name,
        namespace,
        body: lease('b', new V1MicroTime(), firstVersion),
      })
      .catch((e: unknown) => e);
    expect(apiStatus(lost)).toMatchObject({ code: 409, reason: 'Conflict' });
  });

  it('creates core/v1 and events.k8s.io/v1 Events about a custom resource', async () => {
    const kc = adminKubeConfig();
    const name = uniqueName('evented');
    const target = (await kc.makeApiClient(CustomObjectsApi).createNamespacedCustomObject({
      ...widgets,
      namespace,
      body: widget(namespace, name, { replicas: 1 }),
    })) as Widget;
    const ref = {
      apiVersion: target.apiVersion,
      kind: target.kind,
      name,
      namespace,
      uid: target.metadata?.uid,
    };
    const core = kc.makeApiClient(CoreV1Api);
    await core.createNamespacedEvent({
      namespace,
      body: {
        metadata: { generateName: `${name}-` },
        involvedObject: ref,
        type: 'Normal',
        reason: 'Tested',
        message: 'core/v1 event',
        source: { component: 'latticedb-tests' },
        firstTimestamp: new Date(),
        lastTimestamp: new Date(),
        count: 1,
      },
    });
    await kc.makeApiClient(EventsV1Api).createNamespacedEvent({
      namespace,
      body: {
        metadata: { generateName: `${name}-` },
        regarding: ref,
        type: 'Warning',
        reason: 'Tested',
        note: 'events.k8s.io/v1 event',
        action: 'Test',
        eventTime: new V1MicroTime(),
        reportingController: 'latticedb.com/tests',
        reportingInstance: 'tests-1',
      },
    });
    const events = await core.listNamespacedEvent({
      namespace,
      fieldSelector: `involvedObject.name=${name}`,
    });
    expect(events.items.map((e) => e.message).sort()).toEqual([
      'core/v1 event',
      'events.k8s.io/v1 event',
    ]);
  });
});
