// The vocabulary of FailoverPlan's pure decision core: what `decide` reads (spec, status,
// observed world, now), the one action it may return and what that action answers.
import type { ObjectIdentity } from '../../shared/kit/index.js';
import type { BaseStatus } from '../../../controller/index.js';
import type { Decision as KitDecision } from '../../shared/kit/index.js';
import type { DnsRecordRef, DnsRecordState } from '../../shared/ports/dns.js';
import type { OneOffTask, ServiceRef, ServiceState } from '../../shared/ports/ecs.js';
import type { FailoverPlanSpec, FailoverPlanStatus } from '../api.js';

/** Status as the decision builds it: conditions without bookkeeping (the runtime adds it). */
export type FailoverPlanState = Omit<FailoverPlanStatus, 'conditions'> & BaseStatus;

export type SiteRole = 'primary' | 'secondary';

/** One region's side of the plan, as read this reconcile. */
export interface SiteObserved {
  readonly role: SiteRole;
  readonly ref: ServiceRef;
  /** Set when the region could not be read at all (an outage looks like this). */
  readonly error?: string;
  /** The cluster's status (ACTIVE, …); null: no such cluster. */
  readonly clusterStatus?: string | null;
  /** null: no such service (or only an INACTIVE one). */
  readonly service?: ServiceState | null;
  /** container name → image of the service's task definition. */
  readonly images?: Readonly<Record<string, string>>;
}

export interface CheckResult {
  readonly name: string;
  readonly passed: boolean;
  readonly message: string;
}

/** The world as observe.ts read it. `undefined` = not read this time. */
export interface Observed {
  readonly primary: SiteObserved;
  readonly secondary: SiteObserved;
  readonly dns: DnsRecordState | { readonly error: string };
  /** spec.healthChecks, run when the standby evaluated is the secondary. */
  readonly healthChecks?: readonly CheckResult[];
  /** spec.validation, run while a failover is at its Validate step. */
  readonly validation?: readonly CheckResult[];
  /** Route 53's status of the change recorded in the SwitchDns step (PENDING / INSYNC). */
  readonly change?: string | null;
  /** The read-only flag, read while safe mode is declared or recorded active. */
  readonly readOnly?: ReadOnlyFlag;
  /** The database's snapshots, newest first (read while safe mode is on and names a database). */
  readonly snapshots?: readonly SnapshotSeen[] | { readonly error: string };
  /**
   * The instance of spec.safeMode.snapshot (read while its evidence snapshot is still to take);
   * null: no such instance.
   */
  readonly evidenceSource?: RestoredSeen | null;
  /** The restore's target instance (read while a restore is declared); null: none. */
  readonly restored?: RestoredSeen | null;
  /** The restore's HTTP validation checks, run once the restored instance is available. */
  readonly restoreChecks?: readonly CheckResult[];
  /** The restore's validation task, found by its recorded startedBy; null: none found. */
  readonly validationTask?: OneOffTask | null;
}

export type ReadOnlyFlag =
  | { readonly problem: string }
  | {
      readonly version: number;
      /** undefined: the flag does not exist. */
      readonly enabled?: boolean;
      /** Share of users it is on for, in basis points (10 000 = everyone). */
      readonly basisPoints?: number;
      readonly salt?: string;
      /** Who wrote the flag last. */
      readonly updatedBy?: string;
    };

export interface SnapshotSeen {
  readonly id: string;
  readonly status: string;
  readonly createdAt?: string;
}

export interface RestoredSeen {
  readonly status: string;
  readonly endpoint?: string;
  readonly ownerUid?: string;
}

/** Delays that are policy, not logic; tests shorten them. */
export interface Tuning {
  /** After an action: come back soon to observe its effect. */
  readonly afterActionMs: number;
  /** While a failover waits (tasks, DNS, validation, a target not ready). */
  readonly pollMs: number;
  /** Steady state: standby readiness is evaluated this often. */
  readonly resyncMs: number;
}

export const DEFAULT_TUNING: Tuning = { afterActionMs: 1_000, pollMs: 5_000, resyncMs: 60_000 };

export interface DecideInput {
  readonly object: ObjectIdentity;
  readonly spec: FailoverPlanSpec;
  readonly status: FailoverPlanState | undefined;
  /** metadata.annotations (the failover action). */
  readonly annotations?: Readonly<Record<string, string>>;
  readonly observed: Observed;
  readonly now: Date;
  readonly tuning: Tuning;
}

/** The one write of a reconcile; each is recognisable in the world afterwards. */
export type Action =
  | {
      readonly type: 'setDesiredCount';
      readonly ref: ServiceRef;
      readonly count: number;
      readonly from: number;
    }
  | {
      readonly type: 'upsertRecord';
      readonly record: DnsRecordRef;
      readonly value: string;
      readonly ttl: number;
      readonly comment: string;
    }
  | {
      readonly type: 'setReadOnly';
      readonly flag: string;
      readonly on: boolean;
      readonly expectedVersion: number;
      readonly salt: string;
      /** Always this plan's `controller:<ns>/<name>` (flags/CONTRACT.md §2: the writer). */
      readonly updatedBy: string;
      readonly reason: string;
      /** Turning off: the controller that wrote the flag before safe mode, told in the Event. */
      readonly handBackTo?: string;
    }
  | {
      /** Create-if-absent by id: a retry after a crash finds the snapshot and writes nothing. */
      readonly type: 'snapshotDatabase';
      readonly region: string;
      readonly instance: string;
      readonly snapshotId: string;
    }
  | {
      readonly type: 'restoreDatabase';
      readonly region: string;
      readonly snapshotId: string;
      readonly target: string;
      readonly ownerUid: string;
    }
  | {
      readonly type: 'runValidationTask';
      readonly ref: ServiceRef;
      readonly taskDefinitionArn: string;
      readonly container: string;
      readonly command: readonly string[];
      readonly startedBy: string;
      readonly environment: Readonly<Record<string, string>>;
    };

/**
 * What an action answered that status must record (the decision's `afterAction` folds it in):
 * Route 53's change id of the UPSERT, followed to INSYNC; the ARN of the validation task started;
 * the read-only flag's compare-and-set, written or met by another writer's version (a lost race).
 */
export type ActionResult =
  | { readonly type: 'recordChanged'; readonly changeId: string }
  | { readonly type: 'taskStarted'; readonly taskArn: string }
  | { readonly type: 'flagWritten'; readonly version: number }
  | { readonly type: 'flagConflict'; readonly currentVersion: number };

export type Decision = KitDecision<FailoverPlanState, Action, ActionResult>;

export type { ObjectIdentity };
