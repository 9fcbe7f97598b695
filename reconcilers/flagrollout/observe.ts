// One fresh look at the world per reconcile: first whether a FailoverPlan holds the flag (the
// interlock; held, nothing more is read and the store is not even opened), then the flag with the
// spec's kill-switch group (one MULTI) and the rollout metadata we published for `report`, when
// the change source saw the kill switch turn active, and the analysis measurements when
// `analysisRequest` says a run is due.
import { analyze } from '../shared/analysis/index.js';
import type { Io } from '../shared/kit/index.js';
import type { FlagStoreResult } from '../shared/runtime/index.js';
import { analysisRequest, decideInput, type Observed } from './plan/index.js';
import type { RolloutDeps, RolloutObject } from './ports.js';

/** Errors of the store's reads (Redis unreachable): status reports them before the retry. */
const unreadable = new WeakSet<object>();

export function isStoreReadError(err: unknown): boolean {
  return typeof err === 'object' && err !== null && unreadable.has(err);
}

export async function observe(
  obj: RolloutObject,
  open: () => Promise<FlagStoreResult>,
  deps: RolloutDeps,
  io: Io,
): Promise<Observed> {
  // Asked before the store: a held rollout writes nothing, and a Redis outage must not hide the
  // hold (the plan's safe mode is what matters then).
  const heldBy = await deps.failoverHold?.(obj);
  if (heldBy !== undefined) return { store: 'unread', heldBy };
  const opened = await open();
  if (!opened.ok) return { store: 'unusable', reason: opened.reason, message: opened.message };
  const { spec } = obj;
  const { store } = opened;
  const [flag, rolloutInfo] = await Promise.all([
    store.read(spec.flag, { killSwitch: spec.killSwitch ?? null }),
    store.readRolloutInfo(spec.flag),
  ]).catch((err: unknown) => {
    // Marked, not wrapped: the retry's Warning and log keep the store's own words.
    if (typeof err === 'object' && err !== null) unreadable.add(err);
    throw err;
  });
  const group = spec.killSwitch;
  const feedId = opened.changes?.id;
  const seenAt =
    group === undefined || feedId === undefined
      ? undefined
      : deps.killSwitchSeenAt?.(feedId, group);
  const request = analysisRequest(
    decideInput(
      {
        namespace: obj.metadata.namespace ?? '',
        name: obj.metadata.name ?? '',
        generation: obj.metadata.generation ?? 0,
        spec,
        status: obj.status,
        now: io.now,
        pollMs: deps.pollMs,
      },
      flag,
      seenAt,
      rolloutInfo ?? null,
    ),
  );
  const analysis =
    request === undefined
      ? undefined
      : await analyze(request.checks, request.record, {
          now: io.now,
          source: deps.metricSource,
          defaultRegion: deps.defaultRegion,
          signal: io.signal,
        });
  return {
    store: 'read',
    flag,
    rolloutInfo: rolloutInfo ?? null,
    ...(seenAt === undefined ? {} : { killSwitchSeenAt: seenAt }),
    ...(analysis === undefined ? {} : { analysis }),
  };
}
