// FlagRollout metrics on the controller's registry: flag writes by cause, so a dashboard shows
// rewrites after flushes and overwritten CLI changes next to the regular ramp.
import type { DomainMetrics } from '../../controller/index.js';
import type { WriteReason } from './plan/index.js';

export interface FlagRolloutMetrics {
  flagWritten(reason: WriteReason): void;
  casConflict(): void;
}

export const noMetrics: FlagRolloutMetrics = {
  flagWritten: () => undefined,
  casConflict: () => undefined,
};

export function flagRolloutMetrics(metrics: DomainMetrics): FlagRolloutMetrics {
  const writes = metrics.counter({
    name: 'latticedb_flagrollout_flag_writes_total',
    help: 'Flag writes by the FlagRollout controller, by reason (start, adopt, promote, rollback, disable, repair)',
    labelNames: ['reason'],
  });
  const conflicts = metrics.counter({
    name: 'latticedb_flagrollout_cas_conflicts_total',
    help: 'Flag writes refused because another writer changed the flag first (retried)',
  });
  return {
    flagWritten: (reason) => {
      writes.inc({ reason });
    },
    casConflict: () => {
      conflicts.inc();
    },
  };
}
