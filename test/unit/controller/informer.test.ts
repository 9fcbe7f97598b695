import { pino } from 'pino';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { ExponentialBackoff } from '../../../controller/backoff.js';
import { KubeApiError } from '../../../controller/k8s/errors.js';
import type { KubeObject } from '../../../controller/k8s/types.js';
import { Informer } from '../../../controller/informer/informer.js';
import { FakeSource } from './support/fake-source.js';

const obj = (name: string, rv: string): KubeObject => ({
  metadata: { namespace: 'ns', name, resourceVersion: rv },
});

function setup(options: { resyncPeriodMs?: number; watchdogMs?: number } = {}) {
  const source = new FakeSource();
  const log: string[] = [];
  const informer = new Informer<KubeObject>({
    source,
    logger: pino({ level: 'silent' }),
    pageSize: 2,
    backoff: new ExponentialBackoff({ initialMs: 1_000, maxMs: 30_000, jitter: 0 }),
    ...options,
  });
  informer.addEventHandler({
    onAdd: (o) => log.push(`add ${o.metadata?.name}@${o.metadata?.resourceVersion}`),
    onUpdate: (a, b) =>
      log.push(
        `update ${a.metadata?.name}@${a.metadata?.resourceVersion}->${b.metadata?.resourceVersion}`,
      ),
    onDelete: (o) => log.push(`delete ${o.metadata?.name}`),
  });
  return { source, informer, log };
}

describe('Informer', () => {
  beforeEach(() => {
    vi.useFakeTimers({ now: new Date('2026-11-26T10:00:00Z') });
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  it('lists all pages, syncs, then watches from the list resourceVersion', async () => {
    const { source, informer, log } = setup();
    source.objects = [obj('a', '3'), obj('b', '4'), obj('c', '5')];
    expect(informer.hasSynced()).toBe(false);
    informer.start();
    await vi.advanceTimersByTimeAsync(0);
    expect(source.lists).toEqual([
      { limit: 2, continueToken: undefined },
      { limit: 2, continueToken: '2' },
    ]);
    expect(informer.hasSynced()).toBe(true);
    expect(log).toEqual(['add a@3', 'add b@4', 'add c@5']);
    expect(source.watches).toEqual([{ resourceVersion: '10' }]);
    source.send({ type: 'MODIFIED', object: obj('a', '11') });
    source.send({ type: 'MODIFIED', object: obj('a', '11') }); // same RV: no event
    source.send({ type: 'DELETED', object: obj('b', '12') });
    source.send({ type: 'BOOKMARK', object: { metadata: { resourceVersion: '15' } } });
    expect(log.slice(3)).toEqual(['update a@3->11', 'delete b']);
    source.end({ reason: 'closed' });
    await vi.advanceTimersByTimeAsync(2_000);
    expect(source.watches.at(-1)).toEqual({ resourceVersion: '15' }); // resumed, no relist
    expect(source.lists).toHaveLength(2);
    await informer.stop();
  });

  it('keeps cached objects frozen', async () => {
    const { source, informer } = setup();
    source.objects = [obj('a', '3')];
    informer.start();
    await vi.advanceTimersByTimeAsync(0);
    const cached = informer.get('ns', 'a')!;
    expect(Object.isFrozen(cached) && Object.isFrozen(cached.metadata)).toBe(true);
    expect(() => {
      cached.metadata!.name = 'x';
    }).toThrow(TypeError);
    await informer.stop();
  });

  it('relists at once on 410 Gone and reports objects that vanished meanwhile as deleted', async () => {
    const { source, informer, log } = setup();
    source.objects = [obj('a', '3'), obj('b', '4')];
    informer.start();
    await vi.advanceTimersByTimeAsync(0);
    source.objects = [obj('a', '20'), obj('c', '21')];
    source.rv = '22';
    source.send({ type: 'ERROR', object: { code: 410, message: 'too old resource version' } });
    await vi.advanceTimersByTimeAsync(0);
    expect(source.lists).toHaveLength(2);
    expect(log.slice(2)).toEqual(['add c@21', 'update a@3->20', 'delete b']);
    expect(source.watches.at(-1)).toEqual({ resourceVersion: '22' });
    expect(informer.relistCount).toBe(2);
    await informer.stop();
  });

  it('relists with exponential backoff after watch and list errors', async () => {
    const { source, informer } = setup();
    informer.start();
    await vi.advanceTimersByTimeAsync(0);
    source.listError = new KubeApiError(503, 'ServiceUnavailable', 'apiserver restarting');
    source.end({ reason: 'error', error: new Error('socket hang up') });
    await vi.advanceTimersByTimeAsync(999);
    expect(source.lists).toHaveLength(1);
    await vi.advanceTimersByTimeAsync(1); // 1 s after the watch error
    expect(source.lists).toHaveLength(2);
    await vi.advanceTimersByTimeAsync(2_000); // 2 s after the failed list
    expect(source.lists).toHaveLength(3);
    source.listError = undefined;
    await vi.advanceTimersByTimeAsync(4_000);
    expect(source.lists).toHaveLength(4);
    expect(source.watches).toHaveLength(2);
    await informer.stop();
  });

  it('relists when the watch stays silent longer than the watchdog', async () => {
    const { source, informer } = setup({ watchdogMs: 60_000 });
    informer.start();
    await vi.advanceTimersByTimeAsync(30_000);
    source.send({ type: 'BOOKMARK', object: { metadata: { resourceVersion: '11' } } });
    await vi.advanceTimersByTimeAsync(59_000);
    expect(source.lists).toHaveLength(1);
    await vi.advanceTimersByTimeAsync(1_000);
    expect(source.lists).toHaveLength(2);
    expect(source.stopped).toBe(1); // the silent watch was stopped
    await informer.stop();
  });

  it('resync re-delivers every cached object as an update', async () => {
    const { source, informer, log } = setup({ resyncPeriodMs: 60_000 });
    source.objects = [obj('a', '3'), obj('b', '4')];
    informer.start();
    await vi.advanceTimersByTimeAsync(60_000);
    expect(log).toEqual(['add a@3', 'add b@4', 'update a@3->3', 'update b@4->4']);
    await informer.stop();
  });

  it('caches objects without managedFields and the last-applied annotation, the rest intact', async () => {
    const { source, informer } = setup();
    const managedFields = [
      { manager: 'kubectl', operation: 'Update', fieldsV1: { 'f:spec': { 'f:flag': {} } } },
      { manager: 'latticedb-controller', subresource: 'status', fieldsV1: { 'f:status': {} } },
    ];
    const full = (
      name: string,
      rv: string,
      annotations: Record<string, string>,
    ): KubeObject & { spec: unknown; status: unknown } => ({
      apiVersion: 'delivery.latticedb.com/v1alpha1',
      kind: 'FlagRollout',
      metadata: {
        namespace: 'ns',
        name,
        resourceVersion: rv,
        generation: 2,
        finalizers: ['delivery.latticedb.com/flag'],
        labels: { team: 'db' },
        annotations,
        managedFields,
      },
      spec: { flag: 'f', steps: [{ percentage: 5 }] },
      status: { observedGeneration: 2, conditions: [{ type: 'Ready', status: 'True' }] },
    });
    const lastApplied = { 'kubectl.kubernetes.io/last-applied-configuration': '{"spec":{}}' };
    const abort = { 'delivery.latticedb.com/abort': 'true' };
    source.objects = [
      full('listed', '3', { ...lastApplied, ...abort }),
      full('bare', '4', lastApplied),
    ];
    informer.start();
    await vi.advanceTimersByTimeAsync(0);
    const sent = full('watched', '11', { ...lastApplied, ...abort });
    source.send({ type: 'ADDED', object: sent });
    const expected = (name: string, rv: string, annotations?: Record<string, string>) => {
      const { managedFields: _m, annotations: _a, ...metadata } = full(name, rv, {}).metadata!;
      return {
        ...full(name, rv, {}),
        metadata: { ...metadata, ...(annotations === undefined ? {} : { annotations }) },
      };
    };
    // What handlers read (spec, status, generation, finalizers, labels, other annotations) stays.
    expect(informer.get('ns', 'listed')).toStrictEqual(expected('listed', '3', abort));
    expect(informer.get('ns', 'bare')).toStrictEqual(expected('bare', '4'));
    expect(informer.get('ns', 'watched')).toStrictEqual(expected('watched', '11', abort));
    expect(sent.metadata?.managedFields).toBe(managedFields); // the source's object is not changed
    await informer.stop();
  });
});
