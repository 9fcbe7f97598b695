// `kubectl get` tables as an operator reads them. Cells are cut at the header's column offsets
// (kubectl aligns them), so an empty cell does not shift the ones after it.

/** The first data row of a `kubectl get` table: column name → cell ('' when empty). */
export function tableRow(stdout: string, index = 0): Record<string, string> {
  return tableRows(stdout)[index] ?? {};
}

/** Every data row of a `kubectl get` table (one kind's table; no blank lines inside). */
export function tableRows(stdout: string): Record<string, string>[] {
  const [header = '', ...rows] = stdout.replace(/\s+$/, '').split('\n');
  const starts = [...header.matchAll(/\S+/g)].map((m) => ({ name: m[0], at: m.index }));
  return rows.map((row) =>
    Object.fromEntries(
      starts.map(({ name, at }, i) => [name, row.slice(at, starts[i + 1]?.at).trim()]),
    ),
  );
}
