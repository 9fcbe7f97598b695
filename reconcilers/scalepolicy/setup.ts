// The ScalePolicy kind: validation, the reconciler and the Application Auto Scaling finalizer,
// wired to the process-wide AWS clients and the apiserver (Releases of the same service).
import {
  isConditionTrue,
  isNotFound,
  type ConditionInput,
  type CustomObject,
  type KindDeps,
  type KindRegistration,
  type KindSetup,
} from '../../controller/index.js';
import { CloudWatchMetricSource } from '../shared/adapters/aws/cloudwatch-metric-source.js';
import { API_GROUP, API_VERSION } from '../shared/api/kind.js';
import { failoverPlanWatch, interlockHold } from '../shared/interlock/index.js';
import type { ServiceRef } from '../shared/ports/ecs.js';
import { autoscalingAdapterFor, awsClientsFor, ecsAdapterFor } from '../shared/runtime/index.js';
import { ScalePolicyKind, type ScalePolicySpec } from './api.js';
import {
  DEFAULT_TUNING,
  type ReleaseView,
  type ScalePolicyState,
  type Tuning,
} from './plan/index.js';
import type { ScalePolicyPorts } from './ports.js';
import { scalePolicyHandler } from './reconciler.js';

export function scalePolicyRegistration(
  ports: ScalePolicyPorts,
  tuning: Tuning,
): KindRegistration<ScalePolicySpec, ScalePolicyState> {
  const handler = scalePolicyHandler(ports, tuning);
  const byService = new PoliciesByService();
  return {
    kind: ScalePolicyKind.kind,
    resource: {
      group: ScalePolicyKind.group,
      version: ScalePolicyKind.version,
      plural: ScalePolicyKind.plural,
    },
    handler: {
      ...handler,
      reconcile: (obj, ctx) => {
        byService.note(obj.metadata.namespace ?? '', obj.metadata.name ?? '', obj.spec.target);
        return handler.reconcile(obj, ctx);
      },
    },
    // A Release that starts or ends (its status) wakes the policies of its service at once: scale-down
    // waits and scale-in is suspended for the whole rollout, not from the next resync on.
    watches: [
      {
        resource: RELEASES,
        mapToRequests: (release) => {
          const target = (release as ReleaseLike).spec.target;
          const namespace = release.metadata?.namespace ?? '';
          return target === undefined ? [] : byService.policies(namespace, target);
        },
      },
      // A FailoverPlan that starts or ends a failover, safe mode or serving from its standby
      // wakes the policies of both its services: scale-down waits and resumes at once.
      failoverPlanWatch((namespace, involved) =>
        involved.services.flatMap((ref) => byService.policies(namespace, ref)),
      ),
    ],
  };
}

/**
 * Which ScalePolicies target which service, learnt from their reconciles (every object is
 * reconciled once the cache has synced; `target` is immutable). A deleted policy's key may stay:
 * its reconcile then finds no object and is forgotten.
 */
class PoliciesByService {
  readonly #keys = new Map<string, Set<string>>();

  note(namespace: string, name: string, ref: ServiceRef): void {
    const key = serviceKey(namespace, ref);
    const names = this.#keys.get(key) ?? new Set<string>();
    names.add(name);
    this.#keys.set(key, names);
  }

  policies(namespace: string, ref: Partial<ServiceRef>): { namespace: string; name: string }[] {
    if (ref.region === undefined || ref.cluster === undefined || ref.service === undefined)
      return [];
    const names = this.#keys.get(serviceKey(namespace, ref as ServiceRef)) ?? new Set<string>();
    return [...names].map((name) => ({ namespace, name }));
  }
}

const serviceKey = (namespace: string, ref: ServiceRef): string =>
  [namespace, ref.region, ref.cluster, ref.service].join('\u0000');

/** Releases only through their status (kstatus Reconciling = in flight): no import of the kind. */
type ReleaseLike = CustomObject<
  { target?: Partial<ServiceRef> },
  { conditions?: ConditionInput[] }
>;
const RELEASES = { group: API_GROUP, version: API_VERSION, plural: 'releases' } as const;

export function scalePolicyPorts(deps: KindDeps): ScalePolicyPorts {
  const clients = awsClientsFor(deps);
  const ecs = ecsAdapterFor(deps);
  return {
    ecs,
    autoscaling: autoscalingAdapterFor(deps),
    metrics: new CloudWatchMetricSource(clients),
    failoverHold: (namespace, ref) =>
      interlockHold(deps.kube, namespace, { services: [ref] }, { standbyServing: true }),
    async releases(namespace: string, ref: ServiceRef): Promise<ReleaseView[]> {
      let items: ReleaseLike[];
      try {
        items = (await deps.kube.list<ReleaseLike>(RELEASES, { namespace })).items;
      } catch (error) {
        // The Release CRD is not installed: no Release can be in flight.
        if (isNotFound(error)) return [];
        throw error;
      }
      return items
        .filter(
          (r) =>
            r.spec.target?.region === ref.region &&
            r.spec.target.cluster === ref.cluster &&
            r.spec.target.service === ref.service,
        )
        .map((r) => ({
          name: r.metadata.name ?? '',
          inFlight: isConditionTrue(r.status?.conditions, 'Reconciling'),
        }));
    },
  };
}

/** The setup with other delays (tests, demos); steady state follows --resync-period. */
export function setupScalePolicyWith(tuning: Partial<Tuning> = {}): KindSetup {
  return (deps) =>
    scalePolicyRegistration(scalePolicyPorts(deps), {
      ...DEFAULT_TUNING,
      ...(deps.config.resyncPeriodMs > 0 ? { resyncMs: deps.config.resyncPeriodMs } : {}),
      ...tuning,
    });
}

export const setupScalePolicy: KindSetup = setupScalePolicyWith();
