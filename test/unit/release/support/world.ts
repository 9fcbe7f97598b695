// A small AWS world in fakes for Release tests: one cluster, a canary/blue-green service (EXTERNAL,
// one PRIMARY task set) or a rolling service (ECS controller), its ALB listener(s), the images in
// ECR, an RDS instance and the flag store.
import type { ReleaseSpec } from '../../../../reconcilers/release/api.js';
import { externalIdFor } from '../../../../reconcilers/release/plan/index.js';
import type { AlarmSource } from '../../../../reconcilers/shared/checks/index.js';
import {
  FakeDatabase,
  FakeEcs,
  FakeImageRegistry,
  FakeTrafficRouter,
} from '../../../fixtures/aws/index.js';
import { FakeMetricSource } from '../../analysis/fake-metric-source.js';
import { FakeClock } from '../../controller/support/fake-clock.js';
import { FakeFlagStore } from '../../flags/support/fake-flag-store.js';

export const REGION = 'us-east-1';
export const ACCOUNT = '123456789012';
/** The UID of the Release the unit tests reconcile (harness.ts, plan/fixtures.ts). */
export const RELEASE_UID = '5f0c2a8e-1111-2222-3333-444455556666';
/** The externalId the Release gives the task set of revision `n`: `ldb-<uid>-r<n>-<role>`. */
export const taskSetId = (n: number, role: 'canary' | 'green'): string =>
  externalIdFor(RELEASE_UID, n, role);
export const REF = { region: REGION, cluster: 'prod', service: 'latticedb' };
export const CONTAINER = 'latticedb';
export const LISTENER = `arn:aws:elasticloadbalancing:${REGION}:${ACCOUNT}:listener/app/ldb/50dc6c495c0c9188/f2f7dc8efc522ab2`;
export const TEST_LISTENER = `arn:aws:elasticloadbalancing:${REGION}:${ACCOUNT}:listener/app/ldb/50dc6c495c0c9188/8f3c2a9d41e6b507`;
export const TG_A = `arn:aws:elasticloadbalancing:${REGION}:${ACCOUNT}:targetgroup/ldb-stable/73e2d6bc24d8a067`;
export const TG_B = `arn:aws:elasticloadbalancing:${REGION}:${ACCOUNT}:targetgroup/ldb-canary/2453ed029918f21f`;
export const image = (tag: string): string =>
  `${ACCOUNT}.dkr.ecr.${REGION}.amazonaws.com/latticedb:${tag}`;

/** Alarms for post-deployment checks: those named in `firing` are in ALARM. */
export class FakeAlarms implements AlarmSource {
  firing = new Set<string>();

  alarmsFiring(names: readonly string[]) {
    return Promise.resolve({ firing: names.filter((n) => this.firing.has(n)), missing: [] });
  }
}

export interface WorldOptions {
  readonly kind: 'canary' | 'rolling';
  readonly newTaskSetStability?: 'STEADY_STATE' | 'STABILIZING';
}

export class World {
  readonly clock = new FakeClock('2026-11-26T10:00:00Z');
  readonly ecs: FakeEcs;
  readonly traffic = new FakeTrafficRouter();
  readonly database = new FakeDatabase({ clock: this.clock });
  readonly images = new FakeImageRegistry();
  readonly metrics = new FakeMetricSource();
  readonly alarms = new FakeAlarms();
  readonly flags = new FakeFlagStore({ clock: this.clock });
  /** ARN of the task definition the service runs at the start (image v1). */
  readonly baseTd: string;

  constructor(options: WorldOptions) {
    this.ecs = new FakeEcs({
      clock: this.clock,
      ...(options.newTaskSetStability === undefined
        ? {}
        : { newTaskSetStability: options.newTaskSetStability }),
    });
    this.ecs.addCluster(REGION, REF.cluster, { capacityProviders: ['FARGATE'] });
    this.baseTd = this.ecs.registerTaskDefinition(REGION, {
      family: 'latticedb',
      containers: [
        {
          name: CONTAINER,
          image: image('v1'),
          environment: { LOG_LEVEL: 'info' },
          extra: { memory: 512 },
        },
        { name: 'sidecar', image: 'public.ecr.aws/envoy:1', extra: { memory: 128 } },
      ],
      requiresCompatibilities: ['FARGATE'],
    }).arn;
    for (const tag of ['v1', 'v2', 'v3']) this.images.addImage(image(tag));
    this.database.addInstance(REGION, 'ldb-prod');
    if (options.kind === 'canary') {
      this.ecs.addCanaryService(REF, {
        taskDefinitionArn: this.baseTd,
        targetGroupArn: TG_A,
        containerName: CONTAINER,
        containerPort: 7000,
        desiredCount: 4,
      });
      this.traffic.addListener(REGION, LISTENER, [{ targetGroupArn: TG_A, weight: 100 }]);
      this.traffic.addListener(REGION, TEST_LISTENER, [{ targetGroupArn: TG_A, weight: 100 }]);
    } else {
      this.ecs.addService(REF, {
        deploymentController: 'ECS',
        taskDefinitionArn: this.baseTd,
        desiredCount: 3,
        launchType: 'FARGATE',
      });
    }
  }

  /** Share of the production listener's traffic per target group, e.g. `{ A: 85, B: 15 }`. */
  async weights(listener = LISTENER): Promise<{ A: number; B: number }> {
    const w = await this.traffic.getWeights(REGION, listener);
    const total = w.reduce((s, x) => s + x.weight, 0);
    const share = (tg: string) =>
      Math.round((100 * (w.find((x) => x.targetGroupArn === tg)?.weight ?? 0)) / (total || 1));
    return { A: share(TG_A), B: share(TG_B) };
  }

  /** Error rate (percent) the canary reports from now on. */
  errorRate(percent: number | undefined): void {
    this.metrics.answer = (q) =>
      percent === undefined
        ? []
        : q.metricName === 'Errors'
          ? [percent]
          : q.metricName === 'Requests'
            ? [100]
            : undefined;
  }
}

export const ERROR_RATE_CHECK = {
  name: 'error-rate',
  cloudWatch: {
    ratio: {
      numerator: { namespace: 'App', metricName: 'Errors', stat: 'Sum' },
      denominator: { namespace: 'App', metricName: 'Requests', stat: 'Sum' },
      scale: 100,
    },
  },
  successCondition: '< 1',
  failureCondition: '> 5',
  interval: '1m',
  count: 1,
} as const;

export function canarySpec(overrides: Partial<ReleaseSpec> = {}): ReleaseSpec {
  return {
    target: { ...REF, container: CONTAINER },
    image: image('v2'),
    strategy: {
      canary: {
        initialWeight: 5,
        stepWeight: 10,
        stepInterval: '1m',
        trafficRouting: {
          alb: { listenerArn: LISTENER, stableTargetGroupArn: TG_A, canaryTargetGroupArn: TG_B },
        },
      },
    },
    ...overrides,
  };
}

export function blueGreenSpec(
  overrides: Partial<NonNullable<ReleaseSpec['strategy']['blueGreen']>> = {},
): ReleaseSpec {
  return {
    target: { ...REF, container: CONTAINER },
    image: image('v2'),
    strategy: {
      blueGreen: {
        approval: 'Required',
        scaleDownDelay: '10m',
        trafficRouting: {
          alb: {
            listenerArn: LISTENER,
            testListenerArn: TEST_LISTENER,
            blueTargetGroupArn: TG_A,
            greenTargetGroupArn: TG_B,
          },
        },
        ...overrides,
      },
    },
  };
}

export function rollingSpec(overrides: Partial<ReleaseSpec> = {}): ReleaseSpec {
  return {
    target: { ...REF, container: CONTAINER },
    image: image('v2'),
    strategy: { rolling: { circuitBreaker: { enable: true, rollback: false } } },
    ...overrides,
  };
}
