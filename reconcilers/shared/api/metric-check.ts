// `metricCheck`: one named measurement against CloudWatch that gates a step (Release analysis,
// FlagRollout holds). The analysis engine (reconcilers/shared/analysis) interprets it; this file
// only describes the shape. Strings and arrays are bounded so that the CEL rules in the generated
// CRDs stay within the apiserver's cost budget.
import { Type, type Static } from '@sinclair/typebox';
import { Duration } from './duration.js';
import { exactlyOneOf, StringEnum, withRules } from './schema.js';

/** A check name: a DNS label, so it can key a list-map in status and appear in events. */
export const CheckName = Type.String({
  pattern: '^[a-z0-9]([-a-z0-9]*[a-z0-9])?$',
  minLength: 1,
  maxLength: 63,
});

/** `Sum|Average|Minimum|Maximum|SampleCount`, or a percentile `p0`..`p100` with up to 2 decimals. */
export const MetricStat = Type.String({
  pattern: '^(Sum|Average|Minimum|Maximum|SampleCount|p([0-9]{1,2}(\\.[0-9]{1,2})?|100))$',
  maxLength: 12,
  description: 'CloudWatch statistic: Sum, Average, Minimum, Maximum, SampleCount or pNN(.NN).',
});

/** A threshold comparison such as `< 1` or `>= 99.5`. */
export const ConditionExpression = Type.String({
  pattern: '^(<|<=|>|>=)\\s*-?[0-9]+(\\.[0-9]+)?$',
  maxLength: 40,
  description: 'Comparison with a number, e.g. "< 1" or ">= 99.5".',
});

export const MetricDimension = Type.Object({
  name: Type.String({ minLength: 1, maxLength: 255 }),
  value: Type.String({ minLength: 1, maxLength: 1024 }),
});
export type MetricDimension = Static<typeof MetricDimension>;

// CloudWatch accepts periods of 1, 5, 10 and 30 seconds (high-resolution metrics) or multiples of
// 60 seconds. Whole minutes and hours are exactly the latter, so a pattern suffices (no CEL cost).
export const MetricPeriod = Type.String({
  pattern: '^(1s|5s|10s|30s|([1-9][0-9]{0,4}(h|m))+)$',
  maxLength: 24,
  default: '1m',
  description: 'Aggregation period: 1s, 5s, 10s, 30s, or whole minutes/hours such as 1m, 5m, 1h.',
});

export const MetricQuery = Type.Object({
  namespace: Type.String({ minLength: 1, maxLength: 255 }),
  metricName: Type.String({ minLength: 1, maxLength: 255 }),
  dimensions: Type.Optional(Type.Array(MetricDimension, { maxItems: 30 })),
  stat: MetricStat,
  period: Type.Optional(MetricPeriod),
});
export type MetricQuery = Static<typeof MetricQuery>;

export const MetricRatio = Type.Object({
  numerator: MetricQuery,
  denominator: MetricQuery,
  /** Multiplier applied to numerator / denominator; 100 gives a percentage. */
  scale: Type.Optional(Type.Number({ default: 100, exclusiveMinimum: 0, maximum: 1e9 })),
  /**
   * What an empty numerator means when the denominator has data. Counters such as ALB's
   * HTTPCode_Target_5XX_Count publish nothing while they are zero; `Zero` reads that as 0.
   */
  missingNumerator: Type.Optional(
    StringEnum(['Inconclusive', 'Zero'], { default: 'Inconclusive' }),
  ),
});
export type MetricRatio = Static<typeof MetricRatio>;

export const CompareMode = StringEnum(['Difference', 'Ratio']);
export type CompareMode = Static<typeof CompareMode>;

/** Treatment vs control: the same query twice, with `dimension` set to each cohort's value. */
export const MetricCompare = Type.Object({
  dimension: Type.String({ minLength: 1, maxLength: 255 }),
  treatment: Type.String({ minLength: 1, maxLength: 1024 }),
  control: Type.String({ minLength: 1, maxLength: 1024 }),
  /** Difference: treatment − control. Ratio: treatment / control. */
  mode: CompareMode,
});
export type MetricCompare = Static<typeof MetricCompare>;

export const CloudWatchQuery = withRules(
  Type.Object({
    region: Type.Optional(
      Type.String({ pattern: '^[a-z]{2}(-[a-z]+)+-[0-9]{1,2}$', maxLength: 32 }),
    ),
    metric: Type.Optional(MetricQuery),
    ratio: Type.Optional(MetricRatio),
    compare: Type.Optional(MetricCompare),
    /** Look-back of each measurement; defaults to the check's interval. */
    window: Type.Optional(Duration({ min: '1s' })),
  }),
  [
    exactlyOneOf(['metric', 'ratio'], 'metric or ratio'),
    {
      rule: '!has(self.compare) || has(self.metric) || has(self.ratio)',
      message: 'compare needs a metric or a ratio to compare',
      check: (self) =>
        self.compare === undefined || self.metric !== undefined || self.ratio !== undefined,
    },
  ],
);
export type CloudWatchQuery = Static<typeof CloudWatchQuery>;

export const MetricCheck = withRules(
  Type.Object({
    name: CheckName,
    cloudWatch: CloudWatchQuery,
    successCondition: Type.Optional(ConditionExpression),
    failureCondition: Type.Optional(ConditionExpression),
    interval: Type.Optional(Duration({ min: '1s', default: '1m' })),
    /** Successful measurements needed before the check succeeds. */
    count: Type.Optional(Type.Integer({ minimum: 1, maximum: 50, default: 1 })),
    /** Failed measurements tolerated; one more fails the check. */
    failureLimit: Type.Optional(Type.Integer({ minimum: 0, maximum: 20, default: 0 })),
    /** Inconclusive measurements tolerated; one more makes the check Inconclusive. */
    inconclusiveLimit: Type.Optional(Type.Integer({ minimum: 0, maximum: 20, default: 0 })),
  }),
  [
    {
      rule: 'has(self.successCondition) || has(self.failureCondition)',
      message: 'set successCondition, failureCondition or both',
      check: (self) => self.successCondition !== undefined || self.failureCondition !== undefined,
    },
  ],
);
export type MetricCheck = Static<typeof MetricCheck>;

export const Verdict = StringEnum(['Successful', 'Failed', 'Inconclusive']);
export type Verdict = Static<typeof Verdict>;

/** One measurement of a check, as kept (bounded) in the status of the kind that runs it. */
export const MetricMeasurement = Type.Object({
  /** The check's name. */
  metric: CheckName,
  /** Absent when there was no value (no data, NaN, zero denominator, error). */
  value: Type.Optional(Type.Number()),
  verdict: Verdict,
  /** RFC 3339, whole seconds. */
  at: Type.String({ minLength: 20, maxLength: 32 }),
  message: Type.Optional(Type.String({ maxLength: 512 })),
});
export type MetricMeasurement = Static<typeof MetricMeasurement>;
