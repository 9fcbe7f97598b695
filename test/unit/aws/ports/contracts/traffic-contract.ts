// The TrafficRouterPort contract, run against FakeTrafficRouter (unit) and Elbv2TrafficRouter on
// moto (integration).
import { beforeEach, describe, expect, it } from 'vitest';
import {
  AwsErrorKind,
  classifyAwsError,
} from '../../../../../reconcilers/shared/adapters/aws/errors.js';
import type { TrafficRouterPort } from '../../../../../reconcilers/shared/ports/traffic.js';
import { rejection } from './support.js';

export interface TrafficContractWorld {
  readonly port: TrafficRouterPort;
  readonly region: string;
  /** Forwards stable 100 / canary 0 through ForwardConfig, stickiness on. */
  readonly listenerArn: string;
  /** Forwards with a plain TargetGroupArn to the stable target group. */
  readonly plainListenerArn: string;
  readonly missingListenerArn: string;
  readonly stableTargetGroupArn: string;
  readonly canaryTargetGroupArn: string;
  /** Listener write calls so far. */
  writes(): number;
  /** The stickiness of the listener's forward action as stored. */
  stickiness(
    listenerArn: string,
  ): Promise<{ enabled: boolean; durationSeconds?: number } | undefined>;
}

export function describeTrafficRouterContract(setup: () => Promise<TrafficContractWorld>): void {
  let w: TrafficContractWorld;
  beforeEach(async () => {
    w = await setup();
  });
  const weights = (stable: number, canary: number) => [
    { targetGroupArn: w.stableTargetGroupArn, weight: stable },
    { targetGroupArn: w.canaryTargetGroupArn, weight: canary },
  ];

  describe('TrafficRouterPort', () => {
    it('reads the forward weights, a plain forward as 100', async () => {
      expect(await w.port.getWeights(w.region, w.listenerArn)).toEqual(weights(100, 0));
      expect(await w.port.getWeights(w.region, w.plainListenerArn)).toEqual([
        { targetGroupArn: w.stableTargetGroupArn, weight: 100 },
      ]);
    });

    it('sets weights, reads them back and keeps stickiness', async () => {
      await w.port.setWeights(w.region, w.listenerArn, weights(95, 5));
      expect(await w.port.getWeights(w.region, w.listenerArn)).toEqual(weights(95, 5));
      expect(await w.stickiness(w.listenerArn)).toEqual({ enabled: true, durationSeconds: 300 });
      await w.port.setWeights(w.region, w.listenerArn, weights(0, 100));
      expect(await w.port.getWeights(w.region, w.listenerArn)).toEqual(weights(0, 100));
    });

    it('writes nothing when the weights are already in place', async () => {
      await w.port.setWeights(w.region, w.listenerArn, weights(80, 20));
      const before = w.writes();
      await w.port.setWeights(w.region, w.listenerArn, [...weights(80, 20)].reverse());
      expect(w.writes()).toBe(before);
    });

    it('turns a plain forward into weights', async () => {
      await w.port.setWeights(w.region, w.plainListenerArn, weights(90, 10));
      expect(await w.port.getWeights(w.region, w.plainListenerArn)).toEqual(weights(90, 10));
    });

    it('a missing listener is NotFound', async () => {
      const calls = [
        () => w.port.getWeights(w.region, w.missingListenerArn),
        () => w.port.setWeights(w.region, w.missingListenerArn, weights(100, 0)),
      ];
      for (const call of calls) {
        expect(classifyAwsError(await rejection(call()))).toBe(AwsErrorKind.NotFound);
      }
    });
  });
}
