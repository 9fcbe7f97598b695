// The process-wide AWS SDK clients, built from the runtime's AWS settings (flags/env) and
// destroyed at shutdown. Every adapter gets its clients from here, so there is exactly one client
// per (service, region) in the controller.
import { registerEnvironmentSecrets, type KindDeps } from '../../../controller/index.js';
import { AwsClients } from '../adapters/aws/clients.js';
import { AwsAutoscaling } from '../adapters/aws/application-autoscaling.js';
import { AwsEcsAdapter } from '../adapters/aws/ecs-adapter.js';

export type AwsDeps = Pick<KindDeps, 'aws' | 'shared' | 'logger'>;

const KEY = 'aws:clients';
const ECS_KEY = 'aws:ecs';
const AUTOSCALING_KEY = 'aws:autoscaling';

/** The one `AwsClients` of this process (same instance on every call). */
export function awsClientsFor(deps: AwsDeps): AwsClients {
  // The SDK's default credential chain reads these: mask them wherever they might be echoed.
  registerEnvironmentSecrets(process.env);
  return deps.shared(
    KEY,
    () =>
      new AwsClients({
        region: deps.aws.defaultRegion,
        maxAttempts: deps.aws.maxAttempts,
        retryMode: deps.aws.retryMode,
        ...(deps.aws.endpoint === undefined ? {} : { endpoint: deps.aws.endpoint }),
        ...(deps.aws.emulator === true ? { emulator: true } : {}),
        logger: deps.logger.child({ component: 'aws' }),
      }),
    (clients) => {
      clients.destroy();
    },
  );
}

/**
 * The one ECS adapter of this process: every kind reads services through its batching, caching
 * observer, so a Release and a ScalePolicy (or FailoverPlan) on the same service share one
 * DescribeServices per period instead of each paying for its own (2× the floor with two kinds).
 */
export function ecsAdapterFor(deps: AwsDeps & Pick<KindDeps, 'clock'>): AwsEcsAdapter {
  return deps.shared(
    ECS_KEY,
    () => new AwsEcsAdapter(awsClientsFor(deps), { clock: deps.clock }),
    () => undefined, // holds no connection of its own: the clients are closed with theirs
  );
}

/**
 * The one Application Auto Scaling adapter of this process: its readers batch and cache per
 * region, so a fleet of ScalePolicies shares a few listings per period instead of three calls each.
 */
export function autoscalingAdapterFor(deps: AwsDeps & Pick<KindDeps, 'clock'>): AwsAutoscaling {
  return deps.shared(
    AUTOSCALING_KEY,
    () => new AwsAutoscaling(awsClientsFor(deps), { clock: deps.clock }),
    () => undefined, // holds no connection of its own: the clients are closed with theirs
  );
}
