// Operator actions: `kubectl annotate release/x delivery.latticedb.com/<action>=<value> --overwrite`.
// The value names the revision it acts on — `<revision>`, or `<revision>.<anything>` to ask again
// for the same revision (`3`, then `3.2`, `3.3`, …) — so an action is applied once (status.actions
// keeps the last full value handled; the same value again, also after the annotation was removed
// and re-added, is ignored) and never to a revision the operator did not see. approve may be given
// early: it waits for the approval gate of its revision.
import { ReleaseAction, ReleaseReason, ReleaseStage, type ReleaseStatus } from '../api.js';
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
      // Suggest the value for the current revision only if it would act: a hint that is then
      // ignored in turn sends the operator round in circles.
      const idle = current === undefined ? undefined : wouldNotAct(draft.status, name);
      ignored(
        draft,
        name,
        value,
        `${ReleaseAction[name]}=${value} ignored: the current revision is ${current ?? 'none'}` +
          (current === undefined
            ? ''
            : idle === undefined
              ? `; for it: ${actionHint(draft, name)}`
              : `; ${name} would not act on it either: ${idle}`),
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

/** What an action's applicability reads of status (validation has status only). */
type ActionView = Pick<
  ReleaseStatus,
  'stage' | 'attempt' | 'pinnedSpecHash' | 'stableHistory' | 'revision'
>;

const inFlight = (status: ActionView): boolean =>
  status.stage !== undefined &&
  status.stage !== ReleaseStage.Done &&
  status.stage !== ReleaseStage.RollingBack;

/**
 * Why `name`, given now for the current revision, would be ignored; undefined when it would act
 * (or wait for its gate, as approve does). The one rule both APPLY and every hint follow.
 */
export function wouldNotAct(status: ActionView, name: Name): string | undefined {
  const outcome = status.attempt?.outcome;
  switch (name) {
    case 'abort':
      return inFlight(status) || outcome === 'Frozen' ? undefined : 'nothing is in flight';
    case 'rollback': {
      if (inFlight(status) || outcome === 'Frozen') return undefined;
      if (outcome !== 'Succeeded') return 'the revision is not live (it already ended)';
      return earlierStable(status)?.taskDefinitionArn === undefined
        ? 'there is no earlier stable revision'
        : undefined;
    }
    case 'retry':
      if (status.pinnedSpecHash !== undefined) return undefined;
      return status.stage !== ReleaseStage.Done ||
        outcome === undefined ||
        outcome === 'Succeeded' ||
        outcome === 'Superseded'
        ? 'only an aborted, failed, rolled-back or frozen revision can be retried'
        : undefined;
    case 'promote':
      return status.stage === ReleaseStage.Steps || status.stage === ReleaseStage.PostChecks
        ? undefined
        : 'nothing to promote (no pause or analysis in progress)';
    case 'approve':
      return inFlight(status) ? undefined : 'the revision is not waiting for approval';
  }
}

/** The stable revision a rollback of a live revision goes back to. */
function earlierStable(
  status: ActionView,
): NonNullable<ReleaseStatus['stableHistory']>[number] | undefined {
  const history = status.stableHistory ?? [];
  return history.filter((r) => r.number < (status.revision?.number ?? 0)).at(-1);
}

const APPLY: Record<Name, (draft: Draft, value: string) => Result> = {
  abort(draft) {
    const idle = wouldNotAct(draft.status, 'abort');
    if (idle !== undefined) return { ignored: idle };
    beginRollback(draft, {
      outcome: 'Aborted',
      reason: ReleaseReason.Aborted,
      message: 'aborted by the abort action',
    });
    return 'applied';
  },
  rollback(draft) {
    const idle = wouldNotAct(draft.status, 'rollback');
    if (idle !== undefined) return { ignored: idle };
    if (inFlight(draft.status) || draft.status.attempt.outcome === 'Frozen') {
      beginRollback(draft, {
        outcome: 'RolledBack',
        reason: ReleaseReason.RolledBack,
        message: 'rolled back by the rollback action',
      });
      return 'applied';
    }
    const target = earlierStable(draft.status);
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
    const idle = wouldNotAct(draft.status, 'retry');
    if (idle !== undefined) return { ignored: idle };
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
    const idle = wouldNotAct(draft.status, 'promote');
    if (idle !== undefined) return { ignored: idle };
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
    const idle = wouldNotAct(draft.status, 'approve');
    if (idle !== undefined) return { ignored: idle };
    // Given early, it stays pending (unhandled) and is consumed by the approval gate, which
    // records this exact value as handled.
    draft.approve = value;
    return draft.status.stage === ReleaseStage.Approval ? 'applied' : 'pending';
  },
};
