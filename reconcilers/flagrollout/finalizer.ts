// `deletionPolicy: Delete`: deleting the FlagRollout removes its flag (compare-and-set on the
// observed version, so a concurrent write is never lost silently: we re-read and try again) and
// the rollout info. Retain needs no finalizer: the flag is left as it is.
import type { FinalizeOutcome, FinalizerHandler } from '../../controller/index.js';
import {
  DeletionPolicy,
  FlagRolloutReason,
  type FlagRolloutSpec,
  type FlagRolloutState,
} from './api.js';
import { Ownership, ownershipOf, writerIdentity } from './plan/flag-content.js';
import type { RolloutDeps } from './ports.js';
import { withStoreProblem } from './plan/store-problem.js';

export const FLAG_FINALIZER = 'delivery.latticedb.com/flag-cleanup';

/** Retry soon after losing a delete to another writer. */
const CONFLICT_RETRY_MS = 1_000;

export function flagFinalizer(
  deps: Pick<RolloutDeps, 'storeFor' | 'pollMs'>,
): FinalizerHandler<FlagRolloutSpec, FlagRolloutState> {
  return {
    name: FLAG_FINALIZER,
    wanted: (obj) => obj.spec.deletionPolicy === DeletionPolicy.Delete,
    async finalize(obj, ctx): Promise<FinalizeOutcome<FlagRolloutState>> {
      // Switched to Retain while deleting: let go without touching the flag.
      if (obj.spec.deletionPolicy !== DeletionPolicy.Delete) return { cleanedUp: true };
      const opened = await deps.storeFor(obj);
      if (!opened.ok) {
        // Fix the Redis settings, or set deletionPolicy: Retain to let the object go.
        return {
          cleanedUp: false,
          requeueAfterMs: deps.pollMs,
          status: withStoreProblem(obj.status, 'Stalled', opened.reason, opened.message),
        };
      }
      const { store } = opened;
      const flag = obj.spec.flag;
      const observed = await store.read(flag);
      const identity = writerIdentity(obj.metadata.namespace ?? '', obj.metadata.name ?? '');
      const ownership = ownershipOf(observed, identity);
      const info = await store.readRolloutInfo(flag);
      const own = identity.replace(/^controller:/, '');
      // Written last by the CLI but managed by (or handed over to) another FlagRollout: not ours
      // to delete either (modes.ts), e.g. a disabled flag the new owner is respecting.
      const claimedElsewhere =
        ownership !== Ownership.Ours && info !== undefined && info.owner !== own;
      if (ownership === Ownership.OtherController || claimedElsewhere) {
        if (info?.owner === own) {
          // Lost leadership since observing: another replica may be acting. (A Redis command
          // in flight cannot be called back, so each write checks before it is issued.)
          ctx.signal.throwIfAborted();
          await store.clearRolloutInfo(flag);
        }
        return {
          cleanedUp: true,
          events: [
            {
              type: 'Warning',
              reason: FlagRolloutReason.FlagOwnedElsewhere,
              message: claimedElsewhere
                ? `flag ${flag} is managed by FlagRollout ${info.owner}; left in place`
                : `flag ${flag} is written by ${observed.record?.updatedBy ?? '?'}; left in place`,
            },
          ],
        };
      }
      ctx.signal.throwIfAborted();
      const result = await store.delete(flag, observed.version);
      if (!result.ok) return { cleanedUp: false, requeueAfterMs: CONFLICT_RETRY_MS };
      return {
        cleanedUp: true,
        events: [
          {
            type: 'Normal',
            reason: FlagRolloutReason.FlagDeleted,
            message: `deleted flag ${flag} (deletionPolicy: Delete)`,
          },
        ],
      };
    },
  };
}
