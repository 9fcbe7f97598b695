/**
 * Sends one notification to one destination: a Slack incoming webhook (`{text}`) or a generic
 * webhook (the notification as JSON, signed with HMAC-SHA256 when a key is configured). Retries
 * network errors, 408, 429 and 5xx with exponential backoff; other 4xx are permanent (a wrong URL or
 * a receiver refusing the payload will not heal by retrying). URLs are secrets: never logged.
 */
import { createHmac } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Destination, NotificationEvent } from './routes.js';

export interface Notification {
  /** Stable id of the transition (object UID + history entry): receivers can deduplicate on it. */
  readonly id: string;
  readonly event: NotificationEvent;
  readonly kind: string;
  readonly namespace: string;
  readonly name: string;
  readonly uid: string;
  /** The object's revision when sent (Release), if it has one. */
  readonly revision?: number;
  readonly from?: string;
  readonly phase: string;
  readonly reason: string;
  readonly message: string;
  /** When the controller recorded the transition (status.history). */
  readonly time: string;
}

export const SIGNATURE_HEADER = 'X-LatticeDB-Signature';
export const DELIVERY_HEADER = 'X-LatticeDB-Delivery';

export function slackText(n: Notification): string {
  const rev = n.revision === undefined ? '' : ` (revision ${n.revision})`;
  return `*${n.kind} ${n.namespace}/${n.name}*${rev} — ${n.event}: ${n.message || n.reason}`;
}

/** The request a destination receives: body and headers. */
export function requestFor(
  dest: Destination,
  n: Notification,
): { body: string; headers: Record<string, string> } {
  const body = JSON.stringify(dest.type === 'slack' ? { text: slackText(n) } : n);
  const headers: Record<string, string> = {
    'content-type': 'application/json',
    [DELIVERY_HEADER]: n.id,
  };
  if (dest.type === 'webhook' && dest.hmacKey !== undefined) {
    headers[SIGNATURE_HEADER] = signature(body, dest.hmacKey);
  }
  return { body, headers };
}

/** `sha256=<hex HMAC-SHA256 of the raw body>` (GitHub's webhook convention). */
export function signature(body: string, key: string): string {
  return `sha256=${createHmac('sha256', key).update(body).digest('hex')}`;
}

export class DeliveryError extends Error {
  override readonly name = 'DeliveryError';
  readonly permanent: boolean;
  constructor(message: string, permanent: boolean) {
    super(message);
    this.permanent = permanent;
  }
}

export interface DeliverOptions {
  /** Attempts within one call (default 3); the work queue's backoff retries after that. */
  readonly attempts?: number;
  /** First retry delay, doubled each time (default 500 ms). */
  readonly backoffMs?: number;
  /** Per-request timeout (default 10 s). */
  readonly timeoutMs?: number;
  readonly signal?: AbortSignal;
}

export async function deliver(
  dest: Destination,
  n: Notification,
  options: DeliverOptions = {},
): Promise<void> {
  const attempts = options.attempts ?? 3;
  const { body, headers } = requestFor(dest, n);
  let last = '';
  for (let attempt = 1; attempt <= attempts; attempt++) {
    if (attempt > 1) {
      await sleep((options.backoffMs ?? 500) * 2 ** (attempt - 2), undefined, {
        signal: options.signal,
      });
    }
    const timeout = AbortSignal.timeout(options.timeoutMs ?? 10_000);
    try {
      const res = await fetch(dest.url, {
        method: 'POST',
        headers,
        body,
        signal: options.signal === undefined ? timeout : AbortSignal.any([options.signal, timeout]),
      });
      await res.arrayBuffer(); // drain: keep-alive sockets are reused
      if (res.ok) return;
      last = `HTTP ${res.status}`;
      if (res.status < 500 && res.status !== 408 && res.status !== 429) {
        throw new DeliveryError(`${dest.type} receiver answered ${last}`, true);
      }
    } catch (err) {
      if (err instanceof DeliveryError) throw err;
      if (options.signal?.aborted === true) throw err;
      last = (err as Error).name === 'TimeoutError' ? 'timeout' : 'connection failed';
    }
  }
  throw new DeliveryError(
    `${dest.type} delivery failed after ${attempts} attempts: ${last}`,
    false,
  );
}
