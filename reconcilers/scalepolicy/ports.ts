// What ScalePolicy reaches outside the cluster, as ports (fakes plug in here in unit tests).
import type { CustomObject } from '../../controller/index.js';
import type { MetricSource } from '../shared/analysis/index.js';
import type { AutoscalingPort } from '../shared/ports/autoscaling.js';
import type { EcsPort, ServiceRef } from '../shared/ports/ecs.js';
import type { ScalePolicySpec } from './api.js';
import type { FailoverHoldView, ReleaseView, ScalePolicyState } from './plan/index.js';

export type ScalePolicyObject = CustomObject<ScalePolicySpec, ScalePolicyState>;

export interface ScalePolicyPorts {
  readonly ecs: Pick<EcsPort, 'describeService'> & {
    setDesiredCount(ref: ServiceRef, count: number): Promise<void>;
  };
  readonly autoscaling: AutoscalingPort;
  readonly metrics: MetricSource;
  /** Releases in `namespace` whose target is `ref`. */
  releases(namespace: string, ref: ServiceRef): Promise<ReleaseView[]>;
  /**
   * The FailoverPlan in `namespace` holding `ref` (shared/interlock: a failover in flight, safe
   * mode, or serving from `ref` as its standby), if any.
   */
  failoverHold(namespace: string, ref: ServiceRef): Promise<FailoverHoldView | undefined>;
}
