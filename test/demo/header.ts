// The lines above the live tables: where we are, what runs, where to look.
import { homedir } from 'node:os';
import { isAbsolute, relative } from 'node:path';
import type { DemoOptions } from './options.js';

export function demoHeader(o: {
  readonly options: DemoOptions;
  readonly elapsedMs: number;
  readonly kubeconfig: string;
  readonly kubectl: string;
  readonly controllerLog: string;
  readonly envFile: string;
}): string[] {
  const { namespace, durationMs, scenarios } = o.options;
  const elapsed = Math.floor(o.elapsedMs / 1000);
  const left =
    durationMs === undefined
      ? ''
      : `, ends in ${Math.max(0, Math.ceil((durationMs - o.elapsedMs) / 1000))}s`;
  return [
    `LatticeDB controller demo · namespace ${namespace} · ${elapsed}s${left} · Ctrl-C stops everything`,
    `scenarios: ${scenarios.map((s) => s.name).join(', ')}`,
    `controller log: ${shortPath(o.controllerLog)}`,
    `another terminal: source ${shortPath(o.envFile)}`,
    `try: ${shortPath(o.kubectl)} --kubeconfig ${shortPath(o.kubeconfig)} get latticedb -n ${namespace}`,
  ];
}

/** Relative to the working directory (the repository) when inside it, `~` for the home dir. */
function shortPath(path: string): string {
  const rel = relative(process.cwd(), path);
  if (rel !== '' && !rel.startsWith('..') && !isAbsolute(rel)) return rel;
  return path.startsWith(homedir()) ? `~${path.slice(homedir().length)}` : path;
}
