// Status fields every kind has: `observedGeneration` (int64, as kstatus and Flux expect),
// `conditions`, `phase`, `message` and the bounded transition `history`.
import { Type, type TSchema } from '@sinclair/typebox';
import { Conditions } from './conditions.js';
import { historyOf } from './history.js';
import { described } from './schema.js';

/** Spread into a kind's status `Type.Object({...commonStatusFields(Phase), ...})`. */
export function commonStatusFields<P extends TSchema>(phase: P) {
  return {
    observedGeneration: Type.Optional(
      Type.Integer({
        format: 'int64',
        minimum: 0,
        description: 'The metadata.generation this status describes.',
      }),
    ),
    conditions: Type.Optional(Conditions),
    phase: Type.Optional(
      described(phase, 'Where the object is, in one word (derived from the rest of status).'),
    ),
    message: Type.Optional(
      Type.String({ maxLength: 4096, description: 'Human-readable summary of the phase.' }),
    ),
    history: Type.Optional(historyOf(phase)),
  };
}
