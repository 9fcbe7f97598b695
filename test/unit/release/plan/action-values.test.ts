// The operator-action value protocol: `<revision>` or `<revision>.<suffix>`. A suffix asks again for
// the same revision (after a retry, `promote=1` was handled already, so `promote=1.2` is needed);
// status.actions keeps the last full value, so the same value is never applied twice — also after
// the annotation was removed and re-added; malformed values get one Warning naming the annotation.
import { describe, expect, it } from 'vitest';
import {
  blueGreenSpec,
  canarySpec,
  canaryTaskSet,
  inFlight,
  next,
  run,
  service,
  stableTaskSet,
  weights,
} from './fixtures.js';
import { taskSetId } from '../support/world.js';

const A = (name: string, value: string) => ({ [`delivery.latticedb.com/${name}`]: value });
const spec = canarySpec({
  strategy: {
    canary: {
      steps: [{ setWeight: 20 }, { pause: {} }, { setWeight: 40 }, { pause: {} }],
      trafficRouting: canarySpec().strategy.canary!.trafficRouting,
    },
  },
});
const world = { service: service([stableTaskSet(), canaryTaskSet(20)]), weights: weights(20) };
/** Revision 1 retried after an abort, paused again at step 2 (promote=1 was used before the abort). */
const pausedAfterRetry = inFlight(
  'Steps',
  {
    phase: 'Paused',
    currentStepIndex: 1,
    currentWeight: 20,
    pause: { reason: 'StepPaused', since: '2026-11-26T09:59:00Z' },
    actions: { promote: '1', abort: '1', retry: '1' },
  },
  spec,
);
const warnings = (d: { events: { type: string; reason: string; message: string }[] }) =>
  d.events.filter((e) => e.type === 'Warning' && e.reason === 'ActionIgnored');

describe('action values', () => {
  it('after a retry the handled promote=1 is ignored silently; promote=1.2 skips the pause', () => {
    const same = run(pausedAfterRetry, world, { spec, annotations: A('promote', '1') });
    expect(same.status.attempt?.currentStepIndex).toBe(1);
    expect(same.events).toEqual([]);
    expect(same.status.message).toBe(
      'paused at step 2 until promoted: kubectl -n prod annotate release/latticedb delivery.latticedb.com/promote=1.2 --overwrite',
    );

    const again = run(pausedAfterRetry, world, { spec, annotations: A('promote', '1.2') });
    expect(again.status.actions?.promote).toBe('1.2');
    expect(again.status.attempt?.currentStepIndex).toBe(2);
    expect(again.action).toMatchObject({ type: 'scaleTaskSet', scalePercent: 40 });

    // The next hint counts on from the last suffix.
    const after = next(again);
    const later = {
      ...after,
      attempt: { ...after.attempt, currentStepIndex: 3, pause: pausedAfterRetry.attempt?.pause },
    };
    const hint = run(later, world, { spec, annotations: A('promote', '1.2') });
    expect(hint.status.message).toBe(
      'paused at step 4 until promoted: kubectl -n prod annotate release/latticedb delivery.latticedb.com/promote=1.3 --overwrite',
    );
  });

  it('any suffix after the dot is a new request for the same revision', () => {
    const d = run(pausedAfterRetry, world, { spec, annotations: A('promote', '1.after-retry') });
    expect(d.status.attempt?.currentStepIndex).toBe(2);
    expect(d.status.actions?.promote).toBe('1.after-retry');
  });

  it('a suffixed value naming another revision is ignored with a Warning, once', () => {
    const d = run(pausedAfterRetry, world, { spec, annotations: A('promote', '7.2') });
    expect(d.status.attempt?.currentStepIndex).toBe(1);
    const message =
      'delivery.latticedb.com/promote=7.2 ignored: the current revision is 1; for it: ' +
      'kubectl -n prod annotate release/latticedb delivery.latticedb.com/promote=1 --overwrite';
    expect(warnings(d).map((e) => e.message)).toEqual([message]);
    // Visible in status too, not only as an Event.
    expect(d.status.actions?.lastIgnored).toEqual({
      annotation: 'delivery.latticedb.com/promote',
      value: '7.2',
      message,
      at: expect.any(String) as string,
    });
    expect(warnings(run(next(d), world, { spec, annotations: A('promote', '7.2') }))).toEqual([]);
  });

  it("another revision's value suggests a value for the current one only when it would act", () => {
    // Paused: abort=7 is told the abort that acts on revision 1 (1.2: abort=1 was handled).
    const abort = run(pausedAfterRetry, world, { spec, annotations: A('abort', '7') });
    expect(warnings(abort).map((e) => e.message)).toEqual([
      'delivery.latticedb.com/abort=7 ignored: the current revision is 1; for it: ' +
        'kubectl -n prod annotate release/latticedb delivery.latticedb.com/abort=1 --overwrite',
    ]);
    // Healthy (done): promote=1 would be ignored in turn, so no command is offered; it says why.
    const healthy = inFlight('Done', { phase: 'Healthy', outcome: 'Succeeded' }, spec);
    const promote = run(healthy, world, { spec, annotations: A('promote', '7') });
    expect(warnings(promote).map((e) => e.message)).toEqual([
      'delivery.latticedb.com/promote=7 ignored: the current revision is 1; promote would not act ' +
        'on it either: nothing to promote (no pause or analysis in progress)',
    ]);
    const suggested = run(next(promote), world, { spec, annotations: A('promote', '1') });
    expect(warnings(suggested).map((e) => e.message)).toEqual([
      'delivery.latticedb.com/promote=1 ignored: nothing to promote (no pause or analysis in progress)',
    ]);
  });

  it.each(['abc', '1.', '.2', '1..2', '-1', '1.2 3', 'one.2', '1.-x'])(
    'a malformed value (%s) gets one Warning naming the annotation and the value',
    (value) => {
      const d = run(pausedAfterRetry, world, { spec, annotations: A('promote', value) });
      expect(d.status.attempt?.currentStepIndex).toBe(1);
      expect(warnings(d).map((e) => e.message)).toEqual([
        `delivery.latticedb.com/promote=${value} ignored: not a revision (expected <revision> or <revision>.<n>, e.g. 3 or 3.2)`,
      ]);
      expect(d.status.actions?.promote).toBe(value);
      expect(warnings(run(next(d), world, { spec, annotations: A('promote', value) }))).toEqual([]);
    },
  );

  it('an oversized value is remembered as a digest (status stays bounded), warned about once', () => {
    const value = `1.${'x'.repeat(300)}`;
    const d = run(pausedAfterRetry, world, { spec, annotations: A('abort', value) });
    expect(d.status.stage).toBe('Steps');
    expect(warnings(d)).toHaveLength(1);
    expect(warnings(d)[0]?.message).toContain(`delivery.latticedb.com/abort=1.${'x'.repeat(62)}…`);
    expect(d.status.actions?.abort).toMatch(/^sha256:[0-9a-f]{16}$/);
    expect(warnings(run(next(d), world, { spec, annotations: A('abort', value) }))).toEqual([]);
  });

  it('removing the annotation forgets nothing: the same value re-added is still ignored', () => {
    const promoted = run(pausedAfterRetry, world, { spec, annotations: A('promote', '1.2') });
    const removed = run(next(promoted), world, { spec, annotations: {} });
    expect(removed.status.actions?.promote).toBe('1.2');
    const after = next(removed);
    const paused = {
      ...after,
      phase: 'Paused' as const,
      attempt: { ...after.attempt, currentStepIndex: 3, pause: pausedAfterRetry.attempt?.pause },
    };
    const readded = run(paused, world, { spec, annotations: A('promote', '1.2') });
    expect(readded.status.attempt?.currentStepIndex).toBe(3);
    expect(readded.events).toEqual([]);
  });

  it('approve records the full value at the gate: after a retry approve=1.2 waits, approve=1.3 switches', () => {
    const bg = blueGreenSpec();
    const green = canaryTaskSet(100, { externalId: taskSetId(1, 'green') });
    const bgWorld = { service: service([stableTaskSet(), green]), weights: weights(0) };
    const atGate = inFlight('Approval', {}, bg);
    const approved = run(atGate, bgWorld, { spec: bg, annotations: A('approve', '1.2') });
    expect(approved.status.actions?.approve).toBe('1.2');
    expect(approved.action).toMatchObject({ type: 'setWeights' });

    const retried = inFlight('Approval', { actions: { approve: '1.2', retry: '1' } }, bg);
    const waiting = run(retried, bgWorld, { spec: bg, annotations: A('approve', '1.2') });
    expect(waiting.action).toBeUndefined();
    expect(waiting.status.phase).toBe('AwaitingApproval');
    expect(waiting.status.message).toBe(
      'awaiting approval: kubectl -n prod annotate release/latticedb delivery.latticedb.com/approve=1.3 --overwrite',
    );
    const go = run(next(waiting), bgWorld, { spec: bg, annotations: A('approve', '1.3') });
    expect(go.status.actions?.approve).toBe('1.3');
    expect(go.action).toMatchObject({ type: 'setWeights' });
  });
});
