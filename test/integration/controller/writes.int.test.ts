// Status patches, guarded finalizer patches and Events against a real kube-apiserver, through
// the client-node KubeClient adapter and the generic controller (informer → queue → reconciler).
import { CoreV1Api, CustomObjectsApi } from '@kubernetes/client-node';
import { pino } from 'pino';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { Controller } from '../../../controller/controller.js';
import { customObjectSource } from '../../../controller/informer/custom-object-source.js';
import { Informer } from '../../../controller/informer/informer.js';
import { createKubeClient } from '../../../controller/k8s/client-node.js';
import { kstatusConditions } from '../../../controller/k8s/conditions.js';
import {
  isConflict,
  isFailedPatchTest,
  isInvalid,
  isNotFound,
  isStaleWrite,
} from '../../../controller/k8s/errors.js';
import { KubeEventRecorder, REPORTING_CONTROLLER } from '../../../controller/k8s/events.js';
import { addFinalizer, removeFinalizer } from '../../../controller/k8s/finalizers.js';
import { objectKey, type KubeObject } from '../../../controller/k8s/types.js';
import { RuntimeMetrics } from '../../../controller/observability/metrics.js';
import { ResourceReconciler } from '../../../controller/resource/reconciler.js';
import type { KindHandler, ObjectCache } from '../../../controller/resource/types.js';
import {
  adminKubeConfig,
  applyCrdFiles,
  createTestNamespace,
  waitFor,
} from '../../env/fixtures.js';
import {
  createGadget,
  GADGET_CRD,
  gadgets,
  getGadget,
  type Gadget,
  type GadgetSpec,
  type GadgetStatus,
} from './gadgets.js';

const log = pino({ level: process.env.TEST_LOG_LEVEL ?? 'silent' });
const FINALIZER = 'runtime-test.latticedb.com/cleanup';
const stops: (() => Promise<unknown>)[] = [];

beforeAll(async () => {
  await applyCrdFiles([GADGET_CRD]);
});

afterEach(async () => {
  for (const stop of stops.splice(0)) await stop();
});

describe('KubeClient adapter', () => {
  it('a status patch with a stale resourceVersion is a 409 Conflict; with the current one it applies', async () => {
    const kc = adminKubeConfig();
    const ns = await createTestNamespace('status');
    const created = await createGadget(kc, ns, 'g', { replicas: 1 });
    const kube = createKubeClient(kc);
    const rv = created.metadata.resourceVersion!;
    const first = await kube.patchStatus<Gadget>(gadgets, ns, 'g', {
      metadata: { resourceVersion: rv },
      status: { phase: 'One' },
    });
    const stale: unknown = await kube
      .patchStatus(gadgets, ns, 'g', {
        metadata: { resourceVersion: rv },
        status: { phase: 'Two' },
      })
      .catch((e: unknown) => e);
    expect(isConflict(stale)).toBe(true);
    expect(isStaleWrite(stale)).toBe(true);
    const second = await kube.patchStatus<Gadget>(gadgets, ns, 'g', {
      metadata: { resourceVersion: first.metadata.resourceVersion! },
      status: { phase: null },
    });
    expect(second.status).toEqual({});
    expect(second.metadata.generation).toBe(1); // status writes do not bump generation
    const missing: unknown = await kube.get(gadgets, ns, 'nope').catch((e: unknown) => e);
    expect(isNotFound(missing)).toBe(true);
  });

  it('finalizers: guarded add/remove, and a failed test guard is a 422 told apart from Invalid', async () => {
    const kc = adminKubeConfig();
    const ns = await createTestNamespace('finalizer');
    const created = await createGadget(kc, ns, 'g', { replicas: 1 });
    const kube = createKubeClient(kc);
    const added = await addFinalizer(kube, gadgets, created, FINALIZER);
    expect(added.changed).toBe(true);
    expect(added.object.metadata.finalizers).toEqual([FINALIZER]);
    expect((await addFinalizer(kube, gadgets, added.object, FINALIZER)).changed).toBe(false);

    // Not on the object: nothing is sent.
    expect((await removeFinalizer(kube, gadgets, created, 'other/x')).changed).toBe(false);
    const racing: unknown = await addFinalizer(kube, gadgets, created, 'other/x').catch(
      (e: unknown) => e,
    );
    expect(isFailedPatchTest(racing)).toBe(true);
    expect(isStaleWrite(racing)).toBe(true);
    expect(isInvalid(racing)).toBe(false);
    const invalid: unknown = await kube
      .jsonPatch(gadgets, ns, 'g', [{ op: 'replace', path: '/spec/replicas', value: -1 }])
      .catch((e: unknown) => e);
    expect(isInvalid(invalid)).toBe(true);
    expect(isFailedPatchTest(invalid)).toBe(false);

    await kc
      .makeApiClient(CustomObjectsApi)
      .deleteNamespacedCustomObject({ ...gadgets, namespace: ns, name: 'g' });
    const terminating = await getGadget(kc, ns, 'g');
    expect(terminating.metadata.deletionTimestamp).toBeDefined();
    const removed = await removeFinalizer(kube, gadgets, terminating, FINALIZER);
    expect(removed.changed).toBe(true);
    const gone: unknown = await getGadget(kc, ns, 'g').catch((e: unknown) => e);
    expect((gone as { code?: number }).code).toBe(404);
  });

  it('events are created with reporting fields and repeats aggregate into count', async () => {
    const kc = adminKubeConfig();
    const ns = await createTestNamespace('events');
    const obj = await createGadget(kc, ns, 'g', { replicas: 1 });
    const recorder = new KubeEventRecorder({
      kube: createKubeClient(kc),
      logger: log,
      instance: 'it_host_1',
    });
    await recorder.event(obj, 'Warning', 'ProbeFailed', 'GET https://user:secret@h/health: 503');
    await recorder.event(obj, 'Warning', 'ProbeFailed', 'GET https://user:secret@h/health: 503');
    await recorder.event(obj, 'Normal', 'Recovered', 'healthy again');
    const events = (await kc.makeApiClient(CoreV1Api).listNamespacedEvent({ namespace: ns })).items;
    expect(events.map((e) => [e.type, e.reason, e.message, e.count]).sort()).toEqual([
      ['Normal', 'Recovered', 'healthy again', 1],
      ['Warning', 'ProbeFailed', 'GET https://***@h/health: 503', 2],
    ]);
    const [warning] = events.filter((e) => e.reason === 'ProbeFailed');
    expect(warning).toMatchObject({
      involvedObject: { kind: 'Gadget', name: 'g', namespace: ns, uid: obj.metadata.uid },
      reportingComponent: REPORTING_CONTROLLER,
      reportingInstance: 'it_host_1',
      source: { component: 'latticedb-controller' },
    });
  });
});

describe('controller + resource reconciler', () => {
  function run(ns: string, handler: KindHandler<GadgetSpec, GadgetStatus>) {
    const kc = adminKubeConfig();
    const kube = createKubeClient(kc);
    const metrics = new RuntimeMetrics({ defaultMetrics: false });
    const informer = new Informer<KubeObject>({
      source: customObjectSource(kc, gadgets, { namespace: ns }),
      logger: log,
    });
    const controller = new Controller({
      name: 'gadget',
      kind: 'Gadget',
      logger: log,
      metrics,
      reconciler: new ResourceReconciler<GadgetSpec, GadgetStatus>({
        resource: gadgets,
        handler,
        cache: informer as unknown as ObjectCache<Gadget>,
        kube,
        recorder: new KubeEventRecorder({ kube, logger: log, instance: 'it' }),
      }),
    });
    const enqueue = (o: KubeObject): void => {
      controller.enqueue(objectKey(o));
    };
    informer.addEventHandler({
      onAdd: enqueue,
      onUpdate: (_o, n) => {
        enqueue(n);
      },
      onDelete: enqueue,
    });
    informer.start();
    controller.start();
    stops.push(
      () => controller.shutdown(1_000),
      () => informer.stop(),
    );
    const count = async (result: string) =>
      (await metrics.reconcileTotal.get()).values.find((v) => v.labels.result === result)?.value ??
      0;
    return { kc, count };
  }

  it('a status write that hits 409 (status changed meanwhile) is retried and lands', async () => {
    const ns = await createTestNamespace('conflict');
    let attempts = 0;
    const admin = adminKubeConfig().makeApiClient(CustomObjectsApi);
    const { kc, count } = run(ns, {
      validate: () => [],
      async reconcile(obj) {
        if (++attempts === 1) {
          // Someone else writes status between our read and our status patch: ours was computed
          // from a status that is gone, so the 409 stands and the reconcile is retried.
          await admin.patchNamespacedCustomObjectStatus({
            ...gadgets,
            namespace: ns,
            name: 'g',
            body: [{ op: 'add', path: '/status', value: { phase: 'Elsewhere' } }],
          });
        }
        return {
          status: {
            phase: 'Ready',
            conditions: kstatusConditions('Ready', 'Ok', `replicas ${obj.spec.replicas}`),
          },
        };
      },
    });
    await createGadget(kc, ns, 'g', { replicas: 2 });
    const done = await waitFor(
      async () => {
        const g = await getGadget(kc, ns, 'g');
        return g.status?.phase === 'Ready' ? g : undefined;
      },
      { timeoutMs: 20_000, message: 'status after the conflict' },
    );
    expect(done.status?.observedGeneration).toBe(1);
    expect(await count('error')).toBe(1);
    expect(attempts).toBeGreaterThanOrEqual(2);
  });

  it("a metadata-only write meanwhile (the notifier's ledger annotation, a label) does not fail the status write", async () => {
    const ns = await createTestNamespace('metadata-race');
    let attempts = 0;
    const admin = adminKubeConfig().makeApiClient(CustomObjectsApi);
    const { kc, count } = run(ns, {
      validate: () => [],
      async reconcile(obj) {
        if (++attempts === 1) {
          // resourceVersion moves, status and spec do not: the patch's base still holds.
          await admin.patchNamespacedCustomObject({
            ...gadgets,
            namespace: ns,
            name: 'g',
            body: [
              { op: 'add', path: '/metadata/labels', value: { touched: 'yes' } },
              {
                op: 'add',
                path: '/metadata/annotations',
                value: { 'notifications.delivery.latticedb.com/sent': '{"through":"x","keys":[]}' },
              },
            ],
          });
        }
        return {
          status: {
            phase: 'Ready',
            conditions: kstatusConditions('Ready', 'Ok', `replicas ${obj.spec.replicas}`),
          },
        };
      },
    });
    await createGadget(kc, ns, 'g', { replicas: 2 });
    const done = await waitFor(
      async () => {
        const g = await getGadget(kc, ns, 'g');
        return g.status?.phase === 'Ready' ? g : undefined;
      },
      { timeoutMs: 20_000, message: 'status after the metadata write' },
    );
    expect(done.status?.observedGeneration).toBe(1);
    // The first reconcile's own write landed: no 409, no retry with backoff.
    expect(await count('error')).toBe(0);
    expect(done.metadata.labels).toEqual({ touched: 'yes' });
  });

  it('adds the finalizer, finalizes on delete and removes it', async () => {
    const ns = await createTestNamespace('finalize');
    const finalized: string[] = [];
    const { kc } = run(ns, {
      validate: () => [],
      reconcile: () =>
        Promise.resolve({
          status: { phase: 'Ready', conditions: kstatusConditions('Ready', 'Ok', '') },
        }),
      finalizer: {
        name: FINALIZER,
        wanted: () => true,
        finalize: (obj) => {
          finalized.push(obj.metadata.name ?? '');
          return Promise.resolve({ cleanedUp: true });
        },
      },
    });
    await createGadget(kc, ns, 'g', { replicas: 1 });
    await waitFor(
      async () => (await getGadget(kc, ns, 'g')).metadata.finalizers?.includes(FINALIZER),
      {
        message: 'finalizer added',
      },
    );
    await kc
      .makeApiClient(CustomObjectsApi)
      .deleteNamespacedCustomObject({ ...gadgets, namespace: ns, name: 'g' });
    await waitFor(
      () =>
        getGadget(kc, ns, 'g').then(
          () => false,
          (e: unknown) => (e as { code?: number }).code === 404,
        ),
      {
        timeoutMs: 20_000,
        message: 'object gone after finalize',
      },
    );
    expect(finalized).toEqual(['g']);
  });
});
