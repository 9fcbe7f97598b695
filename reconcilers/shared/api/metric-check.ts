// `metricCheck`: one named measurement against CloudWatch that gates a step (Release analysis,
// FlagRollout holds). The analysis engine (reconcilers/shared/analysis) interprets it; this file
// only describes the shape. Strings and arrays are bounded so that the CEL rules in the generated
// CRDs stay within the apiserver's cost budget.
import { Type, type Static } from '@sinclair/typebox';
import { Duration } from './duration.js';
import { exactlyOneOf, StringEnum, withRules, described } from './schema.js';

/** A check name: a DNS label, so it can key a list-map in status and appear in events. */
export const CheckName = Type.String({
  pattern: '^[a-z0-9]([-a-z0-9]*[a-z0-9])?$',
  minLength: 1,
  maxLength: 63,
  description: 'Name of the check (a DNS label); steps, status and events refer to it.',
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
  name: Type.String({
    minLength: 1,
    maxLength: 255,
    description: 'Dimension name, e.g. LoadBalancer.',
  }),
  value: Type.String({ minLength: 1, maxLength: 1024, description: 'Dimension value.' }),
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

export const MetricQuery = Type.Object(
  {
    namespace: Type.String({
      minLength: 1,
      maxLength: 255,
      description: 'CloudWatch namespace, e.g. AWS/ApplicationELB.',
    }),
    metricName: Type.String({
      minLength: 1,
      maxLength: 255,
      description: 'CloudWatch metric name, e.g. HTTPCode_Target_5XX_Count.',
    }),
    dimensions: Type.Optional(
      Type.Array(MetricDimension, {
        maxItems: 30,
        description: 'Dimensions that select the metric series (all must match).',
      }),
    ),
    stat: MetricStat,
    period: Type.Optional(MetricPeriod),
  },
  { description: 'One CloudWatch metric series and how to aggregate it.' },
);
export type MetricQuery = Static<typeof MetricQuery>;

export const MetricRatio = Type.Object({
  numerator: described(MetricQuery, 'The counted series, e.g. 5xx responses.'),
  denominator: described(MetricQuery, 'The total series, e.g. all requests.'),
  scale: Type.Optional(
    Type.Number({
      default: 100,
      exclusiveMinimum: 0,
      maximum: 1e9,
      description: 'Multiplier applied to numerator / denominator; 100 gives a percentage.',
    }),
  ),
  /**
   * What an empty numerator means when the denominator has data. Counters such as ALB's
   * HTTPCode_Target_5XX_Count publish nothing while they are zero; `Zero` reads that as 0.
   */
  missingNumerator: Type.Optional(
    StringEnum(['Inconclusive', 'Zero'], {
      default: 'Inconclusive',
      description:
        'An empty numerator while the denominator has data: Zero reads it as 0 (counters that publish nothing while zero), Inconclusive as no data.',
    }),
  ),
});
export type MetricRatio = Static<typeof MetricRatio>;

export const CompareMode = StringEnum(['Difference', 'Ratio']);
export type CompareMode = Static<typeof CompareMode>;

/** Treatment vs control: the same query twice, with `dimension` set to each cohort's value. */
export const MetricCompare = Type.Object(
  {
    dimension: Type.String({
      minLength: 1,
      maxLength: 255,
      description: 'The dimension that tells the cohorts apart, e.g. Cohort.',
    }),
    treatment: Type.String({
      minLength: 1,
      maxLength: 1024,
      description: 'Its value for the treatment cohort (the flag on).',
    }),
    control: Type.String({
      minLength: 1,
      maxLength: 1024,
      description: 'Its value for the control cohort (the flag off).',
    }),
    mode: described(CompareMode, 'Difference: treatment − control. Ratio: treatment / control.'),
  },
  {
    description:
      'Treatment vs control: the query measured twice, with dimension set to each cohort; the conditions judge the difference or ratio.',
  },
);
export type MetricCompare = Static<typeof MetricCompare>;

export const CloudWatchQuery = withRules(
  Type.Object(
    {
      region: Type.Optional(
        Type.String({
          pattern: '^[a-z]{2}(-[a-z]+)+-[0-9]{1,2}$',
          maxLength: 32,
          description: 'AWS region of the metric, e.g. us-east-1; absent: the resource region.',
        }),
      ),
      metric: Type.Optional(described(MetricQuery, 'One metric (exactly one of metric, ratio).')),
      ratio: Type.Optional(
        described(MetricRatio, 'numerator / denominator × scale, e.g. an error rate in percent.'),
      ),
      compare: Type.Optional(MetricCompare),
      window: Type.Optional(
        Duration({
          min: '1s',
          description: "Look-back of each measurement; absent: the check's interval.",
        }),
      ),
    },
    { description: 'What to measure in CloudWatch.' },
  ),
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
  Type.Object(
    {
      name: CheckName,
      cloudWatch: CloudWatchQuery,
      successCondition: Type.Optional(
        described(ConditionExpression, 'A measurement that meets it is successful, e.g. "< 1".'),
      ),
      failureCondition: Type.Optional(
        described(ConditionExpression, 'A measurement that meets it is failed, e.g. ">= 5".'),
      ),
      interval: Type.Optional(
        Duration({ min: '1s', default: '1m', description: 'Time between measurements.' }),
      ),
      count: Type.Optional(
        Type.Integer({
          minimum: 1,
          maximum: 50,
          default: 1,
          description: 'Successful measurements needed before the check succeeds.',
        }),
      ),
      failureLimit: Type.Optional(
        Type.Integer({
          minimum: 0,
          maximum: 20,
          default: 0,
          description: 'Failed measurements tolerated; one more fails the check.',
        }),
      ),
      inconclusiveLimit: Type.Optional(
        Type.Integer({
          minimum: 0,
          maximum: 20,
          default: 0,
          description:
            'Inconclusive measurements (no data) tolerated; one more makes the check Inconclusive.',
        }),
      ),
    },
    { description: 'One named CloudWatch check with its success and failure conditions.' },
  ),
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
  metric: described(CheckName, "The check's name."),
  value: Type.Optional(
    Type.Number({
      description:
        'The measured value; absent when there was none (no data, zero denominator, error).',
    }),
  ),
  verdict: described(Verdict, 'How this measurement was judged.'),
  at: Type.String({ minLength: 20, maxLength: 32, description: 'When it was taken (RFC 3339).' }),
  message: Type.Optional(
    Type.String({
      maxLength: 512,
      description: 'The value against the conditions, or why there was none.',
    }),
  ),
});
export type MetricMeasurement = Static<typeof MetricMeasurement>;
