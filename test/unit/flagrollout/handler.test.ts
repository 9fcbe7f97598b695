// The FlagRollout handler end to end in the generic resource reconciler: fake apiserver,
// FakeFlagStore, fake metric source, fake clock.
import { describe, expect, it } from 'vitest';
import { byMetric } from '../analysis/fake-metric-source.js';
import { MIN_REQUEUE_MS } from '../../../reconcilers/flagrollout/plan/index.js';
import { FLAG, rolloutSpec, withAnalysis } from './support/fixtures.js';
import { harness, NAME, NS, RES, type Harness } from './support/harness.js';
import type { Hold } from '../../../reconcilers/shared/interlock/index.js';

const phase = (h: Harness) => h.status().phase;

/** Runs until the phase changes away from the current one or the split changes. */
async function untilNextStep(h: Harness): Promise<void> {
  const step = h.status().currentStep;
  await h.run((x) => x.status().currentStep !== step || x.status().phase !== 'Holding');
}

describe('FlagRollout handler: the ramp', () => {
  it('goes internal users → 5 → 25 → 50 → 100 % and ends Complete, each hold respected', async () => {
    const h = harness(rolloutSpec());
    const started: [string | undefined, number][] = [];
    const start = h.clock.now().getTime();
    await h.run((x) => {
      const s = x.status();
      if (started.at(-1)?.[0] !== s.step) {
        started.push([s.step, (x.clock.now().getTime() - start) / 1000]);
      }
      return s.phase === 'Complete';
    });
    // Each step began at least one 10 s hold after the previous one.
    expect(started).toEqual([
      ['1/5', 0],
      ['2/5', 10],
      ['3/5', 20],
      ['4/5', 30],
      ['5/5', 40],
    ]);
    expect(await h.served()).toBe(10_000);
    const flag = await h.store.read(FLAG);
    expect(flag.record).toMatchObject({
      targets: ['u-internal', 'u-qa'],
      killSwitch: 'experimental',
      updatedBy: 'controller:prod/new-query-optimizer',
      version: 5, // one write per step, nothing more
    });
    expect(h.store.notices.filter((n) => n.op === 'set')).toHaveLength(5);
    expect(h.status()).toMatchObject({
      phase: 'Complete',
      percentage: 100,
      lastGoodPercentage: 100,
    });
    expect(h.events()).toEqual([...Array<string>(5).fill('StepStarted'), 'Complete']);
    expect(await h.store.readRolloutInfo(FLAG)).toMatchObject({
      owner: 'prod/new-query-optimizer',
      phase: 'Complete',
      step: 4,
      stepCount: 5,
    });
  });

  it('publishes the split of each step: targeted users from step 0', async () => {
    const h = harness(rolloutSpec());
    const splits: (number | 'off' | 'missing')[] = [];
    await h.reconcile();
    splits.push(await h.served());
    for (let i = 0; i < 4; i++) {
      await untilNextStep(h);
      splits.push(await h.served());
    }
    expect(splits).toEqual([0, 500, 2500, 5000, 10_000]);
    expect((await h.store.read(FLAG)).record?.targets).toEqual(['u-internal', 'u-qa']);
  });
});

describe('FlagRollout handler: analysis', () => {
  it('good metrics promote', async () => {
    const h = harness(withAnalysis());
    h.metrics.answer = byMetric({ 'ErrorRate/Maximum': [0.1] });
    await h.run((x) => x.status().phase === 'Complete', 200);
    expect(await h.served()).toBe(10_000);
    expect(h.events()).toContain('AnalysisSucceeded');
  });

  it('bad metrics roll back to the last good split and stop', async () => {
    const h = harness(withAnalysis());
    h.metrics.answer = byMetric({ 'ErrorRate/Maximum': [0.1] });
    await h.run((x) => x.status().currentStep === 2);
    h.metrics.answer = byMetric({ 'ErrorRate/Maximum': [9] });
    await h.run((x) => x.status().phase === 'RolledBack');
    expect(await h.served()).toBe(500);
    expect(h.status()).toMatchObject({ percentage: 5, rollback: { step: 2, percentage: 5 } });
    expect(h.status().conditions?.find((c) => c.type === 'Stalled')?.status).toBe('True');
    const writes = h.store.notices.length;
    h.clock.advance(600_000);
    await h.reconcile();
    expect(h.store.notices).toHaveLength(writes); // stopped
  });

  it('missing metrics hold (no promotion past the hold, measurements keep coming)', async () => {
    const h = harness(withAnalysis());
    await h.run((x) => x.status().lastAnalysis !== undefined);
    h.clock.advance(60_000);
    for (let i = 0; i < 10; i++) {
      const r = await h.reconcile();
      h.clock.advance(r.requeueAfterMs ?? 0);
    }
    expect(h.status()).toMatchObject({ currentStep: 0, phase: 'Holding' });
    expect(h.status().analysis?.verdict).toBe('Inconclusive');
    expect(h.metrics.requests.length).toBeGreaterThan(5);
    expect(await h.served()).toBe(0);
  });
});

describe('FlagRollout handler: emergencies act within one reconcile', () => {
  it('enabled: false disables the flag in the next reconcile, mid-hold', async () => {
    const h = harness(rolloutSpec());
    await h.run((x) => x.status().currentStep === 2);
    h.clock.advance(3_000);
    h.editSpec({ enabled: false });
    await h.reconcile();
    expect(await h.served()).toBe('off');
    expect(phase(h)).toBe('Disabled');
    expect(h.status().holdRemainingSeconds).toBe(7);
  });

  it('the kill switch shows KilledBySwitch in the next reconcile and resumes when cleared', async () => {
    const h = harness(rolloutSpec());
    await h.run((x) => x.status().currentStep === 1);
    h.clock.advance(4_000);
    await h.store.setKillSwitch('experimental', true);
    const writes = h.store.notices.filter((n) => n.op === 'set').length;
    await h.reconcile();
    expect(phase(h)).toBe('KilledBySwitch');
    expect(h.status().percentage).toBe(0);
    h.clock.advance(120_000); // a long kill does not use up the hold
    await h.reconcile();
    await h.store.setKillSwitch('experimental', false);
    await h.reconcile();
    expect(h.status()).toMatchObject({ phase: 'Holding', currentStep: 1, percentage: 5 });
    const resumedAt = h.clock.now().getTime();
    await untilNextStep(h);
    expect(h.clock.now().getTime() - resumedAt).toBe(6_000);
    expect(h.store.notices.filter((n) => n.op === 'set')).toHaveLength(writes + 1); // only the promotion
  });
});

describe('FlagRollout handler: resuming', () => {
  it('a new controller instance mid-hold resumes at the right time', async () => {
    const h = harness(rolloutSpec());
    await h.run((x) => x.status().currentStep === 2);
    const nextStepAt = Date.parse(h.status().nextStepAt ?? '');
    h.clock.advance(4_000);
    h.restart();
    const r = await h.reconcile();
    expect(h.status().currentStep).toBe(2);
    expect(r.requeueAfterMs).toBe(nextStepAt - h.clock.now().getTime());
    h.clock.advance((r.requeueAfterMs ?? 0) - 1);
    await h.reconcile();
    expect(h.status().currentStep).toBe(2);
    h.clock.advance(1);
    await h.reconcile();
    expect(h.status().currentStep).toBe(3);
    expect(h.store.notices.filter((n) => n.op === 'set')).toHaveLength(4);
  });

  it('Redis flushed: the flag is rewritten from the spec in one reconcile', async () => {
    const h = harness(rolloutSpec());
    await h.run((x) => x.status().currentStep === 3);
    h.store.flush();
    await h.reconcile();
    expect(await h.served()).toBe(5000);
    expect((await h.store.read(FLAG)).version).toBe(1);
    expect(h.status().flagVersion).toBe(1);
    expect(h.events()).toContain('FlagRewritten');
    // The rollout info (flushed too) is the next reconcile's write: one write per reconcile.
    await h.reconcile();
    expect(await h.store.readRolloutInfo(FLAG)).toMatchObject({ step: 3 });
  });

  it('a compare-and-set lost to another writer is re-observed and retried by a requeue, not a loop', async () => {
    const h = harness(rolloutSpec());
    await h.run((x) => x.status().currentStep === 1);
    h.clock.advance(10_000);
    h.store.races = 1;
    const lost = await h.reconcile();
    expect(lost.requeueAfterMs).toBe(MIN_REQUEUE_MS);
    expect(await h.served()).toBe(4200); // one compare-and-set per reconcile: the racer's stands
    await h.reconcile();
    // The promotion was checkpointed; the racer's 42 % was then put back to the new step's 25 %.
    expect(h.status()).toMatchObject({ currentStep: 2, nextStepAt: '2026-11-26T10:00:30Z' });
    expect(await h.served()).toBe(2500);
    expect(h.events()).toContain('ExternalChangeOverwritten');
  });

  it('repeated conflicts: each reconcile requeues (no error, no Warning) until the flag holds still', async () => {
    const h = harness(rolloutSpec());
    await h.run((x) => x.status().currentStep === 1);
    h.clock.advance(10_000);
    h.store.races = 3;
    for (let i = 0; i < 3; i++) {
      const lost = await h.reconcile();
      expect(lost.requeueAfterMs).toBe(MIN_REQUEUE_MS);
    }
    expect(h.events()).not.toContain('ReconcileError');
    expect(await h.served()).toBe(4200);
    await h.reconcile();
    expect(await h.served()).toBe(2500);
  });

  it('status never claims a write that did not happen: a promotion checkpoint says the write is pending', async () => {
    const h = harness(rolloutSpec());
    await h.run((x) => x.status().currentStep === 1);
    const version = h.status().flagVersion;
    h.clock.advance(10_000);
    h.store.races = 3;
    await h.reconcile(); // the compare-and-set loses: requeued
    // The step change was written ahead; the flag write was not: FlagSynced must not say it was.
    expect(h.status()).toMatchObject({ currentStep: 2, flagVersion: version });
    expect(h.status().conditions?.find((c) => c.type === 'FlagSynced')).toMatchObject({
      status: 'Unknown',
      reason: 'FlagWritePending',
    });
    h.store.races = 0;
    await h.reconcile();
    expect(h.status().conditions?.find((c) => c.type === 'FlagSynced')).toMatchObject({
      status: 'True',
    });
  });

  it('a write the store refuses is a Stalled condition naming the problem, not a retry loop', async () => {
    const h = harness(rolloutSpec());
    h.store.refuse = 'updatedBy must be 1..512 characters';
    const result = await h.reconcile(); // resolves: nothing for the work queue to retry
    expect(result.requeueAfterMs).toBe(30_000);
    expect(await h.served()).toBe('missing');
    const conditions = h.status().conditions ?? [];
    expect(conditions.find((c) => c.type === 'FlagSynced')).toMatchObject({
      status: 'False',
      reason: 'FlagWriteRefused',
      message: expect.stringContaining('updatedBy must be 1..512 characters'),
    });
    expect(conditions.find((c) => c.type === 'Stalled')).toMatchObject({
      status: 'True',
      reason: 'FlagWriteRefused',
    });
    expect(h.status().flagVersion).toBeUndefined();
    expect(h.events()).toEqual(['FlagWriteRefused']);
    await h.reconcile();
    expect(h.events()).toEqual(['FlagWriteRefused']); // one Warning, not one per attempt
  });

  it('a reconcile whose signal was aborted (lost leadership) writes nothing', async () => {
    const h = harness(rolloutSpec());
    h.abort();
    await expect(h.reconcile()).rejects.toThrow('leader election lost');
    expect(await h.served()).toBe('missing');
    expect(h.store.notices).toEqual([]);
  });

  it('a Redis outage is reported in status and retried', async () => {
    const h = harness(rolloutSpec());
    await h.run((x) => x.status().currentStep === 1);
    h.store.failNext();
    await expect(h.reconcile()).rejects.toThrow('Connection is closed.');
    expect(h.status().conditions?.find((c) => c.type === 'FlagSynced')).toMatchObject({
      status: 'Unknown',
      reason: 'StoreUnavailable',
    });
    await h.reconcile();
    expect(h.status().conditions?.find((c) => c.type === 'FlagSynced')?.status).toBe('True');
  });

  it('no Redis configured: Stalled with the reason, Redis untouched', async () => {
    const h = harness(rolloutSpec(), {
      storeFor: () =>
        Promise.resolve({ ok: false, reason: 'RedisNotConfigured', message: 'no redis' }),
    });
    const r = await h.reconcile();
    expect(h.status().conditions?.find((c) => c.type === 'Stalled')).toMatchObject({
      status: 'True',
      reason: 'RedisNotConfigured',
    });
    expect(r.requeueAfterMs).toBe(30_000);
    expect(h.store.calls).toEqual([]);
  });
});

describe('FlagRollout handler: the FailoverPlan interlock', () => {
  it('held: asked before the store is opened, nothing read or written; released: goes on with the remaining hold', async () => {
    let hold: Hold | undefined;
    let opened = 0;
    const h: Harness = harness(rolloutSpec(), {
      failoverHold: () => Promise.resolve(hold),
      storeFor: () => {
        opened++;
        return Promise.resolve({ ok: true, store: h.store, endpoint: 'fake' });
      },
    });
    await h.run((x) => x.status().currentStep === 1);
    const served = await h.served();
    h.clock.advance(4_000);
    hold = { plan: 'dr', message: 'held by FailoverPlan dr: safe mode (data corruption) on' };
    const [openedBefore, callsBefore] = [opened, h.store.calls.length];
    const r = await h.reconcile();
    expect(opened).toBe(openedBefore);
    expect(h.store.calls).toHaveLength(callsBefore);
    expect(h.status().conditions?.find((c) => c.type === 'Reconciling')).toMatchObject({
      status: 'True',
      reason: 'HeldByFailoverPlan',
    });
    expect(h.status()).toMatchObject({ currentStep: 1, holdRemainingSeconds: 6 });
    expect(h.events()).toContain('HeldByFailoverPlan');
    expect(r.requeueAfterMs).toBe(30_000);
    // Long after the step's hold would have ended: still held, still at step 1.
    h.clock.advance(60_000);
    await h.reconcile();
    expect(h.status()).toMatchObject({ currentStep: 1, holdRemainingSeconds: 6 });
    expect(await h.served()).toBe(served);
    hold = undefined;
    await h.reconcile();
    expect(h.status().currentStep).toBe(1);
    expect(h.status().holdRemainingSeconds).toBeUndefined();
    await h.run((x) => x.status().currentStep === 2);
  });
});

describe('FlagRollout handler: deletion', () => {
  it('deletionPolicy Delete: finalizer, then the flag and rollout info are removed', async () => {
    const h = harness(rolloutSpec({ deletionPolicy: 'Delete' }));
    await h.run((x) => x.status().currentStep === 1);
    expect(h.object().metadata.finalizers).toEqual(['delivery.latticedb.com/flag-cleanup']);
    h.kube.delete(RES, NS, NAME);
    await h.reconcile();
    expect(await h.served()).toBe('missing');
    expect(await h.store.readRolloutInfo(FLAG)).toBeUndefined();
    expect(h.kube.peek(RES, NS, NAME)).toBeUndefined();
  });

  it('deletionPolicy Retain: no finalizer, the flag stays as it is', async () => {
    const h = harness(rolloutSpec());
    await h.run((x) => x.status().currentStep === 1);
    expect(h.object().metadata.finalizers).toBeUndefined();
    h.kube.delete(RES, NS, NAME);
    await h.reconcile();
    expect(await h.served()).toBe(500);
  });
});
