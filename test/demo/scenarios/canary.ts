// The canary Release both canary scenarios apply: manifests/examples/release-canary.yaml on a
// freshly seeded EXTERNAL-controller service, with demo timings, plus the traffic and listener
// observations they share.
import type { Dimension } from '@aws-sdk/client-cloudwatch';
import { DescribeListenersCommand } from '@aws-sdk/client-elastic-load-balancing-v2';
import type { SeededLatticeDb } from '../../fixtures/moto/seed.js';
import {
  elbArnRewrites,
  elbDimension,
  loadExample,
  rewriteStrings,
  specAt,
  useDemoAnalysisTimings,
  type DemoObject,
} from '../examples.js';
import type { ScenarioContext } from '../scenario.js';
import { createAlarms, seedService, serveChecks } from '../world.js';

export const RELEASE_FINAL_PHASES = ['Healthy', 'RolledBack', 'Aborted', 'Failed', 'Frozen'];

export interface CanaryWorld {
  readonly release: DemoObject;
  readonly seeded: SeededLatticeDb;
  /** CloudWatch dimensions of the canary and stable target groups behind the ALB. */
  readonly canaryDimensions: readonly Dimension[];
  readonly stableDimensions: readonly Dimension[];
}

/** An explicit canary step list, replacing the example's shorthand. */
export type CanarySteps = readonly Record<string, unknown>[];

/**
 * Seeds `<seedName>` running `fromTag` and returns the example Release (renamed to `name`)
 * releasing `toTag` to it, with demo timings (or `steps` instead of the shorthand).
 */
export async function prepareCanaryRelease(
  ctx: ScenarioContext,
  o: { name: string; seedName: string; fromTag: string; toTag: string; steps?: CanarySteps },
): Promise<CanaryWorld> {
  const example = loadExample('release-canary.yaml');
  const seeded = await seedService(ctx, { name: o.seedName, imageTags: [o.fromTag, o.toTag] });
  const alb = specAt(example, 'strategy', 'canary', 'trafficRouting', 'alb') as Record<
    string,
    string
  >;
  const rewrites = new Map([
    ...elbArnRewrites(alb.listenerArn ?? '', seeded.alb.listenerArn),
    ...elbArnRewrites(alb.stableTargetGroupArn ?? '', seeded.alb.blueTargetGroupArn),
    ...elbArnRewrites(alb.canaryTargetGroupArn ?? '', seeded.alb.greenTargetGroupArn),
  ]);
  const release = rewriteStrings(example, rewrites);
  release.metadata.name = o.name;
  release.spec.target = {
    region: seeded.region,
    cluster: seeded.cluster,
    service: seeded.canary.ref.service,
    container: seeded.containerName,
  };
  release.spec.image = `${seeded.ecr.repositoryUri}:${o.toTag}`;
  useDemoTimings(release, o.steps);
  serveChecks(ctx, specAt(release, 'checks').smoke, `/${o.name}`, () => ({
    status: 'ok',
    version: o.toTag,
  }));
  const postDeployment = specAt(release, 'checks', 'postDeployment');
  await createAlarms(ctx, (postDeployment.noAlarmsFiring ?? []) as string[], seeded.region);
  const lb = elbDimension(seeded.alb.listenerArn) ?? '';
  const tg = (arn: string): Dimension[] => [
    { Name: 'LoadBalancer', Value: lb },
    { Name: 'TargetGroup', Value: elbDimension(arn) ?? '' },
  ];
  return {
    release,
    seeded,
    canaryDimensions: tg(seeded.alb.greenTargetGroupArn),
    stableDimensions: tg(seeded.alb.blueTargetGroupArn),
  };
}

/**
 * Minutes become seconds: 5 → 25 → 45 → 65 → 85 → 95 % → promote, 4 s per step (or `steps`),
 * analysis every 2 s over 10 s windows (the latency gate reads the Maximum: moto has no p95).
 */
function useDemoTimings(release: DemoObject, steps: CanarySteps | undefined): void {
  const canary = specAt(release, 'strategy', 'canary');
  if (steps === undefined) {
    Object.assign(canary, { stepWeight: 20, stepInterval: '4s' });
  } else {
    for (const shorthand of ['initialWeight', 'stepWeight', 'stepInterval', 'maxWeight'])
      Reflect.deleteProperty(canary, shorthand);
    canary.steps = steps;
  }
  useDemoAnalysisTimings(release);
}

/**
 * Notes every change of the listener's forward weights as moto stores them (the controller's
 * real effect on the ALB), until the demo stops. `names` labels the target groups.
 */
export async function followListenerWeights(
  ctx: ScenarioContext,
  seeded: SeededLatticeDb,
  names: ReadonlyMap<string, string>,
): Promise<void> {
  const elb = ctx.aws.elbv2(seeded.region);
  let last = '';
  do {
    const out = await elb.send(
      new DescribeListenersCommand({ ListenerArns: [seeded.alb.listenerArn] }),
    );
    const groups = out.Listeners?.[0]?.DefaultActions?.[0]?.ForwardConfig?.TargetGroups ?? [];
    const text = groups
      .map((g) => `${names.get(g.TargetGroupArn ?? '') ?? 'other'} ${String(g.Weight ?? 0)}`)
      .join(' / ');
    if (text !== last) {
      if (last !== '') ctx.note(`ALB listener now forwards ${text}`);
      last = text;
    }
  } while (await ctx.sleep(1_000));
}

/** Target-group labels of a canary world for {@link followListenerWeights}. */
export function canaryGroupNames(seeded: SeededLatticeDb): ReadonlyMap<string, string> {
  return new Map([
    [seeded.alb.blueTargetGroupArn, 'stable'],
    [seeded.alb.greenTargetGroupArn, 'canary'],
  ]);
}
