// Every query of the Grafana dashboard (manifests/grafana/) names metrics the controller exports:
// the registry of a Manager with every kind of reconcilers/index.ts registered, as main.ts builds it.
import { readFileSync } from 'node:fs';
import { KubeConfig } from '@kubernetes/client-node';
import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import { parseConfig } from '../../../controller/config.js';
import { Manager } from '../../../controller/manager.js';
import { setups } from '../../../reconcilers/index.js';

interface Panel {
  title: string;
  targets?: { expr: string }[];
}
const dashboard = JSON.parse(
  readFileSync(
    new URL('../../../manifests/grafana/latticedb-delivery.json', import.meta.url),
    'utf8',
  ),
) as { panels: Panel[]; templating: { list: { query?: unknown }[] } };

const PROMQL_WORDS = new Set([
  'sum',
  'max',
  'min',
  'avg',
  'count',
  'by',
  'without',
  'on',
  'ignoring',
  'group_left',
  'group_right',
  'and',
  'or',
  'unless',
  'bool',
  'offset',
  'inf',
  'nan',
]);

/** Metric names in a PromQL expression: identifiers that are not functions, keywords or labels. */
export function metricNames(expr: string): string[] {
  const stripped = expr
    .replace(/"(?:[^"\\]|\\.)*"/g, '""') // string literals
    .replace(/\{[^}]*\}/g, ' ') // label matchers
    .replace(/\[[^\]]*\]/g, ' ') // ranges
    .replace(/\b(by|without|on|ignoring|group_left|group_right)\s*\([^)]*\)/g, ' '); // label lists
  const names: string[] = [];
  for (const m of stripped.matchAll(/[A-Za-z_:][A-Za-z0-9_:]*(?=\s*(\()?)/g)) {
    const word = m[0];
    if (m[1] !== undefined || PROMQL_WORDS.has(word)) continue; // a function call or keyword
    names.push(word);
  }
  return names;
}

async function exportedNames(): Promise<Set<string>> {
  const kubeConfig = new KubeConfig();
  kubeConfig.loadFromOptions({
    clusters: [{ name: 'c', server: 'https://127.0.0.1:1' }],
    users: [{ name: 'u' }],
    contexts: [{ name: 'x', cluster: 'c', user: 'u' }],
    currentContext: 'x',
  });
  const manager = new Manager({
    config: parseConfig(['--aws-region=us-east-1'], {}),
    kubeConfig,
    logger: pino({ level: 'silent' }),
  });
  for (const setup of setups) manager.register(setup(manager.deps()));
  const names = new Set<string>();
  for (const m of await manager.metrics.registry.getMetricsAsJSON()) {
    names.add(m.name);
    if (String(m.type) === 'histogram') {
      for (const suffix of ['_bucket', '_sum', '_count']) names.add(`${m.name}${suffix}`);
    }
  }
  return names;
}

describe('Grafana dashboard', () => {
  it('parses metric names out of PromQL', () => {
    expect(
      metricNames(
        'histogram_quantile(0.95, sum by (controller, le) (rate(x_seconds_bucket{a="b"}[5m]))) or vector(0)',
      ),
    ).toEqual(['x_seconds_bucket']);
    expect(metricNames('count(max by (namespace, name) (a_info{phase=~"P|Q"})) + b_total')).toEqual(
      ['a_info', 'b_total'],
    );
  });

  it('every query names only metrics the controller exports', async () => {
    const exported = await exportedNames();
    const queries = dashboard.panels.flatMap((p) =>
      (p.targets ?? []).map((t) => ({ panel: p.title, expr: t.expr })),
    );
    expect(queries.length).toBeGreaterThan(10);
    for (const q of queries) {
      const names = metricNames(q.expr);
      expect(names.length, `${q.panel}: ${q.expr}`).toBeGreaterThan(0);
      for (const name of names) expect(exported, `${q.panel}: ${name}`).toContain(name);
    }
    for (const v of dashboard.templating.list) {
      const m = typeof v.query === 'string' ? /label_values\((\w+)/.exec(v.query) : null;
      if (m?.[1] !== undefined) expect(exported).toContain(m[1]);
    }
  });

  it('has the panels people look for', () => {
    const titles = dashboard.panels.map((p) => p.title).join('\n');
    for (const t of [
      /in progress/i,
      /weights/i,
      /analysis/i,
      /rollbacks/i,
      /flag percentages/i,
      /reconcile errors/i,
      /queue depth/i,
    ])
      expect(titles).toMatch(t);
  });
});

describe('per-object gauges', () => {
  it('carry each cached object state and go away with the object', async () => {
    const { RuntimeMetrics } = await import('../../../controller/observability/metrics.js');
    const { releaseInfo } = await import('../../../reconcilers/info.js');
    const fixture = (name: string): object =>
      JSON.parse(
        readFileSync(new URL(`../../gitops/fixtures/${name}.json`, import.meta.url), 'utf8'),
      ) as object;
    let cache = [fixture('release-mid-canary'), fixture('release-awaiting-approval')];
    const metrics = new RuntimeMetrics({ defaultMetrics: false });
    metrics.trackObjects('Release', releaseInfo, () => cache);
    const text = await metrics.registry.metrics();
    const info = text.split('\n').filter((l) => l.startsWith('latticedb_release_info{'));
    expect(info).toHaveLength(2);
    const canary = info.find((l) => l.includes('weight="20"')) ?? '';
    for (const label of ['name="ldb"', 'phase="Progressing"', 'revision="1"', 'strategy="Canary"'])
      expect(canary).toContain(label);
    expect(canary).toMatch(/namespace="gitops-rel-[^"]+"/);
    expect(canary.endsWith(' 1')).toBe(true);
    expect(text).toMatch(/latticedb_release_canary_weight\{[^}]*name="ldb"[^}]*\} 20/);
    cache = [];
    expect(await metrics.registry.metrics()).not.toMatch(/latticedb_release_info\{/);
  });
});
