// External event sources: started with the workers (not before), fed into the same work queue as
// informer events, given the kind's cache, stopped at shutdown, and fenced: a failing source is
// logged and never takes the controller down.
import { KubeConfig } from '@kubernetes/client-node';
import { pino } from 'pino';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { parseConfig } from '../../../controller/config.js';
import { Controller } from '../../../controller/controller.js';
import type { ExternalSource, ExternalSourceContext } from '../../../controller/external-source.js';
import type { CustomObject, KubeObject } from '../../../controller/k8s/types.js';
import { Manager } from '../../../controller/manager.js';
import { RuntimeMetrics } from '../../../controller/observability/metrics.js';
import type { BaseStatus } from '../../../controller/resource/types.js';
import { noRequeue, keyOf, type Request } from '../../../controller/reconcile.js';
import { FakeKubeClient } from './support/fake-kube-client.js';
import { FakeSource } from './support/fake-source.js';

interface LogLine {
  readonly level: number;
  readonly msg: string;
  readonly source?: string;
  readonly err?: { message: string };
}

/** A debug-level logger whose lines the test can read. */
function capturingLogger() {
  const lines: LogLine[] = [];
  const logger = pino(
    { level: 'debug' },
    {
      write: (line: string) => {
        lines.push(JSON.parse(line) as LogLine);
      },
    },
  );
  return { logger, lines };
}

/** A source that keeps its context so the test can emit through it. */
class ScriptedSource implements ExternalSource {
  readonly name: string;
  ctx: ExternalSourceContext | undefined;
  starts = 0;

  constructor(name = 'scripted') {
    this.name = name;
  }

  start(ctx: ExternalSourceContext): void {
    this.starts++;
    this.ctx = ctx;
  }

  emit(req: Request): void {
    if (this.ctx === undefined) throw new Error('not started');
    this.ctx.enqueue(req);
  }
}

function controllerWith(sources: ExternalSource[], cached: KubeObject[] = []) {
  const { logger, lines } = capturingLogger();
  const reconciled: string[] = [];
  let release: (() => void) | undefined;
  const controller = new Controller({
    name: 'widget',
    kind: 'Widget',
    logger,
    metrics: new RuntimeMetrics({ defaultMetrics: false }),
    maxConcurrentReconciles: 1,
    sources,
    cached: () => cached,
    reconciler: {
      async reconcile(req) {
        reconciled.push(keyOf(req));
        if (req.name === 'slow') await new Promise<void>((r) => (release = r));
        return noRequeue;
      },
    },
  });
  return { controller, reconciled, lines, release: () => release?.() };
}

const tick = () => new Promise((r) => setTimeout(r, 0));

describe('Controller with external sources', () => {
  it('starts sources only with the workers, once', () => {
    const source = new ScriptedSource();
    const { controller } = controllerWith([source]);
    expect(source.starts).toBe(0); // a standby builds the controller but never starts it
    controller.start();
    controller.start();
    expect(source.starts).toBe(1);
  });

  it('feeds the work queue: deduplicated, and re-run after an in-flight reconcile of the key', async () => {
    const source = new ScriptedSource();
    const { controller, reconciled, release } = controllerWith([source]);
    controller.start();
    source.emit({ namespace: 'ns', name: 'slow' });
    await tick();
    expect(reconciled).toEqual(['ns/slow']);
    // While ns/slow runs: two notices for it collapse into one re-run; ns/a queues once.
    source.emit({ namespace: 'ns', name: 'slow' });
    source.emit({ namespace: 'ns', name: 'slow' });
    source.emit({ namespace: 'ns', name: 'a' });
    source.emit({ namespace: 'ns', name: 'a' });
    expect(controller.queue.len()).toBe(1);
    release();
    await vi.waitFor(() => {
      expect(reconciled).toEqual(['ns/slow', 'ns/a', 'ns/slow']);
    });
    release();
    await controller.shutdown(1_000);
  });

  it('lets a source read the cache and aborts its signal at shutdown; late keys are dropped', async () => {
    const cached: KubeObject[] = [{ metadata: { namespace: 'ns', name: 'x' } }];
    const source = new ScriptedSource();
    const { controller, reconciled } = controllerWith([source], cached);
    controller.start();
    const ctx = source.ctx;
    expect(ctx?.list()).toEqual(cached);
    expect(ctx?.signal.aborted).toBe(false);
    await controller.shutdown(1_000);
    expect(ctx?.signal.aborted).toBe(true);
    source.emit({ namespace: 'ns', name: 'late' });
    await tick();
    expect(reconciled).toEqual([]);
    expect(controller.queue.len()).toBe(0);
  });

  it('logs a source that throws or rejects, and keeps the others and the workers running', async () => {
    const throwing: ExternalSource = {
      name: 'throws',
      start: () => {
        throw new Error('cannot connect');
      },
    };
    const rejecting: ExternalSource = {
      name: 'rejects',
      start: () => Promise.reject(new Error('subscription refused')),
    };
    const healthy = new ScriptedSource('healthy');
    const { controller, reconciled, lines } = controllerWith([throwing, rejecting, healthy]);
    controller.start();
    await tick();
    const errors = lines.filter((l) => l.level === 50);
    expect(errors.map((l) => [l.source, l.err?.message])).toEqual([
      ['throws', 'cannot connect'],
      ['rejects', 'subscription refused'],
    ]);
    healthy.emit({ namespace: 'ns', name: 'a' });
    await vi.waitFor(() => {
      expect(reconciled).toEqual(['ns/a']);
    });
    await controller.shutdown(1_000);
  });

  it('logs a failure after stop at debug only (tear-down noise)', async () => {
    let fail: ((err: Error) => void) | undefined;
    const source: ExternalSource = {
      name: 'late-failure',
      start: () => new Promise<void>((_resolve, reject) => (fail = reject)),
    };
    const { controller, lines } = controllerWith([source]);
    controller.start();
    await controller.shutdown(1_000);
    fail?.(new Error('connection closed'));
    await tick();
    expect(lines.filter((l) => l.level >= 50)).toEqual([]);
    expect(lines.find((l) => l.err?.message === 'connection closed')?.level).toBe(20);
  });

  it('does not start sources after shutdown', async () => {
    const source = new ScriptedSource();
    const { controller } = controllerWith([source]);
    await controller.shutdown(1_000);
    controller.start();
    expect(source.starts).toBe(0);
  });
});

describe('Manager with a kind that has external sources', () => {
  const gadgets = { group: 'test.latticedb.com', version: 'v1', plural: 'gadgets' } as const;
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

  it('starts the source after the caches synced, with the kind’s cached objects, and stops it', async () => {
    const config = parseConfig(['--metrics-bind-address=0', '--health-probe-bind-address=0'], {});
    const kube = new FakeKubeClient();
    const informerSource = new FakeSource('gadgets');
    const gadget = (name: string) =>
      kube.create(gadgets, {
        apiVersion: 'test.latticedb.com/v1',
        kind: 'Gadget',
        metadata: { namespace: 'ns', name },
        spec: { colour: name === 'a' ? 'red' : 'blue' },
      });
    informerSource.objects = [gadget('a'), gadget('b')];
    const m = new Manager({
      config,
      kubeConfig: new KubeConfig(),
      logger: pino({ level: 'silent' }),
      kube,
      sourceFor: () => informerSource,
    });
    manager = m;
    const reconciled: string[] = [];
    let ctx: ExternalSourceContext<CustomObject<{ colour: string }, BaseStatus>> | undefined;
    m.register<{ colour: string }, BaseStatus>({
      kind: 'Gadget',
      resource: gadgets,
      handler: {
        validate: () => [],
        reconcile: (obj) => {
          reconciled.push(obj.metadata.name ?? '');
          return Promise.resolve({ status: {} });
        },
      },
      sources: [
        {
          name: 'colours',
          start: (c) => {
            ctx = c;
          },
        },
      ],
    });
    const reconciles = async () =>
      (await m.metrics.reconcileTotal.get()).values
        .filter((v) => v.labels.controller === 'gadget')
        .reduce((sum, v) => sum + v.value, 0);
    void m.start();
    expect(ctx).toBeUndefined(); // not before the informers listed
    await vi.advanceTimersByTimeAsync(500);
    expect(reconciled.sort()).toEqual(['a', 'b']); // the initial list
    expect(await reconciles()).toBe(2);
    if (ctx === undefined) throw new Error('source not started');
    // "Red changed": the source maps its event to keys through the cache.
    const red = ctx.list().filter((o) => o.spec.colour === 'red');
    expect(red.map((o) => o.metadata.name)).toEqual(['a']);
    for (const obj of red)
      ctx.enqueue({ namespace: obj.metadata.namespace ?? '', name: obj.metadata.name ?? '' });
    await vi.advanceTimersByTimeAsync(100);
    expect(await reconciles()).toBe(3);

    const stopping = m.stop();
    await vi.runAllTimersAsync();
    await stopping;
    expect(ctx.signal.aborted).toBe(true);
  });
});
