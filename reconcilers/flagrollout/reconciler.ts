// The FlagRollout handler's reconcile: observe → (measure) → decide → at most one flag write →
// rollout info. Thin on purpose; every decision is in plan.ts.
import {
  ConditionStatus,
  findCondition,
  safeErrorMessage,
  type CustomObject,
  type HandlerContext,
  type Outcome,
} from '../../controller/index.js';
import { analyze, type AnalyzeResult, type MetricSource } from '../shared/analysis/index.js';
import { InvalidFlagInputError } from '../../flags/model.js';
import type { FlagStore, WriteResult } from '../../flags/store.js';
import type { RolloutInfo, StoredRolloutInfo } from '../../flags/model.js';
import type { FlagStoreResult } from '../shared/runtime/index.js';
import {
  FlagRolloutConditionType,
  FlagRolloutReason,
  type FlagRolloutSpec,
  type RolloutStatus,
} from './api.js';
import { writerIdentity } from './plan/flag-content.js';
import type { FlagRolloutMetrics } from './metrics.js';
import { observe, type Observed } from './observe.js';
import {
  analysisRequest,
  decide,
  MIN_REQUEUE_MS,
  type DecideInput,
  type Decision,
} from './plan/decide.js';
import { withStoreProblem, withWritePending } from './plan/store-problem.js';

/** A compare-and-set that loses to another writer is re-observed and re-decided this often. */
export const MAX_WRITE_ATTEMPTS = 3;

/** A FlagRollout as the runtime hands it to the handler. */
export type RolloutObject = CustomObject<FlagRolloutSpec, RolloutStatus>;

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
}

type Ctx = HandlerContext<RolloutStatus>;

export async function reconcileRollout(
  obj: RolloutObject,
  ctx: Ctx,
  deps: RolloutDeps,
): Promise<Outcome<RolloutStatus>> {
  const opened = await deps.storeFor(obj);
  if (!opened.ok) {
    const status = withStoreProblem(obj.status, 'Stalled', opened.reason, opened.message);
    // One Warning when it becomes Stalled for this reason, not one per poll.
    const was = obj.status?.conditions?.find((c) => c.type === 'Stalled');
    const newly = was?.status !== 'True' || was.reason !== opened.reason;
    return {
      status,
      requeueAfterMs: deps.pollMs,
      ...(newly
        ? { events: [{ type: 'Warning', reason: opened.reason, message: opened.message }] }
        : {}),
    };
  }
  const store = opened.store;
  const group = obj.spec.killSwitch;
  const feedId = opened.changes?.id;
  let measured: AnalyzeResult | undefined;
  // After a write-ahead checkpoint, a retry decides from what status now says.
  let status = obj.status;
  for (let attempt = 1; ; attempt++) {
    const observed = await observeOrReport(store, obj.spec, status, ctx);
    let input: DecideInput = {
      spec: obj.spec,
      status,
      generation: obj.metadata.generation ?? 0,
      identity: writerIdentity(obj.metadata.namespace ?? '', obj.metadata.name ?? ''),
      flag: observed.flag,
      now: ctx.now(),
      pollMs: deps.pollMs,
    };
    const seenAt =
      group === undefined || feedId === undefined
        ? undefined
        : deps.killSwitchSeenAt?.(feedId, group);
    if (seenAt !== undefined) input = { ...input, killSwitchSeenAt: seenAt };
    const request = analysisRequest(input);
    if (request !== undefined) {
      // Measured once per reconcile: a retry after a lost compare-and-set reuses the result.
      measured ??= await analyze(request.checks, request.record, {
        now: input.now,
        source: deps.metricSource,
        defaultRegion: deps.defaultRegion,
        signal: ctx.signal,
      });
    }
    const decision = decide(
      request === undefined || measured === undefined ? input : { ...input, analysis: measured },
    );
    if (decision.write !== undefined && decision.checkpoint) {
      // Written ahead: the step change, not yet the flag (FlagSynced says the write is pending).
      status = withWritePending(decision.status, decision.write.expectedVersion + 1, status);
      await ctx.checkpoint(status);
      // A retry decides from the checkpointed status; its measurements are spent.
      measured = undefined;
    }
    const written = await applyWrite(store, obj, decision, ctx, deps);
    if (typeof written === 'object') return refused(status, obj.spec.flag, written.refused, deps);
    if (written === 'conflict') {
      deps.metrics.casConflict();
      if (attempt < MAX_WRITE_ATTEMPTS) continue;
      throw new Error(
        `flag ${obj.spec.flag} kept changing under us (${MAX_WRITE_ATTEMPTS} lost compare-and-sets); retrying`,
      );
    }
    const infoPublished = await publishRolloutInfo(
      store,
      obj.spec.flag,
      observed.rolloutInfo,
      decision.rolloutInfo,
    ).then(
      () => true,
      (err: unknown) => {
        // Only `report` reads it; a flag write just made must still reach status and Events.
        if (written === undefined) throw err;
        ctx.log.warn({ err, flag: obj.spec.flag }, 'cannot publish rollout info; retrying soon');
        return false;
      },
    );
    // A flag write happened: its Events survive a conflicting status patch (they would not be
    // decided again, the write being done).
    const events =
      written === undefined ? { events: decision.events } : { performedEvents: decision.events };
    return {
      status:
        written === undefined ? decision.status : { ...decision.status, flagVersion: written },
      ...events,
      requeueAfterMs: infoPublished ? decision.requeueAfterMs : MIN_REQUEUE_MS,
    };
  }
}

/** Reads the store; on an outage, says so in status (write-ahead) and rethrows for backoff. */
async function observeOrReport(
  store: FlagStore,
  spec: FlagRolloutSpec,
  status: RolloutStatus | undefined,
  ctx: Ctx,
): Promise<Observed> {
  try {
    return await observe(store, spec);
  } catch (err) {
    const message = `cannot read flag ${spec.flag}: ${safeErrorMessage(err)}`;
    await ctx.checkpoint(
      withStoreProblem(status, 'Reconciling', FlagRolloutReason.StoreUnavailable, message),
    );
    throw err;
  }
}

/**
 * A write the store refuses as invalid can never succeed as the spec stands: Stalled, FlagSynced
 * False naming the problem, one Warning, and no retry loop (a spec edit or the poll comes back).
 * `status` is what is stored (the previous status, or the checkpoint): nothing else changed.
 */
function refused(
  status: RolloutStatus | undefined,
  flag: string,
  problem: string,
  deps: RolloutDeps,
): Outcome<RolloutStatus> {
  const message = `the flag store refused to write flag ${flag}: ${problem}; nothing was written`;
  const before = findCondition(status?.conditions, FlagRolloutConditionType.FlagSynced);
  const reason = FlagRolloutReason.FlagWriteRefused;
  return {
    status: withStoreProblem(status, 'Stalled', reason, message, ConditionStatus.False),
    events: before?.reason === reason ? [] : [{ type: 'Warning', reason, message }],
    requeueAfterMs: deps.pollMs,
  };
}

/**
 * The new version, 'conflict' when another writer won, `{ refused }` when the store refused the
 * write as invalid, undefined when nothing was to be written.
 */
async function applyWrite(
  store: FlagStore,
  obj: RolloutObject,
  decision: Decision,
  ctx: Ctx,
  deps: RolloutDeps,
): Promise<number | 'conflict' | { readonly refused: string } | undefined> {
  const write = decision.write;
  if (write === undefined) return undefined;
  // Lost leadership (or a reconcile timeout) since observing: another replica may be writing.
  ctx.signal.throwIfAborted();
  let result: WriteResult;
  try {
    result = await store.compareAndSet(obj.spec.flag, write.expectedVersion, write.next);
  } catch (err) {
    if (err instanceof InvalidFlagInputError) return { refused: err.message };
    throw err;
  }
  if (!result.ok) {
    ctx.log.info(
      {
        flag: obj.spec.flag,
        expected: write.expectedVersion,
        current: result.conflict.currentVersion,
      },
      'flag changed since observed; re-deciding',
    );
    return 'conflict';
  }
  deps.metrics.flagWritten(write.reason);
  ctx.log.info(
    { flag: obj.spec.flag, version: result.version, reason: write.reason },
    'flag written',
  );
  return result.version;
}

async function publishRolloutInfo(
  store: FlagStore,
  flag: string,
  stored: StoredRolloutInfo | undefined,
  next: RolloutInfo | undefined,
): Promise<void> {
  if (next === undefined || sameRolloutInfo(stored, next)) return;
  await store.writeRolloutInfo(flag, next);
}

function sameRolloutInfo(stored: StoredRolloutInfo | undefined, next: RolloutInfo): boolean {
  if (stored === undefined) return false;
  const { updatedAt: _at, ...rest } = stored;
  return JSON.stringify(normalize(rest)) === JSON.stringify(normalize(next));
}

/** Key order and absent optional fields must not count as a difference. */
function normalize(info: RolloutInfo): unknown[] {
  return [
    info.owner,
    info.phase,
    info.step,
    info.stepCount,
    info.nextStepAt ?? null,
    info.lastAnalysis?.verdict ?? null,
    info.lastAnalysis?.at ?? null,
    info.lastAnalysis?.summary ?? null,
  ];
}
