// Two managers in one process competing for one Lease on a real apiserver: only the leader
// reconciles, renewals show on the Lease, a graceful stop hands back in-flight keys and releases
// the Lease so the standby takes over without waiting for it to expire; a hijacked Lease makes
// the leader stop with `leadership-lost`.
import { CoordinationV1Api, PatchStrategy, setHeaderOptions } from '@kubernetes/client-node';
import { pino } from 'pino';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { parseConfig } from '../../../controller/config.js';
import { kstatusConditions } from '../../../controller/k8s/conditions.js';
import { Manager, type ManagerExit } from '../../../controller/manager.js';
import type { KindRegistration } from '../../../controller/registration.js';
import {
  adminKubeConfig,
  applyCrdFiles,
  createTestNamespace,
  waitFor,
} from '../../env/fixtures.js';
import {
  createGadget,
  GADGET_CRD,
  gadgets,
  getGadget,
  type GadgetSpec,
  type GadgetStatus,
} from './gadgets.js';

const log = pino({ level: process.env.TEST_LOG_LEVEL ?? 'silent' });
const running: Manager[] = [];

beforeAll(async () => {
  await applyCrdFiles([GADGET_CRD]);
});

afterEach(async () => {
  await Promise.all(running.splice(0).map((m) => m.stop()));
});

interface Replica {
  readonly manager: Manager;
  readonly exited: Promise<ManagerExit>;
  readonly reconciled: string[];
  readonly blocked: string[];
}

/** A manager whose handler writes its identity into status; `slow` objects block until aborted. */
function replica(ns: string, flags: readonly string[], blockSlow: boolean): Replica {
  const config = parseConfig(
    [
      `--namespaces=${ns}`,
      '--leader-elect',
      `--leader-election-namespace=${ns}`,
      '--metrics-bind-address=127.0.0.1:0',
      '--health-probe-bind-address=127.0.0.1:0',
      ...flags,
    ],
    {},
  );
  const manager = new Manager({ config, kubeConfig: adminKubeConfig(), logger: log });
  const reconciled: string[] = [];
  const blocked: string[] = [];
  const registration: KindRegistration<GadgetSpec, GadgetStatus> = {
    kind: gadgets.kind,
    resource: gadgets,
    handler: {
      validate: () => [],
      async reconcile(obj, ctx) {
        const name = obj.metadata.name ?? '';
        if (obj.spec.slow === true && blockSlow) {
          blocked.push(name);
          await new Promise((resolve) => {
            ctx.signal.addEventListener('abort', resolve);
          });
          throw new Error('aborted');
        }
        reconciled.push(name);
        return {
          status: {
            phase: 'Ready',
            reconciledBy: manager.identity,
            conditions: kstatusConditions('Ready', 'Ok', ''),
          },
        };
      },
    },
  };
  manager.register(registration);
  running.push(manager);
  const exited = manager.start();
  return { manager, exited, reconciled, blocked };
}

async function lease(ns: string, name: string) {
  return adminKubeConfig()
    .makeApiClient(CoordinationV1Api)
    .readNamespacedLease({ namespace: ns, name });
}

async function reconciledBy(ns: string, name: string): Promise<string | undefined> {
  return (await getGadget(adminKubeConfig(), ns, name)).status?.reconciledBy;
}

async function gauge(m: Manager, name: string): Promise<number | undefined> {
  return (await m.metrics.leaderElectionStatus.get()).values.find((v) => v.labels.name === name)
    ?.value;
}

describe('Manager with leader election', () => {
  it('only the leader reconciles; a graceful stop hands back in-flight keys and the standby takes over', async () => {
    const ns = await createTestNamespace('leader');
    const kc = adminKubeConfig();
    const flags = [
      '--leader-election-id=gadgets',
      '--leader-election-retry-period=1s',
      '--shutdown-timeout=1s',
    ];
    const a = replica(ns, flags, true);
    await waitFor(() => a.manager.isLeader, { timeoutMs: 20_000, message: 'a leads' });
    const b = replica(ns, flags, false);

    for (const n of ['g1', 'g2', 'g3']) await createGadget(kc, ns, n, { replicas: 1 });
    for (const n of ['g1', 'g2', 'g3']) {
      await waitFor(async () => (await reconciledBy(ns, n)) === a.manager.identity, {
        message: `${n} by a`,
      });
    }
    const first = await lease(ns, 'gadgets');
    expect(first.spec?.holderIdentity).toBe(a.manager.identity);
    expect(first.spec?.leaseDurationSeconds).toBe(15);
    await waitFor(
      async () =>
        String((await lease(ns, 'gadgets')).spec?.renewTime) !== String(first.spec?.renewTime),
      { message: 'a renewal' },
    );
    expect(await gauge(a.manager, 'gadgets')).toBe(1);
    expect(await gauge(b.manager, 'gadgets')).toBe(0);
    const readyz = await fetch(`http://127.0.0.1:${b.manager.servers[0]!.address.port}/readyz`);
    expect(readyz.status).toBe(200); // the standby's cache is warm
    expect(b.reconciled).toEqual([]);

    await createGadget(kc, ns, 'slow', { replicas: 1, slow: true });
    await waitFor(() => a.blocked.includes('slow'), { message: 'a busy with slow' });
    const report = await a.manager.stop();
    expect(report.handedBack).toEqual([`${ns}/slow`]);
    expect(await a.exited).toBe('stopped');
    const released = await lease(ns, 'gadgets');
    expect(['', b.manager.identity]).toContain(released.spec?.holderIdentity ?? '');

    // Released, not expired: b takes over well within the 15 s lease duration.
    await waitFor(() => b.manager.isLeader, { timeoutMs: 10_000, message: 'b leads' });
    await waitFor(async () => (await reconciledBy(ns, 'slow')) === b.manager.identity, {
      timeoutMs: 10_000,
      message: 'the handed-back key reconciled by b',
    });
    await createGadget(kc, ns, 'g4', { replicas: 1 });
    await waitFor(async () => (await reconciledBy(ns, 'g4')) === b.manager.identity, {
      message: 'g4 by b',
    });
    expect((await lease(ns, 'gadgets')).spec?.leaseTransitions).toBe(1);
    // a also re-reconciled each object once after its own status write (no-op, nothing patched)
    expect([...new Set(a.reconciled)].sort()).toEqual(['g1', 'g2', 'g3']);
  });

  it('stops with leadership-lost when the Lease is taken away', async () => {
    const ns = await createTestNamespace('lost');
    const flags = [
      '--leader-election-id=lost',
      '--leader-election-lease-duration=4s',
      '--leader-election-renew-deadline=3s',
      '--leader-election-retry-period=1s',
    ];
    const a = replica(ns, flags, false);
    await waitFor(() => a.manager.isLeader, { timeoutMs: 20_000, message: 'a leads' });
    const coordination = adminKubeConfig().makeApiClient(CoordinationV1Api);
    await coordination.patchNamespacedLease(
      {
        namespace: ns,
        name: 'lost',
        body: { spec: { holderIdentity: 'intruder', leaseDurationSeconds: 3600 } },
      },
      setHeaderOptions('Content-Type', PatchStrategy.MergePatch),
    );
    expect(await a.exited).toBe('leadership-lost');
    expect(a.manager.isLeader).toBe(false);
    expect((await lease(ns, 'lost')).spec?.holderIdentity).toBe('intruder'); // not released by the loser
  });
});
