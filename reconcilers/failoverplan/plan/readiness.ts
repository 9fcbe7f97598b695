// Whether a site could take over from another now: cluster and service exist and are ACTIVE, the
// service's task definition runs the same images as the serving site's, the hosted zone and the
// record exist, and the health checks pass. Every problem is listed; the first names the reason.
import { FailoverPlanReason as Reason } from '../api.js';
import type { CheckResult, Observed, SiteObserved } from './types.js';

export interface Readiness {
  readonly ready: boolean;
  /** StandbyHealthy, or the reason of the first problem. */
  readonly reason: string;
  readonly message: string;
}

interface Problem {
  readonly reason: string;
  readonly text: string;
}

export function readiness(
  target: SiteObserved,
  serving: SiteObserved,
  observed: Pick<Observed, 'dns'>,
  checks: readonly CheckResult[] | undefined,
): Readiness {
  const where = target.ref.region;
  const problems: Problem[] = [
    ...siteProblems(target),
    ...imageProblems(target, serving),
    ...dnsProblems(observed),
    ...(checks ?? [])
      .filter((c) => !c.passed)
      .map((c) => ({
        reason: Reason.HealthCheckFailed,
        text: `health check ${c.name}: ${c.message}`,
      })),
  ];
  const first = problems[0];
  if (first === undefined) {
    const passed =
      checks === undefined || checks.length === 0
        ? ''
        : `, ${checks.length} health check(s) passed`;
    return {
      ready: true,
      reason: Reason.StandbyHealthy,
      message: `${where}: cluster and service ACTIVE, same image${serving.images === undefined ? ' (serving site unreadable: not compared)' : ''}, record present${passed}`,
    };
  }
  return {
    ready: false,
    reason: first.reason,
    message: `${where}: ${problems.map((p) => p.text).join('; ')}`,
  };
}

function siteProblems(site: SiteObserved): Problem[] {
  const { cluster, service } = site.ref;
  if (site.error !== undefined) {
    return [{ reason: Reason.RegionUnreadable, text: `region unreadable: ${site.error}` }];
  }
  if (site.clusterStatus === null) {
    return [{ reason: Reason.ClusterNotFound, text: `ECS cluster ${cluster} not found` }];
  }
  const problems: Problem[] = [];
  if (site.clusterStatus !== undefined && site.clusterStatus !== 'ACTIVE') {
    problems.push({
      reason: Reason.ClusterNotActive,
      text: `ECS cluster ${cluster} is ${site.clusterStatus}`,
    });
  }
  if (site.service === null) {
    problems.push({
      reason: Reason.ServiceNotFound,
      text: `ECS service ${service} not found in ${cluster}`,
    });
  } else if (site.service !== undefined && site.service.status !== 'ACTIVE') {
    problems.push({
      reason: Reason.ServiceNotActive,
      text: `ECS service ${service} is ${site.service.status}`,
    });
  }
  return problems;
}

/**
 * An image as it runs in any region: ECR cross-region replication gives the standby the same
 * repository and tag under its own region's registry host, so the region is left out of ECR
 * references (`<account>.dkr.ecr.<region>.amazonaws.com/<repo>:<tag>` → `<account>/ecr/<repo>:<tag>`).
 */
export function sameImageKey(image: string): string {
  const ecr = /^(\d{12})\.dkr\.ecr(?:-fips)?\.[a-z0-9-]+\.amazonaws\.com(?:\.cn)?\/(.+)$/.exec(
    image,
  );
  return ecr === null ? image : `${ecr[1] ?? ''}/ecr/${ecr[2] ?? ''}`;
}

function imageProblems(target: SiteObserved, serving: SiteObserved): Problem[] {
  if (target.images === undefined || serving.images === undefined) return [];
  return Object.entries(serving.images)
    .filter(([container, image]) => {
      const there = target.images?.[container];
      return there === undefined || sameImageKey(there) !== sameImageKey(image);
    })
    .map(([container, image]) => ({
      reason: Reason.ImageMismatch,
      text: `container ${container} runs ${target.images?.[container] ?? 'nothing'} in ${target.ref.region}, ${image} in ${serving.ref.region}`,
    }));
}

function dnsProblems(observed: Pick<Observed, 'dns'>): Problem[] {
  const dns = observed.dns;
  if ('error' in dns)
    return [{ reason: Reason.DnsUnreadable, text: `Route 53 unreadable: ${dns.error}` }];
  if (!dns.zone) return [{ reason: Reason.HostedZoneNotFound, text: 'hosted zone not found' }];
  if (dns.record === undefined)
    return [{ reason: Reason.RecordNotFound, text: 'DNS record not found' }];
  return [];
}
