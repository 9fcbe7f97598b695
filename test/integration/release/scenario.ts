// Building blocks of the Release scenarios beyond support.ts: a freshly seeded moto world, spec
// builders for the three strategies, spec patches, the Events of a Release, raw reads of what
// moto, Redis and a listener hold, a local HTTP server as a smoke-test target, and the controller
// behind a fault proxy (to count its AWS writes and rewrite what moto cannot produce).
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import {
  DescribeServicesCommand,
  DescribeTaskDefinitionCommand,
  type Service,
  type TaskDefinition,
} from '@aws-sdk/client-ecs';
import { DescribeDBSnapshotsCommand, type DBSnapshot } from '@aws-sdk/client-rds';
import { CoreV1Api } from '@kubernetes/client-node';
import { Redis } from 'ioredis';
import type {
  BlueGreenStrategy,
  CanaryStrategy,
  ReleaseSpec,
} from '../../../reconcilers/release/api.js';
import { Elbv2TrafficRouter } from '../../../reconcilers/shared/adapters/aws/elbv2-traffic-router.js';
import { startFaultProxy, type FaultProxy } from '../../env/fault-proxy.js';
import { adminKubeConfig, resetAws, testEnv } from '../../env/fixtures.js';
import { seedLatticeDbService, type SeededLatticeDb } from '../../fixtures/moto/seed.js';
import { taskSetCounts } from '../../fixtures/moto/task-set-counts.js';
import { motoClients, patchRelease, startController, type RunningController } from './support.js';

/** Images pushed to ECR: the service runs the first, releases go to the second. */
export const OLD_TAG = '2.1.0';
export const NEW_TAG = '2.2.0';

/**
 * Wipes moto and seeds one LatticeDB world (canary + rolling services, ALB, ECR, RDS), with
 * `extraTags` pushed to ECR beside the old and new images.
 */
export async function seedWorld(extraTags: readonly string[] = []): Promise<SeededLatticeDb> {
  await resetAws();
  const clients = motoClients();
  try {
    return await seedLatticeDbService(clients, {
      endpoint: testEnv().awsEndpoint,
      imageTags: [OLD_TAG, NEW_TAG, ...extraTags],
    });
  } finally {
    clients.destroy();
  }
}

export const imageOf = (s: SeededLatticeDb, tag: string): string => {
  const image = s.ecr.images[tag];
  if (image === undefined) throw new Error(`seed has no image ${tag}`);
  return image;
};

/** A canary on the EXTERNAL service (blue stable, green canary) with the given steps/shorthand. */
export function canarySpec(
  s: SeededLatticeDb,
  canary: Omit<CanaryStrategy, 'trafficRouting'>,
  extra: Partial<ReleaseSpec> = {},
): ReleaseSpec {
  return {
    target: { ...s.canary.ref, container: s.containerName },
    image: imageOf(s, NEW_TAG),
    strategy: {
      canary: {
        ...canary,
        trafficRouting: {
          alb: {
            listenerArn: s.alb.listenerArn,
            stableTargetGroupArn: s.alb.blueTargetGroupArn,
            canaryTargetGroupArn: s.alb.greenTargetGroupArn,
          },
        },
      },
    },
    ...extra,
  };
}

/** Blue/green on the EXTERNAL service, with the seeded test listener. */
export function blueGreenSpec(
  s: SeededLatticeDb,
  blueGreen: Omit<BlueGreenStrategy, 'trafficRouting'>,
  extra: Partial<ReleaseSpec> = {},
): ReleaseSpec {
  return {
    target: { ...s.canary.ref, container: s.containerName },
    image: imageOf(s, NEW_TAG),
    strategy: {
      blueGreen: {
        ...blueGreen,
        trafficRouting: {
          alb: {
            listenerArn: s.alb.listenerArn,
            blueTargetGroupArn: s.alb.blueTargetGroupArn,
            greenTargetGroupArn: s.alb.greenTargetGroupArn,
            ...(s.alb.testListenerArn === undefined
              ? {}
              : { testListenerArn: s.alb.testListenerArn }),
          },
        },
      },
    },
    ...extra,
  };
}

/** A rolling update of the default-controller (ECS) service. */
export function rollingSpec(s: SeededLatticeDb, extra: Partial<ReleaseSpec> = {}): ReleaseSpec {
  return {
    target: { ...s.rolling.ref, container: s.containerName },
    image: imageOf(s, NEW_TAG),
    strategy: { rolling: {} },
    ...extra,
  };
}

/** A JSON merge patch of a Release's spec (null deletes a field). */
export function patchReleaseSpec(
  namespace: string,
  name: string,
  spec: Record<string, unknown>,
): Promise<void> {
  return patchRelease(namespace, name, { spec });
}

export interface ReleaseEvent {
  readonly type: string;
  readonly reason: string;
  readonly message: string;
}

/** The core/v1 Events recorded for a Release. */
export async function releaseEvents(namespace: string, name: string): Promise<ReleaseEvent[]> {
  const list = await adminKubeConfig()
    .makeApiClient(CoreV1Api)
    .listNamespacedEvent({ namespace, fieldSelector: `involvedObject.name=${name}` });
  return list.items.map((e) => ({
    type: e.type ?? '',
    reason: e.reason ?? '',
    message: e.message ?? '',
  }));
}

/** Percent of a listener's traffic on the blue and green target groups of the seed. */
export async function listenerShares(
  s: SeededLatticeDb,
  listenerArn: string,
): Promise<{ blue: number; green: number }> {
  const clients = motoClients();
  try {
    const w = await new Elbv2TrafficRouter(clients).getWeights(s.region, listenerArn);
    const total = w.reduce((sum, x) => sum + x.weight, 0) || 1;
    const share = (tg: string) =>
      Math.round((100 * (w.find((x) => x.targetGroupArn === tg)?.weight ?? 0)) / total);
    return { blue: share(s.alb.blueTargetGroupArn), green: share(s.alb.greenTargetGroupArn) };
  } finally {
    clients.destroy();
  }
}

/** The service as moto holds it (not through any proxy). */
export async function motoService(s: SeededLatticeDb, service: string): Promise<Service> {
  const clients = motoClients();
  try {
    const out = await clients
      .ecs()
      .send(new DescribeServicesCommand({ cluster: s.cluster, services: [service] }));
    const found = out.services?.[0];
    if (found === undefined) throw new Error(`moto has no service ${service}`);
    return found;
  } finally {
    clients.destroy();
  }
}

export async function motoTaskDefinition(arn: string): Promise<{
  taskDefinition: TaskDefinition;
  tags: Record<string, string>;
}> {
  const clients = motoClients();
  try {
    const out = await clients
      .ecs()
      .send(new DescribeTaskDefinitionCommand({ taskDefinition: arn, include: ['TAGS'] }));
    if (out.taskDefinition === undefined) throw new Error(`moto has no task definition ${arn}`);
    const tags = Object.fromEntries((out.tags ?? []).map((t) => [t.key ?? '', t.value ?? '']));
    return { taskDefinition: out.taskDefinition, tags };
  } finally {
    clients.destroy();
  }
}

/** The manual snapshot with this id, or undefined when moto has none. */
export async function motoSnapshot(id: string): Promise<DBSnapshot | undefined> {
  const clients = motoClients();
  try {
    const out = await clients
      .rds()
      .send(new DescribeDBSnapshotsCommand({ DBSnapshotIdentifier: id }));
    return out.DBSnapshots?.[0];
  } catch (err) {
    if ((err as { name?: string }).name === 'DBSnapshotNotFoundFault') return undefined;
    throw err;
  } finally {
    clients.destroy();
  }
}

/**
 * The flag hash as stored under the flag store's default prefix (`latticedb:flags:<flag>`, see
 * flags/CONTRACT.md), read raw so the test does not trust the store's reader.
 */
export async function storedFlag(
  flag: string,
): Promise<{ enabled: boolean; basisPoints: number } | undefined> {
  const redis = new Redis(testEnv().redisUrl, { lazyConnect: true });
  try {
    await redis.connect();
    const hash = await redis.hgetall(`latticedb:flags:${flag}`);
    if (Object.keys(hash).length === 0) return undefined;
    return { enabled: hash.enabled === '1', basisPoints: Number(hash.percentage) };
  } finally {
    redis.disconnect();
  }
}

export interface SmokeTarget {
  readonly url: string;
  /** Requests answered so far. */
  readonly hits: () => number;
  /** The status the next requests get (200 by default). */
  answer(status: number): void;
  close(): Promise<void>;
}

/** A local HTTP server on port 0 standing in for the test listener: GET /health → the status. */
export async function startSmokeTarget(status = 200): Promise<SmokeTarget> {
  let current = status;
  let hits = 0;
  const server = createServer((_req: IncomingMessage, res: ServerResponse) => {
    hits++;
    res.writeHead(current, { 'content-type': 'text/plain' });
    res.end(current < 400 ? 'ok' : 'unhealthy');
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/health`,
    hits: () => hits,
    answer(next) {
      current = next;
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => {
          resolve();
        });
        server.closeAllConnections();
      }),
  };
}

export interface ProxiedController {
  readonly proxy: FaultProxy;
  readonly controller: RunningController;
  stop(): Promise<void>;
}

/** The controller for `namespace` with a fault proxy as its only way to AWS. */
export async function startProxiedController(namespace: string): Promise<ProxiedController> {
  const proxy = await startFaultProxy(testEnv().awsEndpoint, { rewrites: [taskSetCounts()] });
  const controller = await startController(namespace, { awsEndpoint: proxy.endpoint });
  return {
    proxy,
    controller,
    async stop() {
      await controller.stop();
      await proxy.stop();
    },
  };
}

export const sleep = (ms: number): Promise<void> =>
  new Promise((resolve) => setTimeout(resolve, ms));

export interface Sampler<T> {
  /** Stops sampling; the values seen, in order (failed samples skipped). */
  stop(): Promise<T[]>;
}

/** Samples `read` every `intervalMs` until stopped (e.g. listener weights during a release). */
export function sample<T>(read: () => Promise<T>, intervalMs = 100): Sampler<T> {
  const seen: T[] = [];
  let stopped = false;
  const loop = (async () => {
    while (!stopped) {
      try {
        seen.push(await read());
      } catch {
        // a failed read is no sample
      }
      await sleep(intervalMs);
    }
  })();
  return {
    async stop() {
      stopped = true;
      await loop;
      return seen;
    },
  };
}
