// One fresh look at the store per reconcile attempt: the flag with the spec's kill-switch group
// (one MULTI) and the rollout metadata we published for `report`.
import type { StoredRolloutInfo } from '../../flags/model.js';
import type { FlagObservation, FlagStore } from '../../flags/store.js';
import type { FlagRolloutSpec } from './api.js';

export interface Observed {
  readonly flag: FlagObservation;
  readonly rolloutInfo: StoredRolloutInfo | undefined;
}

export async function observe(store: FlagStore, spec: FlagRolloutSpec): Promise<Observed> {
  const [flag, rolloutInfo] = await Promise.all([
    store.read(spec.flag, { killSwitch: spec.killSwitch ?? null }),
    store.readRolloutInfo(spec.flag),
  ]);
  return { flag, rolloutInfo };
}
