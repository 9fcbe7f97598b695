// The vocabulary of the pure decision core: what `decide` reads (spec, status, observed world,
// time, annotations) and what it returns (the next status, at most one action, events, requeue).
import type { ObjectIdentity } from '../../shared/kit/index.js';
import type { Hold } from '../../shared/interlock/index.js';
import type { BaseStatus, EventSpec } from '../../../controller/index.js';
import type { Decision as KitDecision } from '../../shared/kit/index.js';
import type { AnalyzeResult } from '../../shared/analysis/index.js';
import type { AlarmCheckResult, HttpCheckResult } from '../../shared/checks/index.js';
import type { FlagRecord, FlagWrite } from '../../../flags/index.js';
import type { DbSnapshot } from '../../shared/ports/database.js';
import type {
  ContainerChange,
  LoadBalancerBinding,
  OneOffTask,
  ServiceRef,
  ServiceState,
  TaskDefinitionSummary,
  TaskSet,
} from '../../shared/ports/ecs.js';
import type { ImageLookup } from '../../shared/ports/images.js';
import type { TargetGroupWeight } from '../../shared/ports/traffic.js';
import type { ReleaseSpec, ReleaseStatus } from '../api.js';

/**
 * Status as the handler builds it: conditions are stated without their bookkeeping fields
 * (lastTransitionTime, observedGeneration), which the runtime fills in.
 */
export type ReleaseState = Omit<ReleaseStatus, 'conditions'> & BaseStatus;

/**
 * The world as `observe.ts` read it for this reconcile. Convention: `undefined` = not read this
 * time (not needed by the current stage); `null` = read, and absent.
 */
export interface Observed {
  /** The ECS service; null when it (or its cluster) does not exist. */
  readonly service: ServiceState | null;
  /** A FailoverPlan that holds this service or its flags (the interlock); absent: none. */
  readonly heldBy?: Hold;
  /** The task definition the stable revision runs (adoption, pre-flight: the container exists). */
  readonly baseTaskDefinition?: TaskDefinitionSummary | null;
  /** The revision's task definition found by its spec-hash tag (crash-safe reuse). */
  readonly revisionTaskDefinition?: TaskDefinitionSummary | null;
  /** Listener ARN → weights of its default forward action. */
  readonly weights?: Readonly<Record<string, readonly TargetGroupWeight[]>>;
  readonly image?: ImageLookup;
  readonly capacity?: {
    readonly capacityProviders: readonly string[];
    readonly registeredContainerInstances: number;
  };
  readonly snapshot?: DbSnapshot | null;
  /** The maintenance flag; `problem` when the flag store cannot be used (no Redis configured, …). */
  readonly flag?: FlagState;
  /** The first of `status.maintenanceFlagsLeftOn` (an earlier revision's flag). */
  readonly flagLeftOn?: FlagState;
  readonly migrationTask?: OneOffTask | null;
  /** The analysis gate `step` measured (due checks only) and assessed by the engine. */
  readonly analysis?: { readonly step: number; readonly result: AnalyzeResult };
  /**
   * The UID of the Release of this namespace/name as the API server (not the cache) has it, null
   * for none: read only when the service's claim names this name with another UID (claim.ts).
   */
  readonly sameNameUid?: string | null;
  readonly smoke?: readonly HttpCheckResult[];
  readonly alarms?: AlarmCheckResult;
}

export type FlagState =
  | { readonly ok: true; readonly version: number; readonly record: FlagRecord | undefined }
  | { readonly ok: false; readonly problem: string };

/** Delays that are policy, not logic; tests shorten them. */
export interface Tuning {
  /** After an action: come back soon to observe its effect. */
  readonly afterActionMs: number;
  /** While waiting for AWS to converge (task set stable, deployment, snapshot, task). */
  readonly pollMs: number;
  /** When a needed observation was not made (the stage changed within this reconcile). */
  readonly probeMs: number;
  /** Steady state (Healthy, Failed, …): the resync period. */
  readonly resyncMs: number;
}

export const DEFAULT_TUNING: Tuning = {
  afterActionMs: 1_000,
  pollMs: 5_000,
  probeMs: 200,
  resyncMs: 10 * 60_000,
};

export interface DecideInput {
  readonly object: ObjectIdentity;
  readonly spec: ReleaseSpec;
  readonly status: ReleaseState | undefined;
  readonly annotations: Readonly<Record<string, string>>;
  readonly observed: Observed;
  readonly now: Date;
  readonly tuning?: Tuning;
  /**
   * The spec is invalid (the message names the fields): `spec` is then the revision in flight's
   * own (strategy and traffic routing from status), and only abort/rollback and a rollback under
   * way act; the rest waits until the spec is restored.
   */
  readonly invalid?: string;
}

/** The one write a reconcile performs. Each is idempotent or recognisable in the next observation. */
export type Action =
  | {
      readonly type: 'registerTaskDefinition';
      readonly region: string;
      readonly base: string;
      readonly change: ContainerChange;
      readonly tags: Readonly<Record<string, string>>;
    }
  | {
      readonly type: 'createTaskSet';
      readonly ref: ServiceRef;
      readonly externalId: string;
      readonly taskDefinitionArn: string;
      readonly loadBalancer?: LoadBalancerBinding;
      readonly scalePercent: number;
      readonly template?: TaskSet;
    }
  | {
      readonly type: 'scaleTaskSet';
      readonly ref: ServiceRef;
      readonly taskSetArn: string;
      readonly scalePercent: number;
    }
  | {
      readonly type: 'setWeights';
      readonly region: string;
      readonly listenerArn: string;
      readonly weights: readonly TargetGroupWeight[];
    }
  | { readonly type: 'setPrimary'; readonly ref: ServiceRef; readonly taskSetArn: string }
  | { readonly type: 'deleteTaskSet'; readonly ref: ServiceRef; readonly taskSetArn: string }
  | {
      readonly type: 'updateService';
      readonly ref: ServiceRef;
      readonly taskDefinitionArn: string;
      readonly minimumHealthyPercent?: number;
      readonly maximumPercent?: number;
      readonly circuitBreaker?: { readonly enable: boolean; readonly rollback: boolean };
    }
  | {
      readonly type: 'createSnapshot';
      readonly region: string;
      readonly dbInstanceIdentifier: string;
      readonly snapshotId: string;
    }
  | {
      readonly type: 'setMaintenanceFlag';
      readonly flag: string;
      readonly on: boolean;
      readonly expectedVersion: number;
      readonly write: FlagWrite;
    }
  | {
      readonly type: 'runMigrationTask';
      readonly ref: ServiceRef;
      readonly taskDefinitionArn: string;
      readonly container: string;
      readonly command: readonly string[];
      readonly startedBy: string;
    }
  | {
      /** The service's claim tag (plan/claim.ts): written once, before anything else. */
      readonly type: 'claimService';
      readonly ref: ServiceRef;
      readonly serviceArn: string;
      readonly tags: Readonly<Record<string, string>>;
    }
  | {
      readonly type: 'stopTask';
      readonly ref: ServiceRef;
      readonly taskArn: string;
      readonly reason: string;
    };

export type ActionType = Action['type'];

/**
 * How a pipeline stage or canary step was left: by itself, because an operator action (promote,
 * approve) ended its wait, or for a rollback (or freeze) of the revision.
 */
export type TransitionResult = 'completed' | 'promoted' | 'failed';

/** What a decision did, for the kind's metrics (counted as decided: see metrics.ts). */
export interface DecisionFacts {
  /** Stages and canary steps left in this decision, in order. */
  readonly transitions: readonly TransitionResult[];
  /** Reasons of the rollbacks begun (failures, abort, rollback action, supersession). */
  readonly rollbacks: readonly string[];
}

/**
 * The kit's decision (reconcilers/shared/kit): the complete next status, at most one action
 * (written ahead when `checkpoint`), its Event, the decision's Events, the wake-up, and how the
 * action's answer folds into status (plan/result.ts); plus the facts metrics count.
 */
export interface Decision extends KitDecision<ReleaseState, Action, ActionResult> {
  readonly events: EventSpec[];
  readonly facts: DecisionFacts;
}

/** What an action's answer tells that the next observation could only find by a search. */
export interface ActionResult {
  /** The ARN RegisterTaskDefinition answered (found otherwise by listing the family's tags). */
  readonly taskDefinitionArn?: string;
  /** The maintenance flag's compare-and-set met another writer's version. */
  readonly flagConflict?: { readonly currentVersion: number };
}

export type { ObjectIdentity };
