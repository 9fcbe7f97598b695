// MetricSource over CloudWatch GetMetricData: one call (paginated) per measurement carries every
// series of a check (numerator and denominator, treatment and control). Statistics are sent as
// given, percentiles included; no metric math is used (see analysis/queries.ts).
import { GetMetricDataCommand, type MetricDataQuery } from '@aws-sdk/client-cloudwatch';
import {
  MetricSourceError,
  type MetricData,
  type MetricDataRequest,
  type MetricSource,
  type SeriesQuery,
} from '../../analysis/metric-source.js';
import type { AwsClients } from './clients.js';
import { readCloudWatchPages } from './cloudwatch-pages.js';

/** GetMetricData accepts at most 500 queries per call. */
const MAX_QUERIES_PER_CALL = 500;
/** A measurement window never needs more; a bound stops a server looping on NextToken. */
const MAX_PAGES = 50;

export class CloudWatchMetricSource implements MetricSource {
  readonly #clients: AwsClients;

  constructor(clients: AwsClients) {
    this.#clients = clients;
  }

  async query(request: MetricDataRequest): Promise<MetricData> {
    const values = new Map<string, number[]>(request.queries.map((q) => [q.id, []]));
    for (let i = 0; i < request.queries.length; i += MAX_QUERIES_PER_CALL) {
      const batch = request.queries.slice(i, i + MAX_QUERIES_PER_CALL);
      await this.#queryBatch(request, batch, values);
    }
    return values;
  }

  async #queryBatch(
    request: MetricDataRequest,
    batch: readonly SeriesQuery[],
    values: Map<string, number[]>,
  ): Promise<void> {
    const client = this.#clients.cloudWatch(request.region);
    const { pages, complete } = await readCloudWatchPages(
      (nextToken) =>
        client.send(
          new GetMetricDataCommand({
            MetricDataQueries: batch.map(toMetricDataQuery),
            StartTime: request.start,
            EndTime: request.end,
            ScanBy: 'TimestampDescending',
            NextToken: nextToken,
          }),
          request.signal === undefined ? {} : { abortSignal: request.signal },
        ),
      MAX_PAGES,
    );
    if (!complete) {
      throw new MetricSourceError(`GetMetricData: more than ${MAX_PAGES} pages`, false);
    }
    for (const out of pages) {
      for (const result of out.MetricDataResults ?? []) {
        const target = result.Id === undefined ? undefined : values.get(result.Id);
        if (target !== undefined) target.push(...(result.Values ?? []));
      }
    }
  }
}

function toMetricDataQuery(q: SeriesQuery): MetricDataQuery {
  return {
    Id: q.id,
    ReturnData: true,
    MetricStat: {
      Metric: {
        Namespace: q.namespace,
        MetricName: q.metricName,
        Dimensions: q.dimensions.map((d) => ({ Name: d.name, Value: d.value })),
      },
      Period: q.periodSeconds,
      Stat: q.stat,
    },
  };
}
