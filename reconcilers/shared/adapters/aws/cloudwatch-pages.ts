// Paging shared by the CloudWatch adapters the analysis engine and the alarm checks read through:
// follow NextToken up to a bound (a server looping on NextToken must not hold a reconcile), and
// turn an AWS error into a MetricSourceError so that callers can tell retryable from final.
import { MetricSourceError } from '../../analysis/metric-source.js';
import { awsErrorMessage, isRetryableAwsError } from './errors.js';

export interface CloudWatchPages<T> {
  readonly pages: readonly T[];
  /** False when `maxPages` were read and the last one still had a NextToken. */
  readonly complete: boolean;
}

/** Calls `send` with each NextToken (undefined first) until there is none or `maxPages` were read. */
export async function readCloudWatchPages<T extends { NextToken?: string | undefined }>(
  send: (nextToken: string | undefined) => Promise<T>,
  maxPages: number,
): Promise<CloudWatchPages<T>> {
  const pages: T[] = [];
  let nextToken: string | undefined;
  do {
    let out: T;
    try {
      out = await send(nextToken);
    } catch (error) {
      throw new MetricSourceError(awsErrorMessage(error), isRetryableAwsError(error), {
        cause: error,
      });
    }
    pages.push(out);
    nextToken = out.NextToken;
  } while (nextToken !== undefined && nextToken !== '' && pages.length < maxPages);
  return { pages, complete: nextToken === undefined || nextToken === '' };
}
