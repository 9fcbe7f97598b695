// Release integration helpers: the controller in-process (the real Manager with the real Release
// setup on moto and the test Redis), Release objects on the real apiserver, and direct reads of
// what moto holds (listener weights, task sets, task definitions).
import { CloudWatchClient, PutMetricDataCommand } from '@aws-sdk/client-cloudwatch';
import {
  DescribeTaskDefinitionCommand,
  DescribeTaskSetsCommand,
  DescribeServicesCommand,
} from '@aws-sdk/client-ecs';
import { CustomObjectsApi, PatchStrategy, setHeaderOptions } from '@kubernetes/client-node';
import { pino } from 'pino';
import { parseConfig } from '../../../controller/config.js';
import { Manager, type ManagerExit } from '../../../controller/manager.js';
import {
  ReleaseKind,
  type ReleaseSpec,
  type ReleaseStatus,
} from '../../../reconcilers/release/api.js';
import { setupReleaseWith } from '../../../reconcilers/release/setup.js';
import { AwsClients } from '../../../reconcilers/shared/adapters/aws/clients.js';
import { Elbv2TrafficRouter } from '../../../reconcilers/shared/adapters/aws/elbv2-traffic-router.js';
import {
  adminKubeConfig,
  applyCrdFiles,
  awsClientConfig,
  cloudWatchClientConfig,
  testEnv,
  waitFor,
} from '../../env/fixtures.js';
import type { SeededLatticeDb } from '../../fixtures/moto/seed.js';

const CRD = new URL('../../../crds/releases.delivery.latticedb.com.yaml', import.meta.url);
const { group, version, plural } = ReleaseKind;
const log = pino({ level: process.env.TEST_LOG_LEVEL ?? 'silent' });

export async function installCrd(): Promise<void> {
  await applyCrdFiles([CRD]);
  // The controller's AWS clients use the SDK's default credential chain; moto takes any.
  process.env.AWS_ACCESS_KEY_ID ??= 'test';
  process.env.AWS_SECRET_ACCESS_KEY ??= 'test';
}

/** AwsClients straight to moto (seeding and assertions), one attempt per call. */
export function motoClients(): AwsClients {
  const { credentials, region, endpoint } = awsClientConfig();
  return new AwsClients({ region, endpoint, credentials, maxAttempts: 1 });
}

export interface RunningController {
  readonly manager: Manager;
  readonly exited: Promise<ManagerExit>;
  stop(): Promise<void>;
}

/**
 * The controller for one namespace, as `main` runs it but in this process, with short delays.
 * `awsEndpoint` puts something else (a fault proxy) between the controller and moto.
 */
export function startController(
  namespace: string,
  options: { readonly awsEndpoint?: string } = {},
): RunningController {
  const env = testEnv();
  const config = parseConfig(
    [
      `--namespaces=${namespace}`,
      '--metrics-bind-address=0',
      '--health-probe-bind-address=0',
      `--redis-url=${env.redisUrl}`,
      `--aws-endpoint-url=${options.awsEndpoint ?? env.awsEndpoint}`,
      '--aws-region=us-east-1',
      '--aws-max-attempts=1',
      '--shutdown-timeout=2s',
    ],
    {},
  );
  const manager = new Manager({ config, kubeConfig: adminKubeConfig(), logger: log });
  manager.register(
    setupReleaseWith({ afterActionMs: 100, pollMs: 500, probeMs: 50 })(manager.deps()),
  );
  const exited = manager.start();
  return {
    manager,
    exited,
    async stop() {
      await manager.stop();
      await exited;
    },
  };
}

export interface ReleaseObject {
  metadata: { name: string; namespace: string; annotations?: Record<string, string> };
  spec: ReleaseSpec;
  status?: ReleaseStatus;
}

const custom = (): CustomObjectsApi => adminKubeConfig().makeApiClient(CustomObjectsApi);

export async function createRelease(
  namespace: string,
  name: string,
  spec: ReleaseSpec,
): Promise<void> {
  await custom().createNamespacedCustomObject({
    group,
    version,
    namespace,
    plural,
    body: { apiVersion: `${group}/${version}`, kind: 'Release', metadata: { name }, spec },
  });
}

export async function getRelease(namespace: string, name: string): Promise<ReleaseObject> {
  return (await custom().getNamespacedCustomObject({
    group,
    version,
    namespace,
    plural,
    name,
  })) as ReleaseObject;
}

export async function annotateRelease(
  namespace: string,
  name: string,
  action: string,
  value: string,
): Promise<void> {
  await custom().patchNamespacedCustomObject(
    {
      group,
      version,
      namespace,
      plural,
      name,
      body: { metadata: { annotations: { [`${group}/${action}`]: value } } },
    },
    setHeaderOptions('Content-Type', PatchStrategy.MergePatch),
  );
}

export async function waitForRelease(
  namespace: string,
  name: string,
  predicate: (status: ReleaseStatus) => boolean,
  message: string,
  timeoutMs = 60_000,
): Promise<ReleaseStatus> {
  return waitFor(
    async () => {
      const status = (await getRelease(namespace, name)).status;
      return status !== undefined && predicate(status) ? status : undefined;
    },
    { timeoutMs, intervalMs: 100, message },
  );
}

/** What moto holds for the seeded canary service: listener shares and task sets. */
export class MotoView {
  readonly #clients = motoClients();
  readonly #seed: SeededLatticeDb;

  constructor(seed: SeededLatticeDb) {
    this.#seed = seed;
  }

  /** Percent of the production listener's traffic on the blue (stable) and green (canary) groups. */
  async weights(): Promise<{ blue: number; green: number }> {
    const w = await new Elbv2TrafficRouter(this.#clients).getWeights(
      this.#seed.region,
      this.#seed.alb.listenerArn,
    );
    const total = w.reduce((s, x) => s + x.weight, 0) || 1;
    const share = (tg: string) =>
      Math.round((100 * (w.find((x) => x.targetGroupArn === tg)?.weight ?? 0)) / total);
    return {
      blue: share(this.#seed.alb.blueTargetGroupArn),
      green: share(this.#seed.alb.greenTargetGroupArn),
    };
  }

  async taskSets() {
    const { cluster, canary } = this.#seed;
    const out = await this.#clients
      .ecs()
      .send(new DescribeTaskSetsCommand({ cluster, service: canary.ref.service }));
    return (out.taskSets ?? []).map((t) => ({
      arn: t.taskSetArn ?? '',
      status: t.status ?? '',
      externalId: t.externalId ?? '',
      scale: t.scale?.value ?? 0,
      taskDefinition: t.taskDefinition ?? '',
      targetGroups: (t.loadBalancers ?? []).map((lb) => lb.targetGroupArn ?? ''),
    }));
  }

  async primaryTaskSetArn(): Promise<string | undefined> {
    const { cluster, canary } = this.#seed;
    const out = await this.#clients
      .ecs()
      .send(new DescribeServicesCommand({ cluster, services: [canary.ref.service] }));
    return out.services?.[0]?.taskSets?.find((t) => t.status === 'PRIMARY')?.taskSetArn;
  }

  async image(taskDefinitionArn: string, container: string): Promise<string | undefined> {
    const out = await this.#clients
      .ecs()
      .send(new DescribeTaskDefinitionCommand({ taskDefinition: taskDefinitionArn }));
    return out.taskDefinition?.containerDefinitions?.find((c) => c.name === container)?.image;
  }

  destroy(): void {
    this.#clients.destroy();
  }
}

/** Puts `errors` of 100 requests into LatticeDB/ReleaseTest{Release=<name>}, timestamped now − 1 s. */
export async function putErrorRate(release: string, errors: number): Promise<void> {
  const cw = new CloudWatchClient(cloudWatchClientConfig());
  const at = new Date(Date.now() - 1_000);
  const datum = (metric: string, value: number) => ({
    MetricName: metric,
    Dimensions: [{ Name: 'Release', Value: release }],
    Timestamp: at,
    Value: value,
  });
  try {
    await cw.send(
      new PutMetricDataCommand({
        Namespace: 'LatticeDB/ReleaseTest',
        MetricData: [datum('Errors', errors), datum('Requests', 100)],
      }),
    );
  } finally {
    cw.destroy();
  }
}

/** Error rate over the last 3 s: < 1 % goes on, > 5 % rolls back. */
export function errorRateAnalysis(release: string): NonNullable<ReleaseSpec['analysis']> {
  const query = (metricName: string) => ({
    namespace: 'LatticeDB/ReleaseTest',
    metricName,
    dimensions: [{ name: 'Release', value: release }],
    stat: 'Sum',
    period: '1s',
  });
  return {
    interval: '1s',
    metrics: [
      {
        name: 'error-rate',
        cloudWatch: {
          ratio: { numerator: query('Errors'), denominator: query('Requests'), scale: 100 },
          window: '3s',
        },
        successCondition: '< 1',
        failureCondition: '> 5',
        interval: '1s',
        count: 1,
        inconclusiveLimit: 5,
      },
    ],
  };
}
