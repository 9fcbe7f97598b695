// The FlagRollout kind: validation, the reconciler and (with deletionPolicy: Delete) the flag
// finalizer, wired to the process-wide Redis connections and AWS clients, plus the Redis change
// notices as an event source (changes/source.ts) and the FailoverPlan interlock (the hold read
// by observe, FailoverPlans watched).
import type {
  ExtraWatch,
  KindDeps,
  KindRegistration,
  KindSetup,
  KubeClient,
} from '../../controller/index.js';
import { CloudWatchMetricSource } from '../shared/adapters/aws/cloudwatch-metric-source.js';
import { failoverPlanWatch, interlockHold } from '../shared/interlock/index.js';
import { awsClientsFor, flagStoreFor, type FlagChangeFeed } from '../shared/runtime/index.js';
import { FlagRolloutKind, type FlagRolloutSpec, type FlagRolloutState } from './api.js';
import { FlagChangeSource } from './changes/source.js';
import { KillSwitchTracker } from './changes/kill-switches.js';
import { flagRolloutMetrics } from './metrics.js';
import { OwnWrites } from './changes/own-writes.js';
import type { RolloutDeps } from './ports.js';
import { flagRolloutHandler } from './reconciler.js';

/**
 * Longest sleep between two reconciles of a rollout. Changes made through the flag store (the
 * CLI, other controllers) are noticed at once through its change notices, and a raw SET/DEL of a
 * kill switch by the kill-switch watch; other changes that bypass the store (a flush, a
 * hand-edited hash) are seen at the latest this long after.
 */
export const DEFAULT_POLL_MS = 30_000;

export interface FlagRolloutSetupOptions {
  readonly pollMs?: number;
}

export function flagRolloutRegistration(
  deps: RolloutDeps,
  changes?: FlagChangeSource,
  watches?: readonly ExtraWatch[],
): KindRegistration<FlagRolloutSpec, FlagRolloutState> {
  return {
    kind: FlagRolloutKind.kind,
    resource: {
      group: FlagRolloutKind.group,
      version: FlagRolloutKind.version,
      plural: FlagRolloutKind.plural,
    },
    handler: flagRolloutHandler(deps),
    ...(changes === undefined ? {} : { sources: [changes] }),
    ...(watches === undefined ? {} : { watches }),
  };
}

/**
 * The FailoverPlan interlock (reconcilers/shared/interlock): the port observe asks for the hold
 * of a rollout's flag, and the watch that wakes the rollouts of a plan's read-only flag when the
 * plan changes, so they hold, and resume, at once. Which rollouts drive which flag is learnt
 * from their observes (every rollout is reconciled once the cache has synced; a deleted one may
 * stay: its reconcile then finds no object).
 */
export function failoverInterlock(kube: Pick<KubeClient, 'list'>): {
  readonly failoverHold: NonNullable<RolloutDeps['failoverHold']>;
  readonly watch: ExtraWatch;
} {
  const byFlag = new Map<string, Set<string>>();
  const key = (namespace: string, flag: string) => `${namespace}\u0000${flag}`;
  return {
    failoverHold: (rollout) => {
      const namespace = rollout.metadata.namespace ?? '';
      const names = byFlag.get(key(namespace, rollout.spec.flag)) ?? new Set<string>();
      byFlag.set(key(namespace, rollout.spec.flag), names.add(rollout.metadata.name ?? ''));
      return interlockHold(kube, namespace, { flags: [rollout.spec.flag] });
    },
    watch: failoverPlanWatch((namespace, involved) =>
      involved.flags.flatMap((flag) =>
        [...(byFlag.get(key(namespace, flag)) ?? [])].map((name) => ({ namespace, name })),
      ),
    ),
  };
}

/** The notices of the default Redis and of every redisRef's Redis once a reconcile opened it. */
export function flagChangeSource(deps: KindDeps): FlagChangeSource {
  return new FlagChangeSource({
    shared: deps.shared,
    ownWrites: new OwnWrites(deps.clock),
    killSwitches: new KillSwitchTracker(deps.clock),
    defaultFeed: async (): Promise<FlagChangeFeed | undefined> => {
      if (deps.redis === undefined) return undefined;
      const opened = await flagStoreFor(deps, undefined, '');
      // Not usable (e.g. an unreadable CA file): every rollout's status already says why.
      return opened.ok ? opened.changes : undefined;
    },
  });
}

export function rolloutDeps(
  deps: KindDeps,
  options: FlagRolloutSetupOptions = {},
  changes?: FlagChangeSource,
): RolloutDeps {
  return {
    storeFor: async (obj) => {
      const namespace = obj.metadata.namespace ?? '';
      const opened = await flagStoreFor(deps, obj.spec.redis, namespace);
      return changes?.track(opened, `${namespace}/${obj.metadata.name ?? ''}`) ?? opened;
    },
    metricSource: new CloudWatchMetricSource(awsClientsFor(deps)),
    defaultRegion: deps.aws.defaultRegion,
    pollMs: options.pollMs ?? DEFAULT_POLL_MS,
    metrics: flagRolloutMetrics(deps.metrics),
    ...(changes === undefined
      ? {}
      : { killSwitchSeenAt: (feedId, group) => changes.killSwitchSeenAt(feedId, group) }),
  };
}

/** The setup with non-default options (tests, demos). */
export function setupFlagRolloutWith(options: FlagRolloutSetupOptions): KindSetup {
  return (deps) => {
    const changes = flagChangeSource(deps);
    const interlock = failoverInterlock(deps.kube);
    return flagRolloutRegistration(
      { ...rolloutDeps(deps, options, changes), failoverHold: interlock.failoverHold },
      changes,
      [interlock.watch],
    );
  };
}

export const setupFlagRollout: KindSetup = setupFlagRolloutWith({});
