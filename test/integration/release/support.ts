// Release integration helpers: the controller in-process (the real Manager with the real Release
// setup on moto, behind a fault proxy that fills in the ECS task-set counts moto lacks, and the
// test Redis), Release objects on the real apiserver, and direct reads of
// what moto holds (listener weights, task sets, task definitions).
import { expect } from 'vitest';
import { CloudWatchClient, PutMetricDataCommand } from '@aws-sdk/client-cloudwatch';
import {
  DescribeTaskDefinitionCommand,
  DescribeTaskSetsCommand,
  DescribeServicesCommand,
} from '@aws-sdk/client-ecs';
import {
  ReleaseKind,
  type ReleaseSpec,
  type ReleaseStatus,
} from '../../../reconcilers/release/api.js';
import { setupReleaseWith } from '../../../reconcilers/release/setup.js';
import { Elbv2TrafficRouter } from '../../../reconcilers/shared/adapters/aws/elbv2-traffic-router.js';
import { startFaultProxy } from '../../env/fault-proxy.js';
import { cloudWatchClientConfig, testEnv } from '../../env/fixtures.js';
import {
  installControllerCrd,
  startInProcessController,
  type RunningController,
} from '../../fixtures/in-process-controller.js';
import { kindObjects } from '../../fixtures/kind-objects.js';
import { motoClients } from '../../fixtures/moto/clients.js';
import type { SeededLatticeDb } from '../../fixtures/moto/seed.js';
import { taskSetCounts } from '../../fixtures/moto/task-set-counts.js';

export type { RunningController };

const CRD = new URL('../../../crds/releases.delivery.latticedb.com.yaml', import.meta.url);

export const installCrd = (): Promise<void> => installControllerCrd(CRD);

/** AwsClients straight to moto (seeding and assertions), one attempt per call. */
export { motoClients };

/**
 * The Release controller for one namespace, in this process, with short delays. By default it
 * reaches moto through a fault proxy of its own that fills in the task-set counts real ECS reports
 * (moto has none; allTasksRunning needs them). `awsEndpoint` puts something else between the
 * controller and moto instead: a test's own proxy, which then fills the counts itself
 * (`rewrites: [taskSetCounts()]`) or deliberately does not.
 */
export async function startController(
  namespace: string,
  options: { readonly awsEndpoint?: string } = {},
): Promise<RunningController> {
  const setup = setupReleaseWith({ afterActionMs: 100, pollMs: 500, probeMs: 50 });
  if (options.awsEndpoint !== undefined) return startInProcessController(namespace, setup, options);
  const proxy = await startFaultProxy(testEnv().awsEndpoint, { rewrites: [taskSetCounts()] });
  const controller = startInProcessController(namespace, setup, { awsEndpoint: proxy.endpoint });
  return {
    ...controller,
    async stop() {
      await controller.stop();
      await proxy.stop();
    },
  };
}

export interface ReleaseObject {
  metadata: {
    name: string;
    namespace: string;
    uid?: string;
    annotations?: Record<string, string>;
  };
  spec: ReleaseSpec;
  status?: ReleaseStatus;
}

const releases = kindObjects<ReleaseObject>(ReleaseKind);

export function createRelease(namespace: string, name: string, spec: ReleaseSpec): Promise<void> {
  return releases.create(namespace, name, spec);
}

export function getRelease(namespace: string, name: string): Promise<ReleaseObject> {
  return releases.get(namespace, name);
}

/** A JSON merge patch of the Release (spec, annotations); null deletes a field. */
export function patchRelease(namespace: string, name: string, body: object): Promise<void> {
  return releases.mergePatch(namespace, name, body);
}

export function annotateRelease(
  namespace: string,
  name: string,
  action: string,
  value: string,
): Promise<void> {
  return patchRelease(namespace, name, {
    metadata: { annotations: { [`${ReleaseKind.group}/${action}`]: value } },
  });
}

export function waitForRelease(
  namespace: string,
  name: string,
  predicate: (status: ReleaseStatus) => boolean,
  message: string,
  timeoutMs = 60_000,
): Promise<ReleaseStatus> {
  return releases.waitForStatus(namespace, name, predicate, { timeoutMs, message });
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

  /** The service's claim tag (reconcilers/release/plan/claim.ts), undefined when none. */
  async claim(): Promise<string | undefined> {
    const { cluster, canary } = this.#seed;
    const out = await this.#clients
      .ecs()
      .send(
        new DescribeServicesCommand({ cluster, services: [canary.ref.service], include: ['TAGS'] }),
      );
    return out.services?.[0]?.tags?.find((t) => t.key === 'delivery.latticedb.com/release')?.value;
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

/**
 * The externalId of revision `n`'s task set, `ldb-<uid>-r<n>-<role>`, as a matcher (any owner
 * UID: each test has one Release per service; recreate.int.test.ts checks the owner itself).
 */
export function taskSetId(n: number, role: 'canary' | 'green'): string {
  const matcher: string = expect.stringMatching(new RegExp(`^ldb-[0-9a-f-]{36}-r${n}-${role}$`));
  return matcher;
}

/** The task set's externalId is revision `n`'s, made by a Release. */
export const isTaskSetId = (
  externalId: string | undefined,
  n: number,
  role: 'canary' | 'green',
): boolean => new RegExp(`^ldb-[0-9a-f-]{36}-r${n}-${role}$`).test(externalId ?? '');
