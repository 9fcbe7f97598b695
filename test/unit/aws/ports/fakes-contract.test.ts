// The port contracts against the in-memory fakes (the same suites run against the AWS adapters
// on moto in test/integration/aws-ports).
import { describe } from 'vitest';
import { describeDatabasePortContract } from './contracts/database-contract.js';
import { describeEcsPortContract } from './contracts/ecs-contract.js';
import { describeImageRegistryContract } from './contracts/images-contract.js';
import { describeTrafficRouterContract } from './contracts/traffic-contract.js';
import {
  seededFakeDatabase,
  seededFakeEcs,
  seededFakeImages,
  seededFakeTraffic,
} from './fake-worlds.js';

describe('FakeEcs', () => {
  describeEcsPortContract(() => Promise.resolve(seededFakeEcs().world));
});
describe('FakeTrafficRouter', () => {
  describeTrafficRouterContract(() => Promise.resolve(seededFakeTraffic()));
});
describe('FakeDatabase', () => {
  describeDatabasePortContract(() => Promise.resolve(seededFakeDatabase()));
});
describe('FakeImageRegistry', () => {
  describeImageRegistryContract(() => Promise.resolve(seededFakeImages()));
});
