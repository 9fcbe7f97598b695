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
  draft: Draft,
  annotations: Readonly<Record<string, string>>,
  only: readonly Name[] = ORDER,
): void {
  for (const name of ORDER.filter((n) => only.includes(n))) {
    const value = annotations[ReleaseAction[name]]?.trim();
    if (value === undefined || recordedValue(value) === draft.status.actions?.[name]) continue;
    const named = actionRevision(value);
    if (named === undefined) {
      handled(draft, name, recordedValue(value));
      const shown = value.length > 64 ? `${value.slice(0, 64)}…` : value;
      ignored(
        draft,
        name,
        shown,
        `${ReleaseAction[name]}=${shown} ignored: not a revision (expected <revision> or <revision>.<n>, e.g. 3 or 3.2)`,
      );
      continue;
    }
    const current = draft.status.revision?.number;
    if (current === undefined || named !== current) {
      handled(draft, name, value);
      ignored(
        draft,
        name,
        value,
        `${ReleaseAction[name]}=${value} ignored: the current revision is ${current ?? 'none'}` +
          (current === undefined ? '' : `; for it: ${actionHint(draft, name)}`),
      );
      continue;
    }
    const outcome = APPLY[name](draft, value);
    if (outcome === 'pending') continue;
    handled(draft, name, value);
    if (outcome !== 'applied') {
      ignored(draft, name, value, `${ReleaseAction[name]}=${value} ignored: ${outcome.ignored}`);
    }
  }
}

/** A Warning event and `status.actions.lastIgnored`: an ignored action is visible in both. */
function ignored(draft: Draft, name: Name, value: string, message: string): void {
  note(draft, 'Warning', 'ActionIgnored', message);
  draft.status.actions = {
    ...draft.status.actions,
    lastIgnored: {
      annotation: ReleaseAction[name],
      value: value.slice(0, 128),
      message: message.slice(0, 1024),
      at: nowIso(draft),
    },
  };
}

function handled(draft: Draft, name: Name, value: string): void {
  draft.status.actions = { ...draft.status.actions, [name]: value };
}

/** Applied, left for later (approve before the gate), or ignored with the reason. */
type Result = 'applied' | 'pending' | { readonly ignored: string };

const inFlight = (draft: Draft): boolean =>
  draft.status.stage !== undefined &&
  draft.status.stage !== ReleaseStage.Done &&
  draft.status.stage !== ReleaseStage.RollingBack;

const APPLY: Record<Name, (draft: Draft, value: string) => Result> = {
  abort(draft) {
    if (!inFlight(draft) && draft.status.attempt.outcome !== 'Frozen')
      return { ignored: 'nothing is in flight' };
    beginRollback(draft, {
      outcome: 'Aborted',
      reason: ReleaseReason.Aborted,
      message: 'aborted by the abort action',
    });
    return 'applied';
  },
  rollback(draft) {
    if (inFlight(draft) || draft.status.attempt.outcome === 'Frozen') {
      beginRollback(draft, {
        outcome: 'RolledBack',
        reason: ReleaseReason.RolledBack,
        message: 'rolled back by the rollback action',
      });
      return 'applied';
    }
    if (draft.status.attempt.outcome !== 'Succeeded')
      return { ignored: 'the revision is not live (it already ended)' };
    const history = draft.status.stableHistory ?? [];
    const target = history.filter((r) => r.number < (draft.status.revision?.number ?? 0)).at(-1);
    if (target?.taskDefinitionArn === undefined)
      return { ignored: 'there is no earlier stable revision' };
    draft.status.pinnedSpecHash = specHash(draft.spec);
    startRevision(
      draft,
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
  retry(draft) {
    if (draft.status.pinnedSpecHash !== undefined) {
      delete draft.status.pinnedSpecHash;
      note(draft, 'Normal', 'Retry', 'retry action: the spec is deployed again');
      return 'applied';
    }
    const outcome = draft.status.attempt.outcome;
    if (
      draft.status.stage !== ReleaseStage.Done ||
      outcome === undefined ||
      outcome === 'Succeeded' ||
      outcome === 'Superseded'
    ) {
      return { ignored: 'only an aborted, failed, rolled-back or frozen revision can be retried' };
    }
    const m = draft.status.migration;
    if (m?.revision === draft.status.revision?.number && m?.phase === 'Failed') {
      // A failed migration runs again under a new startedBy; a succeeded one is kept. The
      // snapshot taken before a failed task is the one to restore, so it is kept too; only a
      // failed snapshot is taken again, under a new id.
      const snapshotAttempt = (m.snapshotAttempt ?? 0) + (m.snapshotFailed === true ? 1 : 0);
      draft.status.migration = {
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
    resetAttempt(draft);
    note(
      draft,
      'Normal',
      'Retry',
      `retry action: revision ${draft.status.revision?.number ?? 0} starts again from the first step`,
    );
    return 'applied';
  },
  promote(draft) {
    const holding =
      draft.status.stage === ReleaseStage.Steps || draft.status.stage === ReleaseStage.PostChecks;
    if (!holding) return { ignored: 'nothing to promote (no pause or analysis in progress)' };
    draft.promote = true;
    note(
      draft,
      'Normal',
      'PromoteRequested',
      `promote action at ${draft.status.attempt.step ?? 'the current step'} (${nowIso(draft)})`,
    );
    return 'applied';
  },
  approve(draft, value) {
    if (!inFlight(draft)) return { ignored: 'the revision is not waiting for approval' };
    // Given early, it stays pending (unhandled) and is consumed by the approval gate, which
    // records this exact value as handled.
    draft.approve = value;
    return draft.status.stage === ReleaseStage.Approval ? 'applied' : 'pending';
  },
};
