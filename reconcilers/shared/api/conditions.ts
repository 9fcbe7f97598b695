// Status conditions in the metav1.Condition shape (same fields, patterns and bounds), as a
// list-map keyed on `type` so server-side apply and strategic tools merge them per type.
import { Type, type Static } from '@sinclair/typebox';
import { ConditionType } from '../../../controller/index.js';
import { DateTime } from './formats.js';
import { StringEnum, described } from './schema.js';

/**
 * Condition types every kind has: kstatus's three, and InvalidSpec. The runtime sets them, so the
 * list is the runtime's; each kind adds its own in its api.ts.
 */
export { ConditionType };
export type ConditionType = (typeof ConditionType)[keyof typeof ConditionType];

/** Reasons shared by all kinds; each kind adds its own in its api.ts. */
export const CommonReason = {
  InvalidSpec: 'InvalidSpec',
  NotImplemented: 'NotImplemented',
  Suspended: 'Suspended',
  Progressing: 'Progressing',
  Succeeded: 'Succeeded',
  Failed: 'Failed',
} as const;
export type CommonReason = (typeof CommonReason)[keyof typeof CommonReason];

export const CONDITION_TYPE_PATTERN =
  '^([a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*/)?(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])$';
export const CONDITION_REASON_PATTERN = '^[A-Za-z]([A-Za-z0-9_,:]*[A-Za-z0-9_])?$';

export const ConditionStatus = StringEnum(['True', 'False', 'Unknown']);
export type ConditionStatus = Static<typeof ConditionStatus>;

/** A CamelCase reason, as in conditions, history entries and events. */
export const Reason = Type.String({
  pattern: CONDITION_REASON_PATTERN,
  minLength: 1,
  maxLength: 1024,
});

export const Condition = Type.Object({
  type: Type.String({
    pattern: CONDITION_TYPE_PATTERN,
    maxLength: 316,
    description: 'Condition type: Ready, Reconciling, Stalled, InvalidSpec or a kind-specific one.',
  }),
  status: described(ConditionStatus, 'True, False or Unknown.'),
  observedGeneration: Type.Optional(
    Type.Integer({
      format: 'int64',
      minimum: 0,
      description: 'The metadata.generation the condition was set for.',
    }),
  ),
  lastTransitionTime: DateTime({ description: 'When status last changed.' }),
  reason: described(Reason, 'One CamelCase word for why, e.g. ServiceNotFound.'),
  message: Type.String({ maxLength: 32768, description: 'Human-readable details.' }),
});
export type Condition = Static<typeof Condition>;

export const MAX_CONDITIONS = 32;

export const Conditions = Type.Array(Condition, {
  maxItems: MAX_CONDITIONS,
  description:
    'kstatus conditions (Ready, Reconciling, Stalled) and the kind-specific ones, one per type.',
  'x-kubernetes-list-type': 'map',
  'x-kubernetes-list-map-keys': ['type'],
});
