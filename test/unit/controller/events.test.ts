import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import { KubeApiError } from '../../../controller/k8s/errors.js';
import { KubeEventRecorder, REPORTING_CONTROLLER } from '../../../controller/k8s/events.js';
import { FakeClock } from './support/fake-clock.js';
import { FakeKubeClient } from './support/fake-kube-client.js';

const obj = {
  apiVersion: 'test.latticedb.com/v1',
  kind: 'Widget',
  metadata: { name: 'w', namespace: 'ns', uid: 'uid-1', resourceVersion: '7' },
};

function setup() {
  const kube = new FakeKubeClient();
  const clock = new FakeClock('2026-11-26T10:00:00.000Z');
  const recorder = new KubeEventRecorder({
    kube,
    clock,
    logger: pino({ level: 'silent' }),
    instance: 'host_1234',
  });
  return { kube, clock, recorder };
}

describe('KubeEventRecorder', () => {
  it('creates a core/v1 Event with involvedObject and reporting fields', async () => {
    const { kube, recorder } = setup();
    await recorder.event(obj, 'Normal', 'StepCompleted', 'weight 5%');
    const [event] = kube.events.values();
    expect(event).toMatchObject({
      metadata: { namespace: 'ns', name: expect.stringMatching(/^w\.[0-9a-f]+$/) as string },
      involvedObject: {
        apiVersion: 'test.latticedb.com/v1',
        kind: 'Widget',
        name: 'w',
        namespace: 'ns',
        uid: 'uid-1',
        resourceVersion: '7',
      },
      type: 'Normal',
      reason: 'StepCompleted',
      message: 'weight 5%',
      count: 1,
      firstTimestamp: '2026-11-26T10:00:00.000Z',
      source: { component: 'latticedb-controller', host: 'host_1234' },
      reportingComponent: REPORTING_CONTROLLER,
      reportingInstance: 'host_1234',
    });
  });

  it('aggregates repeats of the same reason and message within the window by patching count', async () => {
    const { kube, clock, recorder } = setup();
    await recorder.event(obj, 'Warning', 'ReconcileError', 'timeout');
    clock.advance(30_000);
    await recorder.event(obj, 'Warning', 'ReconcileError', 'timeout');
    await recorder.event(obj, 'Warning', 'ReconcileError', 'other message');
    clock.advance(11 * 60_000); // outside the 10 min window
    await recorder.event(obj, 'Warning', 'ReconcileError', 'timeout');
    expect(kube.calls.map((c) => c.verb)).toEqual([
      'createEvent',
      'patchEvent',
      'createEvent',
      'createEvent',
    ]);
    expect(kube.calls[1]).toMatchObject({
      body: { count: 2, lastTimestamp: '2026-11-26T10:00:30.000Z' },
    });
    expect([...kube.events.values()].map((e) => [e.message, e.count])).toEqual([
      ['timeout', 2],
      ['other message', 1],
      ['timeout', 1],
    ]);
  });

  it('serialises concurrent repeats into one create and patches', async () => {
    const { kube, recorder } = setup();
    await Promise.all([1, 2, 3].map(() => recorder.event(obj, 'Normal', 'Same', 'same')));
    expect(kube.calls.map((c) => c.verb)).toEqual(['createEvent', 'patchEvent', 'patchEvent']);
  });

  it('creates a new Event when the aggregated one has expired (404)', async () => {
    const { kube, recorder } = setup();
    await recorder.event(obj, 'Normal', 'R', 'm');
    kube.events.clear();
    await recorder.event(obj, 'Normal', 'R', 'm');
    expect(kube.calls.map((c) => c.verb)).toEqual(['createEvent', 'patchEvent', 'createEvent']);
    expect(kube.events.size).toBe(1);
  });

  it('never throws and scrubs secrets from messages', async () => {
    const { kube, recorder } = setup();
    kube.intercept(() => new KubeApiError(403, 'Forbidden', 'events is forbidden'));
    await expect(recorder.event(obj, 'Warning', 'R', 'x')).resolves.toBeUndefined();
    kube.intercept(undefined);
    await recorder.event(obj, 'Warning', 'R', 'redis://u:p4ss@h:6379 refused');
    expect([...kube.events.values()][0]!.message).toBe('redis://***@h:6379 refused');
  });
});
