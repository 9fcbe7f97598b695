// A pure-decision test bench for ScalePolicy: a service state, an object identity and a driver
// that feeds each decision's status into the next one, applying its action to the fake world.
import type { ServiceState } from '../../../reconcilers/shared/ports/ecs.js';
import type { ScalePolicySpec } from '../../../reconcilers/scalepolicy/api.js';
import {
  applied,
  decide,
  DEFAULT_TUNING,
  type AutoscalingObserved,
  type Decision,
  type Observed,
  type ScalePolicyState,
} from '../../../reconcilers/scalepolicy/plan/index.js';

export const REF = { region: 'us-east-1', cluster: 'prod', service: 'web' };
export const OBJECT = { namespace: 'ns', name: 'sp', uid: '0b6e3a52-1c9f-4f57-9d0c-3a7f1a2b4c5d' };
export const TUNING = { ...DEFAULT_TUNING, afterActionMs: 100, pollMs: 1_000, resyncMs: 600_000 };

export function service(desired: number, running = desired, failedTasks = 0): ServiceState {
  return {
    ref: REF,
    arn: 'arn:aws:ecs:us-east-1:123456789012:service/prod/web',
    status: 'ACTIVE',
    deploymentController: 'ECS',
    desiredCount: desired,
    runningCount: running,
    pendingCount: desired - running,
    capacityProviders: [],
    deployments: [
      {
        id: 'ecs-svc/1',
        status: 'PRIMARY',
        taskDefinitionArn: 'arn:td:1',
        desiredCount: desired,
        runningCount: running,
        pendingCount: desired - running,
        failedTasks,
      },
    ],
    taskSets: [],
    loadBalancers: [],
    observedAt: new Date(0),
  };
}

export const EMPTY_AAS: AutoscalingObserved = { target: null, policies: [], scheduled: [] };

/** The world a sequence of decisions acts on. */
export class Bench {
  desired: number;
  running: number | undefined;
  failed = 0;
  aas: AutoscalingObserved = EMPTY_AAS;
  status: ScalePolicyState | undefined;
  now: Date;
  readonly writes: number[] = [];
  extra: Partial<Observed> = {};

  spec: ScalePolicySpec;

  constructor(spec: ScalePolicySpec, desired: number, now = new Date('2026-12-06T10:00:00Z')) {
    this.spec = spec;
    this.desired = desired;
    this.now = now;
  }

  observed(): Observed {
    const readAas = this.spec.autoscaling !== undefined || this.status?.autoscaling !== undefined;
    return {
      service: service(this.desired, this.running ?? this.desired, this.failed),
      ...(readAas ? { autoscaling: this.aas } : {}),
      ...this.extra,
    };
  }

  /** One reconcile: decide, apply the action to the fake world, keep the status. */
  step(apply = true): Decision {
    const decision = decide({
      object: OBJECT,
      spec: this.spec,
      status: this.status,
      observed: this.observed(),
      now: this.now,
      tuning: TUNING,
    });
    const action = decision.action;
    if (apply && action !== undefined) {
      if (action.type === 'setDesiredCount') {
        this.desired = action.count;
        this.writes.push(action.count);
      } else {
        this.aas = applied(this.aas, action);
      }
    }
    this.status = decision.status;
    return decision;
  }

  advance(ms: number): void {
    this.now = new Date(this.now.getTime() + ms);
  }

  /** Runs reconciles, each at its requested time, until nothing happens for `quietMs`. */
  settle(maxSteps = 100): void {
    for (let i = 0; i < maxSteps; i++) {
      const d = this.step();
      if (d.action === undefined && (d.requeueAfterMs ?? Infinity) >= TUNING.resyncMs) return;
      this.advance(d.requeueAfterMs ?? TUNING.resyncMs);
    }
    throw new Error('did not settle');
  }
}

export const cond = (status: ScalePolicyState | undefined, type: string) =>
  status?.conditions?.find((c) => c.type === type);
