// Server-side printing: the apiserver renders a custom resource's printer columns (the CRD's
// additionalPrinterColumns) into a meta.k8s.io Table, exactly what `kubectl get` shows. Asking for
// it keeps the demo's tables true to the CRDs without re-implementing JSONPath here.
import { request } from 'node:https';
import type { KubeConfig } from '@kubernetes/client-node';

const TABLE_ACCEPT = 'application/json;as=Table;v=v1;g=meta.k8s.io,application/json';

export interface TableColumn {
  readonly name: string;
  readonly type: string;
  /** > 0: shown only by `kubectl get -o wide`. */
  readonly priority: number;
}

export interface TableRow {
  readonly name: string;
  readonly cells: readonly unknown[];
}

export interface Table {
  readonly columns: readonly TableColumn[];
  readonly rows: readonly TableRow[];
}

interface TableResponse {
  readonly columnDefinitions?: readonly TableColumn[];
  readonly rows?: readonly {
    readonly cells: readonly unknown[];
    readonly object?: { readonly metadata?: { readonly name?: string } };
  }[];
}

/** `kubectl get <plural>.<group> -n <namespace>` as columns and rows. */
export async function getTable(
  kc: KubeConfig,
  resource: { readonly group: string; readonly version: string; readonly plural: string },
  namespace: string,
): Promise<Table> {
  const path = `/apis/${resource.group}/${resource.version}/namespaces/${namespace}/${resource.plural}`;
  const body = (await getJson(kc, path, TABLE_ACCEPT)) as TableResponse;
  return {
    columns: body.columnDefinitions ?? [],
    rows: (body.rows ?? []).map((r) => ({ name: r.object?.metadata?.name ?? '', cells: r.cells })),
  };
}

/**
 * Renders the columns kubectl shows by default (priority 0). The server already prints `date`
 * columns as an age (`42s`); a raw timestamp is turned into one.
 */
export function renderTable(table: Table, now: Date): string[] {
  const shown = table.columns.map((c, i) => ({ ...c, index: i })).filter((c) => c.priority === 0);
  const header = shown.map((c) => c.name.toUpperCase());
  const rows = table.rows.map((r) => shown.map((c) => formatCell(r.cells[c.index], c.type, now)));
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: readonly string[]): string =>
    cells
      .map((cell, i) => cell.padEnd(widths[i] ?? 0))
      .join('   ')
      .trimEnd();
  return [line(header), ...rows.map(line)];
}

function formatCell(value: unknown, type: string, now: Date): string {
  if (value === undefined || value === null || value === '') return '<none>';
  if (type === 'date' && typeof value === 'string' && !Number.isNaN(Date.parse(value)))
    return age(Date.parse(value), now);
  if (typeof value === 'string') return value;
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  return JSON.stringify(value);
}

/** kubectl's short age (apimachinery's HumanDuration): 45s, 3m12s, 42m, 5h3m, 30h, 3d4h. */
export function age(fromMs: number, now: Date): string {
  if (!Number.isFinite(fromMs)) return '<unknown>';
  const s = Math.max(0, Math.floor((now.getTime() - fromMs) / 1000));
  const m = Math.floor(s / 60);
  const h = Math.floor(m / 60);
  const both = (a: number, unitA: string, b: number, unitB: string): string =>
    b === 0 ? `${a}${unitA}` : `${a}${unitA}${b}${unitB}`;
  if (s < 120) return `${s}s`;
  if (m < 10) return both(m, 'm', s % 60, 's');
  if (h < 3) return `${m}m`;
  if (h < 8) return both(h, 'h', m % 60, 'm');
  if (h < 48) return `${h}h`;
  return both(Math.floor(h / 24), 'd', h % 24, 'h');
}

async function getJson(kc: KubeConfig, path: string, accept: string): Promise<unknown> {
  const server = kc.getCurrentCluster()?.server;
  if (server === undefined) throw new Error('kubeconfig has no current cluster');
  const url = new URL(path, server);
  const options: Parameters<typeof request>[1] = { method: 'GET', headers: { Accept: accept } };
  await kc.applyToHTTPSOptions(options);
  return new Promise((resolve, reject) => {
    const req = request(url, options, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => (text += chunk));
      res.on('end', () => {
        if ((res.statusCode ?? 0) >= 300) {
          reject(new Error(`GET ${path}: HTTP ${String(res.statusCode)} ${text.slice(0, 200)}`));
          return;
        }
        try {
          resolve(JSON.parse(text));
        } catch (err) {
          reject(err instanceof Error ? err : new Error(String(err)));
        }
      });
    });
    req.on('error', reject);
    req.setTimeout(10_000, () => req.destroy(new Error(`GET ${path}: timed out`)));
    req.end();
  });
}
