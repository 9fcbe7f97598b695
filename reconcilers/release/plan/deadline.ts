// progressDeadline: a revision that waits on AWS (or keeps re-issuing a write whose effect never
// shows) longer than this without a step or stage change is rolled back. Waits that are planned —
// timed pauses, analysis intervals, approval and promote waits, the migration task (it has its own
// timeout) — do not count: progress is stamped when they end.
import { parseDuration } from '../../../controller/index.js';
import { ReleaseReason, ReleaseStage } from '../api.js';
import { parseTime, type Draft, type StepResult } from './draft.js';

const DEFAULT_DEADLINE = '30m';

/** Stages whose waits are bounded elsewhere, or that must finish whatever happens. */
const EXEMPT = new Set<string>([
  ReleaseStage.Migration,
  ReleaseStage.MaintenanceOff,
  ReleaseStage.RollingBack,
  ReleaseStage.Done,
]);

export function deadlineMs(draft: Draft): number {
  return parseDuration(draft.spec.progressDeadline ?? DEFAULT_DEADLINE);
}

/** When the deadline passes for this result; undefined when it does not apply. */
export function deadlineAt(draft: Draft, result: StepResult): number | undefined {
  if (EXEMPT.has(draft.status.stage ?? ReleaseStage.Done)) return undefined;
  const counts =
    (result.kind === 'act' && result.planned !== true) ||
    (result.kind === 'wait' && result.on === 'world');
  if (!counts) return undefined;
  const since =
    parseTime(draft.status.attempt.lastProgressAt) ??
    parseTime(draft.status.attempt.progressStartedAt);
  return since === undefined ? undefined : since + deadlineMs(draft);
}

export function deadlineExceeded(
  draft: Draft,
  result: StepResult,
): { reason: string; message: string } | undefined {
  const at = deadlineAt(draft, result);
  if (at === undefined || draft.now.getTime() < at) return undefined;
  const what = result.kind === 'wait' || result.kind === 'act' ? result.message : 'progress';
  return {
    reason: ReleaseReason.ProgressDeadlineExceeded,
    message: `no progress within progressDeadline ${draft.spec.progressDeadline ?? DEFAULT_DEADLINE} (${what})`,
  };
}
