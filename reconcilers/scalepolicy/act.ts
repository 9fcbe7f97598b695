// Executes the one action `decide` chose, and, on deletion, removes what this object created in
// Application Auto Scaling. Each write is a put or a delete that treats gone as done; the desired
// count is written ahead in status (the decision's checkpoint), so repeating any of them after a
// crash changes nothing.
import type { EventSpec, FinalizeOutcome, FinalizerHandler } from '../../controller/index.js';
import { ecsServiceResourceId } from '../shared/ports/autoscaling.js';
import { DeletionPolicy, type ScalePolicySpec } from './api.js';
import { isOwnedBy, type Action, type ScalePolicyState } from './plan/index.js';
import type { ScalePolicyObject, ScalePolicyPorts } from './ports.js';

export async function act(action: Action, ports: ScalePolicyPorts): Promise<EventSpec> {
  switch (action.type) {
    case 'setDesiredCount': {
      await ports.ecs.setDesiredCount(action.ref, action.count);
      const reason =
        action.why === 'restore'
          ? 'CountRestored'
          : action.why === 'scaleUp'
            ? 'ScaledUp'
            : 'ScaledDown';
      return { type: 'Normal', reason, message: `desiredCount ${action.from} → ${action.count}` };
    }
    case 'registerTarget': {
      await ports.autoscaling.registerTarget(action.region, action.target);
      const t = action.target;
      return {
        type: 'Normal',
        reason: 'ScalableTargetRegistered',
        message: `${t.resourceId}: min ${t.minCapacity}, max ${t.maxCapacity}, dynamic scale-in ${t.suspended.dynamicScalingInSuspended ? 'suspended' : 'active'}`,
      };
    }
    case 'deregisterTarget':
      await ports.autoscaling.deregisterTarget(action.region, action.resourceId);
      return { type: 'Normal', reason: 'ScalableTargetDeregistered', message: action.resourceId };
    case 'putPolicy':
      await ports.autoscaling.putTargetTrackingPolicy(
        action.region,
        action.resourceId,
        action.policy,
      );
      return {
        type: 'Normal',
        reason: 'ScalingPolicyPut',
        message: `${action.policy.name}: ${action.policy.predefinedMetric ?? ''} target ${action.policy.targetValue ?? '?'}`,
      };
    case 'deletePolicy':
      await ports.autoscaling.deletePolicy(action.region, action.resourceId, action.name);
      return { type: 'Normal', reason: 'ScalingPolicyDeleted', message: action.name };
    case 'putScheduledAction':
      await ports.autoscaling.putScheduledAction(action.region, action.resourceId, action.action);
      return {
        type: 'Normal',
        reason: 'ScheduledActionPut',
        message: `${action.action.name}: ${action.action.schedule}`,
      };
    case 'deleteScheduledAction':
      await ports.autoscaling.deleteScheduledAction(action.region, action.resourceId, action.name);
      return { type: 'Normal', reason: 'ScheduledActionDeleted', message: action.name };
  }
}

export const AUTOSCALING_FINALIZER = 'delivery.latticedb.com/autoscaling-cleanup';

/**
 * deletionPolicy Delete (the default) with something in Application Auto Scaling: deleting the
 * object removes the policies and scheduled actions it created and deregisters the target it
 * registered. Retain (also when switched to while deleting) lets go and leaves them.
 */
export function autoscalingFinalizer(
  ports: ScalePolicyPorts,
): FinalizerHandler<ScalePolicySpec, ScalePolicyState> {
  return {
    name: AUTOSCALING_FINALIZER,
    wanted: (obj) =>
      obj.spec.deletionPolicy !== DeletionPolicy.Retain &&
      (obj.spec.autoscaling !== undefined || obj.status?.autoscaling !== undefined),
    async finalize(obj: ScalePolicyObject): Promise<FinalizeOutcome<ScalePolicyState>> {
      if (obj.spec.deletionPolicy === DeletionPolicy.Retain) return { cleanedUp: true };
      const { region, cluster, service } = obj.spec.target;
      const resourceId = ecsServiceResourceId(cluster, service);
      const uid = obj.metadata.uid ?? '';
      const recorded = obj.status?.autoscaling;
      const ours = (name: string, list: readonly string[] | undefined): boolean =>
        isOwnedBy(name, uid) || (list ?? []).includes(name);
      const removed: string[] = [];
      const others: string[] = [];
      for (const p of await ports.autoscaling.describePolicies(region, resourceId)) {
        if (!ours(p.name, recorded?.policies)) {
          others.push(p.name);
          continue;
        }
        await ports.autoscaling.deletePolicy(region, resourceId, p.name);
        removed.push(`policy ${p.name}`);
      }
      for (const s of await ports.autoscaling.describeScheduledActions(region, resourceId)) {
        if (!ours(s.name, recorded?.scheduledActions)) {
          others.push(s.name);
          continue;
        }
        await ports.autoscaling.deleteScheduledAction(region, resourceId, s.name);
        removed.push(`scheduled action ${s.name}`);
      }
      const target = await ports.autoscaling.describeTarget(region, resourceId);
      const registered = recorded?.registered === true || obj.spec.autoscaling !== undefined;
      // Deregistering would delete the others' policies and scheduled actions with the target.
      if (target !== undefined && registered && others.length === 0) {
        await ports.autoscaling.deregisterTarget(region, resourceId);
        removed.push(`scalable target ${resourceId}`);
      }
      const kept =
        target !== undefined && registered && others.length > 0
          ? `; scalable target ${resourceId} kept for ${others.join(', ')}`
          : '';
      return {
        cleanedUp: true,
        events: [
          {
            type: 'Normal',
            reason: 'AutoscalingRemoved',
            message: `deletionPolicy Delete: removed ${removed.length === 0 ? 'nothing (already gone)' : removed.join(', ')}${kept}`,
          },
        ],
      };
    },
  };
}
