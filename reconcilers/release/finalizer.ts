// Deleting a Release frees its ECS service: the finalizer removes the claim tag
// (plan/claim.ts) and nothing else. Task sets and listener weights stay exactly as they are — a
// deletion never moves production traffic (abort first to clean up); a Release created later on
// the service removes what this one left, visibly (LeftoverTaskSet), before its first step.
import { identityOf } from '../shared/kit/index.js';
import type { FinalizeOutcome, FinalizerHandler } from '../../controller/index.js';
import { ReleaseReason, type ReleaseSpec } from './api.js';
import { CLAIM_TAG, claimOf, serviceRef, type ReleaseState } from './plan/index.js';
import type { ReleaseObject, ReleasePorts } from './ports.js';

export const CLAIM_FINALIZER = 'delivery.latticedb.com/service-claim';

export function claimFinalizer(
  ports: Pick<ReleasePorts, 'ecs'>,
): FinalizerHandler<ReleaseSpec, ReleaseState> {
  return {
    name: CLAIM_FINALIZER,
    wanted: () => true,
    async finalize(obj: ReleaseObject): Promise<FinalizeOutcome<ReleaseState>> {
      const ref = serviceRef(obj.spec);
      const what = `ECS service ${ref.service} (cluster ${ref.cluster}, ${ref.region})`;
      const identity = identityOf(obj);
      const service = await ports.ecs.describeService(ref);
      const claim = service === undefined ? undefined : claimOf(service, identity);
      if (service === undefined || claim?.kind !== 'ours') {
        if (claim?.kind === 'unread') throw new Error(`the tags of ${what} were not read`);
        // Never claimed (another Release's service, or deleted before its first reconcile) or
        // already freed: nothing of ours to remove.
        return { cleanedUp: true };
      }
      await ports.ecs.untagService(ref, service.arn, [CLAIM_TAG]);
      return {
        cleanedUp: true,
        events: [
          {
            type: 'Normal',
            reason: ReleaseReason.ServiceClaimReleased,
            message: `removed the claim (tag ${CLAIM_TAG}) from ${what}; its task sets and traffic are left as they are`,
          },
        ],
      };
    },
  };
}
