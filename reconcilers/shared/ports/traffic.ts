/**
 * Weighted traffic between target groups on an ALB listener (canary and blue/green). The weights
 * are read back from the listener itself, so a reconcile after a crash sees whether the last shift
 * happened and never applies it twice.
 */
export interface TargetGroupWeight {
  readonly targetGroupArn: string;
  readonly weight: number;
}

export interface TrafficRouterPort {
  /**
   * Weights of the listener's default forward action (target groups not listed weigh 0; a plain
   * `TargetGroupArn` forward weighs 100; a non-forward default action gives []). A missing listener
   * throws `ListenerNotFoundException` (classified NotFound).
   */
  getWeights(region: string, listenerArn: string): Promise<readonly TargetGroupWeight[]>;
  /**
   * Replaces the default forward action with these weights (keeps stickiness settings). Writes
   * nothing when the listener already forwards exactly these weights.
   */
  setWeights(
    region: string,
    listenerArn: string,
    weights: readonly TargetGroupWeight[],
  ): Promise<void>;
}
