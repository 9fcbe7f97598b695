// A Release claims its ECS service: one tag on the service, `delivery.latticedb.com/release =
// <namespace>/<name>/<uid>`, written before anything else the Release does to it (the first
// reconcile, before adoption) and removed by the Release's finalizer when it is deleted (which
// moves no traffic). A second Release naming the same service finds the claim and is Stalled
// (ServiceClaimed) until the owner is gone; so only one Release ever acts on a service, and task
// sets of another UID on a claimed service are leftovers of a deleted Release (world.ts).
//
// One tag, not two: the claim is written and removed in one call, and a half-written claim
// cannot exist. ECS tag values hold 256 characters ([A-Za-z0-9 +-=._:/@]); namespace (≤ 63) and
// UID (36) always fit, a name too long for the rest is cut and ends `+<8 hex of its hash>`.
//
// A claim of the same namespace/name with another UID is the claim of a Release deleted without
// its finalizer running (removed by hand, or an older controller without it) and re-created: it is
// taken over deliberately, once the API server itself (not the cache) shows this Release — this
// UID — under that name, so the old object is gone. A claim of any other name is never taken over:
// with several clusters (or controllers) on one AWS account, "no such Release here" does not mean
// gone. The message says how to free it.
import { createHash } from 'node:crypto';
import { ReleaseReason } from '../api.js';
import { act, probe, waitFor, type Draft, type StepResult } from './draft.js';
import { CONFIRMED_NEXT_RECONCILE } from './found.js';
import { note } from './history.js';
import type { Action, ObjectIdentity } from './types.js';
import { serviceRef } from './world.js';
import type { ServiceState } from '../../shared/ports/ecs.js';

export const CLAIM_TAG = 'delivery.latticedb.com/release';

/** ECS: a tag value is at most 256 characters. */
const MAX_TAG_VALUE = 256;

/** `<namespace>/<name>/<uid>`, the name cut (with a hash) when the whole would not fit. */
export function claimValue(o: ObjectIdentity): string {
  return `${o.namespace}/${claimName(o)}/${o.uid}`;
}

function claimName(o: ObjectIdentity): string {
  const room = MAX_TAG_VALUE - o.namespace.length - o.uid.length - 2;
  if (o.name.length <= room) return o.name;
  const hash8 = createHash('sha256').update(o.name).digest('hex').slice(0, 8);
  return `${o.name.slice(0, room - 9)}+${hash8}`;
}

/** What the service's claim tag says about this Release. */
export type ClaimView =
  /** The tags were not read (a port that does not report them): nothing can be concluded. */
  | { readonly kind: 'unread' }
  | { readonly kind: 'none' }
  | { readonly kind: 'ours' }
  /** Same namespace/name, another UID: this Release's name was deleted and re-created. */
  | { readonly kind: 'renamed'; readonly uid: string }
  /** Another Release's: `owner` is its namespace/name as the tag says (or the raw value). */
  | { readonly kind: 'other'; readonly owner: string; readonly uid?: string };

export function claimOf(service: ServiceState, o: ObjectIdentity): ClaimView {
  if (service.tags === undefined) return { kind: 'unread' };
  const value = service.tags[CLAIM_TAG];
  if (value === undefined || value === '') return { kind: 'none' };
  const parts = value.split('/');
  if (parts.length < 3) return { kind: 'other', owner: value };
  const namespace = parts[0] ?? '';
  const uid = parts[parts.length - 1] ?? '';
  const name = parts.slice(1, -1).join('/');
  if (uid === o.uid) return { kind: 'ours' };
  if (namespace === o.namespace && name === claimName(o)) return { kind: 'renamed', uid };
  return { kind: 'other', owner: `${namespace}/${name}`, uid };
}

/** observe.ts reads the Release of this name from the API server only for a take-over. */
export const claimNeedsOwnerCheck = (service: ServiceState, o: ObjectIdentity): boolean =>
  claimOf(service, o).kind === 'renamed';

/** Another Release owns the service: this one is Stalled (ServiceClaimed). */
export function claimedByOther(draft: Draft): boolean {
  const service = draft.observed.service;
  return service !== null && claimOf(service, draft.object).kind === 'other';
}

/**
 * A service ARN in the old short format, `arn:aws:ecs:<region>:<account>:service/<name>` (no
 * cluster): ECS refuses TagResource on it ("Long arn format must be used for tagging
 * operations"), so the claim can never be written. Services created before the account opted in
 * to `serviceLongArnFormat` keep their short ARN; only re-creating the service gives a long one.
 */
export const isShortServiceArn = (arn: string): boolean =>
  /^arn:[^:]+:ecs:[^:]*:[^:]*:service\/[^/]+$/.test(arn);

/** The service cannot be claimed (a short ARN): Stalled (ShortServiceArn) until it is re-created. */
export function unclaimable(draft: Draft): boolean {
  const service = draft.observed.service;
  if (service === null || !isShortServiceArn(service.arn)) return false;
  const kind = claimOf(service, draft.object).kind;
  return kind === 'none' || kind === 'renamed';
}

const serviceName = (draft: Draft): string => {
  const { region, cluster, service } = draft.spec.target;
  return `ECS service ${service} (cluster ${cluster}, ${region})`;
};

function claimAction(draft: Draft, service: ServiceState): Action {
  return {
    type: 'claimService',
    ref: serviceRef(draft.spec),
    serviceArn: service.arn,
    tags: { [CLAIM_TAG]: claimValue(draft.object) },
  };
}

/**
 * Before anything else the Release does to the service: undefined when the claim is ours; else
 * the claim to write (one action), or the wait — Stalled when another Release owns the service.
 */
export function claimGate(draft: Draft): StepResult | undefined {
  const service = draft.observed.service;
  if (service === null) return undefined;
  const claim = claimOf(service, draft.object);
  const what = serviceName(draft);
  if (unclaimable(draft)) {
    // Not a write that can be retried into success: TagResource would fail the same way every
    // reconcile. Stalled with what fixes it, looked at again each poll (a re-created service
    // with a long ARN is found then).
    return waitFor(
      'time',
      `${what} has an ARN in the old short format (${service.arn}), which ECS refuses to tag, so this Release cannot claim it and does nothing to it. ` +
        `Opt the account in to long ARNs (aws ecs put-account-setting --region ${draft.spec.target.region} --name serviceLongArnFormat --value enabled; ` +
        `or put-account-setting-default for every IAM principal), then re-create the service: only a service created after that gets a long ARN ` +
        `(arn:aws:ecs:<region>:<account>:service/<cluster>/<service>).`,
      new Date(draft.now.getTime() + draft.tuning.pollMs),
    );
  }
  switch (claim.kind) {
    case 'ours':
      // Claimed, but status does not say so: the status write after the claim was lost (a crash
      // right after TagResource). Tell the write now, found done, so every write is an Event.
      if (draft.status.serviceClaim !== service.arn) {
        note(
          draft,
          'Normal',
          ReleaseReason.ServiceClaimed,
          `${what} claimed for this Release (tag ${CLAIM_TAG}=${claimValue(draft.object)}; ${CONFIRMED_NEXT_RECONCILE})`,
        );
        draft.status.serviceClaim = service.arn;
        // Told in a reconcile of its own, which writes nothing else: a later action's write-ahead
        // checkpoint would otherwise store the record, and a crash right after that action would
        // lose this Event for good.
        return waitFor('time', `recording the claim found on ${what}`, draft.now);
      }
      return undefined;
    case 'unread':
      return waitFor('world', `the tags of ${what} were not read: its claim is unknown`);
    case 'none':
      // Recorded with the status written after the tag, so only once it is there.
      draft.status.serviceClaim = service.arn;
      return act(
        claimAction(draft, service),
        `claiming ${what} for this Release (tag ${CLAIM_TAG}=${claimValue(draft.object)})`,
      );
    case 'renamed': {
      const live = draft.observed.sameNameUid;
      if (live === undefined) return probe(`the Release ${draft.object.name} in the API server`);
      if (live !== draft.object.uid) {
        // The cache still shows an object the API server no longer has (or not yet): wait for it.
        return waitFor(
          'world',
          `${what} is claimed by uid ${claim.uid} of this name; the API server has ${live === null ? 'no Release' : `uid ${live}`} under it, not this one (uid ${draft.object.uid}): waiting for the cache`,
        );
      }
      note(
        draft,
        'Warning',
        ReleaseReason.ServiceClaimTakenOver,
        `${what} was claimed by a deleted Release of the same name (uid ${claim.uid}); this Release (uid ${draft.object.uid}) takes the claim over`,
      );
      draft.status.serviceClaim = service.arn;
      return act(
        claimAction(draft, service),
        `taking over the claim of ${what} from the deleted Release ${draft.object.namespace}/${draft.object.name} (uid ${claim.uid})`,
      );
    }
    case 'other': {
      const [ns, name] = claim.owner.includes('/')
        ? [
            claim.owner.slice(0, claim.owner.indexOf('/')),
            claim.owner.slice(claim.owner.indexOf('/') + 1),
          ]
        : ['?', claim.owner];
      // Looked at again each poll: the owner's deletion removes the tag, and nothing else wakes
      // this Release.
      return waitFor(
        'time',
        `${what} belongs to Release ${claim.owner}${claim.uid === undefined ? '' : ` (uid ${claim.uid})`}: this Release does nothing to it. ` +
          `Delete that Release (kubectl -n ${ns} delete release ${name}; its finalizer removes the claim and moves no traffic) or point spec.target at another service. ` +
          `If that Release no longer exists: aws ecs untag-resource --region ${draft.spec.target.region} --resource-arn ${service.arn} --tag-keys ${CLAIM_TAG}`,
        new Date(draft.now.getTime() + draft.tuning.pollMs),
      );
    }
  }
}
