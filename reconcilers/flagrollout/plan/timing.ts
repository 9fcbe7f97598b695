// Status times are RFC 3339 with whole seconds (metav1.Time precision), so every decision is taken
// on the rounded value that status stores: a restarted controller then sees exactly what the
// previous one saw. Deadlines round up (a hold is never shorter than asked), starts round down.
import { parseDuration, toRfc3339 } from '../../../controller/index.js';
import type { FlagStep } from '../api.js';

/** RFC 3339, rounded down to the second. */
export function isoFloor(ms: number): string {
  return toRfc3339(new Date(ms));
}

/** RFC 3339, rounded up to the second: for deadlines. */
export function isoCeil(ms: number): string {
  return toRfc3339(new Date(Math.ceil(ms / 1000) * 1000));
}

/** Epoch ms of a status time; undefined when absent or unparseable. */
export function epochMs(iso: string | undefined): number | undefined {
  if (iso === undefined) return undefined;
  const ms = Date.parse(iso);
  return Number.isNaN(ms) ? undefined : ms;
}

/** The step's hold in ms; undefined when the step has none (promote at once). */
export function holdMs(step: FlagStep | undefined): number | undefined {
  return step?.hold === undefined ? undefined : parseDuration(step.hold);
}

/** `1h2m3s`-style text for messages. */
export function describeSeconds(seconds: number): string {
  const h = Math.floor(seconds / 3600);
  const m = Math.floor((seconds % 3600) / 60);
  const s = seconds % 60;
  const parts = [
    h > 0 ? `${h}h` : '',
    m > 0 ? `${m}m` : '',
    s > 0 || (h === 0 && m === 0) ? `${s}s` : '',
  ];
  return parts.join('');
}
