// A status written before `status.attempt` existed carries the attempt's fields at the top level.
// `upgradeStatus` moves them into `attempt` before anything reads the status (decide and
// observationNeeds both start here), so a Release mid-canary, paused or rolling back when the
// controller is upgraded resumes where it was. The status decide returns no longer names them: the
// status writer's merge patch turns a field missing from the written status into null, which
// removes it from the stored object. Pure, and a no-op on a status already in the new shape.
import { LEGACY_ATTEMPT_FIELDS } from '../api.js';
import type { ReleaseState } from './types.js';

const LEGACY: ReadonlySet<string> = new Set(LEGACY_ATTEMPT_FIELDS);

export function upgradeStatus(status: ReleaseState): ReleaseState;
export function upgradeStatus(status: ReleaseState | undefined): ReleaseState | undefined;
export function upgradeStatus(status: ReleaseState | undefined): ReleaseState | undefined {
  if (status === undefined) return undefined;
  const entries = Object.entries(status);
  const moved = entries.filter(([key, value]) => LEGACY.has(key) && value !== undefined);
  if (moved.length === 0) return status;
  const kept = entries.filter(([key]) => !LEGACY.has(key));
  // A field this version already wrote into `attempt` is the newer of the two.
  const attempt = { ...Object.fromEntries(moved), ...status.attempt };
  return { ...(Object.fromEntries(kept) as ReleaseState), attempt };
}
