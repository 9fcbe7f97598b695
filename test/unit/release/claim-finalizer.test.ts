// Deleting a Release frees its service's claim and nothing else (reconcilers/release/finalizer.ts).
import { describe, expect, it } from 'vitest';
import { claimFinalizer } from '../../../reconcilers/release/finalizer.js';
import { CLAIM_TAG, claimValue } from '../../../reconcilers/release/plan/index.js';
import type { ReleaseObject } from '../../../reconcilers/release/ports.js';
import type { HandlerContext } from '../../../controller/index.js';
import type { ReleaseState } from '../../../reconcilers/release/plan/index.js';
import { canarySpec, RELEASE_UID, REF, World } from './support/world.js';

const release = (uid = RELEASE_UID): ReleaseObject => ({
  apiVersion: 'delivery.latticedb.com/v1alpha1',
  kind: 'Release',
  metadata: { namespace: 'prod', name: 'latticedb', uid },
  spec: canarySpec(),
});
const ctx = {} as HandlerContext<ReleaseState>;
const tagOf = async (world: World) => (await world.ecs.describeService(REF))?.tags?.[CLAIM_TAG];

describe('the claim finalizer', () => {
  it('removes this Release’s claim tag and writes nothing else', async () => {
    const world = new World({ kind: 'canary' });
    const arn = (await world.ecs.describeService(REF))?.arn ?? '';
    const mine = { namespace: 'prod', name: 'latticedb', uid: RELEASE_UID };
    await world.ecs.tagService(REF, arn, { [CLAIM_TAG]: claimValue(mine), team: 'db' });
    const writes = world.ecs.log.writes;
    const out = await claimFinalizer({ ecs: world.ecs }).finalize(release(), ctx);
    expect(out.cleanedUp).toBe(true);
    expect(out.events?.map((e) => e.reason)).toEqual(['ServiceClaimReleased']);
    expect(await tagOf(world)).toBeUndefined();
    expect((await world.ecs.describeService(REF))?.tags).toEqual({ team: 'db' });
    expect(world.ecs.log.writes - writes).toBe(1);
  });

  it('leaves another Release’s claim alone (a Stalled second Release being deleted)', async () => {
    const world = new World({ kind: 'canary' });
    const arn = (await world.ecs.describeService(REF))?.arn ?? '';
    const owner = 'team-b/api/0b9e7d3c-aaaa-bbbb-cccc-ddddeeeeffff';
    await world.ecs.tagService(REF, arn, { [CLAIM_TAG]: owner });
    const writes = world.ecs.log.writes;
    const out = await claimFinalizer({ ecs: world.ecs }).finalize(release(), ctx);
    expect(out.cleanedUp).toBe(true);
    expect(await tagOf(world)).toBe(owner);
    expect(world.ecs.log.writes).toBe(writes);
  });

  it('is done at once when the service is gone', async () => {
    const world = new World({ kind: 'canary' });
    const out = await claimFinalizer({ ecs: world.ecs }).finalize(
      {
        ...release(),
        spec: { ...canarySpec(), target: { ...canarySpec().target, service: 'gone' } },
      },
      ctx,
    );
    expect(out).toEqual({ cleanedUp: true });
  });
});
