// The FailoverPlan kind: validation and the reconciler, wired to the process-wide AWS clients
// (ECS in both regions, Route 53) and the HTTP check runner.
import type { KindDeps, KindRegistration, KindSetup } from '../../controller/index.js';
import { clusterStatus } from '../shared/adapters/aws/ecs-cluster.js';
import { Route53Dns } from '../shared/adapters/aws/route53-dns.js';
import { runHttpChecks } from '../shared/checks/index.js';
import { RdsDatabase } from '../shared/adapters/aws/rds-database.js';
import { RdsRestore } from '../shared/adapters/aws/rds-restore.js';
import type { AwsClients } from '../shared/adapters/aws/clients.js';
import { awsClientsFor, ecsAdapterFor, flagStoreFor } from '../shared/runtime/index.js';
import { FailoverPlanKind, type FailoverPlanSpec } from './api.js';
import { failoverPlanMetrics } from './metrics.js';
import { DEFAULT_TUNING, type FailoverPlanState, type Tuning } from './plan/index.js';
import type { FailoverPlanPorts } from './ports.js';
import { failoverPlanHandler } from './reconciler.js';

export function failoverPlanPorts(deps: KindDeps): FailoverPlanPorts {
  const clients = awsClientsFor(deps);
  const ecs = ecsAdapterFor(deps);
  return {
    ecs: {
      describeService: (ref, options) => ecs.describeService(ref, options),
      describeTaskDefinition: (region, arn) => ecs.describeTaskDefinition(region, arn),
      setDesiredCount: (ref, count) => ecs.setDesiredCount(ref, count),
      runTask: (ref, input) => ecs.runTask(ref, input),
      findTask: (ref, startedBy) => ecs.findTask(ref, startedBy),
      clusterStatus: (region, cluster) => clusterStatus(clients, region, cluster),
    },
    dns: new Route53Dns(clients),
    rds: rdsPort(clients),
    async flags(plan) {
      const found = await flagStoreFor(deps, plan.spec.redis, plan.metadata.namespace ?? '');
      return found.ok ? { store: found.store } : { problem: found.message };
    },
    http: (checks, signal) => runHttpChecks(checks, { signal }),
  };
}

/** The setup with other delays (tests, demos); steady state follows --resync-period. */
export function setupFailoverPlanWith(tuning: Partial<Tuning> = {}): KindSetup {
  return (deps): KindRegistration<FailoverPlanSpec, FailoverPlanState> => ({
    kind: FailoverPlanKind.kind,
    resource: {
      group: FailoverPlanKind.group,
      version: FailoverPlanKind.version,
      plural: FailoverPlanKind.plural,
    },
    handler: failoverPlanHandler(
      failoverPlanPorts(deps),
      {
        ...DEFAULT_TUNING,
        ...(deps.config.resyncPeriodMs > 0 ? { resyncMs: deps.config.resyncPeriodMs } : {}),
        ...tuning,
      },
      failoverPlanMetrics(deps.metrics),
    ),
  });
}

export const setupFailoverPlan: KindSetup = setupFailoverPlanWith();

/** The restore path and the evidence snapshot (create-if-absent, as Release's migration uses). */
function rdsPort(clients: AwsClients): FailoverPlanPorts['rds'] {
  const restore = new RdsRestore(clients);
  const snapshots = new RdsDatabase(clients);
  return {
    listSnapshots: (region, instance) => restore.listSnapshots(region, instance),
    describeInstance: (region, id) => restore.describeInstance(region, id),
    restore: (region, snapshotId, target, ownerUid) =>
      restore.restore(region, snapshotId, target, ownerUid),
    createSnapshot: (region, instance, snapshotId) =>
      snapshots.createSnapshot(region, instance, snapshotId),
  };
}
