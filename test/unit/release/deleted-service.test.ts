// A deleted ECS service is answered by DescribeServices as INACTIVE for a while (also next to a
// re-created service of the same name). Before the fix it counted as found: the Release reported a
// deleted service Available/Healthy and an in-flight revision acted on it.
import { DescribeServicesCommand } from '@aws-sdk/client-ecs';
import { mockClient } from 'aws-sdk-client-mock';
import { describe, expect, it } from 'vitest';
import { withMockedAws } from '../../fixtures/aws/mocked-sdk.js';
import { AwsEcsAdapter } from '../../../reconcilers/shared/adapters/aws/ecs-adapter.js';

const ref = { region: 'us-east-1', cluster: 'prod', service: 'api' };
const OLD = 'arn:aws:ecs:us-east-1:1:service/prod/api';

const aws = withMockedAws((clients) => mockClient(clients.ecs()));

describe('describeService and deleted services', () => {
  it('an INACTIVE service is missing', async () => {
    aws.sdk.on(DescribeServicesCommand).resolves({
      services: [{ serviceName: 'api', serviceArn: OLD, status: 'INACTIVE' }],
    });
    const adapter = new AwsEcsAdapter(aws.clients, { batchWindowMs: 0 });
    expect(await adapter.describeService(ref)).toBeUndefined();
  });

  it('next to a re-created service of the same name, the ACTIVE one is the service', async () => {
    aws.sdk.on(DescribeServicesCommand).resolves({
      services: [
        { serviceName: 'api', serviceArn: OLD, status: 'INACTIVE', desiredCount: 9 },
        { serviceName: 'api', serviceArn: OLD, status: 'ACTIVE', desiredCount: 3 },
      ],
    });
    const adapter = new AwsEcsAdapter(aws.clients, { batchWindowMs: 0 });
    expect(await adapter.describeService(ref)).toMatchObject({ status: 'ACTIVE', desiredCount: 3 });
  });
});
