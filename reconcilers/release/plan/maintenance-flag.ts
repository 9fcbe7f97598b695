// The maintenance flag's write, shared by the migration stages that turn a revision's own flag on
// and off and by the clean-up of flags an earlier revision left on (flags-left-on.ts). Its own
// module so that neither of those imports the other.
import type { FlagWrite } from '../../../flags/index.js';
import type { Draft } from './draft.js';
import type { Action } from './types.js';

/** The CAS write that turns `flag` fully on or off, keeping its salt, targets and kill switch. */
export function flagAction(
  draft: Draft,
  flag: string,
  on: boolean,
  expectedVersion: number,
  current: { salt: string; targets: readonly string[]; killSwitch: string | null } | undefined,
): Action {
  const write: FlagWrite = {
    enabled: on,
    basisPoints: on ? 10_000 : 0,
    salt: current?.salt ?? flag,
    targets: current?.targets ?? [],
    killSwitch: current?.killSwitch ?? null,
    updatedBy: `controller:${draft.object.namespace}/${draft.object.name}`,
  };
  return { type: 'setMaintenanceFlag', flag, on, expectedVersion, write };
}
