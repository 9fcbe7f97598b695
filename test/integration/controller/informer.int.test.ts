// The informer against a real kube-apiserver: paged list, watch, 410 Gone on a too-old
// resourceVersion, and an apiserver restart in the middle (watch error → relist with backoff).
import { CustomObjectsApi } from '@kubernetes/client-node';
import { pino } from 'pino';
import { afterEach, beforeAll, describe, expect, it, onTestFinished } from 'vitest';
import { customObjectSource } from '../../../controller/informer/custom-object-source.js';
import { Informer } from '../../../controller/informer/informer.js';
import type { ListWatchSource } from '../../../controller/informer/source.js';
import type { KubeObject } from '../../../controller/k8s/types.js';
import {
  adminKubeConfig,
  applyCrdFiles,
  createTestNamespace,
  environmentControl,
  testEnv,
  waitFor,
} from '../../env/fixtures.js';
import { createGadget, GADGET_CRD, gadgets } from './gadgets.js';

const log = pino({ level: process.env.TEST_LOG_LEVEL ?? 'silent' });
const informers: Informer<KubeObject>[] = [];

beforeAll(async () => {
  await applyCrdFiles([GADGET_CRD]);
});

afterEach(async () => {
  await Promise.all(informers.splice(0).map((i) => i.stop()));
});

function track(source: ListWatchSource<KubeObject>, pageSize = 500) {
  const events: string[] = [];
  const informer = new Informer<KubeObject>({ source, logger: log, pageSize });
  informer.addEventHandler({
    onAdd: (o) => events.push(`add ${o.metadata?.name}`),
    onUpdate: (a, b) => a !== b && events.push(`update ${b.metadata?.name}`),
    onDelete: (o) => events.push(`delete ${o.metadata?.name}`),
  });
  informers.push(informer);
  return { informer, events };
}

describe('Informer on a real apiserver', () => {
  it('lists in pages, then watches adds, updates and deletes', async () => {
    const kc = adminKubeConfig();
    const ns = await createTestNamespace('informer');
    for (const name of ['a', 'b', 'c', 'd', 'e']) await createGadget(kc, ns, name, { replicas: 1 });
    const calls: string[] = [];
    const real = customObjectSource<KubeObject>(kc, gadgets, { namespace: ns });
    const counting: ListWatchSource<KubeObject> = {
      description: real.description,
      list: (o) => {
        calls.push(`list ${o.continueToken === undefined ? 'first' : 'next'}`);
        return real.list(o);
      },
      watch: (o, e, d) => real.watch(o, e, d),
    };
    const { informer, events } = track(counting, 2);
    informer.start();
    await waitFor(() => informer.hasSynced(), { message: 'initial list' });
    expect(calls).toEqual(['list first', 'list next', 'list next']);
    expect(informer.keys().sort()).toEqual(['a', 'b', 'c', 'd', 'e'].map((n) => `${ns}/${n}`));

    const custom = kc.makeApiClient(CustomObjectsApi);
    await createGadget(kc, ns, 'f', { replicas: 2 });
    await custom.patchNamespacedCustomObject({
      ...gadgets,
      namespace: ns,
      name: 'a',
      body: [{ op: 'replace', path: '/spec/replicas', value: 3 }],
    });
    await custom.deleteNamespacedCustomObject({ ...gadgets, namespace: ns, name: 'b' });
    await waitFor(() => events.includes('delete b'), { message: 'watch events' });
    expect(events.slice(5)).toEqual(['add f', 'update a', 'delete b']);
    expect((informer.get(ns, 'a') as { spec: { replicas: number } }).spec.replicas).toBe(3);
    expect(Object.isFrozen(informer.get(ns, 'a'))).toBe(true);
  });

  it('relists when the apiserver answers a watch with 410 Gone', async () => {
    const kc = adminKubeConfig();
    const ns = await createTestNamespace('informer-gone');
    await createGadget(kc, ns, 'a', { replicas: 1 });
    const real = customObjectSource<KubeObject>(kc, gadgets, { namespace: ns });
    const ends: string[] = [];
    let watches = 0;
    // The first watch asks for resourceVersion 1, long compacted out of the watch cache.
    const tooOld: ListWatchSource<KubeObject> = {
      description: real.description,
      list: (o) => real.list(o),
      watch: (o, onEvent, onEnd) =>
        real.watch(
          { ...o, resourceVersion: watches++ === 0 ? '1' : o.resourceVersion },
          (e) => {
            if (e.type === 'ERROR') ends.push(`ERROR ${e.object.code}`);
            onEvent(e);
          },
          (end) => {
            ends.push(end.reason);
            onEnd(end);
          },
        ),
    };
    const { informer } = track(tooOld);
    informer.start();
    await waitFor(() => informer.relistCount >= 2, { message: 'relist after 410' });
    expect(ends[0]).toMatch(/^(ERROR 410|gone)$/);
    await createGadget(kc, ns, 'b', { replicas: 1 });
    await waitFor(() => informer.get(ns, 'b'), { message: 'watching again after the relist' });
  });

  it.skipIf(!testEnv().managed.kubeApiserver)(
    'survives an apiserver restart: relists and keeps watching',
    async () => {
      const control = environmentControl();
      onTestFinished(() => control.ensureRunning());
      const kc = adminKubeConfig();
      const ns = await createTestNamespace('informer-restart');
      await createGadget(kc, ns, 'before', { replicas: 1 });
      const { informer } = track(customObjectSource<KubeObject>(kc, gadgets, { namespace: ns }));
      informer.start();
      await waitFor(() => informer.hasSynced(), { message: 'initial list' });
      const listsBefore = informer.relistCount;

      await control.restartKubeApiserver();
      await createGadget(kc, ns, 'after', { replicas: 1 });
      await waitFor(() => informer.get(ns, 'after'), {
        timeoutMs: 60_000,
        message: 'object created after the restart',
      });
      expect(informer.relistCount).toBeGreaterThan(listsBefore);
      expect(informer.get(ns, 'before')).toBeDefined();
    },
  );
});
