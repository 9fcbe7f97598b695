// One DescribeServices call for the ServiceObserver: up to 10 names of one cluster. Task sets come
// with the service (also in moto), so no DescribeTaskSets is needed; so do its tags (`include:
// TAGS`, also in moto 5.2), which a Release's claim is read from. A missing cluster means every
// service in it is missing.
import { DescribeServicesCommand, type ECSClient, type Service } from '@aws-sdk/client-ecs';
import { describeFailure } from './ecs-errors.js';
import { toServiceState, toTagRecord } from './ecs-mapping.js';
import type { DescribedService } from './ecs-service-observer.js';
import { awsErrorFacts } from './errors.js';

export async function describeServicesBatch(
  ecs: ECSClient,
  region: string,
  cluster: string,
  names: readonly string[],
  observedAt: Date,
): Promise<ReadonlyMap<string, DescribedService>> {
  const result = new Map<string, DescribedService>();
  let services: Service[];
  let failures: { arn?: string; reason?: string; detail?: string }[];
  try {
    // The tags (the Release's claim) come with the describe, under ecs:DescribeServices: AWS's
    // documentation names no other permission for `include: TAGS` (its tagging guide notes that
    // many read APIs return tags besides the tag-listing one), so the IAM policy has no
    // ecs:ListTagsForResource. A 403 naming it would be classified AccessDenied, not looped on.
    const out = await ecs.send(
      new DescribeServicesCommand({ cluster, services: [...names], include: ['TAGS'] }),
    );
    services = out.services ?? [];
    failures = out.failures ?? [];
  } catch (error) {
    if (awsErrorFacts(error).name !== 'ClusterNotFoundException') throw error;
    for (const name of names) result.set(name, { kind: 'missing' });
    return result;
  }
  for (const name of names) {
    // A deleted service stays visible as INACTIVE for a while (and beside a re-created one of the
    // same name): it is gone — reported as missing, never acted on or called healthy.
    const service = services.find(
      (s) => (s.serviceName === name || s.serviceArn === name) && s.status !== 'INACTIVE',
    );
    if (service !== undefined) {
      result.set(name, {
        kind: 'found',
        // Tags were asked for (include TAGS): an answer without any means none, not unread.
        state: {
          ...toServiceState({ region, cluster, service: name }, service, observedAt),
          tags: toTagRecord(service.tags),
        },
      });
      continue;
    }
    const failure = failures.find((f) => f.arn === name || f.arn?.endsWith(`/${name}`));
    result.set(
      name,
      failure === undefined || failure.reason === 'MISSING'
        ? { kind: 'missing' }
        : {
            kind: 'failed',
            error: describeFailure(`service ${name}`, failure.reason ?? 'unknown', failure.detail),
          },
    );
  }
  return result;
}
