/**
 * Go-style durations (`250ms`, `30s`, `10m`, `1h30m`, `1.5h`), as Kubernetes APIs and our flags
 * use them. One parser for flags, specs and messages.
 */

const UNIT_MS = { ms: 1, s: 1_000, m: 60_000, h: 3_600_000 } as const;
type Unit = keyof typeof UNIT_MS;

/**
 * The accepted syntax as a regular expression source, for CRD `pattern`s: `0`, or one or more
 * `<number><unit>` with units `ms`, `s`, `m`, `h` (no sign; `ns`/`us` are not supported).
 */
export const DURATION_PATTERN = '^(0|([0-9]+(\\.[0-9]+)?(ms|s|m|h))+)$';

const WHOLE = new RegExp(DURATION_PATTERN);
const PART = /([0-9]+(?:\.[0-9]+)?)(ms|s|m|h)/g;

/** Thrown by {@link parseDuration}; the message quotes the input. */
export class DurationError extends Error {
  override readonly name = 'DurationError';
}

/** Parses a Go-style duration into whole milliseconds (rounded). Throws `DurationError`. */
export function parseDuration(text: string): number {
  if (!WHOLE.test(text)) {
    throw new DurationError(
      `invalid duration "${text}": expected e.g. 250ms, 30s, 10m, 1h30m (units ms, s, m, h)`,
    );
  }
  let total = 0;
  for (const match of text.matchAll(PART)) {
    const [, value, unit] = match as unknown as [string, string, Unit];
    total += Number(value) * UNIT_MS[unit];
  }
  if (!Number.isSafeInteger(Math.round(total))) {
    throw new DurationError(`invalid duration "${text}": too large`);
  }
  return Math.round(total);
}

/** Formats milliseconds the way Go's `time.Duration.String()` does: `1h30m0s`, `1.5s`, `250ms`. */
export function formatDuration(ms: number): string {
  if (!Number.isFinite(ms) || ms < 0) throw new RangeError(`formatDuration: invalid ${ms}`);
  if (ms === 0) return '0s';
  if (ms < 1_000) return `${trimNumber(ms)}ms`;
  const hours = Math.floor(ms / UNIT_MS.h);
  const minutes = Math.floor((ms % UNIT_MS.h) / UNIT_MS.m);
  const seconds = (ms % UNIT_MS.m) / 1_000;
  const h = hours > 0 ? `${hours}h` : '';
  const m = hours > 0 || minutes > 0 ? `${minutes}m` : '';
  return `${h}${m}${trimNumber(seconds)}s`;
}

function trimNumber(n: number): string {
  return String(Number(n.toFixed(3)));
}
