// The kit's reconcile driver: observe → decide → checkpoint → act → status, with a kind made of
// plain functions and a recording HandlerContext.
import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import type { BaseStatus, HandlerContext } from '../../../controller/index.js';
import {
  reconcileWith,
  readAll,
  transition,
  type Decision,
} from '../../../reconcilers/shared/kit/index.js';

interface Status extends BaseStatus {
  count?: number;
}
type Action = { type: 'set'; count: number };

function context(log: string[]): HandlerContext<Status> {
  return {
    log: pino({ level: 'silent' }),
    reconcileId: 'r1',
    signal: new AbortController().signal,
    now: () => new Date('2026-12-06T10:00:00Z'),
    checkpoint: (status, events) => {
      log.push(`checkpoint ${String(status.count)}`);
      for (const e of events ?? []) log.push(`event ${e.reason}`);
      return Promise.resolve();
    },
  };
}

const object = { apiVersion: 'x/v1', kind: 'K', metadata: { name: 'a' }, spec: {} };

function kind(decision: Decision<Status, Action>, log: string[], fail = false) {
  return reconcileWith<object, Status, Action, { seen: number }>({
    observe: () => {
      log.push('observe');
      return Promise.resolve({ seen: 1 });
    },
    decide: (_obj, observed) => {
      log.push(`decide ${observed.seen}`);
      return decision;
    },
    act: (action) => {
      log.push(`act ${action.count}`);
      if (fail) return Promise.reject(new Error('AWS said no'));
      return Promise.resolve({ type: 'Normal', reason: 'Set', message: `set ${action.count}` });
    },
    recorded: () => log.push('recorded'),
  });
}

describe('reconcileWith', () => {
  it('writes ahead before the action, adds the action Event after it, returns the status', async () => {
    const log: string[] = [];
    const outcome = await kind(
      {
        status: { count: 3 },
        action: { type: 'set', count: 3 },
        checkpoint: true,
        events: [{ type: 'Normal', reason: 'Decided', message: 'to 3' }],
        requeueAfterMs: 100,
      },
      log,
    )(object, context(log));
    expect(log).toEqual(['observe', 'decide 1', 'checkpoint 3', 'recorded', 'act 3']);
    expect(outcome.status).toEqual({ count: 3 });
    // The action happened: its Events are emitted even if the status patch then conflicts.
    expect(outcome.performedEvents?.map((e) => e.reason)).toEqual(['Decided', 'Set']);
    expect(outcome.requeueAfterMs).toBe(100);
    outcome.afterStatusWrite?.();
    expect(log.filter((l) => l === 'recorded')).toHaveLength(1);
  });

  it("eventsAtCheckpoint: the decision's Events go out with the checkpoint, the action's after it", async () => {
    const log: string[] = [];
    const outcome = await kind(
      {
        status: { count: 3 },
        action: { type: 'set', count: 3 },
        checkpoint: true,
        eventsAtCheckpoint: true,
        events: [{ type: 'Normal', reason: 'FoundDone', message: 'a write found done' }],
      },
      log,
    )(object, context(log));
    // A kill right after `act 3` keeps FoundDone: it was emitted with the status that records it.
    expect(log).toEqual([
      'observe',
      'decide 1',
      'checkpoint 3',
      'event FoundDone',
      'recorded',
      'act 3',
    ]);
    expect(outcome.performedEvents?.map((e) => e.reason)).toEqual(['Set']);
  });

  it('without a checkpoint, acts first and records only once the status is stored', async () => {
    const log: string[] = [];
    const outcome = await kind(
      { status: { count: 2 }, action: { type: 'set', count: 2 }, events: [] },
      log,
    )(object, context(log));
    expect(log).toEqual(['observe', 'decide 1', 'act 2']);
    outcome.afterStatusWrite?.();
    expect(log.at(-1)).toBe('recorded');
  });

  it('a failed action throws: no status, no Event (the runtime retries)', async () => {
    const log: string[] = [];
    await expect(
      kind(
        { status: { count: 2 }, action: { type: 'set', count: 2 }, events: [] },
        log,
        true,
      )(object, context(log)),
    ).rejects.toThrow('AWS said no');
  });

  it('lost leadership after the checkpoint: the action is not taken (an in-flight Redis command could not be called back)', async () => {
    const log: string[] = [];
    const lost = new AbortController();
    const ctx = context(log);
    await expect(
      kind(
        { status: { count: 4 }, action: { type: 'set', count: 4 }, checkpoint: true, events: [] },
        log,
      )(object, {
        ...ctx,
        signal: lost.signal,
        checkpoint: (status) => {
          lost.abort(new Error('leader election lost'));
          return ctx.checkpoint(status);
        },
      }),
    ).rejects.toThrow('leader election lost');
    expect(log).toEqual(['observe', 'decide 1', 'checkpoint 4', 'recorded']);
  });
});

type Result = { version: number } | { conflict: true } | { refused: string };

/** A kind whose act answers `result` and whose decision folds it in (FlagRollout's shape). */
function withResult(result: Result, log: string[], options: { failObserve?: boolean } = {}) {
  return reconcileWith<object, Status, Action, { seen: number }, Result>({
    observe: () => {
      log.push('observe');
      return options.failObserve === true
        ? Promise.reject(new Error('Connection is closed.'))
        : Promise.resolve({ seen: 1 });
    },
    observeFailed: (_obj, error) => ({ count: -1, reason: String(error) }) as Status,
    decide: () => ({
      status: { count: 5 },
      action: { type: 'set', count: 5 },
      checkpoint: true,
      checkpointStatus: { count: 4 },
      events: [{ type: 'Normal', reason: 'Decided', message: 'to 5' }],
      requeueAfterMs: 1_000,
      afterAction: (answer) =>
        'version' in answer
          ? { outcome: 'applied', status: { count: answer.version } }
          : 'conflict' in answer
            ? { outcome: 'lost', why: 'count changed since observed', requeueAfterMs: 100 }
            : {
                outcome: 'refused',
                status: { count: 4 },
                events: [{ type: 'Warning', reason: 'Refused', message: answer.refused }],
                requeueAfterMs: 30_000,
              },
    }),
    act: (action) => {
      log.push(`act ${action.count}`);
      return Promise.resolve({ result });
    },
  });
}

describe('reconcileWith: results folded in by the decision', () => {
  it('checkpoints checkpointStatus (not the claim), then records what the action answered', async () => {
    const log: string[] = [];
    const outcome = await withResult({ version: 7 }, log)(object, context(log));
    expect(log).toEqual(['observe', 'checkpoint 4', 'act 5']);
    expect(outcome.status).toEqual({ count: 7 });
    expect(outcome.performedEvents?.map((e) => e.reason)).toEqual(['Decided']);
    expect(outcome.requeueAfterMs).toBe(1_000);
  });

  it('a lost race records nothing (the checkpoint stays) and requeues: no loop, no error', async () => {
    const log: string[] = [];
    const outcome = await withResult({ conflict: true }, log)(object, context(log));
    expect(log).toEqual(['observe', 'checkpoint 4', 'act 5']);
    expect(outcome).toEqual({ requeueAfterMs: 100 });
  });

  it("a refused action: its status, Events and wake-up replace the decision's", async () => {
    const log: string[] = [];
    const outcome = await withResult({ refused: 'too long' }, log)(object, context(log));
    expect(outcome.status).toEqual({ count: 4 });
    expect(outcome.events?.map((e) => e.reason)).toEqual(['Refused']);
    expect(outcome.performedEvents).toBeUndefined();
    expect(outcome.requeueAfterMs).toBe(30_000);
  });

  it('observe failing: what observeFailed says is stored, then the error is rethrown', async () => {
    const log: string[] = [];
    await expect(
      withResult({ version: 7 }, log, { failObserve: true })(object, context(log)),
    ).rejects.toThrow('Connection is closed.');
    expect(log).toEqual(['observe', 'checkpoint -1']);
  });
});

describe('kit helpers', () => {
  it('readAll keeps undefined (not read) out and null (read, absent) in', async () => {
    const read = await readAll({ a: Promise.resolve(1), b: undefined, c: Promise.resolve(null) });
    expect(read).toEqual({ a: 1, c: null });
    expect('b' in read).toBe(false);
  });

  it('transition appends only when phase or reason changes, with its Event', () => {
    const now = new Date('2026-12-06T10:00:00Z');
    const first = transition(undefined, 'Stable', 'Stable', 'ok', now);
    expect(first.event).toMatchObject({ reason: 'Stable' });
    const again = transition(first.history, 'Stable', 'Stable', 'ok again', now);
    expect(again.event).toBeUndefined();
    expect(again.history).toHaveLength(1);
    const next = transition(again.history, 'ScalingDown', 'ScalingDown', '10 → 8', now);
    expect(next.history.at(-1)).toMatchObject({
      from: 'Stable',
      to: 'ScalingDown',
      time: '2026-12-06T10:00:00Z',
    });
  });
});
