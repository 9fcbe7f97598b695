// Which site is which: serving region, the DNS values, who is the standby, and the size a target
// is scaled to before DNS moves to it.
import type { FailoverPlanSpec } from '../api.js';
import type { FailoverPlanState, Observed, SiteObserved } from './types.js';

const bare = (name: string): string => name.toLowerCase().replace(/\.$/, '');

/** The record value that sends clients to `region`. */
export function valueFor(spec: FailoverPlanSpec, region: string): string {
  return region === spec.secondary.region ? spec.dns.secondaryValue : spec.dns.primaryValue;
}

/** The region the record's value names, if it names one of the two. */
export function regionOfRecord(spec: FailoverPlanSpec, observed: Observed): string | undefined {
  const dns = observed.dns;
  if ('error' in dns || !dns.zone || dns.record === undefined) return undefined;
  const values = dns.record.values;
  if (values.includes(bare(spec.dns.secondaryValue))) return spec.secondary.region;
  if (values.includes(bare(spec.dns.primaryValue))) return spec.primary.region;
  return undefined;
}

/** Whether the record points at `region`'s value now. */
export function recordPointsAt(
  spec: FailoverPlanSpec,
  observed: Observed,
  region: string,
): boolean {
  const dns = observed.dns;
  if ('error' in dns || !dns.zone || dns.record === undefined) return false;
  return dns.record.values.length === 1 && dns.record.values[0] === bare(valueFor(spec, region));
}

/**
 * First sight (no region recorded) of a plan whose spec names the secondary, with a record that
 * names neither value: which region serves cannot be told, and the spec's claim is not taken for
 * it (it may be a failover still to perform). Why, or undefined when the serving region is known.
 * A spec naming the primary is taken as the normal state (standby readiness reports the record).
 */
export function servingUnknown(
  spec: FailoverPlanSpec,
  status: FailoverPlanState | undefined,
  observed: Observed,
): string | undefined {
  if (status?.activeRegion !== undefined || spec.activeRegion !== spec.secondary.region) {
    return undefined;
  }
  if (regionOfRecord(spec, observed) !== undefined) return undefined;
  const dns = observed.dns;
  const why =
    'error' in dns
      ? `Route 53 unreadable: ${dns.error}`
      : !dns.zone
        ? `hosted zone ${spec.dns.hostedZoneId} not found`
        : dns.record === undefined
          ? `no record ${spec.dns.recordName}`
          : `${spec.dns.recordName} holds ${dns.record.values.join(', ') || 'nothing'}, neither primaryValue nor secondaryValue`;
  return `cannot tell which region serves (${why}); spec.activeRegion ${spec.activeRegion} is not taken as serving until the record says so`;
}

/** The serving region: as recorded, else as the record says, else as the spec says. */
export function servingRegion(
  spec: FailoverPlanSpec,
  status: FailoverPlanState | undefined,
  observed: Observed,
): string {
  return status?.activeRegion ?? regionOfRecord(spec, observed) ?? spec.activeRegion;
}

export function siteIn(observed: Observed, region: string): SiteObserved {
  return observed.secondary.ref.region === region ? observed.secondary : observed.primary;
}

export function otherSite(observed: Observed, region: string): SiteObserved {
  return observed.secondary.ref.region === region ? observed.primary : observed.secondary;
}

/**
 * Tasks the target runs before DNS moves: the secondary's spec.secondary.desiredCount, else the
 * primary's last running count while it served; at least 1. Failing back, the primary returns
 * to its last running count (or the secondary's current one).
 */
export function scaleGoal(
  spec: FailoverPlanSpec,
  status: FailoverPlanState | undefined,
  from: SiteObserved,
  to: SiteObserved,
): number {
  const fromRunning = from.service?.runningCount;
  const known = status?.primaryRunningCount ?? fromRunning;
  const goal =
    to.role === 'secondary' ? (spec.secondary.desiredCount ?? known) : (known ?? fromRunning);
  return Math.max(1, goal ?? 1);
}
