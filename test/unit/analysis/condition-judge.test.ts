import { describe, expect, it } from 'vitest';
import type { MetricCheck } from '../../../reconcilers/shared/api/metric-check.js';
import {
  ConditionError,
  conditionHolds,
  judge,
  parseCondition,
} from '../../../reconcilers/shared/analysis/index.js';

const check = (conditions: Partial<MetricCheck>): MetricCheck => ({
  name: 'error-rate',
  cloudWatch: { metric: { namespace: 'App', metricName: 'Errors', stat: 'Sum' } },
  ...conditions,
});

describe('parseCondition', () => {
  it.each([
    ['< 1', '<', 1],
    ['<=1', '<=', 1],
    ['>  5.5', '>', 5.5],
    ['>= -2', '>=', -2],
    [' < 0.25 ', '<', 0.25],
  ])('parses %j', (text, comparator, threshold) => {
    expect(parseCondition(text)).toEqual({ comparator, threshold });
  });

  it.each(['', '1', '== 1', '< x', '<1%', '< 1 and > 2', '=< 1'])('rejects %j', (text) => {
    expect(() => parseCondition(text)).toThrow(ConditionError);
  });
});

describe('conditionHolds', () => {
  it('compares at the boundary', () => {
    expect(conditionHolds(parseCondition('< 1'), 1)).toBe(false);
    expect(conditionHolds(parseCondition('<= 1'), 1)).toBe(true);
    expect(conditionHolds(parseCondition('> 5'), 5)).toBe(false);
    expect(conditionHolds(parseCondition('>= 5'), 5)).toBe(true);
  });

  it('never holds for NaN or infinities', () => {
    expect(conditionHolds(parseCondition('< 1'), Number.NaN)).toBe(false);
    expect(conditionHolds(parseCondition('< 1'), -Infinity)).toBe(false);
    expect(conditionHolds(parseCondition('> 1'), Infinity)).toBe(false);
  });
});

describe('judge', () => {
  const both = check({ successCondition: '< 1', failureCondition: '> 5' });

  it('success and failure bands with an inconclusive band between', () => {
    expect(judge(0.5, both)).toBe('Successful');
    expect(judge(7, both)).toBe('Failed');
    expect(judge(3, both)).toBe('Inconclusive');
    expect(judge(1, both)).toBe('Inconclusive');
    expect(judge(5, both)).toBe('Inconclusive');
  });

  it('fails when both conditions hold', () => {
    const overlapping = check({ successCondition: '< 10', failureCondition: '> 5' });
    expect(judge(7, overlapping)).toBe('Failed');
  });

  it('no value or NaN is inconclusive, never success', () => {
    expect(judge(undefined, both)).toBe('Inconclusive');
    expect(judge(Number.NaN, both)).toBe('Inconclusive');
    expect(judge(Number.NaN, check({ failureCondition: '> 5' }))).toBe('Inconclusive');
  });

  it('with only a success condition, not meeting it fails', () => {
    const onlySuccess = check({ successCondition: '< 500' });
    expect(judge(420, onlySuccess)).toBe('Successful');
    expect(judge(600, onlySuccess)).toBe('Failed');
  });

  it('with only a failure condition, not meeting it succeeds', () => {
    const onlyFailure = check({ failureCondition: '> 5' });
    expect(judge(4, onlyFailure)).toBe('Successful');
    expect(judge(6, onlyFailure)).toBe('Failed');
  });
});
