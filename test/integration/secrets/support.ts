// Helpers of the secret-leak tests: distinctive planted secrets, the controller's own logger
// (createLogger, as main runs it) at debug level writing into memory, and everything a controller
// shows to the outside of a namespace — status of every object, every Event, /metrics — as text
// to search. A positive control (`expectSeen`) keeps each search from passing vacuously.
import { randomBytes } from 'node:crypto';
import { CoreV1Api, CustomObjectsApi } from '@kubernetes/client-node';
import { expect } from 'vitest';
import { createLogger, type Logger } from '../../../controller/observability/logger.js';
import { adminKubeConfig } from '../../env/fixtures.js';
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
