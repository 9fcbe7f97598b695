// Post-deployment alarm checks against moto: alarms are never evaluated there, so the test drives
// their state with SetAlarmState (aws-emulator.md §4) and reads it back through the adapter.
import { SetAlarmStateCommand, type StateValue } from '@aws-sdk/client-cloudwatch';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { AwsClients } from '../../../reconcilers/shared/adapters/aws/clients.js';
import { CloudWatchAlarmSource } from '../../../reconcilers/shared/adapters/aws/cloudwatch-alarms.js';
import { checkAlarms } from '../../../reconcilers/shared/checks/index.js';
import { resetAws } from '../../env/fixtures.js';
import { motoClients } from '../../fixtures/moto/clients.js';
import { seedAlarms } from '../../fixtures/moto/seed-cloudwatch.js';

let clients: AwsClients;

beforeEach(async () => {
  await resetAws();
  clients = motoClients();
  await seedAlarms(clients.cloudWatch(), ['latticedb-5xx', 'latticedb-latency']);
});
afterEach(() => {
  clients.destroy();
});

const setState = (AlarmName: string, StateValue: StateValue) =>
  clients
    .cloudWatch()
    .send(new SetAlarmStateCommand({ AlarmName, StateValue, StateReason: 'test' }));

describe('CloudWatchAlarmSource (moto)', () => {
  it('passes while no named alarm is in ALARM', async () => {
    const result = await checkAlarms(
      new CloudWatchAlarmSource(clients),
      ['latticedb-5xx', 'latticedb-latency'],
      'us-east-1',
    );
    expect(result).toMatchObject({ passed: true, firing: [], missing: [] });
  });

  it('fails on an alarm set to ALARM and passes again when it returns to OK', async () => {
    const source = new CloudWatchAlarmSource(clients);
    await setState('latticedb-5xx', 'ALARM');
    expect(
      await checkAlarms(source, ['latticedb-5xx', 'latticedb-latency'], 'us-east-1'),
    ).toMatchObject({
      passed: false,
      firing: ['latticedb-5xx'],
      message: 'in ALARM: latticedb-5xx',
    });
    await setState('latticedb-5xx', 'OK');
    expect((await checkAlarms(source, ['latticedb-5xx'], 'us-east-1')).passed).toBe(true);
  });

  it('reports names that match no alarm, and only the named alarms count', async () => {
    await setState('latticedb-latency', 'ALARM');
    const states = await new CloudWatchAlarmSource(clients).alarmsFiring(
      ['latticedb-5xx', 'no-such-alarm'],
      'us-east-1',
    );
    expect(states).toEqual({ firing: [], missing: ['no-such-alarm'] });
  });

  it('alarms are regional', async () => {
    const states = await new CloudWatchAlarmSource(clients).alarmsFiring(
      ['latticedb-5xx'],
      'us-west-2',
    );
    expect(states).toEqual({ firing: [], missing: ['latticedb-5xx'] });
  });
});
