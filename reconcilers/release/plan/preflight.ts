// Pre-flight, before any AWS write of the revision: the strategy fits the service's deployment
// controller, the container exists, the image is in ECR, the service is stable, the cluster has
// the capacity the service uses. `strict` turns warnings into failures; `skip` needs a reason and
// is recorded. The first three checks guard the controller's own assumptions and run even when
// pre-flight is skipped.
import type { ServiceState, TaskSet } from '../../shared/ports/ecs.js';
import { ReleaseReason, type CheckOutcome, type CheckResult } from '../api.js';
import { nowIso, probe, progressed, type Draft, type StepResult } from './draft.js';
import { bounded, note } from './history.js';
import { failRevision } from './rollback-start.js';
import {
  liveTaskSets,
  pairTargetGroup,
  primaryTaskSet,
  revisionOfTaskSet,
  routingOf,
} from './world.js';

type Result = Omit<CheckResult, 'at'>;
const result = (name: string, outcome: CheckOutcome, message: string): Result => ({
  name,
  outcome,
  // Lists of containers or task sets: bounded as the schema requires (status.attempt?.preflight.results).
  message: bounded(message),
});

export function preflightStage(draft: Draft): StepResult {
  const service = draft.observed.service;
  const base = draft.observed.baseTaskDefinition;
  if (service === null || base === undefined) return probe('the service and its task definition');
  const guards = [
    strategyFits(draft, service),
    containerExists(
      draft,
      base?.containers.map((c) => c.name),
    ),
  ];
  const failedGuard = guards.find((g) => g.outcome === 'Failed');
  if (failedGuard !== undefined) {
    record(draft, false, undefined, guards);
    return failRevision(
      draft,
      ReleaseReason.PreflightFailed,
      `${failedGuard.name}: ${failedGuard.message}`,
    );
  }
  const skip = draft.spec.checks?.preflight?.skip;
  if (skip !== undefined) {
    record(draft, true, skip.reason, guards);
    note(
      draft,
      'Warning',
      ReleaseReason.PreflightSkipped,
      `pre-flight checks skipped: ${skip.reason}`,
    );
    return progressed(draft);
  }
  const opts = draft.spec.checks?.preflight ?? {};
  const results: Result[] = [...guards];
  if (opts.imageExists !== false) {
    const image = draft.observed.image;
    if (image === undefined) return probe('the image in ECR');
    results.push(
      image.kind === 'found'
        ? result('imageExists', 'Passed', `${draft.spec.image} is in ECR`)
        : image.kind === 'missing'
          ? result('imageExists', 'Failed', image.reason)
          : result('imageExists', 'Warning', image.reason),
    );
  }
  if (opts.serviceStable !== false) results.push(serviceStable(draft, service));
  if (opts.capacity !== false) {
    const capacity = draft.observed.capacity;
    if (capacity === undefined) return probe('the cluster capacity');
    results.push(capacityCheck(service, capacity));
  }
  const strict = opts.strict === true;
  const failed = results.filter(
    (r) => r.outcome === 'Failed' || (strict && r.outcome === 'Warning'),
  );
  record(draft, false, undefined, results);
  if (failed.length > 0) {
    const why = failed.map((r) => `${r.name}: ${r.message ?? r.outcome}`).join('; ');
    return failRevision(draft, ReleaseReason.PreflightFailed, why);
  }
  const warnings = results.filter((r) => r.outcome === 'Warning').length;
  note(
    draft,
    'Normal',
    ReleaseReason.PreflightPassed,
    `pre-flight passed${warnings > 0 ? ` with ${warnings} warning(s)` : ''}`,
  );
  return progressed(draft);
}

function record(
  draft: Draft,
  skipped: boolean,
  reason: string | undefined,
  results: readonly Result[],
): void {
  const at = nowIso(draft);
  draft.status.attempt.preflight = {
    skipped,
    ...(reason === undefined ? {} : { reason }),
    results: results.map((r) => ({ ...r, at })),
  };
}

function strategyFits(draft: Draft, service: ServiceState): Result {
  const wantsTaskSets = routingOf(draft.spec) !== undefined;
  const controller = service.deploymentController;
  if (wantsTaskSets && controller !== 'EXTERNAL') {
    return result(
      'strategy',
      'Failed',
      `canary and blue/green need the EXTERNAL deployment controller; the service uses ${controller}`,
    );
  }
  if (!wantsTaskSets && controller !== 'ECS') {
    return result(
      'strategy',
      'Failed',
      `rolling needs the ECS deployment controller; the service uses ${controller}`,
    );
  }
  if (wantsTaskSets) {
    const primary = primaryTaskSet(service);
    if (primary === undefined)
      return result('strategy', 'Failed', 'the service has no PRIMARY task set to release from');
    if (pairTargetGroup(draft.spec, primary) === undefined) {
      return result(
        'strategy',
        'Failed',
        `the primary task set serves none of the target groups in trafficRouting`,
      );
    }
  }
  return result('strategy', 'Passed', `${controller} deployment controller`);
}

function containerExists(draft: Draft, names: readonly string[] | undefined): Result {
  const want = draft.spec.target.container;
  if (names === undefined)
    return result('container', 'Failed', 'the service has no task definition');
  return names.includes(want)
    ? result('container', 'Passed', `container ${want} is in the task definition`)
    : result(
        'container',
        'Failed',
        `container ${want} is not in the task definition (it has ${names.join(', ')})`,
      );
}

function serviceStable(draft: Draft, service: ServiceState): Result {
  if (service.deploymentController !== 'EXTERNAL') {
    const busy = service.deployments.filter(
      (x) =>
        x.status !== 'PRIMARY' || (x.rolloutState !== undefined && x.rolloutState !== 'COMPLETED'),
    );
    if (busy.length > 0)
      return result(
        'serviceStable',
        'Failed',
        `a deployment is in progress (${busy.map((x) => x.id).join(', ')})`,
      );
    if (service.runningCount < service.desiredCount) {
      return result(
        'serviceStable',
        'Failed',
        `${service.runningCount} of ${service.desiredCount} tasks running`,
      );
    }
    return result(
      'serviceStable',
      'Passed',
      `${service.runningCount} of ${service.desiredCount} tasks running`,
    );
  }
  const foreign = liveTaskSets(service).filter(
    (ts) => ts.status !== 'PRIMARY' && !isOursOrRetiring(draft, ts),
  );
  if (foreign.length > 0) {
    return result(
      'serviceStable',
      'Failed',
      `unknown ACTIVE task set(s): ${foreign.map((ts) => ts.id).join(', ')}`,
    );
  }
  const primary = primaryTaskSet(service);
  if (primary?.stabilityStatus !== undefined && primary.stabilityStatus !== 'STEADY_STATE') {
    return result('serviceStable', 'Failed', `the primary task set is ${primary.stabilityStatus}`);
  }
  return result('serviceStable', 'Passed', 'one PRIMARY task set in STEADY_STATE');
}

const isOursOrRetiring = (draft: Draft, ts: TaskSet): boolean =>
  revisionOfTaskSet(ts, draft.object.uid) !== undefined ||
  ts.arn === draft.status.retiring?.taskSetArn;

function capacityCheck(
  service: ServiceState,
  cluster: {
    readonly capacityProviders: readonly string[];
    readonly registeredContainerInstances: number;
  },
): Result {
  const primary = primaryTaskSet(service);
  const strategy = primary?.capacityProviderStrategy ?? service.capacityProviderStrategy ?? [];
  if (strategy.length > 0) {
    const missing = strategy
      .map((s) => s.capacityProvider)
      .filter((p) => !cluster.capacityProviders.includes(p));
    return missing.length === 0
      ? result(
          'capacity',
          'Passed',
          `capacity providers ${strategy.map((s) => s.capacityProvider).join(', ')}`,
        )
      : result(
          'capacity',
          'Failed',
          `the cluster lacks capacity provider(s) ${missing.join(', ')}`,
        );
  }
  const launchType =
    (service.deploymentController === 'EXTERNAL' ? primary?.launchType : service.launchType) ??
    'EC2';
  if (launchType === 'FARGATE') return result('capacity', 'Passed', 'FARGATE launch type');
  return cluster.registeredContainerInstances > 0
    ? result(
        'capacity',
        'Passed',
        `${cluster.registeredContainerInstances} container instance(s) for ${launchType}`,
      )
    : result(
        'capacity',
        'Failed',
        `launch type ${launchType} but the cluster has no container instances`,
      );
}
