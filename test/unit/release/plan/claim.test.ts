// Issue 9, item 1: a Release claims its ECS service (plan/claim.ts), and task sets another
// Release left on it are removed visibly before the new revision's first step (task-sets.ts).
import { describe, expect, it } from 'vitest';
import { CLAIM_TAG, claimValue } from '../../../../reconcilers/release/plan/index.js';
import { isShortServiceArn } from '../../../../reconcilers/release/plan/claim.js';
import { externalIdFor } from '../../../../reconcilers/release/plan/world.js';
import {
  canaryTaskSet,
  inFlight,
  next,
  OBJECT,
  revisionTd,
  run,
  service,
  stableTaskSet,
  TD1,
  weights,
} from './fixtures.js';
import { canarySpec, TG_B, image } from '../support/world.js';

/** What the primary runs: image v1 on TD1. */
const baseTd = () => ({ ...revisionTd(canarySpec({ image: image('v1') })), arn: TD1, revision: 1 });

const OTHER_UID = '0b9e7d3c-aaaa-bbbb-cccc-ddddeeeeffff';
const claimedBy = (value: string | undefined) =>
  service([stableTaskSet()], { tags: value === undefined ? {} : { [CLAIM_TAG]: value } });

describe('the claim on the ECS service', () => {
  it('is written first, before adoption or any other write, and told (ServiceClaimed)', () => {
    const d = run(undefined, { service: claimedBy(undefined), baseTaskDefinition: baseTd() });
    expect(d.action).toEqual({
      type: 'claimService',
      ref: { region: 'us-east-1', cluster: 'prod', service: 'latticedb' },
      serviceArn: 'arn:aws:ecs:us-east-1:123456789012:service/prod/latticedb',
      tags: { [CLAIM_TAG]: `prod/latticedb/${OBJECT.uid}` },
    });
    expect(d.status.revision).toBeUndefined();
  });

  it('is recorded in status with the write, and a claim found without that record is told once (found done)', () => {
    const claimed = run(undefined, { service: claimedBy(undefined), baseTaskDefinition: baseTd() });
    expect(claimed.status.serviceClaim).toBe(
      'arn:aws:ecs:us-east-1:123456789012:service/prod/latticedb',
    );
    // The controller died right after TagResource: the status recording it was never written.
    const found = run(inFlight('Steps', { serviceClaim: undefined, currentWeight: 10 }), {
      service: service([stableTaskSet(), canaryTaskSet(10)]),
      weights: weights(10),
    });
    const told = found.events.filter((e) => e.reason === 'ServiceClaimed');
    expect(told).toHaveLength(1);
    expect(told[0]?.message).toContain('confirmed on the next reconcile, found already done');
    expect(found.status.serviceClaim).toBe(claimed.status.serviceClaim);
    // Recorded now: the next reconcile tells nothing more.
    const again = run(found.status, {
      service: service([stableTaskSet(), canaryTaskSet(10)]),
      weights: weights(10),
    });
    expect(again.events.filter((e) => e.reason === 'ServiceClaimed')).toEqual([]);
  });

  it('of another Release stalls this one (ServiceClaimed, Degraded), naming the owner and what to do', () => {
    const d = run(undefined, {
      service: claimedBy(`team-b/api/${OTHER_UID}`),
      baseTaskDefinition: baseTd(),
    });
    expect(d.action).toBeUndefined();
    expect(d.status.revision).toBeUndefined();
    expect(d.status.phase).toBe('Degraded');
    const stalled = d.status.conditions?.find((c) => c.type === 'Stalled');
    expect(stalled).toMatchObject({ status: 'True', reason: 'ServiceClaimed' });
    expect(stalled?.message).toContain(`belongs to Release team-b/api (uid ${OTHER_UID})`);
    expect(stalled?.message).toContain('kubectl -n team-b delete release api');
    expect(stalled?.message).toContain(`--tag-keys ${CLAIM_TAG}`);
    // Looked at again each poll: the owner's finalizer frees it, and nothing else wakes us.
    expect(d.requeueAfterMs).toBe(5_001);
  });

  it('of another Release stops a revision in flight too, with nothing written', () => {
    const d = run(inFlight('Steps', { currentWeight: 10 }), {
      service: service([stableTaskSet(), canaryTaskSet(10)], {
        tags: { [CLAIM_TAG]: `team-b/api/${OTHER_UID}` },
      }),
      weights: weights(10),
    });
    expect(d.action).toBeUndefined();
    expect(d.status.conditions?.find((c) => c.type === 'Stalled')?.reason).toBe('ServiceClaimed');
  });

  it('of a deleted Release of the same name is taken over only once the API server shows this UID', () => {
    const svc = claimedBy(`prod/latticedb/${OTHER_UID}`);
    // Not read yet: read it (observe asks the API server for this name).
    expect(run(undefined, { service: svc, baseTaskDefinition: baseTd() }).action).toBeUndefined();
    // The API server has another object under the name (our cache is behind): wait.
    const stale = run(undefined, {
      service: svc,
      baseTaskDefinition: baseTd(),
      sameNameUid: OTHER_UID,
    });
    expect(stale.action).toBeUndefined();
    expect(stale.status.message).toContain('waiting for the cache');
    // It has this one: the old object is gone, the claim is taken over and told.
    const d = run(undefined, {
      service: svc,
      baseTaskDefinition: baseTd(),
      sameNameUid: OBJECT.uid,
    });
    expect(d.action).toMatchObject({
      type: 'claimService',
      tags: { [CLAIM_TAG]: `prod/latticedb/${OBJECT.uid}` },
    });
    expect(d.events).toContainEqual(
      expect.objectContaining({ type: 'Warning', reason: 'ServiceClaimTakenOver' }),
    );
  });

  it('fits the 256 characters of an ECS tag value for the longest names', () => {
    const value = claimValue({ namespace: 'n'.repeat(63), name: 'x'.repeat(253), uid: OBJECT.uid });
    expect(value.length).toBeLessThanOrEqual(256);
    expect(value).toMatch(new RegExp(`^n{63}/x+\\+[0-9a-f]{8}/${OBJECT.uid}$`));
    expect(value).toMatch(/^[A-Za-z0-9 +\-=._:/@]+$/);
  });
});

describe('task sets another Release left on the service', () => {
  const leftover = (p = {}) =>
    canaryTaskSet(15, { externalId: externalIdFor(OTHER_UID, 1, 'canary'), ...p });

  it('are not adopted past: a spec matching the primary still starts a revision', () => {
    const d = run(
      undefined,
      { service: service([stableTaskSet(), leftover()]), baseTaskDefinition: baseTd() },
      { spec: canarySpec({ image: image('v1') }) },
    );
    expect(d.events.map((e) => e.reason)).not.toContain('Adopted');
    expect(d.status.revision?.number).toBe(1);
    expect(d.status.stage).not.toBe('Done');
  });

  it('lose their traffic, then are deleted with a Warning naming them, before revision 1 starts', () => {
    const svc = service([stableTaskSet(), leftover()]);
    const start = run(undefined, { service: svc, baseTaskDefinition: baseTd() });
    expect(start.status.revision).toMatchObject({ number: 1, image: image('v2') });
    const back = run(next(start), {
      service: svc,
      weights: weights(15),
      baseTaskDefinition: baseTd(),
    });
    expect(back.action).toMatchObject({
      type: 'setWeights',
      weights: [expect.anything(), { targetGroupArn: TG_B, weight: 0 }],
    });
    expect(back.status.message).toContain('left by another Release');
    const del = run(next(back), {
      service: svc,
      weights: weights(0),
      baseTaskDefinition: baseTd(),
    });
    expect(del.action).toMatchObject({ type: 'deleteTaskSet', taskSetArn: leftover().arn });
    expect(del.events).toContainEqual(
      expect.objectContaining({
        type: 'Warning',
        reason: 'LeftoverTaskSet',
        message: expect.stringContaining(`another Release (uid ${OTHER_UID})`),
      }),
    );
    // Then the revision goes on from Cleanup to its first step: nothing of the leftover is used.
    const after = run(next(del), {
      service: service([stableTaskSet()]),
      weights: weights(0),
      baseTaskDefinition: baseTd(),
    });
    expect(after.status.stage).not.toBe('Cleanup');
    expect(after.status.revision?.taskSetArn).toBeUndefined();
  });

  it('of ours (this UID) is the revision’s own and never a leftover', () => {
    const d = run(inFlight('Deploy'), {
      service: service([stableTaskSet(), canaryTaskSet(10)]),
      weights: weights(0),
    });
    expect(d.events.map((e) => e.reason)).not.toContain('LeftoverTaskSet');
    expect(d.action?.type).not.toBe('deleteTaskSet');
  });
});

// Issue 9: ECS refuses TagResource on a service ARN in the old short format, so the claim could
// only fail every reconcile. Stalled instead, saying why and what fixes it.
describe('a service with a short ARN (no cluster in it)', () => {
  const SHORT = 'arn:aws:ecs:us-east-1:123456789012:service/latticedb';
  const shortService = (taskSets = [stableTaskSet()]) =>
    service(taskSets, { arn: SHORT, tags: {} });

  it('is told apart from the long format', () => {
    expect(isShortServiceArn(SHORT)).toBe(true);
    expect(isShortServiceArn('arn:aws-cn:ecs:cn-north-1:123456789012:service/api')).toBe(true);
    expect(isShortServiceArn('arn:aws:ecs:us-east-1:123456789012:service/prod/latticedb')).toBe(
      false,
    );
  });

  it('is never tagged: Stalled (ShortServiceArn) with the account setting and the re-creation it needs', () => {
    const d = run(undefined, { service: shortService(), baseTaskDefinition: baseTd() });
    expect(d.action).toBeUndefined();
    expect(d.status.revision).toBeUndefined();
    expect(d.status.serviceClaim).not.toBe(SHORT);
    expect(d.status.phase).toBe('Degraded');
    const stalled = d.status.conditions?.find((c) => c.type === 'Stalled');
    expect(stalled).toMatchObject({ status: 'True', reason: 'ShortServiceArn' });
    expect(stalled?.message).toContain(SHORT);
    expect(stalled?.message).toContain(
      'aws ecs put-account-setting --region us-east-1 --name serviceLongArnFormat --value enabled',
    );
    expect(stalled?.message).toContain('re-create the service');
    // Looked at again each poll (a re-created service is found then), not an error loop.
    expect(d.requeueAfterMs).toBe(5_001);
  });

  it('stops a revision in flight too, with nothing written', () => {
    const d = run(inFlight('Steps', { currentWeight: 10 }), {
      service: shortService([stableTaskSet(), canaryTaskSet(10)]),
      weights: weights(10),
    });
    expect(d.action).toBeUndefined();
    expect(d.status.conditions?.find((c) => c.type === 'Stalled')?.reason).toBe('ShortServiceArn');
  });
});
