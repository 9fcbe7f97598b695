// The port contracts against the AWS adapters on moto, through a counting fault proxy (the same
// suites run against the in-memory fakes in test/unit/aws/ports).
import { afterAll, afterEach, beforeAll, describe } from 'vitest';
import { startFaultProxy, type FaultProxy } from '../../env/fault-proxy.js';
import { testEnv } from '../../env/fixtures.js';
import { describeDatabasePortContract } from '../../unit/aws/ports/contracts/database-contract.js';
import { describeEcsPortContract } from '../../unit/aws/ports/contracts/ecs-contract.js';
import { describeImageRegistryContract } from '../../unit/aws/ports/contracts/images-contract.js';
import { describeTrafficRouterContract } from '../../unit/aws/ports/contracts/traffic-contract.js';
import { seedMotoWorlds, type MotoWorlds } from './moto-worlds.js';

let proxy: FaultProxy;
let worlds: MotoWorlds | undefined;

beforeAll(async () => {
  proxy = await startFaultProxy(testEnv().awsEndpoint);
});
afterEach(() => {
  worlds?.destroy();
  worlds = undefined;
});
afterAll(async () => {
  await proxy.stop();
});

async function seeded(): Promise<MotoWorlds> {
  worlds = await seedMotoWorlds(proxy);
  return worlds;
}

describe('AwsEcsAdapter on moto', () => {
  describeEcsPortContract(async () => (await seeded()).ecs());
});
describe('Elbv2TrafficRouter on moto', () => {
  describeTrafficRouterContract(async () => (await seeded()).traffic());
});
describe('RdsDatabase on moto', () => {
  describeDatabasePortContract(async () => (await seeded()).database());
});
describe('EcrImageRegistry on moto', () => {
  describeImageRegistryContract(async () => (await seeded()).images());
});
