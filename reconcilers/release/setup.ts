// The Release kind: validation, the reconciler and the claim finalizer, wired to the process-wide
// AWS clients and Redis connections. Deleting a Release removes only its claim tag from the ECS
// service (finalizer.ts) and leaves the rest exactly as it is (a canary in flight keeps its task
// set and weight) — the service belongs to whoever provisioned it, and a deletion must never move
// production traffic. Abort first to clean up.
import type { KindDeps, KindRegistration, KindSetup } from '../../controller/index.js';
import { CloudWatchAlarmSource } from '../shared/adapters/aws/cloudwatch-alarms.js';
import { CloudWatchMetricSource } from '../shared/adapters/aws/cloudwatch-metric-source.js';
import { EcrImageRegistry } from '../shared/adapters/aws/ecr-image-registry.js';
import { Elbv2TrafficRouter } from '../shared/adapters/aws/elbv2-traffic-router.js';
import { RdsDatabase } from '../shared/adapters/aws/rds-database.js';
import { awsClientsFor, ecsAdapterFor, flagStoreFor } from '../shared/runtime/index.js';
import { ReleaseKind, type ReleaseSpec } from './api.js';
import { DEFAULT_TUNING, type ReleaseState, type Tuning } from './plan/index.js';
import { releaseMetrics, type ReleaseMetrics } from './metrics.js';
import { interlockHold } from '../shared/interlock/index.js';
import type { ReleasePorts } from './ports.js';
import { releaseHandler } from './reconciler.js';

export function releaseRegistration(
  ports: ReleasePorts,
  tuning: Tuning,
  metrics?: ReleaseMetrics,
): KindRegistration<ReleaseSpec, ReleaseState> {
  return {
    kind: ReleaseKind.kind,
    resource: {
      group: ReleaseKind.group,
      version: ReleaseKind.version,
      plural: ReleaseKind.plural,
    },
    handler: releaseHandler({ ports, tuning, ...(metrics === undefined ? {} : { metrics }) }),
  };
}

/** The real ports: one set of adapters over the process's shared AWS clients. */
export function releasePorts(deps: KindDeps): ReleasePorts {
  const clients = awsClientsFor(deps);
  return {
    ecs: ecsAdapterFor(deps),
    traffic: new Elbv2TrafficRouter(clients),
    database: new RdsDatabase(clients),
    images: new EcrImageRegistry(clients),
    metrics: new CloudWatchMetricSource(clients),
    alarms: new CloudWatchAlarmSource(clients),
    flags: async (release) => {
      const found = await flagStoreFor(deps, release.spec.redis, release.metadata.namespace ?? '');
      return found.ok ? { store: found.store } : { problem: `${found.reason}: ${found.message}` };
    },
    interlock: (namespace, touches) => interlockHold(deps.kube, namespace, touches),
    // A list by namespace, not a get: RBAC grants list (informers) and no get. Called only to
    // take over a claim of this name (rare).
    releaseUid: async (namespace, name) => {
      const found = await deps.kube.list(
        { group: ReleaseKind.group, version: ReleaseKind.version, plural: ReleaseKind.plural },
        { namespace },
      );
      return found.items.find((r) => r.metadata.name === name)?.metadata.uid ?? null;
    },
  };
}

/** The setup with other delays (tests, demos); steady state follows --resync-period. */
export function setupReleaseWith(tuning: Partial<Tuning> = {}): KindSetup {
  return (deps) =>
    releaseRegistration(
      releasePorts(deps),
      {
        ...DEFAULT_TUNING,
        ...(deps.config.resyncPeriodMs > 0 ? { resyncMs: deps.config.resyncPeriodMs } : {}),
        ...tuning,
      },
      releaseMetrics(deps.metrics),
    );
}

export const setupRelease: KindSetup = setupReleaseWith();
