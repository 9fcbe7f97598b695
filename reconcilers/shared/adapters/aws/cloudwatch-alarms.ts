// AlarmSource over CloudWatch DescribeAlarms: reads StateValue of named metric and composite
// alarms, 100 names per call (the API's limit), following NextToken.
import { DescribeAlarmsCommand } from '@aws-sdk/client-cloudwatch';
import type { AlarmSource, AlarmStates } from '../../checks/alarms.js';
import type { AwsClients } from './clients.js';
import { readCloudWatchPages } from './cloudwatch-pages.js';

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
    const { pages } = await readCloudWatchPages(
      (nextToken) =>
        client.send(
          new DescribeAlarmsCommand({
            AlarmNames: [...names],
            AlarmTypes: ['MetricAlarm', 'CompositeAlarm'],
            NextToken: nextToken,
          }),
          signal === undefined ? {} : { abortSignal: signal },
        ),
      MAX_PAGES,
    );
    for (const out of pages) {
      for (const alarm of [...(out.MetricAlarms ?? []), ...(out.CompositeAlarms ?? [])]) {
        if (alarm.AlarmName !== undefined) {
          states.set(alarm.AlarmName, alarm.StateValue ?? 'INSUFFICIENT_DATA');
        }
      }
    }
  }
}
