// The FlagRollout kind: validation, the reconciler and (with deletionPolicy: Delete) the flag
// finalizer, wired to the process-wide Redis connections and AWS clients.
import type { KindDeps, KindRegistration, KindSetup } from '../../controller/index.js';
import { CloudWatchMetricSource } from '../shared/adapters/aws/cloudwatch-metric-source.js';
import { awsClientsFor, flagStoreFor } from '../shared/runtime/index.js';
import { FlagRolloutKind, type FlagRolloutSpec, type RolloutStatus } from './api.js';
import { flagFinalizer } from './finalizer.js';
import { flagRolloutMetrics } from './metrics.js';
import { reconcileRollout, type RolloutDeps } from './reconciler.js';
import { validateFlagRollout } from './validate.js';

/**
 * Longest sleep between two reconciles of a rollout. Redis changes (a flush, a CLI write, a kill
 * switch) raise no Kubernetes event, so they are seen at the latest this long after they happen.
 */
export const DEFAULT_POLL_MS = 30_000;

export interface FlagRolloutSetupOptions {
  readonly pollMs?: number;
}

export function flagRolloutRegistration(
  deps: RolloutDeps,
): KindRegistration<FlagRolloutSpec, RolloutStatus> {
  return {
    kind: FlagRolloutKind.kind,
    resource: {
      group: FlagRolloutKind.group,
      version: FlagRolloutKind.version,
      plural: FlagRolloutKind.plural,
    },
    handler: {
      validate: (obj) => validateFlagRollout(obj),
      reconcile: (obj, ctx) => reconcileRollout(obj, ctx, deps),
      finalizer: flagFinalizer(deps),
    },
  };
}

export function rolloutDeps(deps: KindDeps, options: FlagRolloutSetupOptions = {}): RolloutDeps {
  return {
    storeFor: (obj) => flagStoreFor(deps, obj.spec.redis, obj.metadata.namespace ?? ''),
    metricSource: new CloudWatchMetricSource(awsClientsFor(deps)),
    defaultRegion: deps.aws.defaultRegion,
    pollMs: options.pollMs ?? DEFAULT_POLL_MS,
    metrics: flagRolloutMetrics(deps.metrics),
  };
}

/** The setup with non-default options (tests, demos). */
export function setupFlagRolloutWith(options: FlagRolloutSetupOptions): KindSetup {
  return (deps) => flagRolloutRegistration(rolloutDeps(deps, options));
}

export const setupFlagRollout: KindSetup = setupFlagRolloutWith({});
