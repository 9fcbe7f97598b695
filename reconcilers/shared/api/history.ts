// Bounded status lists: phase transitions (`status.history`) and helpers to keep any list within the
// `maxItems` its CRD declares (the apiserver refuses a status patch that exceeds it).
import { described } from './schema.js';
import { Type, type TSchema } from '@sinclair/typebox';
import { Reason } from './conditions.js';
import { DateTime } from './formats.js';

/**
 * A short history of transitions keeps `kubectl describe` readable (the Events and the logs hold
 * the detail; every history entry is also an Event).
 */
export const MAX_HISTORY = 20;

/** One phase transition: `{ time, from?, to, reason, message? }`; `from` is absent for the first. */
export function historyEntry<P extends TSchema>(phase: P) {
  return Type.Object({
    time: DateTime({ description: 'When the transition happened.' }),
    from: Type.Optional(described(phase, 'The phase before; absent for the first entry.')),
    to: described(phase, 'The phase after.'),
    reason: described(Reason, 'Why, as in the Event of the same transition.'),
    message: Type.Optional(Type.String({ maxLength: 1024, description: 'Details.' })),
  });
}

/** `status.history`: the newest {@link MAX_HISTORY} transitions, oldest first. */
export function historyOf<P extends TSchema>(phase: P, maxItems = MAX_HISTORY) {
  return Type.Array(historyEntry(phase), {
    maxItems,
    description: `The newest ${String(maxItems)} phase transitions, oldest first; every one is also an Event.`,
  });
}

/** Appends `item` and drops the oldest entries beyond `max` (never mutates `list`). */
export function appendBounded<T>(list: readonly T[] | undefined, item: T, max: number): T[] {
  const next = [...(list ?? []), item];
  return next.slice(Math.max(0, next.length - max));
}
