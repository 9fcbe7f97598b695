// What makes the manager reconcile an object, on a real apiserver: creation, spec edits and
// annotation changes (operator actions) do; status-only writes — our own status patch, or anyone
// else's — do not; `requeueAfterMs` still brings an object back without any event.
// Watch events arrive in order, so once the reconcile caused by a later change has run, every
// earlier event has been through the predicate: counting enqueues is then exact.
import { CustomObjectsApi, PatchStrategy, setHeaderOptions } from '@kubernetes/client-node';
import { pino } from 'pino';
import { afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { parseConfig } from '../../../controller/config.js';
import { kstatusConditions } from '../../../controller/k8s/conditions.js';
import { Manager } from '../../../controller/manager.js';
import {
  adminKubeConfig,
  applyCrdFiles,
  createTestNamespace,
  waitFor,
} from '../../env/fixtures.js';
import { createGadget, GADGET_CRD, gadgets, getGadget, type GadgetStatus } from './gadgets.js';

const log = pino({ level: process.env.TEST_LOG_LEVEL ?? 'silent' });
const MERGE = setHeaderOptions('Content-Type', PatchStrategy.MergePatch);
let manager: Manager | undefined;

beforeAll(async () => {
  await applyCrdFiles([GADGET_CRD]);
});

afterEach(async () => {
  await manager?.stop();
  manager = undefined;
});

interface Seen {
  readonly name: string;
  readonly annotation: string | undefined;
}

function startManager(ns: string) {
  const config = parseConfig(
    [
      `--namespaces=${ns}`,
      '--resync-period=0', // only events and requeues count here
      '--metrics-bind-address=0',
      '--health-probe-bind-address=0',
    ],
    {},
  );
  const m = new Manager({ config, kubeConfig: adminKubeConfig(), logger: log });
  manager = m;
  const seen: Seen[] = [];
  const controller = m.register<{ replicas: number }, GadgetStatus>({
    kind: gadgets.kind,
    resource: gadgets,
    handler: {
      validate: () => [],
      reconcile(obj) {
        const name = obj.metadata.name ?? '';
        seen.push({ name, annotation: obj.metadata.annotations?.['example.com/retry'] });
        const first = seen.filter((s) => s.name === name).length === 1;
        return Promise.resolve({
          status: { phase: 'Ready', conditions: kstatusConditions('Ready', 'Ok', '') },
          // `timed` asks to come back once, as a step with a deadline would.
          ...(name === 'timed' && first ? { requeueAfterMs: 500 } : {}),
        });
      },
    },
  });
  const enqueue = vi.spyOn(controller, 'enqueue');
  void m.start();
  const enqueued = (name: string) =>
    enqueue.mock.calls.filter(([key]) => key === `${ns}/${name}`).length;
  const reconciles = (name: string) => seen.filter((s) => s.name === name);
  return { enqueued, reconciles };
}

describe('reconcile triggers', () => {
  it('ignores status-only changes and reacts to annotation changes', async () => {
    const ns = await createTestNamespace('triggers');
    const kc = adminKubeConfig();
    const custom = kc.makeApiClient(CustomObjectsApi);
    const { enqueued, reconciles } = startManager(ns);

    await createGadget(kc, ns, 'g', { replicas: 1 });
    await waitFor(async () => (await getGadget(kc, ns, 'g')).status?.phase === 'Ready', {
      message: 'our status patch',
    });
    // Someone else's status-only write: not a reason to reconcile either.
    await custom.patchNamespacedCustomObjectStatus(
      { ...gadgets, namespace: ns, name: 'g', body: { status: { phase: 'Tampered' } } },
      MERGE,
    );
    // An operator action: an annotation.
    await custom.patchNamespacedCustomObject(
      {
        ...gadgets,
        namespace: ns,
        name: 'g',
        body: { metadata: { annotations: { 'example.com/retry': '1' } } },
      },
      MERGE,
    );
    await waitFor(() => reconciles('g').some((s) => s.annotation === '1'), {
      message: 'the reconcile caused by the annotation',
    });
    expect(reconciles('g').map((s) => s.annotation)).toEqual([undefined, '1']);
    expect(enqueued('g')).toBe(2); // the add and the annotation; neither status write
    await waitFor(async () => (await getGadget(kc, ns, 'g')).status?.phase === 'Ready', {
      message: 'the tampered status corrected by that reconcile',
    });

    // A spec edit (generation bump) reconciles too.
    await custom.patchNamespacedCustomObject(
      { ...gadgets, namespace: ns, name: 'g', body: { spec: { replicas: 2 } } },
      MERGE,
    );
    await waitFor(() => reconciles('g').length === 3, { message: 'the spec reconcile' });
    expect(enqueued('g')).toBe(3);
  });

  it('still requeues after requeueAfterMs without any event', async () => {
    const ns = await createTestNamespace('triggers-timed');
    const kc = adminKubeConfig();
    const { enqueued, reconciles } = startManager(ns);
    await createGadget(kc, ns, 'timed', { replicas: 1 });
    await waitFor(() => reconciles('timed').length === 2, {
      message: 'the timed requeue',
    });
    expect(enqueued('timed')).toBe(1); // only the add came from the informer
  });
});
