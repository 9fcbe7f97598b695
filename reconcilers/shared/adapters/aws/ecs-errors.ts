// Errors the ECS adapter raises itself (not answered by AWS), named so that `classifyAwsError`
// places them: `…NotFound…` → NotFound, `Invalid…` → Validation, anything else → Other. The
// in-memory fake throws the same ones.

export class EcsPortError extends Error {
  constructor(name: string, message: string) {
    super(message);
    this.name = name;
  }
}

export const clusterNotFound = (cluster: string): EcsPortError =>
  new EcsPortError('ClusterNotFoundException', `cluster ${cluster} not found`);

export const serviceNotFound = (cluster: string, service: string): EcsPortError =>
  new EcsPortError(
    'ServiceNotFoundException',
    `service ${service} not found in cluster ${cluster}`,
  );

export const containerNotInTaskDefinition = (container: string, taskDefinition: string) =>
  new EcsPortError(
    'InvalidContainerName',
    `task definition ${taskDefinition} has no container named ${container}`,
  );

/** A task set with the externalId exists but runs another task definition: never adopted. */
export const taskSetExternalIdTaken = (externalId: string, taskDefinition: string) =>
  new EcsPortError(
    'TaskSetExternalIdTaken',
    `task set ${externalId} exists and runs ${taskDefinition}, another task definition; not adopted`,
  );

/** moto leaves every set ACTIVE when given a short task-set id; AWS accepts both. */
export const taskSetArnRequired = (taskSet: string): EcsPortError =>
  new EcsPortError('InvalidTaskSetArn', `a full task-set ARN is required, got ${taskSet}`);

/** DescribeServices or DescribeClusters named the resource in `failures[]` for another reason. */
export const describeFailure = (what: string, reason: string, detail?: string): EcsPortError =>
  new EcsPortError(
    'EcsDescribeFailure',
    `${what}: ${reason}${detail === undefined || detail === '' ? '' : ` (${detail})`}`,
  );

/** RunTask placed no task (capacity, resources, …): AWS answers 200 with `failures[]`. */
export const runTaskFailure = (reason: string, detail?: string): EcsPortError =>
  new EcsPortError(
    'RunTaskFailure',
    `no task started: ${reason}${detail === undefined || detail === '' ? '' : ` (${detail})`}`,
  );
