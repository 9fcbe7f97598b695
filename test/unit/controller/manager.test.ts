// The manager's wiring, with scripted informer sources instead of an apiserver: which informer
// updates enqueue a key (the update predicate), what a kind's setup receives, and that shared
// instances are closed at shutdown.
import { KubeConfig } from '@kubernetes/client-node';
import { pino } from 'pino';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { parseConfig } from '../../../controller/config.js';
import { specOrMetadataChanged } from '../../../controller/informer/predicates.js';
import type { CustomObject, KubeObject } from '../../../controller/k8s/types.js';
import type {
  LeaderElectionRecord,
  LeaseLock,
  LockedRecord,
} from '../../../controller/leaderelection/lease-lock.js';
import { Manager } from '../../../controller/manager.js';
import type { BaseStatus } from '../../../controller/resource/types.js';
import { FakeKubeClient } from './support/fake-kube-client.js';
import { FakeSource } from './support/fake-source.js';

const gadgets = { group: 'test.latticedb.com', version: 'v1', plural: 'gadgets' } as const;

function gadget(rv: string, meta: Partial<NonNullable<KubeObject['metadata']>> = {}): KubeObject {
  return {
    apiVersion: 'test.latticedb.com/v1',
    kind: 'Gadget',
    metadata: { namespace: 'ns', name: 'g', generation: 1, resourceVersion: rv, ...meta },
  };
}

describe('specOrMetadataChanged', () => {
  const base = gadget('10', {
    labels: { a: '1' },
    annotations: { x: 'y' },
    finalizers: ['f'],
  });
  const next = (meta: Partial<NonNullable<KubeObject['metadata']>>) =>
    gadget('11', { labels: { a: '1' }, annotations: { x: 'y' }, finalizers: ['f'], ...meta });

  it('passes spec, annotation, label, finalizer and deletion changes, and resyncs', () => {
    expect(specOrMetadataChanged(base, next({ generation: 2 }))).toBe(true);
    expect(specOrMetadataChanged(base, next({ annotations: { x: 'z' } }))).toBe(true);
    expect(specOrMetadataChanged(base, next({ annotations: { x: 'y', op: 'retry' } }))).toBe(true);
    expect(specOrMetadataChanged(base, next({ annotations: {} }))).toBe(true);
    expect(specOrMetadataChanged(base, next({ labels: { a: '2' } }))).toBe(true);
    expect(specOrMetadataChanged(base, next({ finalizers: [] }))).toBe(true);
    expect(specOrMetadataChanged(base, next({ deletionTimestamp: '2026-11-26T10:00:00Z' }))).toBe(
      true,
    );
    expect(specOrMetadataChanged(base, base)).toBe(true); // periodic resync: same object
  });

  it('drops status-only changes', () => {
    const withStatus = { ...next({}), status: { phase: 'Ready' } } as KubeObject;
    expect(specOrMetadataChanged(base, withStatus)).toBe(false);
    // key order and absent-vs-empty do not count as changes
    const reordered = gadget('12', { labels: { a: '1' }, annotations: { x: 'y' } });
    expect(
      specOrMetadataChanged(gadget('11', { labels: { a: '1' }, annotations: { x: 'y' } }), {
        ...reordered,
        metadata: { ...reordered.metadata, finalizers: [] },
      }),
    ).toBe(false);
  });
});

describe('Manager', () => {
  const log = pino({ level: 'silent' });
  let manager: Manager | undefined;

  beforeEach(() => {
    vi.useFakeTimers({ now: new Date('2026-11-26T10:00:00Z') });
  });
  afterEach(async () => {
    const stopping = manager?.stop();
    await vi.runAllTimersAsync();
    await stopping;
    manager = undefined;
    vi.useRealTimers();
  });

  function start(
    flags: string[] = [],
    objects: KubeObject[] = [],
    extra: { leaseLock?: LeaseLock; hang?: boolean } = {},
  ) {
    const config = parseConfig(
      ['--metrics-bind-address=0', '--health-probe-bind-address=0', ...flags],
      { AWS_ENDPOINT_URL: 'http://127.0.0.1:5000', REDIS_URL: 'redis://:pw@redis:6379/0' },
    );
    const kube = new FakeKubeClient();
    const source = new FakeSource('gadgets');
    // The apiserver (for the status patch) and the informer's list agree on the objects.
    source.objects = objects.map((o) => kube.create(gadgets, { ...o, spec: {} } as CustomObject));
    const m = new Manager({
      config,
      kubeConfig: new KubeConfig(),
      logger: log,
      kube,
      sourceFor: () => source,
      ...(extra.leaseLock === undefined ? {} : { leaseLock: extra.leaseLock }),
    });
    manager = m;
    const reconciled: string[] = [];
    const controller = m.register<unknown, BaseStatus & { phase?: string }>({
      kind: 'Gadget',
      resource: gadgets,
      handler: {
        validate: () => [],
        reconcile: (obj) => {
          reconciled.push(obj.metadata.resourceVersion ?? '');
          // A reconcile stuck in a call that ignores the abort signal.
          if (extra.hang === true) return new Promise(() => undefined);
          return Promise.resolve({
            status: { phase: obj.metadata.name === 'g' ? 'Ready' : 'Busy' },
          });
        },
      },
    });
    const enqueue = vi.spyOn(controller, 'enqueue');
    void m.start();
    return { source, enqueue, reconciled, manager: m };
  }

  it('a kind whose cache cannot sync (403, missing CRD) does not stall the others; an error log line and /readyz say which', async () => {
    const lines: { level: number; msg: string; informer?: string; kind?: string }[] = [];
    const logger = pino(
      { level: 'info' },
      { write: (line: string) => lines.push(JSON.parse(line) as (typeof lines)[number]) },
    );
    const config = parseConfig(
      ['--metrics-bind-address=0', '--health-probe-bind-address=0', '--cache-sync-timeout=5s'],
      { AWS_ENDPOINT_URL: 'http://127.0.0.1:5000' },
    );
    const kube = new FakeKubeClient();
    const ok = new FakeSource('gadgets');
    ok.objects = [kube.create(gadgets, { ...gadget('1'), spec: {} } as CustomObject)];
    const forbidden = new FakeSource('widgets');
    forbidden.listError = new Error('widgets is forbidden (403)');
    const widgets = { group: 'test.latticedb.com', version: 'v1', plural: 'widgets' } as const;
    const m = new Manager({
      config,
      kubeConfig: new KubeConfig(),
      logger,
      kube,
      sourceFor: (res) => (res.plural === 'widgets' ? forbidden : ok),
    });
    manager = m;
    const reconciled: string[] = [];
    for (const [kind, resource] of [
      ['Gadget', gadgets],
      ['Widget', widgets],
    ] as const) {
      m.register<unknown, BaseStatus>({
        kind,
        resource,
        handler: {
          validate: () => [],
          reconcile: (obj) => {
            reconciled.push(`${kind}/${obj.metadata.name ?? ''}`);
            return Promise.resolve({ status: {} });
          },
        },
      });
    }
    void m.start();
    await vi.advanceTimersByTimeAsync(1_000);
    expect(reconciled).toContain('Gadget/g'); // not waiting for the widgets cache
    await vi.advanceTimersByTimeAsync(5_000);
    const error = lines.find((l) => l.level === 50 && l.kind === 'Widget');
    expect(error?.msg).toMatch(/cache did not sync within 5s/);
    expect(error?.msg).toContain('widgets is forbidden (403)');
    expect(m.readiness()).toMatchObject({ 'informer gadgets': true, 'informer widgets': false });
  });

  // Issue 9 item 3: ScalePolicy and FlagRollout watch FailoverPlans only to wake sooner; a missing
  // FailoverPlan CRD or a 403 on it must not keep them from starting.
  it('an optional watch whose cache cannot sync does not hold up its kind; a required one does; the error names it', async () => {
    const lines: { level: number; msg: string; kind?: string }[] = [];
    const logger = pino(
      { level: 'info' },
      { write: (line: string) => lines.push(JSON.parse(line) as (typeof lines)[number]) },
    );
    const config = parseConfig(
      ['--metrics-bind-address=0', '--health-probe-bind-address=0', '--cache-sync-timeout=5s'],
      { AWS_ENDPOINT_URL: 'http://127.0.0.1:5000' },
    );
    const kube = new FakeKubeClient();
    const ok = new FakeSource('gadgets');
    ok.objects = [kube.create(gadgets, { ...gadget('1'), spec: {} } as CustomObject)];
    const missing = new FakeSource('widgets');
    missing.listError = new Error('the server could not find the requested resource (404)');
    const widgets = { group: 'test.latticedb.com', version: 'v1', plural: 'widgets' } as const;
    const m = new Manager({
      config,
      kubeConfig: new KubeConfig(),
      logger,
      kube,
      sourceFor: (res) => (res.plural === 'widgets' ? missing : ok),
    });
    manager = m;
    const reconciled: string[] = [];
    for (const [kind, optional] of [
      ['Gadget', true],
      ['Doohickey', false],
    ] as const) {
      m.register<unknown, BaseStatus>({
        kind,
        resource: gadgets,
        watches: [{ resource: widgets, mapToRequests: () => [], optional }],
        handler: {
          validate: () => [],
          reconcile: (obj) => {
            reconciled.push(`${kind}/${obj.metadata.name ?? ''}`);
            return Promise.resolve({ status: {} });
          },
        },
      });
    }
    void m.start();
    await vi.advanceTimersByTimeAsync(1_000);
    expect(reconciled).toContain('Gadget/g');
    expect(reconciled).not.toContain('Doohickey/g');
    await vi.advanceTimersByTimeAsync(5_000);
    const gadgetError = lines.find((l) => l.level === 50 && l.kind === 'Gadget');
    expect(gadgetError?.msg).toMatch(/Gadget: watch on widgets.*did not sync within 5s/);
    expect(gadgetError?.msg).toContain('(404)');
    expect(gadgetError?.msg).toContain('reconciled without it');
    const doohickeyError = lines.find((l) => l.level === 50 && l.kind === 'Doohickey');
    expect(doohickeyError?.msg).toMatch(/Doohickey cache did not sync within 5s/);
    expect(m.readiness()).toMatchObject({ 'informer widgets': false });
    expect(reconciled).not.toContain('Doohickey/g');
  });

  it('enqueues adds, deletes and metadata changes, not status-only updates', async () => {
    const { source, enqueue } = start(['--resync-period=0'], [gadget('5')]);
    await vi.advanceTimersByTimeAsync(0);
    expect(enqueue).toHaveBeenCalledTimes(1); // initial list

    const status = (rv: string, meta = {}) =>
      ({ ...gadget(rv, meta), status: { phase: rv } }) as KubeObject;
    source.send({ type: 'MODIFIED', object: status('11') }); // e.g. our own status patch
    source.send({ type: 'MODIFIED', object: status('12') });
    expect(enqueue).toHaveBeenCalledTimes(1);

    source.send({ type: 'MODIFIED', object: status('13', { annotations: { op: 'retry' } }) });
    expect(enqueue).toHaveBeenCalledTimes(2);
    source.send({ type: 'MODIFIED', object: status('14', { annotations: { op: 'retry' } }) });
    expect(enqueue).toHaveBeenCalledTimes(2);
    source.send({
      type: 'MODIFIED',
      object: status('15', { annotations: { op: 'retry' }, generation: 2 }),
    });
    expect(enqueue).toHaveBeenCalledTimes(3);
    source.send({ type: 'DELETED', object: status('16', { generation: 2 }) });
    expect(enqueue).toHaveBeenCalledTimes(4);
    expect(enqueue.mock.calls.every(([key]) => key === 'ns/g')).toBe(true);
  });

  it('still enqueues on the periodic resync', async () => {
    const { enqueue, reconciled } = start(['--resync-period=1m'], [gadget('5')]);
    await vi.advanceTimersByTimeAsync(1_000);
    expect(enqueue).toHaveBeenCalledTimes(1);
    expect(reconciled).toHaveLength(1);
    await vi.advanceTimersByTimeAsync(60_000);
    expect(enqueue).toHaveBeenCalledTimes(2);
  });

  it('counts cached objects by phase and the phase changes it writes', async () => {
    const { manager: m } = start(
      ['--resync-period=0'],
      [gadget('5'), { ...gadget('6', { name: 'h' }), status: { phase: 'Ready' } } as KubeObject],
    );
    await vi.advanceTimersByTimeAsync(1_000);
    const values = async (name: string) =>
      (await m.metrics.registry.getSingleMetric(name)?.get())?.values.map((v) => ({
        ...v.labels,
        value: v.value,
      }));
    // The cache still holds the listed objects (the fake source does not see our writes).
    expect(await values('latticedb_resources')).toEqual([
      { kind: 'Gadget', phase: 'None', value: 1 },
      { kind: 'Gadget', phase: 'Ready', value: 1 },
    ]);
    expect(await values('latticedb_transitions_total')).toEqual([
      { kind: 'Gadget', from: 'None', to: 'Ready', value: 1 },
      { kind: 'Gadget', from: 'Ready', to: 'Busy', value: 1 },
    ]);
  });

  it('keeps the Lease (to expire) when a reconcile ignores its abort at shutdown', async () => {
    // Releasing it would let a standby reconcile the same key while ours is still running.
    const lock = new MemoryLease();
    const { manager: m, reconciled } = start(
      ['--leader-elect', '--leader-election-namespace=ns', '--shutdown-timeout=1s'],
      [gadget('5')],
      { leaseLock: lock, hang: true },
    );
    await vi.advanceTimersByTimeAsync(1_000);
    expect(reconciled).toHaveLength(1); // in flight, and stays so
    expect(lock.current?.record.holderIdentity).toBe(m.identity);
    const stopping = m.stop();
    await vi.advanceTimersByTimeAsync(5_000);
    expect(await stopping).toMatchObject({ handedBack: ['ns/g'], stillRunning: ['ns/g'] });
    expect(lock.current?.record.holderIdentity).toBe(m.identity);
  });

  it('releases the Lease after a graceful stop with no work left running', async () => {
    const lock = new MemoryLease();
    const { manager: m } = start(
      ['--leader-elect', '--leader-election-namespace=ns'],
      [gadget('5')],
      { leaseLock: lock },
    );
    await vi.advanceTimersByTimeAsync(1_000);
    expect(lock.current?.record.holderIdentity).toBe(m.identity);
    const stopping = m.stop();
    await vi.advanceTimersByTimeAsync(5_000);
    expect((await stopping).handedBack).toEqual([]);
    expect(lock.current?.record.holderIdentity).toBe('');
  });

  it('hands setups the AWS and Redis settings and closes shared instances at shutdown', async () => {
    const { manager: m } = start(['--aws-region=eu-west-1', '--aws-max-attempts=5']);
    const deps = m.deps();
    expect(deps.aws).toEqual({
      defaultRegion: 'eu-west-1',
      endpoint: 'http://127.0.0.1:5000',
      maxAttempts: 5,
      retryMode: 'standard',
    });
    expect(deps.redis).toEqual({ url: 'redis://:pw@redis:6379/0' });
    const close = vi.fn();
    const a = deps.shared('thing', () => ({ id: 1 }), close);
    expect(m.deps().shared('thing', () => ({ id: 2 }), close)).toBe(a);
    const order: string[] = [];
    deps.onShutdown(() => order.push('hook'));
    close.mockImplementation(() => order.push('close'));

    const stopping = m.stop();
    await vi.runAllTimersAsync();
    await stopping;
    expect(close).toHaveBeenCalledExactlyOnceWith(a);
    expect(order).toEqual(['hook', 'close']);
    expect(() => deps.shared('late', () => 1, vi.fn())).toThrow('shutting down');
  });
});

/** A Lease in memory with resourceVersion preconditions. */
class MemoryLease implements LeaseLock {
  readonly description = 'ns/lease';
  current: LockedRecord | undefined;
  #rv = 0;

  get() {
    return Promise.resolve(this.current);
  }

  create(record: LeaderElectionRecord) {
    this.current = { record, resourceVersion: String(++this.#rv) };
    return Promise.resolve(this.current);
  }

  update(record: LeaderElectionRecord, resourceVersion: string) {
    if (this.current?.resourceVersion !== resourceVersion) {
      return Promise.reject(new Error('409 stale resourceVersion'));
    }
    this.current = { record, resourceVersion: String(++this.#rv) };
    return Promise.resolve(this.current);
  }
}
