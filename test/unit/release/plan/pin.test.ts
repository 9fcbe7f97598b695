// The pin left by the rollback action (status.pinnedSpecHash) holds only while the spec still
// names what was rolled back from. Found by test/integration/release/canary-gates.int.test.ts: a
// spec edited away and later back to the pinned one was silently ignored.
import { describe, expect, it } from 'vitest';
import { specHash } from '../../../../reconcilers/release/plan/index.js';
import { canarySpec, image, inFlight, next, run, TD1, weights } from './fixtures.js';

const pinned = canarySpec();
/** Revision 2 = the rollback action's return to revision 0's task definition, healthy. */
const rolledBack = inFlight('Done', {
  outcome: 'Succeeded',
  pinnedSpecHash: specHash(pinned),
  revision: { number: 2, specHash: 'older', image: image('v1'), taskDefinitionArn: TD1 },
});

describe('the rollback pin', () => {
  it('is dropped when the spec moves on, so a later return to the pinned spec ships', () => {
    const other = canarySpec({ image: image('v3') });
    const third = run(rolledBack, { weights: weights(0) }, { spec: other });
    expect(third.status.revision).toMatchObject({ number: 3, image: image('v3') });
    expect(third.status.pinnedSpecHash).toBeUndefined();

    const healthy = {
      ...next(third),
      stage: 'Done' as const,
      attempt: { ...next(third).attempt, outcome: 'Succeeded' as const },
      revision: { ...third.status.revision!, taskDefinitionArn: 'td-v3' },
    };
    const back = run(healthy, { weights: weights(0) }, { spec: pinned });
    expect(back.status.revision).toMatchObject({ number: 4, specHash: specHash(pinned) });
  });

  it('still holds while the spec names what was rolled back from', () => {
    const d = run(rolledBack, {}, { spec: pinned });
    expect(d.status.revision?.number).toBe(2);
    expect(d.status.pinnedSpecHash).toBe(specHash(pinned));
  });
});
