// Maintenance flags an earlier revision left on. A revision whose irreversible migration succeeded
// keeps its flag on when its deploy fails (Frozen, then perhaps rolled back or aborted): the schema
// is migrated and a person must decide. A new spec is that decision, so the flag is remembered when
// the next revision starts and turned off once that revision completes healthy (its MaintenanceOff
// stage) — not before: should the new revision fail too, the flag stays on.
import { MAX_FLAGS_LEFT_ON } from '../api.js';
import { act, probe, waitFor, type Draft, type StepResult } from './draft.js';
import { note } from './history.js';
import { flagAction } from './maintenance-flag.js';

/** As revision `next` starts: remembers the flag the ending revision's migration left on. */
export function rememberFlagLeftOn(draft: Draft, next: number): void {
  const m = draft.status.migration;
  if (m?.flagOn !== true || m.revision === undefined) return;
  // Records written before `flag` existed name none; the spec's is the best guess then.
  const flag = m.flag ?? draft.spec.migration?.maintenanceFlag;
  if (flag === undefined) return;
  const others = (draft.status.maintenanceFlagsLeftOn ?? []).filter((f) => f.flag !== flag);
  draft.status.maintenanceFlagsLeftOn = [...others, { flag, revision: m.revision }].slice(
    -MAX_FLAGS_LEFT_ON,
  );
  note(
    draft,
    'Warning',
    'MaintenanceFlagLeftOn',
    `maintenance flag ${flag} stays on (left on by revision ${m.revision}): it goes off when revision ${next} completes healthy`,
  );
}

/** Turns the remembered flags off, one per reconcile; undefined when none is left. */
export function turnOffFlagsLeftOn(draft: Draft): StepResult | undefined {
  const [first, ...rest] = draft.status.maintenanceFlagsLeftOn ?? [];
  if (first === undefined) return undefined;
  const what = `maintenance flag ${first.flag} (left on by revision ${first.revision})`;
  const obs = draft.observed.flagLeftOn;
  if (obs === undefined) return probe(what);
  if (!obs.ok) return waitFor('world', `cannot turn ${what} off: ${obs.problem}`);
  if (obs.record?.enabled === true) {
    return act(
      flagAction(draft, first.flag, false, obs.version, obs.record),
      `turning ${what} off`,
    );
  }
  if (rest.length > 0) draft.status.maintenanceFlagsLeftOn = rest;
  else delete draft.status.maintenanceFlagsLeftOn;
  note(
    draft,
    'Normal',
    'MaintenanceOff',
    `${what} is off: revision ${draft.status.revision?.number ?? 0} completed healthy`,
  );
  return rest.length > 0 ? probe(`maintenance flag ${rest[0]?.flag ?? ''}`) : undefined;
}
