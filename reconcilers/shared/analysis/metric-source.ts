// The port through which the analysis engine reads metrics. The CloudWatch adapter
// (adapters/aws/cloudwatch-metric-source.ts) implements it with one batched GetMetricData call;
// unit tests use a fake. Only raw statistics are asked for: ratios, averages over a window and
// treatment-vs-control comparisons are computed by the engine, never by metric math.

export interface SeriesDimension {
  readonly name: string;
  readonly value: string;
}

/** One time series at one statistic, e.g. 5xx `Sum` per minute for the canary target group. */
export interface SeriesQuery {
  /** Unique within a request; `[a-z][a-zA-Z0-9_]*` (CloudWatch's rule for query ids). */
  readonly id: string;
  readonly namespace: string;
  readonly metricName: string;
  readonly dimensions: readonly SeriesDimension[];
  /** `Sum`, `SampleCount`, `Minimum`, `Maximum`, `Average` or a percentile such as `p95`. */
  readonly stat: string;
  readonly periodSeconds: number;
}

export interface MetricDataRequest {
  readonly region: string;
  readonly queries: readonly SeriesQuery[];
  /** Inclusive. */
  readonly start: Date;
  /** Exclusive. */
  readonly end: Date;
  readonly signal?: AbortSignal;
}

/** Datapoint values per query id, in no particular order; a query without data maps to `[]`. */
export type MetricData = ReadonlyMap<string, readonly number[]>;

export interface MetricSource {
  query(request: MetricDataRequest): Promise<MetricData>;
}

/**
 * Thrown by sources. `retryable` (throttling, 5xx, network) means "ask again later": the engine
 * rethrows it so the reconcile is retried with backoff and no measurement is recorded. Anything
 * else (access denied, invalid query) becomes an Inconclusive measurement carrying `message`,
 * which is already safe for status and Events.
 */
export class MetricSourceError extends Error {
  override readonly name = 'MetricSourceError';
  readonly retryable: boolean;

  constructor(message: string, retryable: boolean, options?: { cause?: unknown }) {
    super(message, options);
    this.retryable = retryable;
  }
}
