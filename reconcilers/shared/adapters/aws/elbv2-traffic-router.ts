// TrafficRouterPort over ELBv2 listeners: weights are the listener's default forward action, read
// back from DescribeListeners, so a shift that happened before a crash is seen, not repeated.
// ModifyListener replaces the default actions, so the current stickiness settings are read first
// and written again. moto stores weights verbatim (and does not validate the target groups).
import {
  DescribeListenersCommand,
  ModifyListenerCommand,
  type Action,
  type ElasticLoadBalancingV2Client,
  type Listener,
  type TargetGroupStickinessConfig,
} from '@aws-sdk/client-elastic-load-balancing-v2';
import type { TargetGroupWeight, TrafficRouterPort } from '../../ports/traffic.js';
import type { AwsClients } from './clients.js';

export class Elbv2TrafficRouter implements TrafficRouterPort {
  readonly #clients: AwsClients;

  constructor(clients: AwsClients) {
    this.#clients = clients;
  }

  async getWeights(region: string, listenerArn: string): Promise<readonly TargetGroupWeight[]> {
    return forwardWeights(await this.#listener(this.#clients.elbv2(region), listenerArn));
  }

  async setWeights(
    region: string,
    listenerArn: string,
    weights: readonly TargetGroupWeight[],
  ): Promise<void> {
    const elb = this.#clients.elbv2(region);
    const listener = await this.#listener(elb, listenerArn);
    const forward = forwardAction(listener);
    if (forward !== undefined && sameWeights(forwardWeights(listener), weights)) return;
    const stickiness: TargetGroupStickinessConfig | undefined =
      forward?.ForwardConfig?.TargetGroupStickinessConfig;
    // ModifyListener replaces every default action: the authentication in front of the forward
    // (authenticate-oidc/-cognito) is sent again as it is, or the weight shift would open the
    // production listener to unauthenticated traffic. Only the terminal action is replaced.
    const authentication = (listener.DefaultActions ?? [])
      .filter((a) => AUTHENTICATE.has(a.Type ?? ''))
      .map(resendable);
    const order = terminalOrder(listener, authentication);
    await elb.send(
      new ModifyListenerCommand({
        ListenerArn: listenerArn,
        DefaultActions: [
          ...authentication,
          {
            Type: 'forward',
            ...(order === undefined ? {} : { Order: order }),
            ForwardConfig: {
              TargetGroups: weights.map((w) => ({
                TargetGroupArn: w.targetGroupArn,
                Weight: w.weight,
              })),
              ...(stickiness === undefined ? {} : { TargetGroupStickinessConfig: stickiness }),
            },
          },
        ],
      }),
    );
  }

  async #listener(elb: ElasticLoadBalancingV2Client, listenerArn: string): Promise<Listener> {
    const out = await elb.send(new DescribeListenersCommand({ ListenerArns: [listenerArn] }));
    const listener = out.Listeners?.[0];
    if (listener === undefined) throw new Error(`DescribeListeners returned no ${listenerArn}`);
    return listener;
  }
}

const AUTHENTICATE = new Set(['authenticate-oidc', 'authenticate-cognito']);

/**
 * An authentication action as ModifyListener takes it back: DescribeListeners does not return the
 * OIDC client secret, so the existing one is kept (UseExistingClientSecret).
 */
function resendable(action: Action): Action {
  const oidc = action.AuthenticateOidcConfig;
  if (oidc === undefined) return action;
  const { ClientSecret: _omitted, ...rest } = oidc;
  return { ...action, AuthenticateOidcConfig: { ...rest, UseExistingClientSecret: true } };
}

/** The forward's Order: the terminal action's it replaces, else after the kept actions. */
function terminalOrder(listener: Listener, kept: readonly Action[]): number | undefined {
  const terminal = (listener.DefaultActions ?? []).find((a) => !AUTHENTICATE.has(a.Type ?? ''));
  if (terminal?.Order !== undefined) return terminal.Order;
  const orders = kept.flatMap((a) => (a.Order === undefined ? [] : [a.Order]));
  return orders.length === 0 ? undefined : Math.max(...orders) + 1;
}

/** The listener's default forward action (the last default action is the terminal one). */
function forwardAction(listener: Listener): Action | undefined {
  return listener.DefaultActions?.find((a) => a.Type === 'forward');
}

export function forwardWeights(listener: Listener): TargetGroupWeight[] {
  const forward = forwardAction(listener);
  if (forward === undefined) return [];
  const groups = forward.ForwardConfig?.TargetGroups ?? [];
  if (groups.length > 0) {
    return groups.flatMap((g) =>
      g.TargetGroupArn === undefined
        ? []
        : // ELB's default weight of a listed target group is 1.
          [{ targetGroupArn: g.TargetGroupArn, weight: g.Weight ?? 1 }],
    );
  }
  // A plain `TargetGroupArn` forward sends everything to one target group.
  return forward.TargetGroupArn === undefined
    ? []
    : [{ targetGroupArn: forward.TargetGroupArn, weight: 100 }];
}

/** Same target groups with the same weights, in any order. */
export function sameWeights(
  a: readonly TargetGroupWeight[],
  b: readonly TargetGroupWeight[],
): boolean {
  const key = (ws: readonly TargetGroupWeight[]): string =>
    ws
      .map((w) => `${w.targetGroupArn}=${w.weight}`)
      .sort()
      .join(',');
  return key(a) === key(b);
}
