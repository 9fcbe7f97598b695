/**
 * Notification configuration: one Secret (default `latticedb-notifications` in the controller's
 * namespace) holds the webhook URLs, HMAC keys and, under `routes.yaml`, the routes: where to send
 * which transitions. One object, read with one narrowly scoped `get`, updated atomically.
 *
 * ```yaml
 * routes:
 *   - name: deployments            # shown in logs
 *     slack: { urlKey: slack-url } # a Slack incoming webhook; the URL is the Secret's `slack-url`
 *     kinds: [Release]             # optional selectors; absent = all
 *     namespaces: [prod]
 *     events: [rolled-back, aborted, awaiting-approval]
 *   - name: audit
 *     webhook: { urlKey: audit-url, hmacKey: audit-hmac }   # JSON, signed when hmacKey is set
 * ```
 */
import yaml from 'js-yaml';

/** The transitions people act on; a kind maps its history entries onto these. */
export const NOTIFICATION_EVENTS = [
  'revision-started',
  'awaiting-approval',
  'healthy',
  'rolled-back',
  'aborted',
  'failed',
  'frozen',
  'flag-step',
  'flag-disabled',
  'kill-switch',
  'failover-started',
  'failover-finished',
  'failover-failed',
  'standby-not-ready',
] as const;
export type NotificationEvent = (typeof NOTIFICATION_EVENTS)[number];

export interface Destination {
  readonly type: 'slack' | 'webhook';
  readonly url: string;
  /** HMAC-SHA256 key for the `X-LatticeDB-Signature` header (webhook only). */
  readonly hmacKey?: string;
}

export interface Route {
  readonly name: string;
  readonly destination: Destination;
  readonly kinds?: readonly string[];
  readonly namespaces?: readonly string[];
  readonly events?: readonly NotificationEvent[];
}

export class NotificationConfigError extends Error {
  override readonly name = 'NotificationConfigError';
}

interface RawRoute {
  name?: unknown;
  slack?: { urlKey?: unknown };
  webhook?: { urlKey?: unknown; hmacKey?: unknown };
  kinds?: unknown;
  namespaces?: unknown;
  events?: unknown;
}

/** Parses the Secret's data into routes; names the offending route and key, never a value. */
export function parseRoutes(data: Readonly<Record<string, string>>): Route[] {
  const text = data['routes.yaml'];
  if (text === undefined) throw new NotificationConfigError('key routes.yaml is missing');
  let doc: unknown;
  try {
    doc = yaml.load(text);
  } catch (err) {
    throw new NotificationConfigError(`routes.yaml is not YAML: ${(err as Error).message}`);
  }
  const list = (doc as { routes?: unknown } | null | undefined)?.routes;
  if (!Array.isArray(list)) throw new NotificationConfigError('routes.yaml: routes must be a list');
  return list.map((raw: RawRoute, i) => {
    const name = typeof raw.name === 'string' && raw.name !== '' ? raw.name : `routes[${i}]`;
    const secret = (key: unknown, what: string): string => {
      if (typeof key !== 'string') throw new NotificationConfigError(`${name}: ${what} missing`);
      const value = data[key];
      if (value === undefined || value.trim() === '')
        throw new NotificationConfigError(`${name}: the Secret has no key ${key} (${what})`);
      return value.trim();
    };
    const list = (v: unknown, field: string): string[] | undefined => {
      if (v === undefined) return undefined;
      if (!Array.isArray(v) || !v.every((x) => typeof x === 'string'))
        throw new NotificationConfigError(`${name}: ${field} must be a list of strings`);
      return v;
    };
    let destination: Destination;
    if (raw.slack !== undefined && raw.webhook === undefined) {
      destination = { type: 'slack', url: secret(raw.slack.urlKey, 'slack.urlKey') };
    } else if (raw.webhook !== undefined && raw.slack === undefined) {
      destination = {
        type: 'webhook',
        url: secret(raw.webhook.urlKey, 'webhook.urlKey'),
        ...(raw.webhook.hmacKey === undefined
          ? {}
          : { hmacKey: secret(raw.webhook.hmacKey, 'webhook.hmacKey') }),
      };
    } else {
      throw new NotificationConfigError(`${name}: set exactly one of slack, webhook`);
    }
    if (!/^https?:\/\//.test(destination.url))
      throw new NotificationConfigError(`${name}: the URL must be http(s)`);
    const events = list(raw.events, 'events');
    for (const e of events ?? []) {
      if (!(NOTIFICATION_EVENTS as readonly string[]).includes(e))
        throw new NotificationConfigError(
          `${name}: unknown event ${e} (one of ${NOTIFICATION_EVENTS.join(', ')})`,
        );
    }
    const kinds = list(raw.kinds, 'kinds');
    const namespaces = list(raw.namespaces, 'namespaces');
    return {
      name,
      destination,
      ...(kinds === undefined ? {} : { kinds }),
      ...(namespaces === undefined ? {} : { namespaces }),
      ...(events === undefined ? {} : { events: events as NotificationEvent[] }),
    };
  });
}

export function routeMatches(
  route: Route,
  kind: string,
  namespace: string,
  event: NotificationEvent,
): boolean {
  return (
    (route.kinds === undefined || route.kinds.includes(kind)) &&
    (route.namespaces === undefined || route.namespaces.includes(namespace)) &&
    (route.events === undefined || route.events.includes(event))
  );
}
