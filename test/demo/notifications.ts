// The demo's notifications: a local HTTP server stands in for Slack and for a webhook receiver,
// and the notifications Secret routes every transition to both, so the demo prints the messages
// the controller would have sent (Slack text and the signed JSON's event line).
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { CoreV1Api, type KubeConfig } from '@kubernetes/client-node';

export const NOTIFICATIONS_SECRET = 'latticedb-notifications';

const ROUTES = `routes:
  - name: slack
    slack: { urlKey: slack-url }
    events: [revision-started, awaiting-approval, healthy, rolled-back, aborted, failed, frozen, flag-disabled, kill-switch]
  - name: webhook
    webhook: { urlKey: webhook-url, hmacKey: webhook-hmac }
`;

export interface NotificationSink {
  close(): Promise<void>;
}

/** Starts the receiver and writes the Secret into `namespace`; `say` prints one message. */
export async function startNotificationSink(
  kc: KubeConfig,
  namespace: string,
  say: (source: string, message: string) => void,
): Promise<NotificationSink> {
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      try {
        const body = JSON.parse(Buffer.concat(chunks).toString('utf8')) as Record<string, unknown>;
        if (req.url === '/slack') say('slack', String(body.text));
        else
          say(
            'webhook',
            `${String(body.event)} ${String(body.kind)} ${String(body.namespace)}/${String(body.name)} (signed ${String(req.headers['x-latticedb-signature']).slice(0, 19)}…)`,
          );
      } catch {
        say('webhook', 'unreadable payload');
      }
      res.writeHead(200).end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const core = kc.makeApiClient(CoreV1Api);
  await core
    .deleteNamespacedSecret({ namespace, name: NOTIFICATIONS_SECRET })
    .catch(() => undefined);
  await core.createNamespacedSecret({
    namespace,
    body: {
      metadata: { name: NOTIFICATIONS_SECRET },
      stringData: {
        'routes.yaml': ROUTES,
        'slack-url': `${url}/slack`,
        'webhook-url': `${url}/webhook`,
        'webhook-hmac': 'demo-signing-key',
      },
    },
  });
  return {
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => {
          resolve();
        });
      }),
  };
}
