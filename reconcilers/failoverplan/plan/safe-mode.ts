// The data-corruption safe mode, decided from spec, status and what was read: the read-only flag
// on at once (off again when safe mode is turned off), an evidence snapshot of the corrupt state
// (spec.safeMode.snapshot), the database's snapshots listed, and with
// an explicit snapshotIdentifier a restore into a new instance, followed until available; its
// endpoint and the next step (re-point the application with a Release) go to status. Nothing is
// deleted; a snapshot that is not the database's changes nothing.
import { FailoverPlanPhase as Phase, FailoverPlanReason as Reason } from '../api.js';
import type { Situation } from './decide.js';
import { validateRestore } from './restore-validation.js';
import type { Action, DecideInput, FailoverPlanState } from './types.js';

export const DEFAULT_READ_ONLY_FLAG = 'read_only_mode';

export interface SafeModeStep {
  readonly status: FailoverPlanState['safeMode'];
  readonly action?: Action;
  /**
   * What status says of safe mode until `action` succeeded, when it differs from `status`: the
   * flag is still on while the write that turns it off has not happened (a crash or a lost race
   * before it must not leave status saying off, nor release the interlock's hold).
   */
  readonly checkpoint?: FailoverPlanState['safeMode'];
  /** Overrides the failover's situation when there is no failover in flight. */
  readonly situation?: Situation;
  /** A measurement was not taken this reconcile: come back at once. */
  readonly soon?: boolean;
}

const iso = (d: Date): string => d.toISOString().replace(/\.\d{3}Z$/, 'Z');

export function safeModeStep(input: DecideInput): SafeModeStep {
  const { spec, status, observed, now, object } = input;
  const sm = spec.safeMode;
  const recorded = status?.safeMode;
  const flag = sm?.readOnlyFlag ?? recorded?.flag ?? DEFAULT_READ_ONLY_FLAG;
  const wanted = sm?.enabled === true;
  if (!wanted && recorded?.active !== true) return { status: recorded };
  const seen = observed.readOnly;
  if (seen === undefined) return { status: recorded };
  if ('problem' in seen) {
    return {
      status: recorded,
      situation: {
        phase: Phase.SafeMode,
        state: 'Stalled',
        reason: Reason.FlagStoreUnavailable,
        message: `read-only flag ${flag}: ${seen.problem}`,
      },
    };
  }
  const reason = (sm?.reason ?? recorded?.reason ?? '').trim();
  const self = `controller:${object.namespace}/${object.name}`;
  // Every write names this plan as its writer (flags/CONTRACT.md §2). Turning the flag off hands
  // it back to the controller that wrote it before safe mode (status.safeMode.flagOwner): a
  // FlagRollout held by the interlock recognises a flag turned off by the plan that held it as
  // handed back, and takes it over again (reconcilers/shared/interlock `handedBackBy`).
  const write = (on: boolean, handBackTo?: string): Action => ({
    type: 'setReadOnly',
    flag,
    on,
    expectedVersion: seen.version,
    salt: seen.salt ?? 'read-only',
    updatedBy: self,
    reason,
    ...(handBackTo === undefined ? {} : { handBackTo }),
  });
  if (!wanted) {
    const off = { active: false, flag };
    if (seen.enabled === true) {
      const owner = recorded?.flagOwner;
      return {
        status: off,
        // Until the write succeeded the flag is on: status keeps saying so (and the hold stays).
        checkpoint: { ...recorded, active: true, flag },
        action: write(false, owner),
        situation: {
          phase: Phase.SafeMode,
          state: 'Reconciling',
          reason: Reason.SafeModeDisabled,
          message: `turning ${flag} off${owner === undefined ? '' : ` and handing it back to ${owner}`}`,
        },
      };
    }
    return { status: off };
  }
  // Read-only for everyone: on at 100 % (a flag on for a share of users is not safe mode).
  const fullyOn = seen.enabled === true && seen.basisPoints === 10_000;
  const since = recorded?.active === true ? recorded.since : undefined;
  // The flag's writer before safe mode, if another controller: recorded before the flag goes on.
  const before = seen.updatedBy;
  const owner =
    recorded?.flagOwner ??
    (before !== undefined && before !== self && before.startsWith('controller:')
      ? before
      : undefined);
  const base = {
    active: fullyOn,
    flag,
    ...(owner === undefined ? {} : { flagOwner: owner }),
    since: since ?? iso(now),
    reason: reason.slice(0, 1024),
    ...snapshotsOf(observed.snapshots),
    // This episode's evidence snapshot (a new episode takes its own).
    ...(since !== undefined && recorded?.evidenceSnapshot !== undefined
      ? { evidenceSnapshot: recorded.evidenceSnapshot }
      : {}),
  };
  if (!fullyOn) {
    return {
      status: { ...base, active: false },
      action: write(true),
      situation: {
        phase: Phase.SafeMode,
        state: 'Reconciling',
        reason: Reason.SafeModeEnabled,
        message: `turning ${flag} on: ${reason}`,
      },
    };
  }
  return evidenceStep(input, base) ?? restoreStep(input, base);
}

/**
 * The evidence snapshot of spec.safeMode.snapshot's instance, once the flag is on (writes
 * stopped, so it shows the corrupt state as it was): taken once per episode, named after the
 * episode's start, create-if-absent (a retry after a crash finds it and writes nothing), recorded
 * once the call returned. Undefined: nothing to take (the restore comes next).
 */
function evidenceStep(
  input: DecideInput,
  base: NonNullable<FailoverPlanState['safeMode']>,
): SafeModeStep | undefined {
  const instance = input.spec.safeMode?.snapshot?.dbInstanceIdentifier;
  if (instance === undefined || base.evidenceSnapshot !== undefined) return undefined;
  const source = input.observed.evidenceSource;
  const region = input.spec.primary.region;
  if (source === undefined) return undefined;
  if (source === null) {
    // A typo must not hold up the restore during an incident: said, and the restore goes on.
    const step = restoreStep(input, base);
    const why = `no evidence snapshot: spec.safeMode.snapshot.dbInstanceIdentifier ${instance} is not an RDS instance in ${region}`;
    return step.situation === undefined
      ? step
      : { ...step, situation: { ...step.situation, message: `${why}; ${step.situation.message}` } };
  }
  const snapshotId = evidenceSnapshotId(input.object.uid, instance, base.since ?? '');
  return {
    status: { ...base, evidenceSnapshot: snapshotId },
    checkpoint: base,
    action: { type: 'snapshotDatabase', region, instance, snapshotId },
    situation: {
      phase: Phase.SafeMode,
      state: 'Reconciling',
      reason: Reason.TakingEvidenceSnapshot,
      message: `snapshot ${snapshotId} of ${instance}: the state at safe mode, as evidence`,
    },
  };
}

/**
 * `<instance>-evidence-<uid8>-20261207-043000` (RDS: letters, digits, single hyphens; lower case).
 * The owner's UID (its first 8 hex digits) is in the id, so create-if-absent never takes another
 * plan's snapshot of the same instance for this plan's.
 */
export function evidenceSnapshotId(uid: string, instance: string, since: string): string {
  const stamp = since.replace(/[-:]/g, '').replace('T', '-').replace(/Z$/, '').toLowerCase();
  const owner = uid
    .replace(/[^A-Za-z0-9]/g, '')
    .slice(0, 8)
    .toLowerCase();
  return `${instance.toLowerCase()}-evidence-${owner === '' ? '' : `${owner}-`}${stamp}`;
}

function snapshotsOf(snapshots: DecideInput['observed']['snapshots']) {
  if (snapshots === undefined || 'error' in snapshots) return {};
  return { snapshots: snapshots.slice(0, 10).map((s) => ({ ...s })) };
}

function restoreStep(
  input: DecideInput,
  base: NonNullable<FailoverPlanState['safeMode']>,
): SafeModeStep {
  const { spec, observed, object } = input;
  const restore = spec.safeMode?.restore;
  const flag = base.flag ?? DEFAULT_READ_ONLY_FLAG;
  const on: Situation = {
    phase: Phase.SafeMode,
    state: 'Ready',
    reason: Reason.SafeModeEnabled,
    message: `safe mode: ${flag} on (${base.reason ?? ''}); ${restore?.snapshotIdentifier === undefined ? 'set spec.safeMode.restore.snapshotIdentifier to restore (snapshots in status.safeMode.snapshots)' : ''}`,
  };
  if (restore?.snapshotIdentifier === undefined) return { status: base, situation: on };
  const id = restore.snapshotIdentifier;
  const target = restore.targetInstanceIdentifier;
  const snapshots = observed.snapshots;
  const restored = observed.restored;
  const withRestore = { ...base, snapshotId: id, restoredInstance: target };
  if (restored === undefined) return { status: base, situation: on };
  if (restored !== null) {
    if (restored.ownerUid !== object.uid) {
      return {
        status: base,
        situation: {
          phase: Phase.SafeMode,
          state: 'Stalled',
          reason: Reason.InstanceNotOwned,
          message: `RDS instance ${target} exists and was not restored by this plan; choose another targetInstanceIdentifier (nothing changed)`,
        },
      };
    }
    const status = {
      ...withRestore,
      restoreStatus: restored.status,
      ...(restored.endpoint === undefined ? {} : { endpoint: restored.endpoint }),
    };
    if (restored.status !== 'available') {
      return {
        status,
        situation: {
          phase: Phase.Restoring,
          state: 'Reconciling',
          reason: Reason.Restoring,
          message: `restoring ${target} from ${id}: ${restored.status}`,
        },
      };
    }
    return validated(input, status, id, target, restored.endpoint);
  }
  if (snapshots === undefined || 'error' in snapshots) {
    return {
      status: base,
      situation: {
        ...on,
        state: 'Reconciling',
        message: `cannot list snapshots of ${restore.dbInstanceIdentifier}: ${snapshots?.error ?? 'not read'}`,
      },
    };
  }
  const snapshot = snapshots.find((s) => s.id === id.toLowerCase() || s.id === id);
  if (snapshot?.status !== 'available') {
    return {
      status: base,
      situation: {
        phase: Phase.SafeMode,
        state: 'Stalled',
        reason: Reason.SnapshotNotFound,
        message: `spec.safeMode.restore.snapshotIdentifier: ${id} is ${snapshot === undefined ? 'not a snapshot' : `${snapshot.status}, not an available snapshot`} of ${restore.dbInstanceIdentifier} (newest: ${
          snapshots
            .slice(0, 3)
            .map((s) => s.id)
            .join(', ') || 'none'
        }); nothing restored`,
      },
    };
  }
  return {
    status: { ...withRestore, restoreStatus: 'requested' },
    action: {
      type: 'restoreDatabase',
      region: spec.primary.region,
      snapshotId: snapshot.id,
      target,
      ownerUid: object.uid,
    },
    situation: {
      phase: Phase.Restoring,
      state: 'Reconciling',
      reason: Reason.Restoring,
      message: `restoring ${target} from ${id}`,
    },
  };
}

type SafeModeStatus = NonNullable<FailoverPlanState['safeMode']>;

/** The restored instance is available: its validation (if declared), then the next step. */
function validated(
  input: DecideInput,
  status: SafeModeStatus,
  id: string,
  target: string,
  endpoint: string | undefined,
): SafeModeStep {
  const at = endpoint ?? target;
  const next = `re-point the application at ${at} with a Release configuration change (spec.environment or spec.secrets), then set spec.safeMode.enabled: false`;
  const outcome = validateRestore(input, id, target, endpoint);
  const { validation: _old, nextStep: _next, ...rest } = status;
  switch (outcome.kind) {
    case 'none':
      return {
        status: { ...rest, nextStep: next },
        situation: {
          phase: Phase.SafeMode,
          state: 'Ready',
          reason: Reason.Restored,
          message: `restored ${target} from ${id} (${endpoint ?? 'no endpoint'}); next: ${next}`,
        },
      };
    case 'passed':
      return {
        status: { ...rest, validation: outcome.record, nextStep: next },
        situation: {
          phase: Phase.SafeMode,
          state: 'Ready',
          reason: Reason.RestoreValidated,
          message: `restored ${target} from ${id} (${endpoint ?? 'no endpoint'}), validation passed (${outcome.record.message ?? ''}); next: ${next}`,
        },
      };
    case 'failed':
      return {
        status: {
          ...rest,
          validation: outcome.record,
          nextStep: outcome.final
            ? `do not re-point the application at ${target}: restore another snapshot (spec.safeMode.restore.snapshotIdentifier and a new targetInstanceIdentifier)`
            : `do not re-point the application at ${target} yet: the HTTP checks are measured again every poll`,
        },
        situation: {
          phase: Phase.SafeMode,
          state: 'Stalled',
          reason: Reason.RestoreValidationFailed,
          message: `restored ${target} from ${id}, validation FAILED: ${outcome.record.message ?? ''}`,
        },
      };
    case 'invalid':
      return {
        status: { ...rest, validation: outcome.record },
        situation: {
          phase: Phase.SafeMode,
          state: 'Stalled',
          reason: Reason.InvalidSpec,
          message: `${outcome.field}: ${outcome.message}`,
        },
      };
    case 'running':
      return {
        status: { ...rest, validation: outcome.record },
        ...(outcome.action === undefined ? {} : { action: outcome.action }),
        situation: {
          phase: Phase.Restoring,
          state: 'Reconciling',
          reason: Reason.ValidatingRestore,
          message: `validating ${target} (restored from ${id}): ${outcome.waiting}`,
        },
        ...(outcome.soon === true ? { soon: true } : {}),
      };
  }
}
