// What observe.ts reads for this reconcile, decided from spec and status alone (plus the service,
// for whether a scale-down step is due): autoscaling state only when declared or recorded,
// health metrics only when a step is due, Releases only while they could change the decision.
import type { ServiceState } from '../../shared/ports/ecs.js';
import type { ScalePolicySpec } from '../api.js';
import { goalOf, stepDue } from './count.js';
import type { ScalePolicyState } from './types.js';

export function needsAutoscaling(
  spec: ScalePolicySpec,
  status: ScalePolicyState | undefined,
): boolean {
  return spec.autoscaling !== undefined || status?.autoscaling !== undefined;
}

/** Releases matter while scaling down or while autoscaling's scale-in could be suspended. */
export function needsReleases(
  spec: ScalePolicySpec,
  status: ScalePolicyState | undefined,
  service: ServiceState,
): boolean {
  const goal = goalOf(spec, status);
  return spec.autoscaling !== undefined || (goal !== undefined && service.desiredCount > goal);
}

export function needsMeasurements(
  spec: ScalePolicySpec,
  status: ScalePolicyState | undefined,
  service: ServiceState,
  now: Date,
): boolean {
  return (
    spec.suspend !== true &&
    (spec.scaleDown?.analysis?.length ?? 0) > 0 &&
    stepDue(spec, status, service, now)
  );
}
