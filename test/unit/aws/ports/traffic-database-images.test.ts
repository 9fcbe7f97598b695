// ELBv2, RDS and ECR adapter paths moto cannot produce, and the ECR reference parser.
import { DescribeImagesCommand } from '@aws-sdk/client-ecr';
import {
  DescribeListenersCommand,
  ModifyListenerCommand,
} from '@aws-sdk/client-elastic-load-balancing-v2';
import { CreateDBSnapshotCommand, DescribeDBSnapshotsCommand } from '@aws-sdk/client-rds';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { AwsClients } from '../../../../reconcilers/shared/adapters/aws/clients.js';
import { EcrImageRegistry } from '../../../../reconcilers/shared/adapters/aws/ecr-image-registry.js';
import { Elbv2TrafficRouter } from '../../../../reconcilers/shared/adapters/aws/elbv2-traffic-router.js';
import { parseEcrImage } from '../../../../reconcilers/shared/adapters/aws/images-ecr-reference.js';
import { RdsDatabase } from '../../../../reconcilers/shared/adapters/aws/rds-database.js';
import { fakeAwsError } from '../../../fixtures/aws/fake-support.js';
import { rejection } from './contracts/support.js';

let clients: AwsClients;
beforeEach(() => {
  clients = new AwsClients({
    region: 'us-east-1',
    credentials: { accessKeyId: 't', secretAccessKey: 't' },
  });
});
afterEach(() => {
  clients.destroy();
});

describe('Elbv2TrafficRouter', () => {
  it('keeps stickiness, replaces a fixed-response default, reads unlisted weights as 1', async () => {
    const elb = mockClient(clients.elbv2());
    elb.on(DescribeListenersCommand).resolvesOnce({
      Listeners: [
        {
          DefaultActions: [
            {
              Type: 'forward',
              ForwardConfig: {
                TargetGroups: [{ TargetGroupArn: 'a' }, { TargetGroupArn: 'b', Weight: 0 }],
                TargetGroupStickinessConfig: { Enabled: true, DurationSeconds: 60 },
              },
            },
          ],
        },
      ],
    });
    const router = new Elbv2TrafficRouter(clients);
    expect(await router.getWeights('us-east-1', 'l')).toEqual([
      { targetGroupArn: 'a', weight: 1 },
      { targetGroupArn: 'b', weight: 0 },
    ]);

    elb.on(DescribeListenersCommand).resolves({
      Listeners: [{ DefaultActions: [{ Type: 'fixed-response' }] }],
    });
    expect(await router.getWeights('us-east-1', 'l')).toEqual([]);
    await router.setWeights('us-east-1', 'l', [{ targetGroupArn: 'a', weight: 100 }]);
    expect(elb.commandCalls(ModifyListenerCommand)[0]?.args[0].input).toEqual({
      ListenerArn: 'l',
      DefaultActions: [
        {
          Type: 'forward',
          ForwardConfig: { TargetGroups: [{ TargetGroupArn: 'a', Weight: 100 }] },
        },
      ],
    });
    elb.restore();
  });
});

describe('RdsDatabase', () => {
  it('a snapshot created concurrently by someone else is returned', async () => {
    const rds = mockClient(clients.rds());
    rds
      .on(DescribeDBSnapshotsCommand)
      .rejectsOnce(fakeAwsError('DBSnapshotNotFoundFault', 'not found', 404))
      .resolves({
        DBSnapshots: [
          { DBSnapshotIdentifier: 'x-r1', DBInstanceIdentifier: 'db', Status: 'creating' },
        ],
      });
    rds.on(CreateDBSnapshotCommand).rejects(fakeAwsError('DBSnapshotAlreadyExistsFault'));
    const db = new RdsDatabase(clients);
    expect(await db.createSnapshot('us-east-1', 'db', 'x-r1')).toEqual({
      id: 'x-r1',
      dbInstanceIdentifier: 'db',
      status: 'creating',
    });
    rds.restore();
  });
});

describe('EcrImageRegistry', () => {
  it('asks the registry and region of the reference; access errors are thrown', async () => {
    const ecr = mockClient(clients.ecr('eu-west-1'));
    ecr.on(DescribeImagesCommand).rejects(fakeAwsError('AccessDeniedException', 'denied', 403));
    const registry = new EcrImageRegistry(clients);
    const image = '210987654321.dkr.ecr.eu-west-1.amazonaws.com/team/db:1.2';
    expect(await rejection(registry.lookup(image))).toMatchObject({
      name: 'AccessDeniedException',
    });
    expect(ecr.commandCalls(DescribeImagesCommand)[0]?.args[0].input).toEqual({
      registryId: '210987654321',
      repositoryName: 'team/db',
      imageIds: [{ imageTag: '1.2' }],
    });
    ecr.restore();
  });
});

describe('parseEcrImage', () => {
  it.each([
    [
      '123456789012.dkr.ecr.us-east-1.amazonaws.com/ldb:2.1.0',
      { registryId: '123456789012', region: 'us-east-1', repository: 'ldb', tag: '2.1.0' },
    ],
    [
      '123456789012.dkr.ecr.us-east-1.amazonaws.com/ldb',
      { registryId: '123456789012', region: 'us-east-1', repository: 'ldb', tag: 'latest' },
    ],
    [
      `123456789012.dkr.ecr-fips.us-gov-west-1.amazonaws.com/a/b@sha256:${'c'.repeat(64)}`,
      { region: 'us-gov-west-1', repository: 'a/b', digest: `sha256:${'c'.repeat(64)}` },
    ],
    [
      '123456789012.dkr.ecr.cn-north-1.amazonaws.com.cn/ldb:1',
      { region: 'cn-north-1', repository: 'ldb', tag: '1' },
    ],
  ])('%s', (image, expected) => {
    expect(parseEcrImage(image)).toMatchObject({ kind: 'ecr', ref: expected });
  });

  it('tells other registries and malformed references apart', () => {
    expect(parseEcrImage('nginx:1.27').kind).toBe('not-ecr');
    expect(parseEcrImage('ghcr.io/org/x:1').kind).toBe('not-ecr');
    expect(parseEcrImage('123456789012.dkr.ecr.us-east-1.amazonaws.com/ldb@sha256:zz').kind).toBe(
      'invalid',
    );
    expect(parseEcrImage('123456789012.dkr.ecr.us-east-1.amazonaws.com/LDB:1').kind).toBe(
      'invalid',
    );
  });
});
