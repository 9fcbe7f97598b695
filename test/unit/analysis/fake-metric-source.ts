// A MetricSource for unit tests: answers from a function of each query, records every request.
import {
  MetricSourceError,
  type MetricData,
  type MetricDataRequest,
  type MetricSource,
  type SeriesQuery,
} from '../../../reconcilers/shared/analysis/index.js';

export type SeriesAnswer = (query: SeriesQuery) => readonly number[] | undefined;

export class FakeMetricSource implements MetricSource {
  readonly requests: MetricDataRequest[] = [];
  answer: SeriesAnswer;
  failWith: Error | undefined;

  constructor(answer: SeriesAnswer = () => undefined) {
    this.answer = answer;
  }

  query(request: MetricDataRequest): Promise<MetricData> {
    this.requests.push(request);
    if (this.failWith !== undefined) return Promise.reject(this.failWith);
    return Promise.resolve(
      new Map(request.queries.map((q) => [q.id, [...(this.answer(q) ?? [])]])),
    );
  }
}

/** Answers by metric name and stat, optionally per value of one dimension (cohorts). */
export function byMetric(
  table: Record<string, readonly number[]>,
  cohortDimension?: string,
): SeriesAnswer {
  return (q) => {
    const cohort = q.dimensions.find((d) => d.name === cohortDimension)?.value;
    const key =
      cohort === undefined ? `${q.metricName}/${q.stat}` : `${cohort}:${q.metricName}/${q.stat}`;
    return table[key];
  };
}

export const unavailable = (retryable: boolean): MetricSourceError =>
  new MetricSourceError(
    retryable ? 'Throttling: Rate exceeded' : 'AccessDenied: not allowed',
    retryable,
  );
