// Release metrics on the controller's registry (deps.metrics): how revisions move through their
// stages and steps, what the analysis measures, why revisions are rolled back. Labels are bounded
// sets — strategy, result, verdict, the reason codes of the code, and the analysis check's name
// (a DNS label from spec.analysis: user input, so capped at 50 distinct values, later ones
// counted as `Other`) — never object names or namespaces.
//
// Measurements are counted when taken (a lost status write makes the next reconcile take them
// again: two real GetMetricData reads). Transitions and rollbacks are counted once the status that
// records them is stored (Outcome.afterStatusWrite): a lost write makes the next reconcile decide
// the same transition again, and that must not count twice.
import { LabelCap, type DomainMetrics } from '../../controller/index.js';
import { StrategyName } from './api.js';
import type { Decision, Observed, TransitionResult } from './plan/index.js';

export interface ReleaseMetrics {
  /** The analysis measurements one reconcile took. */
  measured(observed: Observed): void;
  /** One reconcile's decision, once the status recording it is stored. */
  recorded(decision: Decision): void;
}

export const noReleaseMetrics: ReleaseMetrics = {
  measured: () => undefined,
  recorded: () => undefined,
};

const RESULTS: readonly TransitionResult[] = ['completed', 'promoted', 'failed'];

export function releaseMetrics(metrics: DomainMetrics): ReleaseMetrics {
  const transitions = metrics.counter({
    name: 'latticedb_release_step_transitions_total',
    help: 'Release pipeline stages and canary steps left, by strategy and result (completed; promoted: ended by the promote or approve action; failed: left for a rollback or freeze)',
    labelNames: ['strategy', 'result'],
  });
  const measurements = metrics.counter({
    name: 'latticedb_release_analysis_measurements_total',
    help: 'Analysis measurements taken for Release gates, by check name and verdict',
    labelNames: ['metric', 'verdict'],
  });
  const rollbacks = metrics.counter({
    name: 'latticedb_release_rollbacks_total',
    help: 'Release revisions sent back to stable, by strategy and reason (a failed check, the abort or rollback action, Superseded by a newer spec)',
    labelNames: ['strategy', 'reason'],
  });
  const metricNames = new LabelCap();
  for (const strategy of Object.values(StrategyName))
    for (const result of RESULTS) transitions.inc({ strategy, result }, 0);
  return {
    measured(observed) {
      for (const m of observed.analysis?.result.taken ?? [])
        measurements.inc({ metric: metricNames.value(m.metric), verdict: m.verdict });
    },
    recorded(decision) {
      const strategy = decision.status.strategy ?? 'Unknown';
      for (const result of decision.facts.transitions) transitions.inc({ strategy, result });
      for (const reason of decision.facts.rollbacks) rollbacks.inc({ strategy, reason });
    },
  };
}
