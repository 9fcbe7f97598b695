// What FailoverPlan reaches outside the cluster, as ports (fakes plug in here in unit tests).
import type { CustomObject } from '../../controller/index.js';
import type { HttpCheck } from '../shared/api/http-check.js';
import type { InstanceInfo, SnapshotInfo } from '../shared/adapters/aws/rds-restore.js';
import type { FlagStore } from '../../flags/index.js';
import type { DnsPort } from '../shared/ports/dns.js';
import type { EcsPort, ServiceRef } from '../shared/ports/ecs.js';
import type { FailoverPlanSpec } from './api.js';
import type { CheckResult, FailoverPlanState } from './plan/index.js';

export type FailoverPlanObject = CustomObject<FailoverPlanSpec, FailoverPlanState>;

export interface FailoverPlanPorts {
  readonly ecs: Pick<
    EcsPort,
    'describeService' | 'describeTaskDefinition' | 'runTask' | 'findTask'
  > & {
    setDesiredCount(ref: ServiceRef, count: number): Promise<void>;
    /** The cluster's status, undefined when ECS does not know it. */
    clusterStatus(region: string, cluster: string): Promise<string | undefined>;
  };
  readonly dns: DnsPort;
  /** The flag store the plan's spec.redis (or the controller's default Redis) names. */
  flags(
    plan: FailoverPlanObject,
  ): Promise<{ readonly store: FlagStore } | { readonly problem: string }>;
  readonly rds: {
    listSnapshots(region: string, instance: string): Promise<SnapshotInfo[]>;
    describeInstance(region: string, id: string): Promise<InstanceInfo | undefined>;
    restore(region: string, snapshotId: string, target: string, ownerUid: string): Promise<void>;
    /** Create-if-absent: an existing snapshot of that id is returned, nothing written. */
    createSnapshot(
      region: string,
      instance: string,
      snapshotId: string,
    ): Promise<{ readonly id: string; readonly status: string }>;
  };
  /** Runs HTTP checks (results in input order). */
  http(checks: readonly HttpCheck[], signal: AbortSignal): Promise<CheckResult[]>;
}
