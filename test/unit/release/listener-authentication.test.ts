// Shifting weights keeps the authentication in front of the production listener's forward action.
// ModifyListener replaces all default actions; before the fix only the forward action was sent,
// so the first weight shift silently removed authenticate-oidc/-cognito from the listener.
import {
  DescribeListenersCommand,
  ModifyListenerCommand,
  type Action,
} from '@aws-sdk/client-elastic-load-balancing-v2';
import { mockClient } from 'aws-sdk-client-mock';
import { describe, expect, it } from 'vitest';
import { withMockedAws } from '../../fixtures/aws/mocked-sdk.js';
import { Elbv2TrafficRouter } from '../../../reconcilers/shared/adapters/aws/elbv2-traffic-router.js';

const OIDC: Action = {
  Type: 'authenticate-oidc',
  Order: 1,
  AuthenticateOidcConfig: {
    Issuer: 'https://idp.example.com',
    AuthorizationEndpoint: 'https://idp.example.com/authorize',
    TokenEndpoint: 'https://idp.example.com/token',
    UserInfoEndpoint: 'https://idp.example.com/userinfo',
    ClientId: 'ldb',
  },
};
const COGNITO: Action = {
  Type: 'authenticate-cognito',
  Order: 2,
  AuthenticateCognitoConfig: {
    UserPoolArn: 'arn:aws:cognito-idp:us-east-1:1:userpool/p',
    UserPoolClientId: 'c',
    UserPoolDomain: 'd',
  },
};
const forward = (order?: number): Action => ({
  Type: 'forward',
  ...(order === undefined ? {} : { Order: order }),
  ForwardConfig: {
    TargetGroups: [
      { TargetGroupArn: 'stable', Weight: 100 },
      { TargetGroupArn: 'canary', Weight: 0 },
    ],
  },
});

const aws = withMockedAws((clients) => mockClient(clients.elbv2()));

const sent = (): Action[] =>
  aws.sdk.commandCalls(ModifyListenerCommand)[0]?.args[0].input.DefaultActions ?? [];

describe('Elbv2TrafficRouter.setWeights and listener authentication', () => {
  it('keeps authenticate-oidc and -cognito (with the existing client secret) before the forward', async () => {
    aws.sdk.on(DescribeListenersCommand).resolves({
      Listeners: [{ DefaultActions: [OIDC, COGNITO, forward(3)] }],
    });
    await new Elbv2TrafficRouter(aws.clients).setWeights('us-east-1', 'l', [
      { targetGroupArn: 'stable', weight: 90 },
      { targetGroupArn: 'canary', weight: 10 },
    ]);
    const actions = sent();
    expect(actions.map((a) => [a.Type, a.Order])).toEqual([
      ['authenticate-oidc', 1],
      ['authenticate-cognito', 2],
      ['forward', 3],
    ]);
    expect(actions[0]?.AuthenticateOidcConfig).toMatchObject({
      ClientId: 'ldb',
      UseExistingClientSecret: true,
    });
    expect(actions[0]?.AuthenticateOidcConfig).not.toHaveProperty('ClientSecret');
    expect(actions[1]).toEqual(COGNITO);
    expect(actions[2]?.ForwardConfig?.TargetGroups).toEqual([
      { TargetGroupArn: 'stable', Weight: 90 },
      { TargetGroupArn: 'canary', Weight: 10 },
    ]);
  });

  it('a forward without Order after an ordered authentication gets the next order', async () => {
    aws.sdk.on(DescribeListenersCommand).resolves({
      Listeners: [{ DefaultActions: [OIDC, forward()] }],
    });
    await new Elbv2TrafficRouter(aws.clients).setWeights('us-east-1', 'l', [
      { targetGroupArn: 'stable', weight: 0 },
      { targetGroupArn: 'canary', weight: 100 },
    ]);
    expect(sent().map((a) => [a.Type, a.Order])).toEqual([
      ['authenticate-oidc', 1],
      ['forward', 2],
    ]);
  });
});
