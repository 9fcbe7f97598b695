// Every status the handler returns fits the CRD's schema: the apiserver refuses a status patch with
// a field over its maxLength (422), so an unbounded message loses the whole write — and the
// rollback written ahead (ctx.checkpoint) never happens, leaving traffic on a failing revision.
// Before the fix, ten firing alarms with long names (or several failing smoke tests with long
// URLs) put a > 1024-character message into status.rollback and status.postDeployment.
import { describe, expect, it } from 'vitest';
import { ReleaseStatus, type ReleaseSpec } from '../../../reconcilers/release/api.js';
import { schemaErrors } from '../../../reconcilers/shared/api/validation.js';
import { Harness } from './support/harness.js';
import { canarySpec, REF, TG_A, World } from './support/world.js';

const alarms = Array.from({ length: 10 }, (_, i) => `latticedb-prod-${i}-${'x'.repeat(110)}`);
const smoke = Array.from({ length: 6 }, (_, i) => ({
  name: `smoke-${i}`,
  url: `https://ldb.test/${'health/'.repeat(40)}${i}`,
  retries: 0,
}));

/** Reconciles until `done`, checking every status written against the CRD schema. */
async function runChecked(h: Harness, done: (h: Harness) => boolean): Promise<void> {
  for (let i = 0; i < 300 && !done(h); i++) {
    const outcome = await h.reconcile();
    expect(schemaErrors(ReleaseStatus, h.status, 'status')).toEqual([]);
    h.world.clock.advance(outcome.requeueAfterMs ?? 600_000);
  }
  expect(done(h)).toBe(true);
}

describe('status stays within the CRD schema', () => {
  it.each<[string, Partial<ReleaseSpec>, (h: Harness) => void]>([
    [
      'ten firing alarms with long names',
      { checks: { postDeployment: { noAlarmsFiring: alarms } } },
      (h) => {
        for (const a of alarms) h.world.alarms.firing.add(a);
      },
    ],
    [
      'six failing smoke tests with long URLs',
      { checks: { smoke } },
      (h) => {
        h.smokeStatus = 503;
      },
    ],
  ])(
    '%s after promotion: the rollback is recorded and traffic goes back',
    async (_, extra, fail) => {
      const world = new World({ kind: 'canary' });
      const h = new Harness(world, canarySpec(extra));
      await runChecked(h, (x) => x.status.stage === 'PostChecks');
      fail(h);
      await runChecked(h, (x) => x.status.stage === 'Done');
      expect(h.status.phase).toBe('RolledBack');
      expect(await world.weights()).toEqual({ A: 100, B: 0 });
      expect(world.ecs.taskSets(REF)).toMatchObject([
        { status: 'PRIMARY', targetGroupArns: [TG_A] },
      ]);
    },
  );
});
