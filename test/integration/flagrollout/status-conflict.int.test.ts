// A 409 on the status patch after a flag write must not lose the write's Events or its history:
// on the real API server, another client changes the FlagRollout right after each Redis write
// (before the controller patches status), so that patch conflicts. The Events of every write
// still appear, and the retry records the history of each step.
import {
  CoreV1Api,
  CustomObjectsApi,
  PatchStrategy,
  setHeaderOptions,
} from '@kubernetes/client-node';
import { describe, expect, it } from 'vitest';
import type { KindSetup } from '../../../controller/index.js';
import { FlagRolloutKind } from '../../../reconcilers/flagrollout/api.js';
import {
  flagChangeSource,
  flagRolloutRegistration,
  rolloutDeps,
} from '../../../reconcilers/flagrollout/setup.js';
import type { FlagStore } from '../../../flags/store.js';
import { adminKubeConfig, waitFor } from '../../env/fixtures.js';
import { startInProcessController } from '../../fixtures/in-process-controller.js';
import {
  readRawFlag,
  rolloutTestEnv,
  uniqueFlag,
  waitForStatus,
  createRollout,
} from './support.js';

const env = rolloutTestEnv('flagrollout-conflict', { controller: false });

/** Touches the object (an annotation), so a status patch carrying the old resourceVersion gets 409. */
async function touch(namespace: string, name: string, n: number): Promise<void> {
  await adminKubeConfig()
    .makeApiClient(CustomObjectsApi)
    .patchNamespacedCustomObject(
      {
        group: FlagRolloutKind.group,
        version: FlagRolloutKind.version,
        namespace,
        plural: FlagRolloutKind.plural,
        name,
        body: { metadata: { annotations: { 'test.latticedb.com/touched': String(n) } } },
      },
      setHeaderOptions('Content-Type', PatchStrategy.MergePatch),
    );
}

/** The FlagRollout setup whose store touches the object after each successful compare-and-set. */
function conflictingSetup(touches: { count: number }): KindSetup {
  return (deps) => {
    const changes = flagChangeSource(deps);
    const base = rolloutDeps(deps, { pollMs: 1_000 }, changes);
    return flagRolloutRegistration(
      {
        ...base,
        storeFor: async (obj) => {
          const opened = await base.storeFor(obj);
          if (!opened.ok) return opened;
          const inner = opened.store;
          const store: FlagStore = {
            read: (f, o) => inner.read(f, o),
            list: () => inner.list(),
            delete: (f, v) => inner.delete(f, v),
            handOver: (f, v, n, o) => inner.handOver(f, v, n, o),
            setKillSwitch: (g, a) => inner.setKillSwitch(g, a),
            readKillSwitch: (g) => inner.readKillSwitch(g),
            writeRolloutInfo: (f, i) => inner.writeRolloutInfo(f, i),
            clearRolloutInfo: (f) => inner.clearRolloutInfo(f),
            readRolloutInfo: (f) => inner.readRolloutInfo(f),
            compareAndSet: async (flag, expected, next) => {
              const result = await inner.compareAndSet(flag, expected, next);
              if (result.ok) {
                touches.count++;
                await touch(obj.metadata.namespace ?? '', obj.metadata.name ?? '', touches.count);
              }
              return result;
            },
          };
          return { ...opened, store };
        },
      },
      changes,
    );
  };
}

describe('a status patch that conflicts after a flag write', () => {
  it('keeps the Events of every write, and the retry records the history', async () => {
    const touches = { count: 0 };
    const c = startInProcessController(env.ns, conflictingSetup(touches));
    try {
      const flag = uniqueFlag('conflict');
      const steps = [
        { percentage: 0, hold: '1s' },
        { percentage: 5, hold: '1s' },
        { percentage: 100 },
      ];
      await createRollout(env.ns, 'conflict', { flag, steps });
      const status = await waitForStatus(env.ns, 'conflict', (s) => s.phase === 'Complete', {
        timeoutMs: 60_000,
      });
      expect(touches.count).toBe(3); // one write per step, each followed by a conflicting patch
      expect((await readRawFlag(env.redis, flag))?.hash.version).toBe('3');
      expect(status.flagVersion).toBe(3);
      const history = (status.history ?? []).map((h) => [h.reason, h.to]);
      // As without conflicts: a line per step started, then the completion.
      expect(history).toEqual([
        ['StepStarted', 'Holding'],
        ['StepStarted', 'Holding'],
        ['StepStarted', 'Ramping'],
        ['Complete', 'Complete'],
      ]);
      const reasons = await waitFor(async () => {
        const list = await adminKubeConfig()
          .makeApiClient(CoreV1Api)
          .listNamespacedEvent({ namespace: env.ns });
        const seen = list.items.filter((e) => e.involvedObject.name === 'conflict');
        const started = seen.filter((e) => e.reason === 'StepStarted');
        // One Event per step (an Event repeated by the retry is counted, not duplicated).
        return started.length === 3 ? seen.map((e) => e.reason) : undefined;
      });
      expect(reasons).toContain('Complete');
    } finally {
      await c.stop();
    }
  });
});
