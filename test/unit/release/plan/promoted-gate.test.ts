// The promote override of an analysis gate (status.attempt?.promotedGate) belongs to one delivery attempt:
// a new revision or a retry measures its gates again. Found by the integration test
// test/integration/release/canary-gates.int.test.ts (revision 2 passed revision 1's promoted
// analysis step unmeasured).
import { describe, expect, it } from 'vitest';
import { analyze } from '../../../../reconcilers/shared/analysis/index.js';
import { FakeMetricSource } from '../../analysis/fake-metric-source.js';
import {
  canarySpec,
  canaryTaskSet,
  ERROR_RATE_CHECK,
  image,
  inFlight,
  next,
  NOW,
  run,
  service,
  stableTaskSet,
  weights,
} from './fixtures.js';
import { taskSetId } from '../support/world.js';

const base = canarySpec({ analysis: { metrics: [ERROR_RATE_CHECK] } });
const stepSpec = canarySpec({
  analysis: base.analysis!,
  strategy: {
    canary: {
      steps: [{ setWeight: 10 }, { analysis: {} }, { setWeight: 50 }],
      trafficRouting: base.strategy.canary!.trafficRouting,
    },
  },
});

/** Revision 1 finished after its analysis step (index 1) was let pass by promote. */
const finished = (outcome: 'Succeeded' | 'RolledBack') =>
  inFlight('Done', { outcome, promotedGate: 1, currentStepIndex: 3 }, stepSpec);

/** What observe.ts hands over for gate `step` when no metrics exist (inconclusive). */
async function noData(step: number) {
  const source = new FakeMetricSource(() => []);
  const checks = stepSpec.analysis!.metrics;
  return {
    step,
    result: await analyze(checks, {}, { now: NOW, source, defaultRegion: 'us-east-1' }),
  };
}

describe('promotedGate is one attempt’s', () => {
  it('a new revision starts without it, and its analysis step holds on missing metrics', async () => {
    const v3 = { ...stepSpec, image: image('v3') };
    const started = run(finished('Succeeded'), { weights: weights(0) }, { spec: v3 });
    expect(started.status.revision?.number).toBe(2);
    expect(started.status.attempt?.promotedGate).toBeUndefined();

    const atGate = {
      ...next(started),
      stage: 'Steps' as const,
      currentStepIndex: 1,
      currentWeight: 10,
      revision: { ...started.status.revision!, taskDefinitionArn: 'td-v3' },
    };
    const canary = canaryTaskSet(10, {
      externalId: taskSetId(2, 'canary'),
      taskDefinitionArn: 'td-v3',
    });
    const d = run(
      atGate,
      {
        service: service([stableTaskSet(), canary]),
        weights: weights(10),
        analysis: await noData(1),
      },
      { spec: v3 },
    );
    expect(d.status.attempt?.currentStepIndex).toBe(1);
    expect(d.status.phase).toBe('Paused');
    expect(d.status.attempt?.pause?.reason).toBe('AnalysisInconclusive');
    expect(d.action).toBeUndefined();
  });

  it('a retry starts without it', () => {
    const d = run(
      finished('RolledBack'),
      { weights: weights(0) },
      { spec: stepSpec, annotations: { 'delivery.latticedb.com/retry': '1' } },
    );
    expect(d.status.actions?.retry).toBe('1');
    expect(d.status.attempt?.promotedGate).toBeUndefined();
  });
});
