// Every client AwsClients builds talks to moto through the endpoint override, and the errors moto
// returns for missing resources classify as NotFound (the reconcilers' "already gone").
import { DescribeScalableTargetsCommand } from '@aws-sdk/client-application-auto-scaling';
import { DescribeAlarmsCommand } from '@aws-sdk/client-cloudwatch';
import { DescribeImagesCommand } from '@aws-sdk/client-ecr';
import { DescribeClustersCommand, DescribeServicesCommand } from '@aws-sdk/client-ecs';
import { DescribeTargetGroupsCommand } from '@aws-sdk/client-elastic-load-balancing-v2';
import { DescribeDBSnapshotsCommand } from '@aws-sdk/client-rds';
import { GetHostedZoneCommand } from '@aws-sdk/client-route-53';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { AwsClients } from '../../../reconcilers/shared/adapters/aws/clients.js';
import {
  awsErrorMessage,
  classifyAwsError,
} from '../../../reconcilers/shared/adapters/aws/errors.js';
import { resetAws } from '../../env/fixtures.js';
import { motoClients } from '../../fixtures/moto/clients.js';

let clients: AwsClients;

beforeEach(async () => {
  await resetAws();
  clients = motoClients();
});
afterEach(() => {
  clients.destroy();
});

const failure = (p: Promise<unknown>): Promise<unknown> =>
  p.then(
    () => {
      throw new Error('expected the call to fail');
    },
    (e: unknown) => e,
  );

describe('AwsClients against moto', () => {
  it('reads from every service', async () => {
    const ecs = await clients.ecs().send(new DescribeClustersCommand({ clusters: ['none'] }));
    expect(ecs.failures?.[0]?.reason).toBe('MISSING');
    const cw = await clients.cloudWatch().send(new DescribeAlarmsCommand({}));
    expect(cw.MetricAlarms).toEqual([]);
    const aas = await clients
      .applicationAutoScaling()
      .send(new DescribeScalableTargetsCommand({ ServiceNamespace: 'ecs' }));
    expect(aas.ScalableTargets).toEqual([]);
  });

  it.each([
    [
      'ECS',
      () => clients.ecs().send(new DescribeServicesCommand({ cluster: 'nope', services: ['x'] })),
    ],
    [
      'ELBv2',
      () =>
        clients.elbv2().send(
          new DescribeTargetGroupsCommand({
            TargetGroupArns: [
              'arn:aws:elasticloadbalancing:us-east-1:123456789012:targetgroup/nope/0123456789abcdef',
            ],
          }),
        ),
    ],
    [
      'ECR',
      () =>
        clients
          .ecr()
          .send(
            new DescribeImagesCommand({ repositoryName: 'nope', imageIds: [{ imageTag: 'v1' }] }),
          ),
    ],
    [
      'RDS',
      () => clients.rds().send(new DescribeDBSnapshotsCommand({ DBSnapshotIdentifier: 'nope' })),
    ],
    ['Route 53', () => clients.route53().send(new GetHostedZoneCommand({ Id: 'Z0000000NOPE' }))],
  ])(
    '%s: a missing resource classifies as NotFound with a clean message',
    async (_service, call) => {
      const error = await failure(call());
      expect(classifyAwsError(error)).toBe('NotFound');
      const message = awsErrorMessage(error);
      expect(message).toMatch(/^[A-Za-z]+: /);
      expect(message).not.toMatch(/<|\n/);
    },
  );
});
