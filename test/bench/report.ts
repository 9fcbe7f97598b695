// Turns the benchmark's raw observations into printed figures: a Prometheus text reader for the
// controller's /metrics and a plain-text table (one column per object count).

/** One sample of the Prometheus text format: `name{label="v",…} value`. */
interface Sample {
  readonly name: string;
  readonly labels: Readonly<Record<string, string>>;
  readonly value: number;
}

export function parsePrometheus(text: string): Sample[] {
  const samples: Sample[] = [];
  for (const line of text.split('\n')) {
    if (line === '' || line.startsWith('#')) continue;
    const m = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})?\s+(\S+)/.exec(line);
    if (m === null) continue;
    const labels: Record<string, string> = {};
    for (const l of (m[2] ?? '').matchAll(/([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"/g)) {
      labels[l[1] ?? ''] = l[2] ?? '';
    }
    samples.push({ name: m[1] ?? '', labels, value: Number(m[3]) });
  }
  return samples;
}

/** Sum of the samples named `name` whose labels include `where`. */
export function sumOf(
  samples: readonly Sample[],
  name: string,
  where: Readonly<Record<string, string>> = {},
): number {
  return samples
    .filter((s) => s.name === name && Object.entries(where).every(([k, v]) => s.labels[k] === v))
    .reduce((total, s) => total + s.value, 0);
}

/** Mean of a histogram (`_sum` / `_count`), seconds; NaN without observations. */
export function histogramMean(
  samples: readonly Sample[],
  name: string,
  where: Readonly<Record<string, string>> = {},
): number {
  return sumOf(samples, `${name}_sum`, where) / sumOf(samples, `${name}_count`, where);
}

export const fmt = {
  mib: (bytes: number): string => `${(bytes / 2 ** 20).toFixed(1)} MiB`,
  ms: (ms: number): string =>
    ms >= 10_000 ? `${(ms / 1000).toFixed(1)} s` : `${Math.round(ms)} ms`,
  /** A short duration given in seconds: µs below 1 ms, else ms. */
  seconds: (seconds: number): string => {
    if (!Number.isFinite(seconds)) return '-';
    return seconds < 0.001
      ? `${(seconds * 1e6).toFixed(0)} µs`
      : `${(seconds * 1e3).toFixed(1)} ms`;
  },
  int: (n: number): string => Math.round(n).toLocaleString('en-US'),
  bytes: (n: number): string => `${Math.round(n).toLocaleString('en-US')} B`,
};

/** Rows of `[label, ...one cell per column]` under a header, columns padded to their widths. */
export function table(header: readonly string[], rows: readonly (readonly string[])[]): string {
  const all = [header, ...rows];
  const widths = header.map((_, i) => Math.max(...all.map((r) => (r[i] ?? '').length)));
  const line = (r: readonly string[]): string =>
    r
      .map((cell, i) => (i === 0 ? cell.padEnd(widths[i] ?? 0) : cell.padStart(widths[i] ?? 0)))
      .join('  ')
      .trimEnd();
  const rule = widths.map((w) => '-'.repeat(w)).join('  ');
  return [line(header), rule, ...rows.map(line)].join('\n');
}
