// FailoverPlan metrics on the controller's registry: how many plans' standbys are not ready, by
// reason (a gauge an alert can fire on before anyone needs the standby), and failovers finished,
// by direction. Labels are bounded sets (reason codes of the code, direction), never object names.
import type { DomainMetrics } from '../../controller/index.js';
import type { FailoverPlanState } from './plan/index.js';

export interface FailoverPlanMetrics {
  /** A decision's status, once stored (its checkpoint, or the status written after it). */
  recorded(key: string, before: FailoverPlanState | undefined, status: FailoverPlanState): void;
}

export function failoverPlanMetrics(metrics: DomainMetrics): FailoverPlanMetrics {
  const notReady = metrics.gauge({
    name: 'latticedb_failoverplan_standby_not_ready',
    help: 'FailoverPlans whose standby site could not take over at the last evaluation, by reason',
    labelNames: ['reason'],
  });
  const completed = metrics.counter({
    name: 'latticedb_failoverplan_failovers_total',
    help: 'Failovers and failbacks completed (validated), by direction',
    labelNames: ['direction'],
  });
  const reasons = new Map<string, string>();
  return {
    recorded(key, previous, status) {
      const reason = status.standbyReady === false ? status.standby?.reason : undefined;
      const before = reasons.get(key);
      if (before !== reason) {
        if (before !== undefined) notReady.dec({ reason: before });
        if (reason === undefined) reasons.delete(key);
        else {
          reasons.set(key, reason);
          notReady.inc({ reason });
        }
      }
      // Counted when the stored status is the first to record the run complete.
      const run = status.lastFailover;
      if (run?.completedAt !== undefined && previous?.lastFailover?.completedAt === undefined) {
        completed.inc({ direction: run.direction ?? 'Failover' });
      }
    },
  };
}
