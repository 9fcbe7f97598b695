// Transitions, told twice: as an Event and as a bounded `status.history` entry (from/to phase,
// reason, message). Generalised from Release's plan/history.ts `note`.
import type { EventSpec } from '../../../controller/index.js';
import { appendBounded, MAX_HISTORY } from '../api/history.js';

/** The apiserver refuses status messages (history, conditions) over the CRD's 1024 characters. */
export const MAX_MESSAGE = 1024;

/** `text` within {@link MAX_MESSAGE} characters. */
export const bounded = (text: string): string =>
  text.length > MAX_MESSAGE ? `${text.slice(0, MAX_MESSAGE - 1)}…` : text;

export interface HistoryEntry<Phase extends string> {
  readonly time: string;
  readonly from?: Phase;
  readonly to: Phase;
  readonly reason: string;
  readonly message?: string;
}

/**
 * The history after a transition to `to` (appended only when the phase or reason changes, so a
 * reconcile that finds the same situation again adds nothing), and the Event that tells it.
 */
export function transition<Phase extends string>(
  history: readonly HistoryEntry<Phase>[] | undefined,
  to: Phase,
  reason: string,
  message: string,
  now: Date,
  type: EventSpec['type'] = 'Normal',
): { readonly history: HistoryEntry<Phase>[]; readonly event?: EventSpec } {
  const last = history?.at(-1);
  if (last !== undefined && last.to === to && last.reason === reason) {
    return { history: [...(history ?? [])] };
  }
  const text = bounded(message);
  const entry: HistoryEntry<Phase> = {
    time: now.toISOString().replace(/\.\d{3}Z$/, 'Z'),
    ...(last === undefined ? {} : { from: last.to }),
    to,
    reason,
    message: text,
  };
  return {
    history: appendBounded(history, entry, MAX_HISTORY),
    event: { type, reason, message: text },
  };
}
