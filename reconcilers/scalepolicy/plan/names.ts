// Names of what this object creates in Application Auto Scaling. Each carries the owner's UID, so
// a policy or scheduled action is recognised as this object's (and only then changed or deleted)
// even when status was lost; one created by anyone else never matches.
import type { PredefinedMetric } from '../api.js';

const PREFIX = 'latticedb';

const METRIC_SHORT: Record<PredefinedMetric, string> = {
  ECSServiceAverageCPUUtilization: 'cpu',
  ECSServiceAverageMemoryUtilization: 'memory',
  ALBRequestCountPerTarget: 'alb-requests',
};

export function ownerPrefix(uid: string): string {
  return `${PREFIX}-${uid}-`;
}

export function policyName(uid: string, metric: PredefinedMetric): string {
  return `${ownerPrefix(uid)}${METRIC_SHORT[metric]}`;
}

export function scheduledActionName(uid: string, name: string): string {
  return `${ownerPrefix(uid)}${name}`;
}

export function isOwnedBy(name: string, uid: string): boolean {
  return uid !== '' && name.startsWith(ownerPrefix(uid));
}
