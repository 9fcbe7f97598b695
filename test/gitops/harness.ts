// Runs the shipped Argo CD Lua scripts (manifests/argocd/) and Flux CEL health expressions
// (manifests/flux/kustomization.yaml) in the Go harness (gopher-lua and cel-go, the interpreters
// Argo CD and Flux embed), built from Go modules on first use by build-harness.sh.
import { execFileSync, spawnSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import yaml from 'js-yaml';

export type LatticeKind = 'Release' | 'FlagRollout' | 'FailoverPlan' | 'ScalePolicy';
export type ArgoHealth =
  'Healthy' | 'Progressing' | 'Degraded' | 'Suspended' | 'Missing' | 'Unknown';
export type FluxHealth = 'Current' | 'InProgress' | 'Failed';
export type KubeObject = Record<string, unknown>;

const ARGOCD_DIR = fileURLToPath(
  new URL('../../manifests/argocd/delivery.latticedb.com/', import.meta.url),
);
const FLUX_KUSTOMIZATION = fileURLToPath(
  new URL('../../manifests/flux/kustomization.yaml', import.meta.url),
);
const BUILD = fileURLToPath(new URL('./build-harness.sh', import.meta.url));

let binary: string | undefined;
function harnessBinary(): string {
  binary ??= execFileSync(BUILD, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] }).trim();
  return binary;
}

interface HarnessResult {
  status?: string;
  message?: string;
  actions?: Record<string, { disabled?: boolean }>;
  object?: KubeObject;
  error?: string;
}

type Request =
  | { op: 'health' | 'discovery' | 'action'; script: string; obj: KubeObject }
  | { op: 'cel'; checks: FluxChecks; obj: KubeObject };

/** Runs requests in one harness process; an error of any request throws. */
function run(requests: readonly Request[]): HarnessResult[] {
  const out = spawnSync(harnessBinary(), { input: JSON.stringify(requests), encoding: 'utf8' });
  if (out.status !== 0) throw new Error(`gitops harness failed: ${out.stderr}`);
  const results = JSON.parse(out.stdout) as HarnessResult[];
  for (const r of results) if (r.error !== undefined) throw new Error(r.error);
  return results;
}

export const luaScript = (kind: LatticeKind, path: string): string =>
  readFileSync(`${ARGOCD_DIR}${kind}/${path}`, 'utf8');

/** Action names shipped for a kind (directories under actions/). */
export function actionNames(kind: LatticeKind): string[] {
  try {
    return readdirSync(`${ARGOCD_DIR}${kind}/actions`, { withFileTypes: true })
      .filter((d) => d.isDirectory())
      .map((d) => d.name)
      .sort();
  } catch {
    return [];
  }
}

export interface ArgoHealthResult {
  readonly status: ArgoHealth;
  readonly message: string;
}

export function argoHealth(kind: LatticeKind, objs: readonly KubeObject[]): ArgoHealthResult[] {
  const script = luaScript(kind, 'health.lua');
  return run(objs.map((obj) => ({ op: 'health', script, obj }))).map((r) => ({
    status: r.status as ArgoHealth,
    message: r.message ?? '',
  }));
}

/** Action name → enabled, as Argo CD's UI would show them. */
export function argoDiscovery(kind: LatticeKind, obj: KubeObject): Record<string, boolean> {
  const [r] = run([{ op: 'discovery', script: luaScript(kind, 'actions/discovery.lua'), obj }]);
  return Object.fromEntries(
    Object.entries(r?.actions ?? {}).map(([name, a]) => [name, a.disabled !== true]),
  );
}

/** The object an action returns (Argo CD then patches the live object to it). */
export function argoAction(kind: LatticeKind, action: string, obj: KubeObject): KubeObject {
  const [r] = run([{ op: 'action', script: luaScript(kind, `actions/${action}/action.lua`), obj }]);
  if (r?.object === undefined) throw new Error(`action ${action} returned no object`);
  return r.object;
}

export interface FluxChecks {
  readonly current: string;
  readonly inProgress?: string;
  readonly failed?: string;
}

/** The healthCheckExprs entry for a kind, as documented in manifests/flux/kustomization.yaml. */
export function fluxChecks(kind: LatticeKind): FluxChecks {
  const doc = yaml.load(readFileSync(FLUX_KUSTOMIZATION, 'utf8')) as {
    spec: { healthCheckExprs: (FluxChecks & { kind: string })[] };
  };
  const entry = doc.spec.healthCheckExprs.find((e) => e.kind === kind);
  if (entry === undefined) throw new Error(`no healthCheckExprs entry for ${kind}`);
  return { current: entry.current, inProgress: entry.inProgress, failed: entry.failed };
}

export function fluxHealth(kind: LatticeKind, objs: readonly KubeObject[]): FluxHealth[] {
  const checks = fluxChecks(kind);
  return run(objs.map((obj) => ({ op: 'cel', checks, obj }))).map((r) => r.status as FluxHealth);
}

/**
 * What Argo CD sends for an action's returned object: a JSON merge patch from the live object to
 * it (RFC 7386: changed and added fields, null for removed ones; lists replaced whole).
 */
export function mergePatch(from: unknown, to: unknown): unknown {
  if (!isObject(from) || !isObject(to)) return to;
  const patch: Record<string, unknown> = {};
  for (const key of new Set([...Object.keys(from), ...Object.keys(to)])) {
    if (!(key in to)) patch[key] = null;
    else if (!(key in from)) patch[key] = to[key];
    else if (canonical(from[key]) !== canonical(to[key])) {
      patch[key] = mergePatch(from[key], to[key]);
    }
  }
  return patch;
}

/** JSON with sorted keys: the harness (Go) writes keys in another order than the apiserver. */
function canonical(v: unknown): string {
  if (Array.isArray(v)) return `[${v.map(canonical).join(',')}]`;
  if (isObject(v)) {
    const keys = Object.keys(v).sort();
    return `{${keys.map((k) => `${JSON.stringify(k)}:${canonical(v[k])}`).join(',')}}`;
  }
  return JSON.stringify(v);
}

const isObject = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);
