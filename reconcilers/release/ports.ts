// Everything the Release reconciler touches outside Kubernetes, as ports. setup.ts builds the AWS
// adapters and the Redis flag store; component tests pass in-memory fakes.
import type { Hold, Touches } from '../shared/interlock/index.js';
import type { MetricSource } from '../shared/analysis/index.js';
import type { AlarmSource } from '../shared/checks/index.js';
import type { FlagStore } from '../../flags/index.js';
import type { DatabasePort } from '../shared/ports/database.js';
import type { EcsPort } from '../shared/ports/ecs.js';
import type { ImageRegistryPort } from '../shared/ports/images.js';
import type { TrafficRouterPort } from '../shared/ports/traffic.js';
import type { CustomObject } from '../../controller/index.js';
import type { ReleaseSpec } from './api.js';
import type { ReleaseState } from './plan/index.js';

/** A Release as the handler receives it (status conditions as the handler states them). */
export type ReleaseObject = CustomObject<ReleaseSpec, ReleaseState>;

/** The flag store of a Release (its redisRef, else the default Redis), or why there is none. */
export type FlagStoreLookup = (
  release: ReleaseObject,
) => Promise<{ readonly store: FlagStore } | { readonly problem: string }>;

export interface ReleasePorts {
  readonly ecs: EcsPort;
  readonly traffic: TrafficRouterPort;
  readonly database: DatabasePort;
  readonly images: ImageRegistryPort;
  readonly metrics: MetricSource;
  readonly alarms: AlarmSource;
  readonly flags: FlagStoreLookup;
  /** A FailoverPlan holding the service or flag (reconcilers/shared/interlock); absent: none. */
  readonly interlock?: (namespace: string, touches: Touches) => Promise<Hold | undefined>;
  /**
   * The UID of the Release `namespace/name` as the API server has it now (not the cache), null
   * when there is none: a claim of this name with another UID is taken over only when it is this
   * Release's (plan/claim.ts). Absent: no take-over.
   */
  readonly releaseUid?: (namespace: string, name: string) => Promise<string | null>;
  /** HTTP client of the smoke tests (tests inject one). */
  readonly fetch?: typeof fetch;
}
