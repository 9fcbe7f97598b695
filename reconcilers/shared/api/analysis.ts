// `spec.analysis` and `status.analysis`, shared by every kind whose steps are gated by metrics
// (Release steps, FlagRollout holds). The metric shape is the analysis engine's (metric-check.ts).
import { Type, type Static } from '@sinclair/typebox';
import { Duration } from './duration.js';
import { DateTime } from './formats.js';
import { CheckName, MetricCheck, MetricMeasurement, Verdict } from './metric-check.js';
import { StringEnum, described } from './schema.js';

export const MAX_ANALYSIS_METRICS = 10;
/**
 * Measurements kept in status: the newest few, enough to see the trend in `kubectl describe`;
 * verdicts count totals in `results`, so dropping old ones never hides a failure, and every
 * measurement is in the logs.
 */
export const MAX_MEASUREMENTS = 20;

export const AnalysisSpec = Type.Object(
  {
    interval: Type.Optional(
      Duration({
        min: '1s',
        default: '1m',
        description:
          'How often the gate is re-evaluated while it is open; a metric with a longer interval is measured less often.',
      }),
    ),
    metrics: Type.Array(MetricCheck, {
      description: 'The checks, by unique name.',
      minItems: 1,
      maxItems: MAX_ANALYSIS_METRICS,
      // Names are unique: a list-map refuses duplicates at admission, and steps refer to them.
      'x-kubernetes-list-type': 'map',
      'x-kubernetes-list-map-keys': ['name'],
    }),
  },
  {
    description:
      'Metric checks that gate progress: success promotes, failure rolls back, inconclusive holds.',
  },
);
export type AnalysisSpec = Static<typeof AnalysisSpec>;

/** The gate's state as a whole: Running until every metric has a verdict. */
export const AnalysisPhase = StringEnum(['Running', 'Successful', 'Failed', 'Inconclusive']);
export type AnalysisPhase = Static<typeof AnalysisPhase>;

/** Running totals per metric for the current gate (what failureLimit/inconclusiveLimit count). */
export const MetricResult = Type.Object({
  metric: CheckName,
  verdict: Type.Optional(described(Verdict, 'The check verdict, once it has one.')),
  successful: Type.Integer({ minimum: 0, description: 'Successful measurements so far.' }),
  failed: Type.Integer({
    minimum: 0,
    description: 'Failed measurements so far (limit: failureLimit).',
  }),
  inconclusive: Type.Integer({
    minimum: 0,
    description: 'Inconclusive measurements so far (limit: inconclusiveLimit).',
  }),
});
export type MetricResult = Static<typeof MetricResult>;

export const AnalysisStatus = Type.Object(
  {
    step: Type.Optional(
      Type.Integer({
        minimum: 0,
        description:
          'Index (from 0) of the step (Release) or hold (FlagRollout) this gate belongs to.',
      }),
    ),
    startedAt: Type.Optional(DateTime({ description: 'When the gate opened.' })),
    lastRun: Type.Optional(DateTime({ description: 'When it was last measured.' })),
    verdict: Type.Optional(
      described(
        AnalysisPhase,
        'Running until every check has a verdict; then Successful, Failed or Inconclusive.',
      ),
    ),
    results: Type.Optional(
      Type.Array(MetricResult, {
        description: 'Running totals per check.',
        maxItems: MAX_ANALYSIS_METRICS,
        'x-kubernetes-list-type': 'map',
        'x-kubernetes-list-map-keys': ['metric'],
      }),
    ),
    measurements: Type.Optional(
      Type.Array(MetricMeasurement, {
        maxItems: MAX_MEASUREMENTS,
        description: 'The newest measurements, oldest first.',
      }),
    ),
  },
  { description: 'The metric gate of the current step.' },
);
export type AnalysisStatus = Static<typeof AnalysisStatus>;
