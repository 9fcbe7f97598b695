// FailoverPlan integration helpers: the same LatticeDB service seeded in moto in two regions
// (us-east-1 primary, us-west-2 standby) and a Route 53 zone whose record points at the primary;
// a local HTTP server whose answers the tests switch (standby health, validation); the controller
// in-process behind a fault proxy that logs every AWS call; direct reads of what moto holds.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import {
  DescribeServicesCommand,
  DescribeTaskDefinitionCommand,
  RegisterTaskDefinitionCommand,
  UpdateServiceCommand,
} from '@aws-sdk/client-ecs';
import {
  ChangeResourceRecordSetsCommand,
  CreateHostedZoneCommand,
  ListResourceRecordSetsCommand,
} from '@aws-sdk/client-route-53';
import {
  FailoverPlanKind,
  type FailoverPlanSpec,
  type FailoverPlanStatus,
} from '../../../reconcilers/failoverplan/api.js';
import type { Tuning } from '../../../reconcilers/failoverplan/plan/index.js';
import { setupFailoverPlanWith } from '../../../reconcilers/failoverplan/setup.js';
import type { ServiceRef } from '../../../reconcilers/shared/ports/ecs.js';
import type { FaultProxyOptions, ProxiedCall } from '../../env/fault-proxy.js';
import { resetAws, testEnv } from '../../env/fixtures.js';
import {
  installControllerCrd,
  startProxiedInProcessController,
  type ProxiedController,
} from '../../fixtures/in-process-controller.js';
import { kindObjects } from '../../fixtures/kind-objects.js';
import { motoClients } from '../../fixtures/moto/clients.js';
import { seedLatticeDbService, type SeededLatticeDb } from '../../fixtures/moto/seed.js';

const CRD = new URL('../../../crds/failoverplans.delivery.latticedb.com.yaml', import.meta.url);
export const installCrd = (): Promise<void> => installControllerCrd(CRD);

export const PRIMARY = 'us-east-1';
export const STANDBY = 'us-west-2';
export const RECORD = 'prod.latticedb.test';
export const PRIMARY_VALUE = 'primary-alb.us-east-1.elb.test';
export const STANDBY_VALUE = 'standby-alb.us-west-2.elb.test';

export interface TwoRegions {
  readonly primary: SeededLatticeDb;
  readonly standby: SeededLatticeDb;
  readonly zoneId: string;
}

/** Wipes moto; seeds both regions (primary 4 tasks, standby 1) and the zone with the record. */
export async function seedTwoRegions(
  opts: { record?: boolean; database?: boolean } = {},
): Promise<TwoRegions> {
  await resetAws();
  const clients = motoClients();
  try {
    // Distinct names per region, so a logged call (whose body names no region) tells which.
    const seed = (region: string, desiredCount: number) =>
      seedLatticeDbService(clients, {
        endpoint: testEnv().awsEndpoint,
        region,
        name: region === PRIMARY ? 'latticedb' : 'latticedb-standby',
        imageTags: ['2.1.0', '2.2.0'],
        desiredCount,
        database: region === PRIMARY && opts.database === true,
        testListener: false,
      });
    const primary = await seed(PRIMARY, 4);
    const standby = await seed(STANDBY, 1);
    // The standby runs the primary's images, replicated into its region's registry.
    await deployImages(standby, replicated({ primary, standby }));
    const zone = await clients.route53().send(
      new CreateHostedZoneCommand({
        Name: 'latticedb.test',
        CallerReference: `fp-${Date.now()}`,
      }),
    );
    const zoneId = (zone.HostedZone?.Id ?? '').replace('/hostedzone/', '');
    if (opts.record !== false) await setRecord(zoneId, PRIMARY_VALUE);
    return { primary, standby, zoneId };
  } finally {
    clients.destroy();
  }
}

export async function setRecord(zoneId: string, value: string): Promise<void> {
  const clients = motoClients();
  try {
    await clients.route53().send(
      new ChangeResourceRecordSetsCommand({
        HostedZoneId: zoneId,
        ChangeBatch: {
          Changes: [
            {
              Action: 'UPSERT',
              ResourceRecordSet: {
                Name: RECORD,
                Type: 'CNAME',
                TTL: 60,
                ResourceRecords: [{ Value: value }],
              },
            },
          ],
        },
      }),
    );
  } finally {
    clients.destroy();
  }
}

/** The record's values as moto holds them (without trailing dots). */
export async function recordValues(zoneId: string): Promise<string[]> {
  const clients = motoClients();
  try {
    const out = await clients
      .route53()
      .send(new ListResourceRecordSetsCommand({ HostedZoneId: zoneId }));
    const record = out.ResourceRecordSets?.find(
      (r) => r.Name?.replace(/\.$/, '') === RECORD && r.Type === 'CNAME',
    );
    return (record?.ResourceRecords ?? []).map((r) => (r.Value ?? '').replace(/\.$/, ''));
  } finally {
    clients.destroy();
  }
}

/** The (rolling) service of a seeded region, as moto holds it. */
export async function motoService(s: SeededLatticeDb) {
  const clients = motoClients();
  try {
    const out = await clients
      .ecs(s.region)
      .send(new DescribeServicesCommand({ cluster: s.cluster, services: [s.rolling.ref.service] }));
    const found = out.services?.[0];
    if (found === undefined) throw new Error('moto has no service');
    return found;
  } finally {
    clients.destroy();
  }
}

/**
 * Registers a copy of the service's seeded task definition whose container images are mapped by
 * `image`, and deploys it on the service; returns its ARN.
 */
export async function deployImages(
  s: SeededLatticeDb,
  image: (current: string) => string,
): Promise<string> {
  const clients = motoClients();
  const ecs = clients.ecs(s.region);
  try {
    const seeded = await ecs.send(
      new DescribeTaskDefinitionCommand({ taskDefinition: s.taskDefinitionArn }),
    );
    const td = seeded.taskDefinition;
    if (td === undefined) throw new Error('moto has no seeded task definition');
    const out = await ecs.send(
      new RegisterTaskDefinitionCommand({
        family: td.family ?? s.family,
        ...(td.networkMode === undefined ? {} : { networkMode: td.networkMode }),
        ...(td.requiresCompatibilities === undefined
          ? {}
          : { requiresCompatibilities: td.requiresCompatibilities }),
        ...(td.cpu === undefined ? {} : { cpu: td.cpu }),
        ...(td.memory === undefined ? {} : { memory: td.memory }),
        containerDefinitions: (td.containerDefinitions ?? []).map((c) => ({
          ...c,
          image: image(c.image ?? ''),
        })),
      }),
    );
    const arn = out.taskDefinition?.taskDefinitionArn ?? '';
    await ecs.send(
      new UpdateServiceCommand({
        cluster: s.cluster,
        service: s.rolling.ref.service,
        taskDefinition: arn,
      }),
    );
    return arn;
  } finally {
    clients.destroy();
  }
}

/** The primary's images as ECR cross-region replication gives them to the standby's region. */
export const replicated =
  (world: Pick<TwoRegions, 'primary' | 'standby'>) =>
  (image: string): string =>
    image
      .replace(world.standby.ecr.repositoryUri, world.primary.ecr.repositoryUri)
      .replace(`.${world.primary.region}.`, `.${world.standby.region}.`);

/** A local HTTP server: `/standby` and `/validate` answer with the status the test sets. */
export class ChecksServer {
  standbyStatus = 200;
  validateStatus = 200;
  readonly #server: Server;

  private constructor(server: Server) {
    this.#server = server;
  }

  static async start(): Promise<ChecksServer> {
    const server = createServer();
    const checks = new ChecksServer(server);
    server.on('request', (req, res) => {
      const status = req.url === '/standby' ? checks.standbyStatus : checks.validateStatus;
      res.writeHead(status, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ ok: status === 200 }));
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    return checks;
  }

  url(path: '/standby' | '/validate'): string {
    return `http://127.0.0.1:${(this.#server.address() as AddressInfo).port}${path}`;
  }

  stop(): Promise<void> {
    return new Promise((resolve) =>
      this.#server.close(() => {
        resolve();
      }),
    );
  }
}

export function planSpec(
  world: TwoRegions,
  checks: ChecksServer,
  overrides: Partial<FailoverPlanSpec> = {},
): FailoverPlanSpec {
  const site = (s: SeededLatticeDb): ServiceRef => s.rolling.ref;
  return {
    primary: site(world.primary),
    secondary: site(world.standby),
    dns: {
      hostedZoneId: world.zoneId,
      recordName: RECORD,
      type: 'CNAME',
      ttl: 60,
      primaryValue: PRIMARY_VALUE,
      secondaryValue: STANDBY_VALUE,
    },
    healthChecks: [
      {
        name: 'standby-health',
        url: checks.url('/standby'),
        expectStatus: [200],
        retries: 0,
        timeout: '2s',
      },
    ],
    validation: [
      {
        name: 'prod-health',
        url: checks.url('/validate'),
        expectStatus: [200],
        retries: 0,
        timeout: '2s',
      },
    ],
    activeRegion: PRIMARY,
    ...overrides,
  };
}

export interface FailoverPlanObject {
  metadata: { name: string; namespace: string; uid?: string };
  spec: FailoverPlanSpec;
  status?: FailoverPlanStatus;
}

export const plans = kindObjects<FailoverPlanObject>(FailoverPlanKind);

export function waitForPlan(
  namespace: string,
  name: string,
  predicate: (status: FailoverPlanStatus) => boolean,
  message: string,
  timeoutMs = 90_000,
): Promise<FailoverPlanStatus> {
  return plans.waitForStatus(namespace, name, predicate, { timeoutMs, message });
}

export const condition = (status: FailoverPlanStatus, type: string) =>
  status.conditions?.find((c) => c.type === type);

export type { ProxiedController };

export function startProxiedController(
  namespace: string,
  tuning: Partial<Tuning> = {},
  proxyOptions: FaultProxyOptions = {},
): Promise<ProxiedController> {
  return startProxiedInProcessController(
    namespace,
    setupFailoverPlanWith({ afterActionMs: 100, pollMs: 300, resyncMs: 1_000, ...tuning }),
    proxyOptions,
  );
}

/** Writes of one operation the controller made, in order. */
export const writes = (calls: readonly ProxiedCall[], operation: string): ProxiedCall[] =>
  calls.filter((c) => c.operation === operation);

/**
 * Plays ECS's task placement for one service, which moto does not (UpdateService sets running =
 * desired at once): while `running` is set, the service reports at most that many.
 */
export class HeldRunning {
  running: number | undefined;
  readonly #service: string;

  constructor(service: string) {
    this.#service = service;
  }

  readonly rule = {
    service: 'ecs',
    operation: 'DescribeServices',
    fault: 'rewrite',
    transformJson: (body: unknown) => {
      const out = body as { services?: Record<string, unknown>[] };
      for (const svc of out.services ?? []) {
        if (svc.serviceName !== this.#service || this.running === undefined) continue;
        const desired = Number(svc.desiredCount);
        svc.runningCount = Math.min(desired, this.running);
        svc.pendingCount = Math.max(0, desired - this.running);
      }
      return out;
    },
  } as const;
}

/** The desiredCount values of the controller's UpdateService calls on `s`'s service, in order. */
export const scaleWrites = (calls: readonly ProxiedCall[], s: SeededLatticeDb): number[] =>
  calls
    .filter((c) => c.operation === 'UpdateService')
    .map((c) => JSON.parse(c.body) as { service: string; desiredCount: number })
    .filter((b) => b.service === s.rolling.ref.service)
    .map((b) => b.desiredCount);
