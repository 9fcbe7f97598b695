// Flag, kill-switch and salt names as CRD schemas. The flag store's data model
// (flags/model.ts) owns the syntax; the CRD is never looser than the store.
import { Type, type StringOptions, type TString } from '@sinclair/typebox';
import { FLAG_NAME_PATTERN, RESERVED_FLAG_NAMES, SALT_PATTERN } from '../../../flags/model.js';
import { withRules } from './schema.js';

const RESERVED = [...RESERVED_FLAG_NAMES].sort();

/** A flag key, e.g. `new_query_optimizer`; stored at `latticedb:flags:<flag>`. */
export function FlagName(options: StringOptions = {}): TString {
  return withRules(
    Type.String({ pattern: FLAG_NAME_PATTERN.source, minLength: 1, maxLength: 128, ...options }),
    [
      {
        rule: `!(self in [${RESERVED.map((name) => `'${name}'`).join(', ')}])`,
        message: `must not be one of the store's reserved names: ${RESERVED.join(', ')}`,
        check: (self) => !RESERVED_FLAG_NAMES.has(self),
      },
    ],
  );
}

/** A kill-switch group: `latticedb:flags:kill_switch:<group>` turns its flags off for everyone. */
export const KILL_SWITCH_PATTERN = '^[a-z0-9][a-z0-9_-]*$';
export function KillSwitchGroup(options: StringOptions = {}): TString {
  return Type.String({ pattern: KILL_SWITCH_PATTERN, minLength: 1, maxLength: 63, ...options });
}

/** Bucketing salt (no `:`; see the flag contract). */
export function FlagSalt(options: StringOptions = {}): TString {
  return Type.String({ pattern: SALT_PATTERN.source, minLength: 1, maxLength: 128, ...options });
}
