// The metric analysis engine: what reconcilers import.
export { analyze, DEFAULT_MAX_MEASUREMENTS, type AnalyzeResult } from './analyze.js';
export {
  appendBounded,
  assess,
  assessAll,
  assessTally,
  tally,
  tallyFor,
  type AnalysisAssessment,
  type AnalysisPhase,
  type AnalysisRecord,
  type CheckAssessment,
  type MetricTally,
} from './assess.js';
export {
  conditionHolds,
  ConditionError,
  parseCondition,
  type Comparator,
  type Condition,
} from './condition.js';
export { judge } from './judge.js';
export { measure, wholeSeconds, type MeasureDeps } from './measure.js';
export {
  MetricSourceError,
  type MetricData,
  type MetricDataRequest,
  type MetricSource,
  type SeriesDimension,
  type SeriesQuery,
} from './metric-source.js';
export { planQueries, type Evaluation, type QueryPlan } from './queries.js';
export { checkSettings, type CheckSettings } from './settings.js';
export { validateMetricCheck, type CheckFieldError } from './validate.js';
