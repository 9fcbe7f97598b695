// Helpers of the secret-leak tests: distinctive planted secrets, the controller's own logger
// (createLogger, as main runs it) at debug level writing into memory, and everything a controller
// shows to the outside of a namespace — status of every object, every Event, /metrics — as text
// to search. A positive control (`expectSeen`) keeps each search from passing vacuously.
import { randomBytes } from 'node:crypto';
import { CoreV1Api, CustomObjectsApi } from '@kubernetes/client-node';
import { expect } from 'vitest';
import { createLogger, type Logger } from '../../../controller/observability/logger.js';
import { adminKubeConfig } from '../../env/fixtures.js';
import { startMoto, type MotoServer } from '../../env/moto.js';
import type { RunningController } from '../../fixtures/in-process-controller.js';

/** `planted-<label>-<random>`: a string that can only be in a log because it leaked there. */
export function plant(label: string): string {
  return `planted-${label}-${randomBytes(6).toString('hex')}`;
}

export interface CapturedLog {
  readonly logger: Logger;
  /** Every line written so far (JSON, one per entry, debug level and up). */
  readonly lines: string[];
  text(): string;
}

/** The production logger at debug level, into memory. */
export function captureLog(): CapturedLog {
  const lines: string[] = [];
  const logger = createLogger({
    level: 'debug',
    destination: {
      write: (line: string) => {
        lines.push(line);
      },
    },
  });
  return { logger, lines, text: () => lines.join('') };
}

/** The status of every `plural` in `namespace`, and the namespace's Events. */
export async function namespaceSurface(
  namespace: string,
  plural: string,
): Promise<{ objects: string; events: string }> {
  const kc = adminKubeConfig();
  const objects = await kc.makeApiClient(CustomObjectsApi).listNamespacedCustomObject({
    group: 'delivery.latticedb.com',
    version: 'v1alpha1',
    namespace,
    plural,
  });
  const events = await kc.makeApiClient(CoreV1Api).listNamespacedEvent({ namespace });
  // Status only: the spec is the user's input (a smoke test's header value is written there).
  const statuses = (objects as { items: { status?: unknown }[] }).items.map((o) => o.status);
  return { objects: JSON.stringify(statuses), events: JSON.stringify(events.items) };
}

/** `/metrics` as the controller serves it (the same registry). */
export function metricsText(controller: RunningController): Promise<string> {
  return controller.manager.metrics.registry.metrics();
}

/** Fails naming the place and the planted secret's label if any secret is found in any place. */
export function expectNoSecrets(
  places: Readonly<Record<string, string>>,
  secrets: Readonly<Record<string, string>>,
): void {
  const found: string[] = [];
  for (const [place, text] of Object.entries(places)) {
    for (const [label, secret] of Object.entries(secrets)) {
      if (text.includes(secret)) found.push(`${label} in ${place}`);
      const encoded = encodeURIComponent(secret);
      if (encoded !== secret && text.includes(encoded))
        found.push(`${label} (encoded) in ${place}`);
    }
  }
  expect(found, 'planted secrets found').toEqual([]);
}

/** The positive control: `text` shows that the failure carrying the secret did happen. */
export function expectSeen(text: string, pattern: RegExp, what: string): void {
  expect(pattern.test(text), `${what}: ${String(pattern)} not found`).toBe(true);
}

/** An IAM API call to moto while it does not check credentials yet (query protocol, unsigned). */
async function motoIam(endpoint: string, params: Record<string, string>): Promise<string> {
  const response = await fetch(endpoint, {
    method: 'POST',
    headers: {
      'content-type': 'application/x-www-form-urlencoded',
      // moto routes by the credential scope's service; the signature is not checked yet.
      authorization:
        'AWS4-HMAC-SHA256 Credential=setup/20260101/us-east-1/iam/aws4_request, SignedHeaders=host, Signature=0',
    },
    body: new URLSearchParams({ ...params, Version: '2010-05-08' }),
  });
  const text = await response.text();
  if (!response.ok) throw new Error(`moto IAM ${params.Action ?? ''}: ${response.status} ${text}`);
  return text;
}

export interface StrictMoto {
  readonly moto: MotoServer;
  readonly endpoint: string;
  /** The access key of an IAM user without any policy: authenticated, then denied everything. */
  readonly keyId: string;
  readonly secret: string;
}

/** A private moto with one IAM user (no policies) and its key, enforcing IAM from then on. */
export async function startStrictMoto(): Promise<StrictMoto> {
  const moto = await startMoto();
  const { endpoint } = moto;
  await motoIam(endpoint, { Action: 'CreateUser', UserName: 'no-policy' });
  const xml = await motoIam(endpoint, { Action: 'CreateAccessKey', UserName: 'no-policy' });
  const keyId = /<AccessKeyId>([^<]+)</.exec(xml)?.[1];
  const secret = /<SecretAccessKey>([^<]+)</.exec(xml)?.[1];
  if (keyId === undefined || secret === undefined) throw new Error(`no access key in ${xml}`);
  // moto's switch: authenticate and authorize every request from now on.
  const reset = await fetch(`${endpoint}/moto-api/reset-auth`, { method: 'POST', body: '0' });
  expect(reset.status).toBe(200);
  return { moto, endpoint, keyId, secret };
}
