// `ecsServiceRef`: which ECS service a resource acts on. Region is explicit (never inferred from the
// controller's default) because a FailoverPlan names two regions and a Release must not drift.
import { Type, type Static } from '@sinclair/typebox';
import { AwsRegion, EcsName } from './aws.js';

const serviceFields = {
  region: AwsRegion(),
  cluster: EcsName({ description: 'ECS cluster name.' }),
  service: EcsName({ description: 'ECS service name.' }),
};

export const EcsServiceRef = Type.Object(
  {
    ...serviceFields,
    container: Type.Optional(EcsName({ description: 'Container in the task definition.' })),
  },
  { description: 'An ECS service: region, cluster, service (and optionally a container).' },
);
export type EcsServiceRef = Static<typeof EcsServiceRef>;

/** The same reference where the container is required (a Release changes exactly one container). */
export const EcsContainerRef = Type.Object(
  {
    ...serviceFields,
    container: EcsName({
      description: 'The container whose image, environment and secrets the Release manages.',
    }),
  },
  { description: 'An ECS service and the container the Release manages.' },
);
export type EcsContainerRef = Static<typeof EcsContainerRef>;
