import { Value } from '@sinclair/typebox/value';
import { describe, expect, it } from 'vitest';
import { HttpCheck } from '../../../reconcilers/shared/api/http-check.js';
import {
  MetricCheck,
  MetricMeasurement,
  type MetricCheck as MetricCheckType,
} from '../../../reconcilers/shared/api/metric-check.js';
import { validateMetricCheck } from '../../../reconcilers/shared/analysis/index.js';
import { schemaErrors } from '../../../reconcilers/shared/api/validation.js';

const valid: MetricCheckType = {
  name: 'error-rate',
  cloudWatch: {
    ratio: {
      numerator: { namespace: 'AWS/ApplicationELB', metricName: '5xx', stat: 'Sum', period: '1m' },
      denominator: { namespace: 'AWS/ApplicationELB', metricName: 'RequestCount', stat: 'Sum' },
    },
    window: '5m',
  },
  successCondition: '< 1',
  failureCondition: '> 5',
  interval: '1m',
  count: 3,
};

const withMetric = (stat: string, period?: string): unknown => ({
  name: 'lat',
  cloudWatch: { metric: { namespace: 'N', metricName: 'M', stat, ...(period ? { period } : {}) } },
  successCondition: '< 1',
});

describe('MetricCheck schema', () => {
  it('accepts a full check', () => {
    expect(Value.Check(MetricCheck, valid)).toBe(true);
  });

  it.each([
    'Sum',
    'Average',
    'Minimum',
    'Maximum',
    'SampleCount',
    'p95',
    'p99.9',
    'p99.99',
    'p0',
    'p100',
  ])('accepts stat %s', (stat) => {
    expect(Value.Check(MetricCheck, withMetric(stat))).toBe(true);
  });

  it.each(['sum', 'p', 'p101', 'p99.999', 'tm99', 'IQM', 'p95 '])('rejects stat %j', (stat) => {
    expect(Value.Check(MetricCheck, withMetric(stat))).toBe(false);
  });

  it.each(['1s', '5s', '10s', '30s', '1m', '5m', '1h', '1h30m'])('accepts period %s', (period) => {
    expect(Value.Check(MetricCheck, withMetric('Sum', period))).toBe(true);
  });

  it.each(['2s', '90s', '60s', '0m', '1.5m', '500ms', '1d'])('rejects period %s', (period) => {
    expect(Value.Check(MetricCheck, withMetric('Sum', period))).toBe(false);
  });

  it('rejects malformed conditions, names and limits', () => {
    expect(Value.Check(MetricCheck, { ...valid, successCondition: '== 1' })).toBe(false);
    expect(Value.Check(MetricCheck, { ...valid, name: 'Error_Rate' })).toBe(false);
    expect(Value.Check(MetricCheck, { ...valid, failureLimit: -1 })).toBe(false);
    expect(Value.Check(MetricCheck, { ...valid, count: 0 })).toBe(false);
  });

  it('bounds every string and array (CEL cost)', () => {
    const unbounded: string[] = [];
    const walk = (schema: unknown, path: string): void => {
      if (typeof schema !== 'object' || schema === null) return;
      const s = schema as Record<string, unknown>;
      if (
        s.type === 'string' &&
        s.maxLength === undefined &&
        s.enum === undefined &&
        s.const === undefined
      ) {
        unbounded.push(path);
      }
      if (s.type === 'array' && s.maxItems === undefined) unbounded.push(path);
      for (const [k, v] of Object.entries(s)) walk(v, `${path}.${k}`);
    };
    walk(MetricCheck, 'MetricCheck');
    walk(HttpCheck, 'HttpCheck');
    walk(MetricMeasurement, 'MetricMeasurement');
    expect(unbounded).toEqual([]);
  });

  it('carries the cross-field rules as CEL for the CRD', () => {
    const rules = (s: { 'x-kubernetes-validations'?: { rule: string }[] }) =>
      (s['x-kubernetes-validations'] ?? []).map((r) => r.rule);
    expect(rules(MetricCheck as never)).toEqual([
      'has(self.successCondition) || has(self.failureCondition)',
    ]);
    expect(rules(MetricCheck.properties.cloudWatch as never)).toEqual([
      '[has(self.metric), has(self.ratio)].exists_one(x, x)',
      '!has(self.compare) || has(self.metric) || has(self.ratio)',
    ]);
  });
});

describe('CEL twins through api/validation schemaErrors', () => {
  it('reports the cross-field rules as the apiserver would', () => {
    const bad = { name: 'x', cloudWatch: { window: '0s' } };
    expect(schemaErrors(MetricCheck, bad, 'spec.m[0]')).toEqual([
      { field: 'spec.m[0]', message: 'set successCondition, failureCondition or both' },
      { field: 'spec.m[0].cloudWatch', message: 'exactly one of metric or ratio must be set' },
      { field: 'spec.m[0].cloudWatch.window', message: 'must be at least 1s' },
    ]);
    expect(schemaErrors(MetricCheck, valid, 'spec.m[0]')).toEqual([]);
  });
});

describe('validateMetricCheck', () => {
  it('finds nothing wrong with a valid check', () => {
    expect(validateMetricCheck(valid, 'spec.analysis.metrics[0]')).toEqual([]);
  });

  it('reports cross-field problems the schema cannot see, with field paths', () => {
    const bad: MetricCheckType = {
      name: 'x',
      cloudWatch: {
        metric: { namespace: 'N', metricName: 'M', stat: 'Sum', period: '5m' },
        compare: { dimension: 'variant', treatment: 'on', control: 'on', mode: 'Ratio' },
        window: '2m',
      },
      interval: '0s',
      failureCondition: '> 1',
    };
    expect(validateMetricCheck(bad, 'spec.m[1]')).toEqual([
      { field: 'spec.m[1].interval', message: 'must be greater than 0' },
      {
        field: 'spec.m[1].cloudWatch.metric.period',
        message: 'is longer than the window: no complete datapoint would be read',
      },
      { field: 'spec.m[1].cloudWatch.compare.control', message: 'must differ from treatment' },
    ]);
  });

  it('reports unparsable durations, conditions and periods CloudWatch refuses', () => {
    const bad = {
      ...valid,
      interval: 'soon',
      successCondition: '<< 1',
      cloudWatch: {
        metric: { namespace: 'N', metricName: 'M', stat: 'Sum', period: '90s' },
      },
    } as MetricCheckType;
    expect(validateMetricCheck(bad, 'c').map((e) => e.field)).toEqual([
      'c.interval',
      'c.successCondition',
      'c.cloudWatch.metric.period',
    ]);
  });
});

describe('HttpCheck schema', () => {
  it('accepts a minimal and a full check', () => {
    expect(Value.Check(HttpCheck, { url: 'https://api.example.com/health' })).toBe(true);
    expect(
      Value.Check(HttpCheck, {
        name: 'smoke',
        url: 'http://10.0.0.1:8080/ready?probe=1',
        method: 'POST',
        expectStatus: [200, 204],
        bodyContains: 'ok',
        headers: { 'x-probe': 'latticedb' },
        timeout: '2s',
        retries: 0,
      }),
    ).toBe(true);
  });

  it.each([
    { url: 'ftp://example.com' },
    { url: 'https://' },
    { url: 'https://example.com', method: 'DELETE' },
    { url: 'https://example.com', expectStatus: 200 },
    { url: 'https://example.com', expectStatus: [] },
    { url: 'https://example.com', expectStatus: [700] },
    { url: 'https://example.com', headers: { a: 1 } },
    { url: 'https://example.com', retries: 11 },
    { url: 'https://example.com', timeout: 'fast' },
  ])('rejects %j', (input) => {
    expect(Value.Check(HttpCheck, input)).toBe(false);
  });

  it('declares headers as a structural map (no patternProperties in a CRD)', () => {
    const headers = HttpCheck.properties.headers as Record<string, unknown>;
    expect(headers.patternProperties).toBeUndefined();
    expect(headers.additionalProperties).toMatchObject({ type: 'string' });
  });
});
