// The kube-apiserver can be stopped and started again mid-test (same port, same etcd): the data
// survives, a client object keeps working, and a watch that the outage ended can be re-established,
// which is what the controller's informers must do.
import { CustomObjectsApi, Watch } from '@kubernetes/client-node';
import { beforeAll, describe, expect, it, onTestFinished } from 'vitest';
import {
  adminKubeConfig,
  applyCrdFiles,
  createTestNamespace,
  environmentControl,
  testEnv,
  uniqueName,
  waitFor,
} from '../../env/fixtures.js';
import { widget, WIDGET_CRD_FILES, widgets, type Widget } from './widgets.js';

let namespace: string;

beforeAll(async () => {
  await applyCrdFiles(WIDGET_CRD_FILES);
  namespace = await createTestNamespace('restart');
});

describe.skipIf(!testEnv().managed.kubeApiserver)('kube-apiserver restart', () => {
  it('keeps data, and clients and watches work again afterwards', async () => {
    const control = environmentControl();
    onTestFinished(() => control.ensureRunning());
    const kc = adminKubeConfig();
    const custom = kc.makeApiClient(CustomObjectsApi);
    const path = `/apis/${widgets.group}/${widgets.version}/namespaces/${namespace}/${widgets.plural}`;
    const before = uniqueName('before');
    const created = (await custom.createNamespacedCustomObject({
      ...widgets,
      namespace,
      body: widget(namespace, before, { replicas: 1 }),
    })) as Widget;

    let watchEnded = false;
    const firstWatch = await new Watch(kc).watch(
      path,
      { resourceVersion: created.metadata?.resourceVersion },
      () => undefined,
      () => (watchEnded = true),
    );
    onTestFinished(() => {
      firstWatch.abort();
    });

    await control.stopKubeApiserver();
    await waitFor(() => watchEnded, { message: 'the watch to notice the apiserver went away' });
    const whileDown: unknown = await custom
      .getNamespacedCustomObject({ ...widgets, namespace, name: before })
      .catch((e: unknown) => e);
    expect(whileDown).toBeInstanceOf(Error);
    await control.startKubeApiserver();

    // Same client object, same port: reads what was there before and writes new objects.
    const read = (await custom.getNamespacedCustomObject({
      ...widgets,
      namespace,
      name: before,
    })) as Widget;
    expect(read.metadata?.uid).toBe(created.metadata?.uid);

    // The broken watch is re-established (list, then watch from the list's resourceVersion, as an
    // informer does; an older resourceVersion may be answered with 410 Gone after a restart).
    const list = (await custom.listNamespacedCustomObject({ ...widgets, namespace })) as {
      metadata: { resourceVersion: string };
    };
    const events: string[] = [];
    const resumed = await new Watch(kc).watch(
      path,
      { resourceVersion: list.metadata.resourceVersion },
      (type: string, obj: Widget) => events.push(`${type} ${obj.metadata?.name ?? ''}`),
      () => undefined,
    );
    onTestFinished(() => {
      resumed.abort();
    });
    const after = uniqueName('after');
    await custom.createNamespacedCustomObject({
      ...widgets,
      namespace,
      body: widget(namespace, after, { replicas: 1 }),
    });
    await waitFor(() => events.includes(`ADDED ${after}`), { message: 'the resumed watch' });
    expect(events).not.toContain(`ADDED ${before}`);
  });
});
