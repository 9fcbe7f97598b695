// Turns a metric check into raw series queries and the series back into one value. Pure.
//
// Reduction of a window's datapoints to one number, per statistic:
// - Sum, SampleCount: the total;  Minimum: the minimum;  Maximum: the maximum;
// - Average: ΣSum / ΣSampleCount, asked as those two raw statistics, so periods with more samples
//   weigh more (an average of per-period averages would not);
// - pNN: sent to CloudWatch as is; several periods reduce to their maximum, an upper bound of the
//   window's percentile (if each period has 95 % of samples ≤ x, so does the window). This is the
//   cautious side for latency gates ("p95 < 500" passes only if every period passes).
// Ratios and treatment-vs-control comparisons are computed here from those numbers.
import type { MetricCheck, MetricCompare, MetricQuery } from '../api/metric-check.js';
import type { MetricData, SeriesDimension, SeriesQuery } from './metric-source.js';
import { DEFAULT_RATIO_SCALE, periodSeconds } from './settings.js';

export interface Evaluation {
  /** Absent when the data does not support a value. */
  readonly value?: number;
  /** Why there is no value. */
  readonly message?: string;
}

export interface QueryPlan {
  readonly region: string;
  readonly queries: readonly SeriesQuery[];
  evaluate(data: MetricData): Evaluation;
}

type Term = (data: MetricData) => Evaluation;

interface Builder {
  readonly queries: SeriesQuery[];
}

export function planQueries(check: MetricCheck, defaultRegion: string): QueryPlan {
  const cw = check.cloudWatch;
  const builder: Builder = { queries: [] };
  const side = (prefix: string, cohort?: SeriesDimension): Term =>
    cw.ratio === undefined
      ? series(builder, prefix, requireMetric(cw.metric), cohort)
      : ratioTerm(builder, prefix, cw.ratio, cohort);
  const evaluate =
    cw.compare === undefined
      ? side('m')
      : compareTerm(
          cw.compare,
          side('t', cohortOf(cw.compare, 'treatment')),
          side('c', cohortOf(cw.compare, 'control')),
        );
  return { region: cw.region ?? defaultRegion, queries: builder.queries, evaluate };
}

function requireMetric(metric: MetricQuery | undefined): MetricQuery {
  if (metric === undefined) throw new TypeError('metric check has neither metric nor ratio');
  return metric;
}

function cohortOf(compare: MetricCompare, cohort: 'treatment' | 'control'): SeriesDimension {
  return { name: compare.dimension, value: compare[cohort] };
}

function compareTerm(compare: MetricCompare, treatment: Term, control: Term): Term {
  return (data) => {
    const t = treatment(data);
    if (t.value === undefined) return { message: `treatment: ${t.message ?? 'no value'}` };
    const c = control(data);
    if (c.value === undefined) return { message: `control: ${c.message ?? 'no value'}` };
    if (compare.mode === 'Difference') return { value: t.value - c.value };
    if (c.value === 0) return { message: 'control is 0: treatment/control is undefined' };
    return { value: t.value / c.value };
  };
}

function ratioTerm(
  builder: Builder,
  prefix: string,
  ratio: NonNullable<MetricCheck['cloudWatch']['ratio']>,
  cohort: SeriesDimension | undefined,
): Term {
  const numerator = series(builder, `${prefix}_num`, ratio.numerator, cohort);
  const denominator = series(builder, `${prefix}_den`, ratio.denominator, cohort);
  const scale = ratio.scale ?? DEFAULT_RATIO_SCALE;
  return (data) => {
    const d = denominator(data);
    if (d.value === undefined) return { message: `denominator: ${d.message ?? 'no value'}` };
    if (d.value === 0) return { message: 'denominator is 0' };
    const n = numerator(data);
    let num = n.value;
    if (num === undefined && n.message === NO_DATA && ratio.missingNumerator === 'Zero') num = 0;
    if (num === undefined) return { message: `numerator: ${n.message ?? 'no value'}` };
    return { value: (num / d.value) * scale };
  };
}

const NO_DATA = 'no data';

/** One metric at one statistic over the window, with the cohort dimension set if comparing. */
function series(
  builder: Builder,
  id: string,
  query: MetricQuery,
  cohort: SeriesDimension | undefined,
): Term {
  const dimensions = withCohort(query.dimensions ?? [], cohort);
  const add = (suffix: string, stat: string): string => {
    const queryId = suffix === '' ? id : `${id}_${suffix}`;
    builder.queries.push({
      id: queryId,
      namespace: query.namespace,
      metricName: query.metricName,
      dimensions,
      stat,
      periodSeconds: periodSeconds(query),
    });
    return queryId;
  };
  if (query.stat === 'Average') {
    const sumId = add('sum', 'Sum');
    const countId = add('n', 'SampleCount');
    return (data) => {
      const sum = reduce('Sum', data.get(sumId));
      const count = reduce('SampleCount', data.get(countId));
      if (sum.value === undefined) return sum;
      if (count.value === undefined) return count;
      if (count.value === 0) return { message: NO_DATA };
      return { value: sum.value / count.value };
    };
  }
  const queryId = add('', query.stat);
  return (data) => reduce(query.stat, data.get(queryId));
}

function withCohort(
  dimensions: readonly SeriesDimension[],
  cohort: SeriesDimension | undefined,
): readonly SeriesDimension[] {
  if (cohort === undefined) return dimensions.map(({ name, value }) => ({ name, value }));
  // The cohort dimension wins over a fixed dimension of the same name.
  return [...dimensions.filter((d) => d.name !== cohort.name), cohort];
}

/** Reduces one series' datapoints to a number (see the header comment). */
export function reduce(stat: string, values: readonly number[] | undefined): Evaluation {
  if (values === undefined || values.length === 0) return { message: NO_DATA };
  if (values.some((v) => !Number.isFinite(v))) return { message: 'non-numeric datapoint' };
  switch (stat) {
    case 'Sum':
    case 'SampleCount':
      return { value: values.reduce((a, b) => a + b, 0) };
    case 'Minimum':
      return { value: values.reduce((a, b) => Math.min(a, b)) };
    case 'Maximum':
      return { value: values.reduce((a, b) => Math.max(a, b)) };
    default:
      if (!PERCENTILE.test(stat)) throw new TypeError(`cannot reduce statistic ${stat}`);
      // The maximum of per-period percentiles bounds the window's percentile from above.
      return { value: values.reduce((a, b) => Math.max(a, b)) };
  }
}

const PERCENTILE = /^p[0-9]/;
