// Contract worlds on moto: the seed is written straight to moto, the adapters under test talk to
// it through a fault proxy that counts their calls.
import {
  CreateListenerCommand,
  DescribeListenersCommand,
} from '@aws-sdk/client-elastic-load-balancing-v2';
import type { AwsClients } from '../../../reconcilers/shared/adapters/aws/clients.js';
import { AwsEcsAdapter } from '../../../reconcilers/shared/adapters/aws/ecs-adapter.js';
import { EcrImageRegistry } from '../../../reconcilers/shared/adapters/aws/ecr-image-registry.js';
import { Elbv2TrafficRouter } from '../../../reconcilers/shared/adapters/aws/elbv2-traffic-router.js';
import { RdsDatabase } from '../../../reconcilers/shared/adapters/aws/rds-database.js';
import type { FaultProxy } from '../../env/fault-proxy.js';
import { resetAws, testEnv } from '../../env/fixtures.js';
import { motoClients } from '../../fixtures/moto/clients.js';
import { seedLatticeDbService, type SeededLatticeDb } from '../../fixtures/moto/seed.js';
import type { DatabaseContractWorld } from '../../unit/aws/ports/contracts/database-contract.js';
import type { EcsContractWorld } from '../../unit/aws/ports/contracts/ecs-contract.js';
import type { ImagesContractWorld } from '../../unit/aws/ports/contracts/images-contract.js';
import type { TrafficContractWorld } from '../../unit/aws/ports/contracts/traffic-contract.js';

/** AwsClients for moto directly (seeding) or through the proxy (code under test). */
export { motoClients };

export interface MotoWorlds {
  readonly seeded: SeededLatticeDb;
  /** Straight to moto. */
  readonly direct: AwsClients;
  /** Through the fault proxy (what the adapters use). */
  readonly proxied: AwsClients;
  ecs(): EcsContractWorld;
  traffic(): Promise<TrafficContractWorld>;
  database(): DatabaseContractWorld;
  images(): ImagesContractWorld;
  destroy(): void;
}

/** Resets moto, seeds it, and resets the proxy's counters. */
export async function seedMotoWorlds(proxy: FaultProxy, maxAttempts = 1): Promise<MotoWorlds> {
  await resetAws();
  const direct = motoClients(testEnv().awsEndpoint);
  const seeded = await seedLatticeDbService(direct, { endpoint: testEnv().awsEndpoint });
  const proxied = motoClients(proxy.endpoint, maxAttempts);
  proxy.resetCounts();
  const ecsPort = new AwsEcsAdapter(proxied);
  const region = seeded.region;
  return {
    seeded,
    direct,
    proxied,
    ecs: () => ({
      port: ecsPort,
      region,
      cluster: seeded.cluster,
      canary: seeded.canary.ref,
      rolling: seeded.rolling.ref,
      family: seeded.family,
      taskDefinitionArn: seeded.taskDefinitionArn,
      containerName: seeded.containerName,
      sidecarName: seeded.sidecarName,
      containerPort: seeded.containerPort,
      stableTargetGroupArn: seeded.alb.blueTargetGroupArn,
      canaryTargetGroupArn: seeded.alb.greenTargetGroupArn,
      newImage: seeded.ecr.images['2.2.0'] ?? '',
      describeServicesCalls: () => proxy.count({ service: 'ecs', operation: 'DescribeServices' }),
      writes: () => proxy.count({ service: 'ecs', reads: false }),
      finishTask: async (arn) => {
        // moto advances a task one state per DescribeTasks: STOPPED on the 4th.
        for (let i = 0; i < 6; i++) {
          const task = await ecsPort.describeTask(seeded.rolling.ref, arn);
          if (task?.lastStatus === 'STOPPED') return;
        }
        throw new Error(`task ${arn} did not stop`);
      },
    }),
    traffic: async () => {
      const elb = direct.elbv2(region);
      const plain = await elb.send(
        new CreateListenerCommand({
          LoadBalancerArn: seeded.alb.loadBalancerArn,
          Protocol: 'HTTP',
          Port: 82,
          DefaultActions: [{ Type: 'forward', TargetGroupArn: seeded.alb.blueTargetGroupArn }],
        }),
      );
      proxy.resetCounts();
      const listenerArn = seeded.alb.listenerArn;
      return {
        port: new Elbv2TrafficRouter(proxied),
        region,
        listenerArn,
        plainListenerArn: plain.Listeners?.[0]?.ListenerArn ?? '',
        missingListenerArn: listenerArn.replace(/\/[0-9a-f]+$/, '/0000000000000000'),
        stableTargetGroupArn: seeded.alb.blueTargetGroupArn,
        canaryTargetGroupArn: seeded.alb.greenTargetGroupArn,
        writes: () => proxy.count({ service: 'elasticloadbalancing', reads: false }),
        stickiness: async (arn) => {
          const out = await elb.send(new DescribeListenersCommand({ ListenerArns: [arn] }));
          const config = out.Listeners?.[0]?.DefaultActions?.[0]?.ForwardConfig;
          const s = config?.TargetGroupStickinessConfig;
          return s === undefined
            ? undefined
            : { enabled: s.Enabled ?? false, durationSeconds: s.DurationSeconds ?? 0 };
        },
      };
    },
    database: () => ({
      port: new RdsDatabase(proxied),
      region,
      instance: seeded.database?.instanceIdentifier ?? '',
      writes: () => proxy.count({ service: 'rds', reads: false }),
    }),
    images: () => ({
      port: new EcrImageRegistry(proxied),
      repositoryUri: seeded.ecr.repositoryUri,
      tag: '2.1.0',
      digest: seeded.ecr.digests['2.1.0'] ?? '',
    }),
    destroy: () => {
      direct.destroy();
      proxied.destroy();
    },
  };
}
