// Builders for decide() tests: a canary/blue-green service on two target groups, statuses at a
// given stage, listener weights — plain data, as observe.ts would hand them over.
import { ReleaseAttempt, type ReleaseSpec } from '../../../../reconcilers/release/api.js';
import {
  decide,
  specHash as specHashOf,
  type Decision,
  type Observed,
  type ReleaseState,
} from '../../../../reconcilers/release/plan/index.js';
import type {
  ServiceState,
  TaskDefinitionSummary,
  TaskSet,
} from '../../../../reconcilers/shared/ports/ecs.js';
import {
  canarySpec,
  CONTAINER,
  image,
  LISTENER,
  REF,
  TG_A,
  TG_B,
  taskSetId,
} from '../support/world.js';
import { CLAIM_TAG, claimValue } from '../../../../reconcilers/release/plan/index.js';

export {
  canarySpec,
  blueGreenSpec,
  rollingSpec,
  image,
  LISTENER,
  TEST_LISTENER,
  TG_A,
  TG_B,
  ERROR_RATE_CHECK,
} from '../support/world.js';

export const NOW = new Date('2026-11-26T10:00:00Z');
export const iso = (offsetMs = 0): string =>
  new Date(NOW.getTime() + offsetMs).toISOString().replace('.000Z', 'Z');
export const OBJECT = {
  namespace: 'prod',
  name: 'latticedb',
  uid: '5f0c2a8e-1111-2222-3333-444455556666',
};
export const TD1 = 'arn:aws:ecs:us-east-1:123456789012:task-definition/latticedb:1';
export const TD2 = 'arn:aws:ecs:us-east-1:123456789012:task-definition/latticedb:2';
const TS = 'arn:aws:ecs:us-east-1:123456789012:task-set/prod/latticedb/ecs-svc';
export const STABLE_TS = `${TS}/stable`;
export const CANARY_TS = `${TS}/canary1`;

export function taskSet(arn: string, p: Partial<TaskSet> = {}): TaskSet {
  return {
    id: arn.slice(arn.lastIndexOf('/') + 1),
    arn,
    status: 'ACTIVE',
    taskDefinitionArn: TD2,
    scalePercent: 100,
    targetGroupArns: [TG_B],
    stabilityStatus: 'STEADY_STATE',
    launchType: 'FARGATE',
    ...p,
  };
}

export const stableTaskSet = (p: Partial<TaskSet> = {}): TaskSet =>
  taskSet(STABLE_TS, { status: 'PRIMARY', taskDefinitionArn: TD1, targetGroupArns: [TG_A], ...p });

export const canaryTaskSet = (scale: number, p: Partial<TaskSet> = {}): TaskSet =>
  taskSet(CANARY_TS, { externalId: taskSetId(1, 'canary'), scalePercent: scale, ...p });

export function service(
  taskSets: readonly TaskSet[] = [stableTaskSet()],
  p: Partial<ServiceState> = {},
): ServiceState {
  return {
    ref: REF,
    arn: 'arn:aws:ecs:us-east-1:123456789012:service/prod/latticedb',
    status: 'ACTIVE',
    deploymentController: 'EXTERNAL',
    desiredCount: 4,
    runningCount: 4,
    pendingCount: 0,
    capacityProviders: [],
    deployments: [],
    taskSets,
    loadBalancers: [{ targetGroupArn: TG_A, containerName: CONTAINER, containerPort: 7000 }],
    observedAt: NOW,
    // Claimed by the Release under test (plan/claim.ts); claim.test.ts covers the other cases.
    tags: { [CLAIM_TAG]: claimValue(OBJECT) },
    ...p,
  };
}

/** Revision 1's task definition (TD2) as observed: the managed container runs `spec`'s image. */
export const revisionTd = (spec: ReleaseSpec = canarySpec()): TaskDefinitionSummary => ({
  arn: TD2,
  family: 'latticedb',
  revision: 2,
  containers: [
    {
      name: CONTAINER,
      image: spec.image,
      environment: { ...spec.environment },
      secrets: [...(spec.secrets ?? [])],
    },
  ],
  tags: {},
  requiresCompatibilities: ['FARGATE'],
});

/** Production listener weights with `canary` % on TG_B. */
export const weights = (canary: number, listener = LISTENER): Observed['weights'] => ({
  [listener]: [
    { targetGroupArn: TG_A, weight: 100 - canary },
    { targetGroupArn: TG_B, weight: canary },
  ],
});

/** A status for a fixture: the attempt's fields may be given beside the Release's own. */
export type StatusFixture = Partial<ReleaseState> & ReleaseAttempt;

/** Revision 1 (image v2, TD2) in flight at `stage`, replacing stable revision 0 (TD1). */
export function inFlight(
  stage: NonNullable<ReleaseState['stage']>,
  p: StatusFixture = {},
  spec: ReleaseSpec = canarySpec(),
): ReleaseState {
  const { attempt, ...given } = p;
  const isAttempt = ([key]: [string, unknown]): boolean => key in ReleaseAttempt.properties;
  const own = Object.fromEntries(Object.entries(given).filter((e) => !isAttempt(e)));
  const ofAttempt = Object.fromEntries(Object.entries(given).filter(isAttempt));
  const stable = {
    number: 0,
    specHash: 'adopted',
    image: image('v1'),
    taskDefinitionArn: TD1,
    taskSetArn: STABLE_TS,
  };
  return {
    phase: 'Progressing',
    revision: { number: 1, specHash: specHashOf(spec), image: spec.image, taskDefinitionArn: TD2 },
    stableRevision: stable,
    stableHistory: [stable],
    stableTargetGroupArn: TG_A,
    stage,
    // The claim on the service was written by an earlier reconcile (claim.test.ts covers it).
    serviceClaim: service().arn,
    ...own,
    attempt: {
      progressStartedAt: iso(-600_000),
      lastProgressAt: iso(-60_000),
      stepStartedAt: iso(-60_000),
      ...ofAttempt,
      ...attempt,
    },
  };
}

export interface RunOptions {
  readonly spec?: ReleaseSpec;
  readonly annotations?: Record<string, string>;
  readonly now?: Date;
}

export function run(
  status: ReleaseState | undefined,
  observed: Omit<Observed, 'service'> & { service?: ServiceState | null },
  o: RunOptions = {},
): Decision {
  return decide({
    object: OBJECT,
    spec: o.spec ?? canarySpec(),
    // No status yet: the claim the fixtures' service carries was recorded with the status of the
    // reconcile that wrote it (a claim found without that record: claim.test.ts).
    status: status ?? { serviceClaim: service().arn },
    annotations: o.annotations ?? {},
    observed: { service: service(), ...observed },
    now: o.now ?? NOW,
    tuning: { afterActionMs: 1_000, pollMs: 5_000, probeMs: 100, resyncMs: 600_000 },
  });
}

/** The status the runtime would store after `decision` (what the next reconcile reads). */
export const next = (decision: Decision): ReleaseState => structuredClone(decision.status);

/**
 * A decision as plain data, for comparing two decisions: `afterAction` is a function, so it is
 * replaced by what it makes of an answer that tells nothing (the status the action would record).
 */
export function comparable(decision: Decision): Omit<Decision, 'afterAction'> & {
  afterAction?: unknown;
} {
  const { afterAction, ...rest } = decision;
  return afterAction === undefined ? rest : { ...rest, afterAction: afterAction({}) };
}
