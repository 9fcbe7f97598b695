// What the FlagRollout reconciler reaches the world through (setup.ts builds the real ones; tests
// pass a FakeFlagStore, a fake metric source).
import type { CustomObject } from '../../controller/index.js';
import type { MetricSource } from '../shared/analysis/index.js';
import type { Hold } from '../shared/interlock/index.js';
import type { FlagStoreResult } from '../shared/runtime/index.js';
import type { FlagRolloutSpec, FlagRolloutState } from './api.js';
import type { FlagRolloutMetrics } from './metrics.js';

/** A FlagRollout as the runtime hands it to the handler. */
export type RolloutObject = CustomObject<FlagRolloutSpec, FlagRolloutState>;

export interface RolloutDeps {
  /** The store the rollout's flag lives in (its redisRef, or the controller's default Redis). */
  storeFor(obj: RolloutObject): Promise<FlagStoreResult>;
  readonly metricSource: MetricSource;
  /** Region of checks that name none. */
  readonly defaultRegion: string;
  /** Longest sleep between reconciles: Redis-side changes are only seen by polling. */
  readonly pollMs: number;
  readonly metrics: FlagRolloutMetrics;
  /** When the kill switch `group` on connection `feedId` was seen turning active, if it is active. */
  killSwitchSeenAt?(feedId: string, group: string): Date | undefined;
  /**
   * The FailoverPlan in the rollout's namespace holding its flag (shared/interlock: the read-only
   * flag of a plan in safe mode), if any. Absent: no interlock (a controller without FailoverPlans,
   * unit harnesses).
   */
  failoverHold?(obj: RolloutObject): Promise<Hold | undefined>;
}
