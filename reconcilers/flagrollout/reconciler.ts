// The FlagRollout handler: the kit's driver over this kind's observe, pure decide and act, with
// the flag store opened at most once per reconcile (observe reads through it, act writes through
// it; a rollout held by a FailoverPlan does not open it).
import { safeErrorMessage, type KindHandler } from '../../controller/index.js';
import { reconcileWith } from '../shared/kit/index.js';
import { FlagRolloutPhase, type FlagRolloutSpec, type FlagRolloutState } from './api.js';
import { act } from './act.js';
import { flagFinalizer } from './finalizer.js';
import { isStoreReadError, observe } from './observe.js';
import {
  decideRollout,
  storeUnreadable,
  type Action,
  type ActionResult,
  type Observed,
} from './plan/index.js';
import type { FlagStoreResult } from '../shared/runtime/index.js';
import type { RolloutDeps } from './ports.js';
import { validateFlagRollout } from './validate.js';

export function flagRolloutHandler(
  deps: RolloutDeps,
): KindHandler<FlagRolloutSpec, FlagRolloutState> {
  return {
    validate: (obj) => validateFlagRollout(obj),
    stalledPhase: FlagRolloutPhase.Degraded,
    reconcile: async (obj, ctx) => {
      let opening: Promise<FlagStoreResult> | undefined;
      const open = (): Promise<FlagStoreResult> => (opening ??= deps.storeFor(obj));
      const reconcile = reconcileWith<
        FlagRolloutSpec,
        FlagRolloutState,
        Action,
        Observed,
        ActionResult
      >({
        observe: (rollout, io) => observe(rollout, open, deps, io),
        // Redis unreachable: status says so (write-ahead), then the runtime retries with backoff.
        observeFailed: (rollout, error) =>
          isStoreReadError(error)
            ? storeUnreadable(rollout.spec, rollout.status, safeErrorMessage(error))
            : undefined,
        decide: (rollout, observed, now) =>
          decideRollout({
            namespace: rollout.metadata.namespace ?? '',
            name: rollout.metadata.name ?? '',
            generation: rollout.metadata.generation ?? 0,
            spec: rollout.spec,
            status: rollout.status,
            observed,
            now,
            pollMs: deps.pollMs,
          }),
        act: async (action, rollout, io) => {
          // decideRollout takes no action without a store observe opened and read.
          const opened = await open();
          if (!opened.ok) throw new Error(`flag store unusable: ${opened.message}`);
          return act(action, rollout, opened.store, deps, io);
        },
      });
      return reconcile(obj, ctx);
    },
    finalizer: flagFinalizer(deps),
  };
}
