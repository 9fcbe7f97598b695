// The next command a person runs, in the pasteable form every kind's messages use.
import type { DecideInput } from './types.js';

/** The operator's way to ask for a region without a Git change: `<region>` or `<region>.<n>`. */
export const FAILOVER_ANNOTATION = 'delivery.latticedb.com/failover';

/**
 * How to move traffic to `region`: the way the serving region was last chosen. A failover asked
 * by the annotation (and not yet absorbed by Git) is reversed the same way; otherwise
 * spec.activeRegion rules, and changing it in Git is the command (an annotation would be
 * overridden by the next change Git makes to spec.activeRegion).
 */
export function moveHint(input: DecideInput, region: string): string {
  const requested = input.status?.requested;
  if (requested === undefined || requested.absorbed === true)
    return `set spec.activeRegion: ${region}`;
  const { namespace, name } = input.object;
  const ns = namespace === '' ? '' : `-n ${namespace} `;
  const value = askedBefore(requested.value, region)
    ? `${region}.${nextCount(requested.value)}`
    : region;
  return `kubectl ${ns}annotate failoverplan/${name} ${FAILOVER_ANNOTATION}=${value} --overwrite`;
}

/** Each annotation value is handled once: asking for the same region again needs `<region>.<n>`. */
const askedBefore = (value: string, region: string): boolean =>
  value === region || value.startsWith(`${region}.`);

function nextCount(value: string): number {
  const n = Number(/\.(\d+)$/.exec(value)?.[1] ?? '1');
  return Number.isFinite(n) ? n + 1 : 2;
}
