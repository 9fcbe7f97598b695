// Notifications from the real controller (FlagRollout on the real apiserver and Redis) to a local
// HTTP receiver: routes from a Secret, every notifiable transition sent once, JSON payloads with an
// HMAC-SHA256 signature, Slack text on a filtered route, a 500 retried with backoff, and no
// repeat after a restart (the ledger annotation on the object).
import { createHmac } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { CoreV1Api } from '@kubernetes/client-node';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { SENT_ANNOTATION } from '../../../controller/notifications/ledger.js';
import type { FlagRolloutStatus } from '../../../reconcilers/flagrollout/api.js';
import { setupFlagRolloutWith } from '../../../reconcilers/flagrollout/setup.js';
import { classifyFlagRollout, notifying } from '../../../reconcilers/notify.js';
import { adminKubeConfig, createTestNamespace, waitFor } from '../../env/fixtures.js';
import {
  startInProcessController,
  type RunningController,
} from '../../fixtures/in-process-controller.js';
import {
  createRollout,
  getRollout,
  installCrd,
  patchRollout,
  uniqueFlag,
  waitForStatus,
} from '../flagrollout/support.js';

const HMAC_KEY = 'test-hmac-key';

interface Received {
  readonly path: string;
  readonly status: number;
  readonly headers: Record<string, string | string[] | undefined>;
  readonly raw: string;
  readonly body: Record<string, unknown>;
}

/** A webhook receiver that records every request; `failNext(n)` answers the next n with 500. */
class Receiver {
  readonly requests: Received[] = [];
  #fail = 0;
  readonly #server: Server;

  constructor() {
    this.#server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        const raw = Buffer.concat(chunks).toString('utf8');
        const status = this.#fail > 0 ? 500 : 200;
        if (this.#fail > 0) this.#fail--;
        this.requests.push({
          path: req.url ?? '',
          status,
          headers: req.headers,
          raw,
          body: JSON.parse(raw) as Record<string, unknown>,
        });
        res.writeHead(status).end();
      });
    });
  }

  async listen(): Promise<string> {
    await new Promise<void>((r) => this.#server.listen(0, '127.0.0.1', r));
    return `http://127.0.0.1:${(this.#server.address() as AddressInfo).port}`;
  }

  failNext(n: number): void {
    this.#fail = n;
  }

  /** Successful deliveries to `path`, oldest first. */
  delivered(path: string): Received[] {
    return this.requests.filter((r) => r.path === path && r.status === 200);
  }

  close(): Promise<void> {
    this.#server.closeAllConnections();
    return new Promise((r) =>
      this.#server.close(() => {
        r();
      }),
    );
  }
}

let receiver: Receiver;
let url: string;
let sysNs: string;
let ns: string;
const controllers: RunningController[] = [];

beforeAll(async () => {
  await installCrd();
});

afterEach(async () => {
  for (const c of controllers.splice(0)) await c.stop();
  await receiver.close();
});

async function setUp(routes: string): Promise<void> {
  receiver = new Receiver();
  url = await receiver.listen();
  sysNs = await createTestNamespace('notify-sys');
  ns = await createTestNamespace('notify');
  await adminKubeConfig()
    .makeApiClient(CoreV1Api)
    .createNamespacedSecret({
      namespace: sysNs,
      body: {
        metadata: { name: 'latticedb-notifications' },
        stringData: {
          'routes.yaml': routes,
          'audit-url': `${url}/audit`,
          'audit-hmac': HMAC_KEY,
          'slack-url': `${url}/slack`,
        },
      },
    });
}

const ROUTES = `
routes:
  - name: audit
    webhook: { urlKey: audit-url, hmacKey: audit-hmac }
  - name: deployments
    slack: { urlKey: slack-url }
    kinds: [FlagRollout]
    events: [healthy]
`;

function start(): RunningController {
  const c = startInProcessController(
    ns,
    notifying(setupFlagRolloutWith({ pollMs: 1_000 }), classifyFlagRollout),
    {
      extraArgs: [`--leader-election-namespace=${sysNs}`],
      notifications: { configTtlMs: 0, delivery: { backoffMs: 100 } },
    },
  );
  controllers.push(c);
  return c;
}

/** The transitions of the rollout's history that are notifications, in order. */
function notifiable(status: FlagRolloutStatus | undefined): string[] {
  return (status?.history ?? [])
    .map((e) => classifyFlagRollout(e, {}))
    .filter((e): e is NonNullable<typeof e> => e !== undefined);
}

async function notifyReconciles(c: RunningController): Promise<number> {
  const metric = await c.manager.metrics.reconcileTotal.get();
  return metric.values
    .filter((v) => v.labels.controller === 'notify-flagrollout')
    .reduce((sum, v) => sum + v.value, 0);
}

describe('notifications to Slack and webhooks', () => {
  it('sends each notifiable transition once: signed JSON to the webhook, the selected event to Slack', async () => {
    await setUp(ROUTES);
    start();
    await createRollout(ns, 'ramp', {
      flag: uniqueFlag('notify'),
      steps: [{ percentage: 0, hold: '1s' }, { percentage: 50, hold: '1s' }, { percentage: 100 }],
    });
    const done = await waitForStatus(ns, 'ramp', (s) => s.phase === 'Complete', {
      timeoutMs: 60_000,
    });
    const expected = notifiable(done);
    expect(expected.at(-1)).toBe('healthy');
    expect(expected.filter((e) => e === 'flag-step').length).toBeGreaterThanOrEqual(2);
    await waitFor(() => receiver.delivered('/audit').length >= expected.length, {
      timeoutMs: 30_000,
      message: 'every notification at the webhook',
    });
    await waitFor(() => receiver.delivered('/slack').length >= 1, {
      timeoutMs: 30_000,
      message: 'the healthy notification at Slack',
    });

    const audit = receiver.delivered('/audit');
    expect(audit.map((r) => r.body.event)).toEqual(expected);
    const uid = (await getRollout(ns, 'ramp')).metadata as { uid?: string };
    for (const r of audit) {
      expect(r.headers['x-latticedb-signature']).toBe(
        `sha256=${createHmac('sha256', HMAC_KEY).update(r.raw).digest('hex')}`,
      );
      expect(r.headers['x-latticedb-delivery']).toBe(r.body.id);
      expect(r.body).toMatchObject({
        kind: 'FlagRollout',
        namespace: ns,
        name: 'ramp',
        uid: uid.uid,
      });
      expect(typeof r.body.message).toBe('string');
    }
    expect(new Set(audit.map((r) => r.body.id)).size).toBe(audit.length);

    const slack = receiver.delivered('/slack');
    expect(slack).toHaveLength(1);
    expect(slack[0]?.body.text).toMatch(new RegExp(`^\\*FlagRollout ${ns}/ramp\\* — healthy: `));
    expect(slack[0]?.headers['x-latticedb-signature']).toBeUndefined();

    const annotations = (await getRollout(ns, 'ramp')).metadata as {
      annotations?: Record<string, string>;
    };
    expect(JSON.parse(annotations.annotations?.[SENT_ANNOTATION] ?? '{}')).toMatchObject({
      through: done.history?.at(-1)?.time,
    });
  });

  it('retries a receiver that answers 500, with backoff, and delivers once', async () => {
    await setUp(ROUTES);
    receiver.failNext(2);
    start();
    await createRollout(ns, 'retry', {
      flag: uniqueFlag('notify_retry'),
      steps: [{ percentage: 0, hold: '1h' }, { percentage: 100 }],
    });
    await waitFor(() => receiver.delivered('/audit').length >= 1, {
      timeoutMs: 30_000,
      message: 'the first notification delivered after two 500s',
    });
    const first = receiver.delivered('/audit')[0];
    const attempts = receiver.requests.filter((r) => r.body.id === first?.body.id);
    expect(attempts.map((r) => r.status)).toEqual([500, 500, 200]);
    expect(first?.body.event).toBe('flag-step');
  });

  it('a restarted controller does not repeat a message, and sends the new ones', async () => {
    await setUp(ROUTES);
    const a = start();
    await createRollout(ns, 'restart', {
      flag: uniqueFlag('notify_restart'),
      steps: [{ percentage: 0, hold: '1h' }, { percentage: 100 }],
    });
    await waitFor(() => receiver.delivered('/audit').length >= 1, {
      timeoutMs: 30_000,
      message: 'the first step notified',
    });
    await a.stop();
    controllers.splice(controllers.indexOf(a), 1);

    const b = start();
    await waitFor(async () => (await notifyReconciles(b)) >= 1, {
      timeoutMs: 30_000,
      message: 'the new controller looked at the rollout',
    });
    // Let it settle: the object stays where it was, so nothing new is notifiable.
    await new Promise((r) => setTimeout(r, 2_000));
    expect(receiver.delivered('/audit')).toHaveLength(1);

    // A new transition after the restart (the emergency disable) is sent by the new controller.
    await patchRollout(ns, 'restart', { spec: { enabled: false } });
    const done = await waitForStatus(ns, 'restart', (s) => s.phase === 'Disabled', {
      timeoutMs: 60_000,
    });
    const expected = notifiable(done);
    await waitFor(() => receiver.delivered('/audit').length >= expected.length, {
      timeoutMs: 30_000,
      message: 'the disable notified by the new controller',
    });
    const ids = receiver.delivered('/audit').map((r) => r.body.id);
    expect(new Set(ids).size).toBe(ids.length);
    expect(receiver.delivered('/audit').map((r) => r.body.event)).toEqual(expected);
    expect(expected).toEqual(['flag-step', 'flag-disabled']);
  });
});
