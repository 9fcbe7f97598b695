// An ECS cluster's status (ACTIVE, PROVISIONING, DEPROVISIONING, FAILED, INACTIVE), or undefined
// when ECS does not know the cluster.
import { DescribeClustersCommand } from '@aws-sdk/client-ecs';
import type { AwsClients } from './clients.js';

export async function clusterStatus(
  clients: AwsClients,
  region: string,
  cluster: string,
): Promise<string | undefined> {
  const out = await clients.ecs(region).send(new DescribeClustersCommand({ clusters: [cluster] }));
  return out.clusters?.[0]?.status;
}
