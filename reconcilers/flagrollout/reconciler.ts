// The FlagRollout handler's reconcile: observe → (measure) → decide → at most one flag write →
// rollout info. Thin on purpose; every decision is in plan.ts.
import type { CustomObject, HandlerContext, Outcome } from '../../controller/index.js';
import { analyze, type AnalyzeResult, type MetricSource } from '../shared/analysis/index.js';
import type { FlagStore } from '../shared/flags/store.js';
import type { RolloutInfo, StoredRolloutInfo } from '../shared/flags/model.js';
import type { FlagStoreResult } from '../shared/runtime/index.js';
import { FlagRolloutReason, type FlagRolloutSpec, type RolloutStatus } from './api.js';
import { writerIdentity } from './flag-content.js';
import type { FlagRolloutMetrics } from './metrics.js';
import { observe, type Observed } from './observe.js';
import { analysisRequest, decide, type DecideInput, type Decision } from './plan.js';
import { withStoreProblem } from './store-problem.js';

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
  let measured: AnalyzeResult | undefined;
  // After a write-ahead checkpoint, a retry decides from what status now says.
  let status = obj.status;
  for (let attempt = 1; ; attempt++) {
    const observed = await observeOrReport(store, obj.spec, status, ctx);
    const input: DecideInput = {
      spec: obj.spec,
      status,
      generation: obj.metadata.generation ?? 0,
      identity: writerIdentity(obj.metadata.namespace ?? '', obj.metadata.name ?? ''),
      flag: observed.flag,
      now: ctx.now(),
      pollMs: deps.pollMs,
    };
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
      await ctx.checkpoint(decision.status);
      // A retry decides from the checkpointed status; its measurements are spent.
      status = decision.status;
      measured = undefined;
    }
    const written = await applyWrite(store, obj, decision, ctx, deps);
    if (written === 'conflict') {
      deps.metrics.casConflict();
      if (attempt < MAX_WRITE_ATTEMPTS) continue;
      throw new Error(
        `flag ${obj.spec.flag} kept changing under us (${MAX_WRITE_ATTEMPTS} lost compare-and-sets); retrying`,
      );
    }
    await publishRolloutInfo(store, obj.spec.flag, observed.rolloutInfo, decision.rolloutInfo);
    return {
      status:
        written === undefined ? decision.status : { ...decision.status, flagVersion: written },
      events: decision.events,
      requeueAfterMs: decision.requeueAfterMs,
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
    const message = `cannot read flag ${spec.flag}: ${err instanceof Error ? err.message : String(err)}`;
    await ctx.checkpoint(
      withStoreProblem(status, 'Reconciling', FlagRolloutReason.StoreUnavailable, message),
    );
    throw err;
  }
}

/** The new version, 'conflict' when another writer won, undefined when nothing was written. */
async function applyWrite(
  store: FlagStore,
  obj: RolloutObject,
  decision: Decision,
  ctx: Ctx,
  deps: RolloutDeps,
): Promise<number | 'conflict' | undefined> {
  const write = decision.write;
  if (write === undefined) return undefined;
  const result = await store.compareAndSet(obj.spec.flag, write.expectedVersion, write.next);
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
