// Contract worlds over the fake seed (test/fixtures/aws/fake-seed.ts), which mirrors the moto
// seed: the same suites then run on moto in test/integration/aws-ports.
import type { FakeEcs } from '../../../fixtures/aws/fake-ecs.js';
import { type FakeEcsOptions } from '../../../fixtures/aws/fake-ecs.js';
import type { FakeTrafficRouter } from '../../../fixtures/aws/fake-traffic.js';
import { seedFakeLatticeDb } from '../../../fixtures/aws/fake-seed.js';
import type { DatabaseContractWorld } from './contracts/database-contract.js';
import type { EcsContractWorld } from './contracts/ecs-contract.js';
import type { ImagesContractWorld } from './contracts/images-contract.js';
import type { TrafficContractWorld } from './contracts/traffic-contract.js';

export function seededFakeEcs(options: FakeEcsOptions = {}): {
  ecs: FakeEcs;
  world: EcsContractWorld;
} {
  const { clock, ...ecsOptions } = options;
  const w = seedFakeLatticeDb({ ecs: ecsOptions, ...(clock === undefined ? {} : { clock }) });
  const { ecs } = w;
  const world: EcsContractWorld = {
    port: ecs,
    region: w.region,
    cluster: w.cluster,
    canary: w.canary.ref,
    rolling: w.rolling.ref,
    family: w.family,
    taskDefinitionArn: w.taskDefinitionArn,
    containerName: w.containerName,
    sidecarName: w.sidecarName,
    containerPort: w.containerPort,
    stableTargetGroupArn: w.alb.blueTargetGroupArn,
    canaryTargetGroupArn: w.alb.greenTargetGroupArn,
    newImage: w.ecr.images['2.2.0'] ?? '',
    describeServicesCalls: () => ecs.log.count('DescribeServices'),
    writes: () => ecs.log.writes,
    finishTask: (arn) => {
      ecs.finishTask(arn, 0);
      return Promise.resolve();
    },
  };
  return { ecs, world };
}

export function seededFakeTraffic(): TrafficContractWorld & { router: FakeTrafficRouter } {
  const w = seedFakeLatticeDb();
  const plain = w.alb.listenerArn.replace(/\/\d+$/, '/0000000000000082');
  w.traffic.addListener(w.region, plain, [
    { targetGroupArn: w.alb.blueTargetGroupArn, weight: 100 },
  ]);
  return {
    router: w.traffic,
    port: w.traffic,
    region: w.region,
    listenerArn: w.alb.listenerArn,
    plainListenerArn: plain,
    missingListenerArn: w.alb.listenerArn.replace(/\/\d+$/, '/0000000000000000'),
    stableTargetGroupArn: w.alb.blueTargetGroupArn,
    canaryTargetGroupArn: w.alb.greenTargetGroupArn,
    writes: () => w.traffic.log.writes,
    stickiness: (arn) => Promise.resolve(w.traffic.listener(w.region, arn).stickiness),
  };
}

export function seededFakeDatabase(): DatabaseContractWorld {
  const w = seedFakeLatticeDb();
  return {
    port: w.database,
    region: w.region,
    instance: w.databaseInstance,
    writes: () => w.database.log.writes,
  };
}

export function seededFakeImages(): ImagesContractWorld {
  const w = seedFakeLatticeDb();
  const image = w.ecr.images['2.1.0'] ?? '';
  const digest = w.images.addImage(image); // same digest again: addImage is idempotent
  return { port: w.images, repositoryUri: w.ecr.repositoryUri, tag: '2.1.0', digest };
}
