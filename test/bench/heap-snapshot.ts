// Where a controller's heap goes, from the snapshots `npm run bench -- --suites memory
// --memory-snapshots DIR` writes: every node's self size is charged to the first field on its
// shortest retainer path from the GC roots that is one of `--fields` (earlier in the list wins), so
// an informer's cached objects show up as `#store` and their managedFields apart as
// `managedFields`. Given two snapshots (e.g. 200 and 1,000 objects) it prints both and the growth.
//
//   npx tsx test/bench/heap-snapshot.ts A.heapsnapshot [B.heapsnapshot] [--fields a,b,…]
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';

const DEFAULT_FIELDS =
  'managedFields,#store,#seen,byFlag,#written,#entries,#waiting,#order,#heap,#addedAt,#dirty,#failures,#running,resourceTimingBuffer';

interface Snapshot {
  readonly snapshot: {
    readonly meta: {
      readonly node_fields: string[];
      readonly edge_fields: string[];
      readonly edge_types: [string[], ...unknown[]];
    };
  };
  readonly nodes: number[];
  readonly edges: number[];
  readonly strings: string[];
}

/** Self bytes per field (`(other)` for nodes reached through none of them). */
export function chargeByField(snap: Snapshot, fields: readonly string[]): Map<string, number> {
  const { node_fields: nf, edge_fields: ef, edge_types: et } = snap.snapshot.meta;
  const NF = nf.length;
  const EF = ef.length;
  const edgeTypes = et[0];
  const n = snap.nodes.length / NF;
  const iSize = nf.indexOf('self_size');
  const iEdges = nf.indexOf('edge_count');
  const eType = ef.indexOf('type');
  const eName = ef.indexOf('name_or_index');
  const eTo = ef.indexOf('to_node');
  const first = new Uint32Array(n + 1);
  for (let i = 0, e = 0; i < n; i++) {
    first[i] = e;
    e += (snap.nodes[i * NF + iEdges] ?? 0) * EF;
  }
  first[n] = snap.edges.length;
  // Breadth-first from the root: each node's charge is its parent's, or the field it was reached
  // through if that field ranks higher.
  const charge = new Int32Array(n).fill(-2);
  const queue = new Int32Array(n);
  let head = 0;
  let tail = 0;
  charge[0] = -1;
  queue[tail++] = 0;
  while (head < tail) {
    const from = queue[head++] ?? 0;
    for (let e = first[from] ?? 0; e < (first[from + 1] ?? 0); e += EF) {
      const type = edgeTypes[snap.edges[e + eType] ?? 0];
      if (type === 'weak') continue;
      const to = (snap.edges[e + eTo] ?? 0) / NF;
      if (charge[to] !== -2) continue;
      const named = type !== 'element' && type !== 'hidden';
      const field = named ? fields.indexOf(snap.strings[snap.edges[e + eName] ?? 0] ?? '') : -1;
      const inherited = charge[from] ?? -1;
      charge[to] = field >= 0 && (inherited < 0 || field < inherited) ? field : inherited;
      queue[tail++] = to;
    }
  }
  const out = new Map<string, number>();
  for (let i = 0; i < n; i++) {
    const c = charge[i] ?? -1;
    const key = c < 0 ? '(other)' : (fields[c] ?? '(other)');
    out.set(key, (out.get(key) ?? 0) + (snap.nodes[i * NF + iSize] ?? 0));
  }
  return out;
}

function main(): void {
  const { values, positionals } = parseArgs({
    allowPositionals: true,
    options: { fields: { type: 'string', default: DEFAULT_FIELDS } },
  });
  const fields = values.fields.split(',');
  const charged = positionals.map((path) =>
    chargeByField(JSON.parse(readFileSync(path, 'utf8')) as Snapshot, fields),
  );
  const keys = [...new Set(charged.flatMap((m) => [...m.keys()]))].sort(
    (a, b) => (charged.at(-1)?.get(b) ?? 0) - (charged.at(-1)?.get(a) ?? 0),
  );
  const kib = (v: number): string => `${(v / 1024).toFixed(0)} KiB`.padStart(12);
  console.log(
    ['field'.padEnd(24), ...positionals.map((_, i) => `snapshot ${i + 1}`.padStart(12))].join(''),
    charged.length === 2 ? '      growth' : '',
  );
  for (const key of keys) {
    const sizes = charged.map((m) => m.get(key) ?? 0);
    const growth = sizes.length === 2 ? kib((sizes[1] ?? 0) - (sizes[0] ?? 0)) : '';
    console.log([key.padEnd(24), ...sizes.map(kib)].join(''), growth);
  }
}

main();
