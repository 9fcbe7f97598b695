// ScalePolicy integration helpers: a freshly seeded moto world, the controller in-process behind
// a fault proxy (to count its AWS calls and play what moto cannot: running counts that lag,
// placement-failure service events), ScalePolicy objects on the real apiserver, and direct reads
// of what moto holds (ECS desired count, Application Auto Scaling).
import {
  DescribeScalableTargetsCommand,
  DescribeScalingPoliciesCommand,
  DescribeScheduledActionsCommand,
} from '@aws-sdk/client-application-auto-scaling';
import { DescribeServicesCommand, UpdateServiceCommand } from '@aws-sdk/client-ecs';
import { CoreV1Api } from '@kubernetes/client-node';
import {
  ScalePolicyKind,
  type ScalePolicySpec,
  type ScalePolicyStatus,
} from '../../../reconcilers/scalepolicy/api.js';
import type { Tuning } from '../../../reconcilers/scalepolicy/plan/index.js';
import { setupScalePolicyWith } from '../../../reconcilers/scalepolicy/setup.js';
import type { ProxiedCall } from '../../env/fault-proxy.js';
import { adminKubeConfig, resetAws, testEnv } from '../../env/fixtures.js';
import {
  installControllerCrd,
  startProxiedInProcessController,
  type ProxiedController,
} from '../../fixtures/in-process-controller.js';
import { kindObjects } from '../../fixtures/kind-objects.js';
import { motoClients } from '../../fixtures/moto/clients.js';
import { seedLatticeDbService, type SeededLatticeDb } from '../../fixtures/moto/seed.js';

const CRD = new URL('../../../crds/scalepolicies.delivery.latticedb.com.yaml', import.meta.url);
const RELEASE_CRD = new URL('../../../crds/releases.delivery.latticedb.com.yaml', import.meta.url);
// ScalePolicy watches FailoverPlans too (the interlock): its informer needs the CRD.
const FAILOVER_PLAN_CRD = new URL(
  '../../../crds/failoverplans.delivery.latticedb.com.yaml',
  import.meta.url,
);

/** The ScalePolicy CRD, and the Release CRD its controller watches (Releases of the same service). */
export async function installCrd(): Promise<void> {
  await installControllerCrd(CRD);
  await installControllerCrd(RELEASE_CRD);
  await installControllerCrd(FAILOVER_PLAN_CRD);
}

/** Wipes moto and seeds one world; the rolling (ECS-controller) service is the one scaled. */
export async function seedWorld(desiredCount: number): Promise<SeededLatticeDb> {
  await resetAws();
  const clients = motoClients();
  try {
    return await seedLatticeDbService(clients, {
      endpoint: testEnv().awsEndpoint,
      imageTags: ['2.1.0'],
      desiredCount,
    });
  } finally {
    clients.destroy();
  }
}

export interface ScalePolicyObject {
  metadata: { name: string; namespace: string; uid?: string; finalizers?: string[] };
  spec: ScalePolicySpec;
  status?: ScalePolicyStatus;
}

export const policies = kindObjects<ScalePolicyObject>(ScalePolicyKind);

export function waitForPolicy(
  namespace: string,
  name: string,
  predicate: (status: ScalePolicyStatus) => boolean,
  message: string,
  timeoutMs = 60_000,
): Promise<ScalePolicyStatus> {
  return policies.waitForStatus(namespace, name, predicate, { timeoutMs, message });
}

export const condition = (status: ScalePolicyStatus, type: string) =>
  status.conditions?.find((c) => c.type === type);

export type { ProxiedController };

/** The controller for `namespace`, behind a fault proxy that logs every AWS call. */
export function startProxiedController(
  namespace: string,
  tuning: Partial<Tuning> = {},
): Promise<ProxiedController> {
  return startProxiedInProcessController(
    namespace,
    setupScalePolicyWith({ afterActionMs: 100, pollMs: 300, ...tuning }),
  );
}

/** The desiredCount values of the UpdateService calls made, in order. */
export function desiredCountWrites(calls: readonly ProxiedCall[]): number[] {
  return calls
    .filter((c) => c.service === 'ecs' && c.operation === 'UpdateService')
    .map((c) => (JSON.parse(c.body) as { desiredCount: number }).desiredCount);
}

/** The service as moto holds it. */
export async function motoService(s: SeededLatticeDb) {
  const clients = motoClients();
  try {
    const out = await clients
      .ecs()
      .send(new DescribeServicesCommand({ cluster: s.cluster, services: [s.rolling.ref.service] }));
    const found = out.services?.[0];
    if (found === undefined) throw new Error('moto has no service');
    return found;
  } finally {
    clients.destroy();
  }
}

/** Someone else (console, CLI) sets the desired count. */
export async function setDesiredBehindOurBack(s: SeededLatticeDb, desiredCount: number) {
  const clients = motoClients();
  try {
    await clients.ecs().send(
      new UpdateServiceCommand({
        cluster: s.cluster,
        service: s.rolling.ref.service,
        desiredCount,
      }),
    );
  } finally {
    clients.destroy();
  }
}

/** What Application Auto Scaling holds for the rolling service. */
export async function motoAutoscaling(s: SeededLatticeDb) {
  const clients = motoClients();
  const resourceId = `service/${s.cluster}/${s.rolling.ref.service}`;
  const aas = clients.applicationAutoScaling();
  try {
    const [targets, policies, scheduled] = await Promise.all([
      aas.send(
        new DescribeScalableTargetsCommand({ ServiceNamespace: 'ecs', ResourceIds: [resourceId] }),
      ),
      aas.send(
        new DescribeScalingPoliciesCommand({ ServiceNamespace: 'ecs', ResourceId: resourceId }),
      ),
      aas.send(
        new DescribeScheduledActionsCommand({ ServiceNamespace: 'ecs', ResourceId: resourceId }),
      ),
    ]);
    return {
      resourceId,
      target: targets.ScalableTargets?.find((t) => t.ResourceId === resourceId),
      policies: (policies.ScalingPolicies ?? []).filter((p) => p.ResourceId === resourceId),
      scheduled: (scheduled.ScheduledActions ?? []).filter((a) => a.ResourceId === resourceId),
    };
  } finally {
    clients.destroy();
  }
}

/**
 * Plays ECS's task placement on the rolling service, which moto does not (UpdateService sets
 * running = desired at once): running held at `running` (undefined = as moto says), plus service
 * events in ECS's words.
 */
export class EcsPlacement {
  running: number | undefined;
  events: string[] = [];
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
        if (svc.serviceName !== this.#service) continue;
        if (this.running !== undefined) {
          const desired = Number(svc.desiredCount);
          svc.runningCount = Math.min(desired, this.running);
          svc.pendingCount = Math.max(0, desired - this.running);
        }
        svc.events = this.events.map((message, i) => ({
          id: `e${i}`,
          createdAt: Date.now() / 1000,
          message,
        }));
      }
      return out;
    },
  } as const;
}

export interface PolicyEvent {
  readonly type: string;
  readonly reason: string;
  readonly message: string;
}

export async function policyEvents(namespace: string, name: string): Promise<PolicyEvent[]> {
  const list = await adminKubeConfig()
    .makeApiClient(CoreV1Api)
    .listNamespacedEvent({ namespace, fieldSelector: `involvedObject.name=${name}` });
  return list.items.map((e) => ({
    type: e.type ?? '',
    reason: e.reason ?? '',
    message: e.message ?? '',
  }));
}

export const sleep = (ms: number): Promise<void> =>
  new Promise((resolve) => setTimeout(resolve, ms));
