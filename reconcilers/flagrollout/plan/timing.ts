// Every decision is taken on the value that status stores, so a restarted controller sees exactly
// what the previous one saw. Start times are RFC 3339 with whole seconds (metav1.Time precision),
// rounded down. Hold deadlines keep the millisecond (as Release's weightChangedAt): rounding them up
// to the second made each hold up to 1 s late, and a ramp's lateness added up step after step.
import { parseDuration, toRfc3339 } from '../../../controller/index.js';
import type { FlagStep } from '../api.js';
import { onSchedule } from '../../shared/kit/schedule.js';

/** RFC 3339, rounded down to the second. */
export function isoFloor(ms: number): string {
  return toRfc3339(new Date(ms));
}

/** RFC 3339 of a deadline, to the millisecond (rounded up); whole seconds print without a fraction. */
export function isoDeadline(ms: number): string {
  const date = new Date(Math.ceil(ms));
  return date.getTime() % 1000 === 0 ? toRfc3339(date) : date.toISOString();
}

/**
 * When the hold of a step begun at `nowMs` ends: `holdMs` after the ended hold's deadline
 * `dueMs` (from the schedule) when the promotion is on time, else `holdMs` after now.
 */
export function nextDeadline(nowMs: number, holdMs: number, dueMs: number | undefined): number {
  // A promotion on schedule (shared/kit/schedule.ts) counts from the ended hold's deadline.
  return (onSchedule(dueMs, nowMs) ? dueMs : nowMs) + holdMs;
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
