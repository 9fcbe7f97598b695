import { pino } from 'pino';
import { describe, expect, it, vi, type Mock } from 'vitest';
import { isConflict, isFailedPatchTest } from '../../../controller/k8s/errors.js';
import { KubeEventRecorder } from '../../../controller/k8s/events.js';
import { kstatusConditions, withKStatus } from '../../../controller/k8s/conditions.js';
import type { CustomObject } from '../../../controller/k8s/types.js';
import { deepFreeze } from '../../../controller/informer/store.js';
import {
  noRequeue,
  requeueAfter,
  TerminalError,
  type ReconcileContext,
} from '../../../controller/reconcile.js';
import { ResourceReconciler } from '../../../controller/resource/reconciler.js';
import type { BaseStatus, KindHandler, Outcome } from '../../../controller/resource/types.js';
import { FakeClock } from './support/fake-clock.js';
import { FakeKubeClient } from './support/fake-kube-client.js';

const RES = { group: 'test.latticedb.com', version: 'v1', plural: 'widgets', kind: 'Widget' };
const FINALIZER = 'test.latticedb.com/cleanup';

interface Spec {
  replicas: number;
}
interface Status extends BaseStatus {
  phase?: string;
  history?: { at: string; to: string }[];
  taskArn?: string;
}
type Widget = CustomObject<Spec, Status>;

const silent = pino({ level: 'silent' });

function widget(spec: Spec = { replicas: 3 }, extra: Partial<Widget['metadata']> = {}): Widget {
  return {
    apiVersion: 'test.latticedb.com/v1',
    kind: 'Widget',
    metadata: { name: 'w', namespace: 'ns', ...extra },
    spec,
  };
}

function ready(phase = 'Ready', reason = 'Healthy', message = 'all good'): Status {
  return { phase, conditions: kstatusConditions('Ready', reason, message) };
}

function harness(handler: KindHandler<Spec, Status>, initial: Widget = widget()) {
  const kube = new FakeKubeClient();
  const clock = new FakeClock('2026-11-26T10:00:00.400Z');
  kube.create(RES, initial);
  let pinned: Widget | undefined;
  const cache = {
    get: (ns: string, name: string) => {
      if (pinned !== undefined) return pinned;
      const current = kube.peek<Widget>(RES, ns, name);
      return current === undefined ? undefined : deepFreeze(current);
    },
  };
  const recorder = new KubeEventRecorder({
    kube,
    logger: silent,
    instance: 'test-instance',
    clock,
  });
  const rec = new ResourceReconciler<Spec, Status>({
    resource: RES,
    handler,
    cache,
    kube,
    recorder,
    clock,
  });
  const ctx: ReconcileContext = {
    log: silent,
    reconcileId: 'rid',
    signal: new AbortController().signal,
  };
  return {
    kube,
    clock,
    reconcile: () => rec.reconcile({ namespace: 'ns', name: 'w' }, ctx),
    /** Freezes the cache at the object's current state (a lagging informer). */
    pinCache: () => {
      pinned = deepFreeze(kube.peek<Widget>(RES, 'ns', 'w')!);
    },
    showInCache: (obj: Widget) => {
      pinned = deepFreeze(structuredClone(obj));
    },
    unpinCache: () => {
      pinned = undefined;
    },
    stored: () => kube.peek<Widget>(RES, 'ns', 'w'),
    verbs: () => kube.calls.map((c) => c.verb),
    statusPatches: () => kube.calls.flatMap((c) => (c.verb === 'patchStatus' ? [c.body] : [])),
    jsonPatches: () => kube.calls.flatMap((c) => (c.verb === 'jsonPatch' ? [c.body] : [])),
    events: () => [...kube.events.values()].map((e) => [e.type, e.reason, e.message, e.count]),
    clearCalls: () => kube.calls.splice(0),
  };
}

/** A handler whose `reconcile` is a mock (a property, not a method, so it can be asserted on). */
interface TestHandler {
  validate: KindHandler<Spec, Status>['validate'];
  reconcile: Mock<KindHandler<Spec, Status>['reconcile']>;
  finalizer?: KindHandler<Spec, Status>['finalizer'];
}

function handlerReturning(...outcomes: Outcome<Status>[]): TestHandler {
  const reconcile = vi.fn<KindHandler<Spec, Status>['reconcile']>();
  for (const o of outcomes) reconcile.mockResolvedValueOnce(o);
  return { validate: () => [], reconcile };
}

describe('ResourceReconciler: status', () => {
  it('patches the full status once with resourceVersion, observedGeneration and whole-second condition times, then emits events', async () => {
    const h = harness(
      handlerReturning({
        status: ready(),
        events: [{ type: 'Normal', reason: 'Ready', message: 'rolled out' }],
      }),
    );
    expect(await h.reconcile()).toBe(noRequeue);
    expect(h.statusPatches()).toEqual([
      {
        metadata: { resourceVersion: '101' },
        status: {
          phase: 'Ready',
          observedGeneration: 1,
          conditions: [
            {
              type: 'Ready',
              status: 'True',
              reason: 'Healthy',
              message: 'all good',
              observedGeneration: 1,
              lastTransitionTime: '2026-11-26T10:00:00Z',
            },
            {
              type: 'Reconciling',
              status: 'False',
              reason: 'Healthy',
              message: 'all good',
              observedGeneration: 1,
              lastTransitionTime: '2026-11-26T10:00:00Z',
            },
            {
              type: 'Stalled',
              status: 'False',
              reason: 'Healthy',
              message: 'all good',
              observedGeneration: 1,
              lastTransitionTime: '2026-11-26T10:00:00Z',
            },
          ],
        },
      },
    ]);
    expect(h.verbs()).toEqual(['patchStatus', 'createEvent']);
    expect(h.events()).toEqual([['Normal', 'Ready', 'rolled out', 1]]);
  });

  it('skips the write when nothing changed and keeps lastTransitionTime when only the reason changes', async () => {
    const h = harness(
      handlerReturning(
        { status: ready() },
        { status: ready() },
        { status: ready('Ready', 'StillHealthy', 'fine') },
      ),
    );
    await h.reconcile();
    h.clock.advance(60_000);
    h.clearCalls();
    await h.reconcile();
    expect(h.verbs()).toEqual([]);
    await h.reconcile();
    const [patch] = h.statusPatches();
    expect(patch!.metadata.resourceVersion).toBe('102');
    const conditions = (patch!.status as Status).conditions!;
    expect(conditions.map((c) => [c.reason, c.lastTransitionTime])).toEqual([
      ['StillHealthy', '2026-11-26T10:00:00Z'],
      ['StillHealthy', '2026-11-26T10:00:00Z'],
      ['StillHealthy', '2026-11-26T10:00:00Z'],
    ]);
    expect(Object.keys(patch!.status as object)).toEqual(['conditions']); // phase unchanged: not sent
  });

  it('maps requeueAfterMs to the Result', async () => {
    const h = harness(handlerReturning({ status: ready('Progressing'), requeueAfterMs: 90_000 }));
    expect(await h.reconcile()).toEqual(requeueAfter(90_000));
  });

  it('a status flip stamps a new lastTransitionTime and drops fields the handler removed', async () => {
    const h = harness(
      handlerReturning(
        {
          status: {
            ...ready('Progressing'),
            taskArn: 'arn:task/1',
            conditions: kstatusConditions('Reconciling', 'Step', '1/3'),
          },
        },
        { status: ready() },
      ),
    );
    await h.reconcile();
    h.clock.advance(90_500);
    await h.reconcile();
    const second = h.statusPatches()[1]!.status as Record<string, unknown>;
    expect(second.taskArn).toBeNull();
    expect(second.phase).toBe('Ready');
    expect(
      (second.conditions as { lastTransitionTime: string }[]).map((c) => c.lastTransitionTime),
    ).toEqual([
      '2026-11-26T10:01:30Z',
      '2026-11-26T10:01:30Z',
      '2026-11-26T10:00:00Z', // Stalled stayed False
    ]);
  });
});

describe('ResourceReconciler: validation', () => {
  it('reconcileInvalid: reconciles again at once when what it did makes the spec valid', async () => {
    // Valid only while nothing is in flight (as a strategy change is for a Release).
    const validate = (obj: Widget) =>
      obj.spec.replicas < 0 && obj.status?.phase === 'InFlight'
        ? [{ field: 'spec.replicas', message: 'cannot change while in flight' }]
        : [];
    const reconcileInvalid = vi.fn((obj: Widget): Promise<Outcome<Status> | undefined> =>
      Promise.resolve({ status: { ...obj.status, phase: 'Aborted' }, requeueAfterMs: 600_000 }),
    );
    const handler: KindHandler<Spec, Status> = {
      validate,
      reconcile: () => Promise.resolve({ status: { phase: 'InFlight' } }),
      reconcileInvalid,
    };
    const h = harness(handler);
    await h.reconcile();
    h.kube.update(RES, { ...h.stored()!, spec: { replicas: -1 } });
    expect(await h.reconcile()).toEqual(requeueAfter(1));
    expect(reconcileInvalid).toHaveBeenCalledTimes(1);
    expect(h.stored()!.status?.phase).toBe('Aborted');

    // Still invalid after it acted: the handler's own requeue.
    const stays = vi.fn((obj: Widget): Promise<Outcome<Status> | undefined> =>
      Promise.resolve({ status: { ...obj.status, phase: 'InFlight' }, requeueAfterMs: 5_000 }),
    );
    const h2 = harness({ ...handler, reconcileInvalid: stays });
    await h2.reconcile();
    h2.kube.update(RES, { ...h2.stored()!, spec: { replicas: -1 } });
    expect(await h2.reconcile()).toEqual(requeueAfter(5_000));
  });

  it('sets InvalidSpec + Stalled naming every field, keeps history, does not call the handler, warns once', async () => {
    const handler = handlerReturning({ status: ready() });
    handler.validate = (obj) =>
      obj.spec.replicas < 0
        ? [
            { field: 'spec.replicas', message: 'must be >= 0' },
            { field: 'spec.strategy.canary.steps[2].setWeight', message: 'must not decrease' },
          ]
        : [];
    const h = harness(handler);
    await h.reconcile(); // valid: Ready
    const history = [{ at: '2026-11-26T09:00:00Z', to: 'Ready' }];
    await h.kube.patchStatus(RES, 'ns', 'w', {
      metadata: { resourceVersion: h.stored()!.metadata.resourceVersion! },
      status: { history },
    });
    h.kube.update(RES, { ...h.stored()!, spec: { replicas: -1 } });
    h.clock.advance(5_000);
    h.clearCalls();

    expect(await h.reconcile()).toBe(noRequeue);
    expect(handler.reconcile).toHaveBeenCalledTimes(1);
    const message =
      'spec.replicas: must be >= 0; spec.strategy.canary.steps[2].setWeight: must not decrease';
    expect(h.statusPatches()).toEqual([
      {
        metadata: { resourceVersion: '104' },
        status: {
          observedGeneration: 2,
          conditions: [
            {
              type: 'Ready',
              status: 'False',
              reason: 'InvalidSpec',
              message,
              observedGeneration: 2,
              lastTransitionTime: '2026-11-26T10:00:05Z',
            },
            {
              type: 'Reconciling',
              status: 'False',
              reason: 'InvalidSpec',
              message,
              observedGeneration: 2,
              lastTransitionTime: '2026-11-26T10:00:00Z',
            },
            {
              type: 'Stalled',
              status: 'True',
              reason: 'InvalidSpec',
              message,
              observedGeneration: 2,
              lastTransitionTime: '2026-11-26T10:00:05Z',
            },
            {
              type: 'InvalidSpec',
              status: 'True',
              reason: 'InvalidSpec',
              message,
              observedGeneration: 2,
              lastTransitionTime: '2026-11-26T10:00:05Z',
            },
          ],
        },
      },
    ]);
    expect(h.stored()!.status).toMatchObject({ history, phase: 'Ready' });
    expect(h.events()).toEqual([['Warning', 'InvalidSpec', message, 1]]);

    h.clearCalls();
    expect(await h.reconcile()).toBe(noRequeue); // resync: no retry loop, no write, no event
    expect(h.verbs()).toEqual([]);

    handler.reconcile.mockResolvedValueOnce({ status: { ...h.stored()!.status, ...ready() } });
    h.kube.update(RES, { ...h.stored()!, spec: { replicas: 2 } });
    await h.reconcile();
    const fixed = h.stored()!.status!;
    expect(fixed.conditions!.map((c) => c.type)).toEqual(['Ready', 'Reconciling', 'Stalled']);
    expect(fixed.observedGeneration).toBe(3);
    expect(fixed.history).toEqual(history);
  });
});

describe("ResourceReconciler: the kind's stalled phase", () => {
  it('InvalidSpec writes KindHandler.stalledPhase and the field errors as phase and message', async () => {
    const handler = { ...handlerReturning({ status: ready() }), stalledPhase: 'Degraded' };
    handler.validate = (obj) =>
      obj.spec.replicas < 0 ? [{ field: 'spec.replicas', message: 'must be >= 0' }] : [];
    const h = harness(handler);
    await h.reconcile();
    expect(h.stored()!.status).toMatchObject({ phase: 'Ready' });
    h.kube.update(RES, { ...h.stored()!, spec: { replicas: -1 } });
    await h.reconcile();
    expect(h.stored()!.status).toMatchObject({
      phase: 'Degraded',
      message: 'spec.replicas: must be >= 0',
    });
  });

  it('without stalledPhase, InvalidSpec leaves phase and message as they were', async () => {
    const handler = handlerReturning({ status: ready() });
    handler.validate = (obj) =>
      obj.spec.replicas < 0 ? [{ field: 'spec.replicas', message: 'must be >= 0' }] : [];
    const h = harness(handler);
    await h.reconcile();
    h.kube.update(RES, { ...h.stored()!, spec: { replicas: -1 } });
    await h.reconcile();
    expect(h.stored()!.status).toMatchObject({ phase: 'Ready' });
  });
});

describe('ResourceReconciler: finalizers and deletion', () => {
  function withFinalizer(finalize: ReturnType<typeof vi.fn>) {
    const handler = handlerReturning({ status: ready() }, { status: ready() });
    return {
      ...handler,
      finalizer: { name: FINALIZER, wanted: () => true, finalize },
    } as TestHandler;
  }

  it('adds the finalizer with a guarded JSON Patch before reconciling, then writes status on the new resourceVersion', async () => {
    const h = harness(withFinalizer(vi.fn()));
    await h.reconcile();
    expect(h.jsonPatches()).toEqual([
      [
        { op: 'test', path: '/metadata/resourceVersion', value: '101' },
        { op: 'add', path: '/metadata/finalizers', value: [FINALIZER] },
      ],
    ]);
    expect(h.statusPatches()[0]!.metadata.resourceVersion).toBe('102');
    expect(h.stored()!.metadata.finalizers).toEqual([FINALIZER]);
  });

  it('appends to existing finalizers', async () => {
    const h = harness(withFinalizer(vi.fn()), widget({ replicas: 1 }, { finalizers: ['other/x'] }));
    await h.reconcile();
    expect(h.jsonPatches()[0]![1]).toEqual({
      op: 'add',
      path: '/metadata/finalizers/-',
      value: FINALIZER,
    });
    expect(h.stored()!.metadata.finalizers).toEqual(['other/x', FINALIZER]);
  });

  it('on deletion runs finalize until it cleaned up, then removes only our finalizer', async () => {
    const finalize = vi
      .fn()
      .mockResolvedValueOnce({
        cleanedUp: false,
        requeueAfterMs: 3_000,
        status: { ...ready('Deleting') },
      })
      .mockResolvedValueOnce({
        cleanedUp: true,
        events: [{ type: 'Normal', reason: 'CleanedUp', message: 'AWS resources removed' }],
      });
    const h = harness(
      withFinalizer(finalize),
      widget({ replicas: 1 }, { finalizers: ['other/x'] }),
    );
    await h.reconcile();
    h.kube.delete(RES, 'ns', 'w');
    h.clearCalls();
    expect(await h.reconcile()).toEqual(requeueAfter(3_000));
    expect(h.stored()!.status!.phase).toBe('Deleting');
    expect(await h.reconcile()).toBe(noRequeue);
    expect(h.jsonPatches()).toEqual([
      [
        { op: 'test', path: '/metadata/resourceVersion', value: expect.any(String) as string },
        { op: 'replace', path: '/metadata/finalizers', value: ['other/x'] },
      ],
    ]);
    expect(h.stored()!.metadata.finalizers).toEqual(['other/x']);
    expect(h.events()).toContainEqual(['Normal', 'CleanedUp', 'AWS resources removed', 1]);
    expect(finalize).toHaveBeenCalledTimes(2);
  });

  it('a finalizer patch on a changed object fails its test (422) and is retried without a Warning', async () => {
    const h = harness(withFinalizer(vi.fn()));
    h.pinCache();
    h.kube.update(RES, {
      ...h.stored()!,
      metadata: { ...h.stored()!.metadata, labels: { edited: 'yes' } },
    });
    const err: unknown = await h.reconcile().catch((e: unknown) => e);
    expect(isFailedPatchTest(err)).toBe(true);
    expect(h.events()).toEqual([]);
  });
});

describe('ResourceReconciler: errors', () => {
  it('TerminalError marks the object Stalled with its reason, warns, and rethrows', async () => {
    const handler = handlerReturning();
    handler.reconcile.mockRejectedValueOnce(
      new TerminalError('target group arn:aws:x was deleted', { reason: 'TargetGroupMissing' }),
    );
    const h = harness(handler);
    const err: unknown = await h.reconcile().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(TerminalError);
    expect(h.stored()!.status!.conditions!.map((c) => [c.type, c.status, c.reason])).toEqual([
      ['Ready', 'False', 'TargetGroupMissing'],
      ['Reconciling', 'False', 'TargetGroupMissing'],
      ['Stalled', 'True', 'TargetGroupMissing'],
    ]);
    expect(h.events()).toEqual([
      ['Warning', 'TargetGroupMissing', 'target group arn:aws:x was deleted', 1],
    ]);
  });

  it('a TerminalError wrapped as the cause of another error still gives its reason', async () => {
    // isTerminalError (and so the worker) looks through `cause`; the reason must come from there
    // too, or Stalled is written without a reason (refused by the CRD) and the Event has none.
    const handler = handlerReturning();
    handler.reconcile.mockRejectedValueOnce(
      new Error('observing the service failed', {
        cause: new TerminalError('target group was deleted', { reason: 'TargetGroupMissing' }),
      }),
    );
    const h = harness(handler);
    await expect(h.reconcile()).rejects.toThrow('observing the service failed');
    expect(h.stored()!.status!.conditions!.map((c) => [c.type, c.status, c.reason])).toEqual([
      ['Ready', 'False', 'TargetGroupMissing'],
      ['Reconciling', 'False', 'TargetGroupMissing'],
      ['Stalled', 'True', 'TargetGroupMissing'],
    ]);
    expect(h.events()).toEqual([
      ['Warning', 'TargetGroupMissing', 'observing the service failed', 1],
    ]);
  });

  it('other errors emit a sanitised Warning and rethrow without touching status', async () => {
    const handler = handlerReturning();
    handler.reconcile.mockRejectedValue(
      new Error('connect ECONNREFUSED redis://default:pw@10.0.0.1:6379'),
    );
    const h = harness(handler);
    await expect(h.reconcile()).rejects.toThrow('ECONNREFUSED');
    await expect(h.reconcile()).rejects.toThrow('ECONNREFUSED');
    expect(h.statusPatches()).toEqual([]);
    expect(h.events()).toEqual([
      ['Warning', 'ReconcileError', 'connect ECONNREFUSED redis://***@10.0.0.1:6379', 2],
    ]);
  });

  it('a status patch on a stale resourceVersion gets 409, which is retried (no Warning)', async () => {
    const h = harness(handlerReturning({ status: ready() }));
    h.pinCache();
    h.kube.update(RES, { ...h.stored()!, spec: { replicas: 9 } }); // someone else wrote meanwhile
    const err: unknown = await h.reconcile().catch((e: unknown) => e);
    expect(isConflict(err)).toBe(true);
    expect(h.statusPatches()[0]!.metadata.resourceVersion).toBe('101');
    expect(h.events()).toEqual([]);
  });

  it('an outcome without status (a race lost outside Kubernetes) writes nothing and requeues', async () => {
    const h = harness(handlerReturning({ status: ready() }, { requeueAfterMs: 100 }));
    await h.reconcile();
    h.kube.update(RES, { ...h.stored()!, spec: { replicas: 9 } }); // generation 2
    h.clearCalls();
    expect(await h.reconcile()).toEqual({ requeueAfterMs: 100 });
    // Writing the previous status again would claim generation 2 with generation 1's conditions.
    expect(h.statusPatches()).toEqual([]);
    expect(h.stored()?.status?.observedGeneration).toBe(1);
    expect(h.events()).toEqual([]);
  });

  it('Events of writes already made outside Kubernetes survive a 409 on the status patch; the others wait for the retry', async () => {
    const outcome: Outcome<Status> = {
      status: ready('Rolling'),
      events: [{ type: 'Normal', reason: 'Progressing', message: 'step 2' }],
      performedEvents: [{ type: 'Normal', reason: 'TrafficShifted', message: 'canary at 15 %' }],
    };
    const h = harness(handlerReturning(outcome, outcome));
    h.pinCache();
    h.kube.update(RES, { ...h.stored()!, spec: { replicas: 9 } }); // someone else wrote meanwhile
    const err: unknown = await h.reconcile().catch((e: unknown) => e);
    expect(isConflict(err)).toBe(true);
    // The traffic shift happened: its Event is not lost with the status patch.
    expect(h.events()).toEqual([['Normal', 'TrafficShifted', 'canary at 15 %', 1]]);
    h.unpinCache();
    await h.reconcile();
    expect(h.events()).toEqual([
      ['Normal', 'TrafficShifted', 'canary at 15 %', 2],
      ['Normal', 'Progressing', 'step 2', 1],
    ]);
  });

  it('afterStatusWrite runs once the status is stored, and not when the write fails', async () => {
    const stored: string[] = [];
    const afterStatusWrite = vi.fn(() => {
      stored.push(h.stored()?.status?.phase ?? '-');
    });
    const h = harness(
      handlerReturning(
        { status: ready('Rolling'), afterStatusWrite },
        { status: ready('Rolling'), afterStatusWrite },
      ),
    );
    h.pinCache();
    h.kube.update(RES, { ...h.stored()!, spec: { replicas: 9 } });
    await h.reconcile().catch(() => undefined);
    expect(afterStatusWrite).not.toHaveBeenCalled();
    h.unpinCache();
    await h.reconcile();
    expect(afterStatusWrite).toHaveBeenCalledTimes(1);
    expect(stored).toEqual(['Rolling']);
  });
});

describe('ResourceReconciler: cache and checkpoints', () => {
  it('returns noRequeue for an object missing from the cache', async () => {
    const h = harness(handlerReturning());
    h.kube.delete(RES, 'ns', 'w');
    expect(await h.reconcile()).toBe(noRequeue);
    expect(h.verbs()).toEqual([]);
  });

  it('requeues instead of acting while the cache is older than our last write', async () => {
    const handler = handlerReturning({ status: ready() }, { status: ready() });
    const h = harness(handler);
    const beforeWrite = h.stored()!;
    await h.reconcile(); // writes status: resourceVersion 101 -> 102
    h.showInCache(beforeWrite); // the informer has not delivered our write yet
    h.clearCalls();
    expect(await h.reconcile()).toEqual(requeueAfter(1_000));
    expect(handler.reconcile).toHaveBeenCalledTimes(1);
    expect(h.verbs()).toEqual([]);
    h.unpinCache(); // caught up
    expect(await h.reconcile()).toBe(noRequeue);
    expect(handler.reconcile).toHaveBeenCalledTimes(2);
  });

  it('checkpoint writes status mid-reconcile; the final write builds on it without a conflict', async () => {
    const handler: KindHandler<Spec, Status> = {
      validate: () => [],
      async reconcile(obj, ctx) {
        const started = {
          ...obj.status,
          phase: 'Migrating',
          taskArn: 'arn:aws:ecs:task/abc',
          conditions: withKStatus(
            obj.status?.conditions,
            'Reconciling',
            'Migrating',
            'running task',
          ),
        };
        await ctx.checkpoint(started);
        return {
          status: {
            ...started,
            phase: 'Migrated',
            conditions: kstatusConditions('Ready', 'Migrated', 'done'),
          },
        };
      },
    };
    const h = harness(handler);
    await h.reconcile();
    const [first, second] = h.statusPatches();
    expect(first!.metadata.resourceVersion).toBe('101');
    expect(first!.status).toMatchObject({
      phase: 'Migrating',
      taskArn: 'arn:aws:ecs:task/abc',
      observedGeneration: 1,
    });
    expect(second!.metadata.resourceVersion).toBe('102');
    expect(second!.status).toMatchObject({ phase: 'Migrated' });
    expect(second!.status).not.toHaveProperty('taskArn');
    expect(h.stored()!.status!.taskArn).toBe('arn:aws:ecs:task/abc');
  });
});
