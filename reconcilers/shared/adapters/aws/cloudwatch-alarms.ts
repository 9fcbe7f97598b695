// AlarmSource over CloudWatch DescribeAlarms: reads StateValue of named metric and composite
// alarms, 100 names per call (the API's limit), following NextToken.
import {
  DescribeAlarmsCommand,
  type DescribeAlarmsCommandOutput,
} from '@aws-sdk/client-cloudwatch';
import { MetricSourceError } from '../../analysis/metric-source.js';
import type { AlarmSource, AlarmStates } from '../../checks/alarms.js';
import type { AwsClients } from './clients.js';
import { awsErrorMessage, isRetryableAwsError } from './errors.js';

const NAMES_PER_CALL = 100;
const MAX_PAGES = 20;

export class CloudWatchAlarmSource implements AlarmSource {
  readonly #clients: AwsClients;

  constructor(clients: AwsClients) {
    this.#clients = clients;
  }

  async alarmsFiring(
    names: readonly string[],
    region: string,
    signal?: AbortSignal,
  ): Promise<AlarmStates> {
    const states = new Map<string, string>();
    for (let i = 0; i < names.length; i += NAMES_PER_CALL) {
      await this.#describe(names.slice(i, i + NAMES_PER_CALL), region, states, signal);
    }
    return {
      firing: names.filter((n) => states.get(n) === 'ALARM'),
      missing: names.filter((n) => !states.has(n)),
    };
  }

  async #describe(
    names: readonly string[],
    region: string,
    states: Map<string, string>,
    signal: AbortSignal | undefined,
  ): Promise<void> {
    const client = this.#clients.cloudWatch(region);
    let nextToken: string | undefined;
    let pages = 0;
    do {
      let out: DescribeAlarmsCommandOutput;
      try {
        out = await client.send(
          new DescribeAlarmsCommand({
            AlarmNames: [...names],
            AlarmTypes: ['MetricAlarm', 'CompositeAlarm'],
            NextToken: nextToken,
          }),
          signal === undefined ? {} : { abortSignal: signal },
        );
      } catch (error) {
        throw new MetricSourceError(awsErrorMessage(error), isRetryableAwsError(error), {
          cause: error,
        });
      }
      for (const alarm of [...(out.MetricAlarms ?? []), ...(out.CompositeAlarms ?? [])]) {
        if (alarm.AlarmName !== undefined) {
          states.set(alarm.AlarmName, alarm.StateValue ?? 'INSUFFICIENT_DATA');
        }
      }
      nextToken = out.NextToken;
      pages++;
    } while (nextToken !== undefined && nextToken !== '' && pages < MAX_PAGES);
  }
}
