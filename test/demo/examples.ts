// The demo applies the real manifests/examples files, templated at apply time: names and ARNs of
// the example's (fictional) AWS resources are rewritten to those seeded in moto, URLs to the
// stand-in app, and a scenario may shorten durations so a day-long rollout takes a minute.
import { fileURLToPath } from 'node:url';
import { loadYamlFile } from './cluster.js';

/** A custom resource as applied: plain JSON, spec edited freely by scenarios. */
export interface DemoObject {
  apiVersion: string;
  kind: string;
  metadata: { name: string; namespace?: string; annotations?: Record<string, string> };
  spec: Record<string, unknown>;
}

export const EXAMPLES_DIR = fileURLToPath(new URL('../../manifests/examples/', import.meta.url));

/** The single object of `manifests/examples/<file>`, as plain JSON. */
export function loadExample(file: string): DemoObject {
  const docs = loadYamlFile(`${EXAMPLES_DIR}${file}`);
  const [doc] = docs;
  if (docs.length !== 1 || doc === undefined) throw new Error(`${file}: expected one object`);
  const obj = JSON.parse(JSON.stringify(doc)) as Partial<DemoObject>;
  if (obj.apiVersion === undefined || obj.kind === undefined || obj.metadata?.name === undefined)
    throw new Error(`${file}: apiVersion, kind and metadata.name are required`);
  return { ...obj, spec: obj.spec ?? {} } as DemoObject;
}

/**
 * Replaces every occurrence of each key by its value in every string of `obj` (longest keys
 * first, so an ARN is rewritten before a suffix of it). Returns a new object.
 */
export function rewriteStrings<T>(obj: T, replacements: ReadonlyMap<string, string>): T {
  const keys = [...replacements.keys()].sort((a, b) => b.length - a.length);
  const rewrite = (value: unknown): unknown => {
    if (typeof value === 'string') {
      let out = value;
      for (const k of keys) out = out.split(k).join(replacements.get(k) ?? k);
      return out;
    }
    if (Array.isArray(value)) return value.map(rewrite);
    if (typeof value === 'object' && value !== null)
      return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, rewrite(v)]));
    return value;
  };
  return rewrite(obj) as T;
}

/**
 * The rewrites for one ELBv2 ARN: the ARN itself and the CloudWatch dimension value derived from
 * it (`app/<lb>/<id>` for a listener or load balancer, `targetgroup/<name>/<id>` for a target
 * group), so metric dimensions in the example follow the ARN.
 */
export function elbArnRewrites(exampleArn: string, seededArn: string): [string, string][] {
  const pairs: [string, string][] = [[exampleArn, seededArn]];
  const from = elbDimension(exampleArn);
  const to = elbDimension(seededArn);
  if (from !== undefined && to !== undefined) pairs.push([from, to]);
  return pairs;
}

/** CloudWatch's `LoadBalancer` / `TargetGroup` dimension value of an ELBv2 ARN. */
export function elbDimension(arn: string): string | undefined {
  const resource = arn.split(':').slice(5).join(':');
  const parts = resource.split('/');
  if (parts[0] === 'targetgroup') return parts.slice(0, 3).join('/');
  if (parts[0] === 'listener' || parts[0] === 'loadbalancer') return parts.slice(1, 4).join('/');
  return undefined;
}

/** `spec` at `path` (e.g. ['strategy', 'canary']) as an object to edit; throws if absent. */
export function specAt(obj: DemoObject, ...path: string[]): Record<string, unknown> {
  let node: unknown = obj.spec;
  for (const key of path) {
    node = (node as Record<string, unknown> | undefined)?.[key];
    if (typeof node !== 'object' || node === null)
      throw new Error(`${obj.kind}/${obj.metadata.name}: spec.${path.join('.')} is not an object`);
  }
  return node as Record<string, unknown>;
}

/**
 * `spec.analysis` decides in seconds: measured every 2 s, twice, over 10 s windows. moto has no
 * percentile statistics (aws-emulator.md §3: a p95 query with data is a 500), so a percentile is
 * read as the Maximum.
 */
export function useDemoAnalysisTimings(obj: DemoObject): void {
  const analysis = specAt(obj, 'analysis');
  analysis.interval = '2s';
  for (const metric of analysis.metrics as Record<string, unknown>[]) {
    Object.assign(metric, { interval: '2s', count: 2 });
    const cw = metric.cloudWatch as Record<string, unknown>;
    cw.window = '10s';
    const ratio = cw.ratio as Record<string, Record<string, unknown>> | undefined;
    for (const query of [cw.metric, ratio?.numerator, ratio?.denominator]) {
      const q = query as Record<string, unknown> | undefined;
      if (q === undefined) continue;
      q.period = '10s';
      if (typeof q.stat === 'string' && /^p\d/.test(q.stat)) q.stat = 'Maximum';
    }
  }
}
