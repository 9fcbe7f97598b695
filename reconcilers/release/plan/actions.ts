// Operator actions: `kubectl annotate release/x delivery.latticedb.com/<action>=<value> --overwrite`.
// The value names the revision it acts on — `<revision>`, or `<revision>.<anything>` to ask again
// for the same revision (`3`, then `3.2`, `3.3`, …) — so an action is applied once (status.actions
// keeps the last full value handled; the same value again, also after the annotation was removed
// and re-added, is ignored) and never to a revision the operator did not see. approve may be given
// early: it waits for the approval gate of its revision.
import { ReleaseAction, ReleaseReason, ReleaseStage } from '../api.js';
import { actionHint, actionRevision, recordedValue } from './action-values.js';
import { nowIso, type Draft } from './draft.js';
import { note } from './history.js';
import { resetAttempt, specHash, startRevision } from './revision.js';
import { beginRollback } from './rollback-start.js';

const ORDER = ['abort', 'rollback', 'retry', 'promote', 'approve'] as const;
type Name = (typeof ORDER)[number];

/**
 * What acts while the spec is invalid: the ways back to stable. The others wait (unhandled)
 * until the spec is restored, since they would drive the revision on with a spec not applied.
 */
export const EMERGENCY_ACTIONS: readonly Name[] = ['abort', 'rollback'];

export function applyActions(
  d: Draft,
  annotations: Readonly<Record<string, string>>,
  only: readonly Name[] = ORDER,
): void {
  for (const name of ORDER.filter((n) => only.includes(n))) {
    const value = annotations[ReleaseAction[name]]?.trim();
    if (value === undefined || recordedValue(value) === d.status.actions?.[name]) continue;
    const named = actionRevision(value);
    if (named === undefined) {
      handled(d, name, recordedValue(value));
      const shown = value.length > 64 ? `${value.slice(0, 64)}…` : value;
      ignored(
        d,
        name,
        shown,
        `${ReleaseAction[name]}=${shown} ignored: not a revision (expected <revision> or <revision>.<n>, e.g. 3 or 3.2)`,
      );
      continue;
    }
    const current = d.status.revision?.number;
    if (current === undefined || named !== current) {
      handled(d, name, value);
      ignored(
        d,
        name,
        value,
        `${ReleaseAction[name]}=${value} ignored: the current revision is ${current ?? 'none'}` +
          (current === undefined ? '' : `; for it: ${actionHint(d, name)}`),
      );
      continue;
    }
    const outcome = APPLY[name](d, value);
    if (outcome === 'pending') continue;
    handled(d, name, value);
    if (outcome !== 'applied') {
      ignored(d, name, value, `${ReleaseAction[name]}=${value} ignored: ${outcome.ignored}`);
    }
  }
}

/** A Warning event and `status.actions.lastIgnored`: an ignored action is visible in both. */
function ignored(d: Draft, name: Name, value: string, message: string): void {
  note(d, 'Warning', 'ActionIgnored', message);
  d.status.actions = {
    ...d.status.actions,
    lastIgnored: {
      annotation: ReleaseAction[name],
      value: value.slice(0, 128),
      message: message.slice(0, 1024),
      at: nowIso(d),
    },
  };
}

function handled(d: Draft, name: Name, value: string): void {
  d.status.actions = { ...d.status.actions, [name]: value };
}

/** Applied, left for later (approve before the gate), or ignored with the reason. */
type Result = 'applied' | 'pending' | { readonly ignored: string };

const inFlight = (d: Draft): boolean =>
  d.status.stage !== undefined &&
  d.status.stage !== ReleaseStage.Done &&
  d.status.stage !== ReleaseStage.RollingBack;

const APPLY: Record<Name, (d: Draft, value: string) => Result> = {
  abort(d) {
    if (!inFlight(d) && d.status.attempt.outcome !== 'Frozen')
      return { ignored: 'nothing is in flight' };
    beginRollback(d, {
      outcome: 'Aborted',
      reason: ReleaseReason.Aborted,
      message: 'aborted by the abort action',
    });
    return 'applied';
  },
  rollback(d) {
    if (inFlight(d) || d.status.attempt.outcome === 'Frozen') {
      beginRollback(d, {
        outcome: 'RolledBack',
        reason: ReleaseReason.RolledBack,
        message: 'rolled back by the rollback action',
      });
      return 'applied';
    }
    if (d.status.attempt.outcome !== 'Succeeded')
      return { ignored: 'the revision is not live (it already ended)' };
    const history = d.status.stableHistory ?? [];
    const target = history.filter((r) => r.number < (d.status.revision?.number ?? 0)).at(-1);
    if (target?.taskDefinitionArn === undefined)
      return { ignored: 'there is no earlier stable revision' };
    d.status.pinnedSpecHash = specHash(d.spec);
    startRevision(
      d,
      {
        specHash: target.specHash,
        image: target.image,
        taskDefinitionArn: target.taskDefinitionArn,
        fastPath: true,
      },
      ReleaseReason.FastRollback,
      `rollback action: back to revision ${target.number} through the fast path`,
    );
    return 'applied';
  },
  retry(d) {
    if (d.status.pinnedSpecHash !== undefined) {
      delete d.status.pinnedSpecHash;
      note(d, 'Normal', 'Retry', 'retry action: the spec is deployed again');
      return 'applied';
    }
    const outcome = d.status.attempt.outcome;
    if (
      d.status.stage !== ReleaseStage.Done ||
      outcome === undefined ||
      outcome === 'Succeeded' ||
      outcome === 'Superseded'
    ) {
      return { ignored: 'only an aborted, failed, rolled-back or frozen revision can be retried' };
    }
    const m = d.status.migration;
    if (m?.revision === d.status.revision?.number && m?.phase === 'Failed') {
      // A failed migration runs again under a new startedBy; a succeeded one is kept. The
      // snapshot taken before a failed task is the one to restore, so it is kept too; only a
      // failed snapshot is taken again, under a new id.
      const snapshotAttempt = (m.snapshotAttempt ?? 0) + (m.snapshotFailed === true ? 1 : 0);
      d.status.migration = {
        phase: 'Pending',
        attempt: (m.attempt ?? 0) + 1,
        ...(snapshotAttempt === 0 ? {} : { snapshotAttempt }),
        ...(m.revision === undefined ? {} : { revision: m.revision }),
        ...(m.snapshotId === undefined || m.snapshotFailed === true
          ? {}
          : { snapshotId: m.snapshotId }),
        ...(m.flagOn === undefined ? {} : { flagOn: m.flagOn }),
      };
    }
    resetAttempt(d);
    note(
      d,
      'Normal',
      'Retry',
      `retry action: revision ${d.status.revision?.number ?? 0} starts again from the first step`,
    );
    return 'applied';
  },
  promote(d) {
    const holding =
      d.status.stage === ReleaseStage.Steps || d.status.stage === ReleaseStage.PostChecks;
    if (!holding) return { ignored: 'nothing to promote (no pause or analysis in progress)' };
    d.promote = true;
    note(
      d,
      'Normal',
      'PromoteRequested',
      `promote action at ${d.status.attempt.step ?? 'the current step'} (${nowIso(d)})`,
    );
    return 'applied';
  },
  approve(d, value) {
    if (!inFlight(d)) return { ignored: 'the revision is not waiting for approval' };
    // Given early, it stays pending (unhandled) and is consumed by the approval gate, which
    // records this exact value as handled.
    d.approve = value;
    return d.status.stage === ReleaseStage.Approval ? 'applied' : 'pending';
  },
};
