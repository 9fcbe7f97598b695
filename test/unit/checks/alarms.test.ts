import { describe, expect, it } from 'vitest';
import {
  checkAlarms,
  type AlarmSource,
  type AlarmStates,
} from '../../../reconcilers/shared/checks/index.js';

class FakeAlarmSource implements AlarmSource {
  readonly asked: (readonly string[])[] = [];
  readonly #states: Record<string, 'OK' | 'ALARM'>;
  constructor(states: Record<string, 'OK' | 'ALARM'>) {
    this.#states = states;
  }
  alarmsFiring(names: readonly string[]): Promise<AlarmStates> {
    this.asked.push(names);
    return Promise.resolve({
      firing: names.filter((n) => this.#states[n] === 'ALARM'),
      missing: names.filter((n) => this.#states[n] === undefined),
    });
  }
}

describe('checkAlarms', () => {
  it('passes when no named alarm is in ALARM', async () => {
    const source = new FakeAlarmSource({ a: 'OK', b: 'OK' });
    expect(await checkAlarms(source, ['a', 'b', 'a'], 'us-east-1')).toEqual({
      name: 'alarms',
      passed: true,
      firing: [],
      missing: [],
      message: '2 alarm(s) not in ALARM',
    });
    expect(source.asked).toEqual([['a', 'b']]);
  });

  it('fails naming the firing alarms', async () => {
    const source = new FakeAlarmSource({ a: 'OK', 'high-5xx': 'ALARM' });
    expect(await checkAlarms(source, ['a', 'high-5xx'], 'us-east-1')).toMatchObject({
      passed: false,
      firing: ['high-5xx'],
      message: 'in ALARM: high-5xx',
    });
  });

  it('a missing alarm fails unless missingFails is false', async () => {
    const source = new FakeAlarmSource({ a: 'OK' });
    expect(await checkAlarms(source, ['a', 'typo'], 'r')).toMatchObject({
      passed: false,
      message: 'not found: typo',
    });
    expect(await checkAlarms(source, ['a', 'typo'], 'r', { missingFails: false })).toMatchObject({
      passed: true,
      missing: ['typo'],
    });
  });

  it('no names: passes without asking', async () => {
    const source = new FakeAlarmSource({});
    expect(await checkAlarms(source, [], 'r')).toMatchObject({ passed: true });
    expect(source.asked).toEqual([]);
  });

  it('shortens long lists', async () => {
    const names = Array.from({ length: 12 }, (_, i) => `n${i}`);
    const source = new FakeAlarmSource(Object.fromEntries(names.map((n) => [n, 'ALARM'])));
    const result = await checkAlarms(source, names, 'r');
    expect(result.message).toBe('in ALARM: n0, n1, n2, n3, n4, n5, n6, n7, n8, n9 and 2 more');
  });
});
