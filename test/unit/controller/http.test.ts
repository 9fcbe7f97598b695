import { Counter, Registry } from 'prom-client';
import { describe, expect, it } from 'vitest';
import {
  parseBindAddress,
  startHealthServer,
  startMetricsServer,
} from '../../../controller/observability/http.js';

describe('parseBindAddress', () => {
  it.each([
    [':8080', { host: undefined, port: 8080 }],
    ['127.0.0.1:0', { host: '127.0.0.1', port: 0 }],
    ['[::1]:9090', { host: '::1', port: 9090 }],
    ['0', undefined],
  ])('%s', (text, expected) => {
    expect(parseBindAddress(text)).toEqual(expected);
  });

  it.each(['8080', 'host', ':99999', ':-1', 'a:b'])('rejects %s', (text) => {
    expect(() => parseBindAddress(text)).toThrow(/invalid bind address/);
  });
});

describe('health and metrics servers', () => {
  it('/healthz is ok, /readyz reflects the checks, /metrics serves the registry', async () => {
    let synced = false;
    const health = await startHealthServer({ host: '127.0.0.1', port: 0 }, () => ({
      'informer widgets': synced,
    }));
    const registry = new Registry();
    new Counter({ name: 'latticedb_test_total', help: 'test', registers: [registry] }).inc(3);
    const metrics = await startMetricsServer({ host: '127.0.0.1', port: 0 }, registry);
    try {
      const base = `http://127.0.0.1:${health.address.port}`;
      expect((await fetch(`${base}/healthz`)).status).toBe(200);
      const notReady = await fetch(`${base}/readyz`);
      expect(notReady.status).toBe(503);
      expect(await notReady.text()).toContain('[-]informer widgets failed');
      synced = true;
      expect((await fetch(`${base}/readyz`)).status).toBe(200);
      expect((await fetch(`${base}/nope`)).status).toBe(404);
      const scraped = await fetch(`http://127.0.0.1:${metrics.address.port}/metrics`);
      expect(await scraped.text()).toContain('latticedb_test_total 3');
    } finally {
      await health.close();
      await metrics.close();
    }
  });
});
