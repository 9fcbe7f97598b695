// A demo scenario plays one playbook: it seeds what the playbook acts on (moto, Redis), returns the
// example manifest(s) to apply, templated for that world, and may then drive the world while the
// controller works (CloudWatch metrics every few seconds, an operator's annotation, …).
//
// Scenarios talk to the controller only through the Kubernetes API (spec, annotations, status) and
// to the world only through AWS/Redis clients, never through controller or reconciler internals:
// a scenario written before its reconciler exists shows NotImplemented, and works unchanged once
// the reconciler lands. Add one by writing a module in scenarios/ and listing it in
// scenarios/index.ts.
import type { Clock } from '../../controller/index.js';
import type { AwsClients } from '../../reconcilers/shared/adapters/aws/clients.js';
import type { DemoObject } from './examples.js';
import type { DemoKind } from './kinds.js';
import type { StandInApp } from './stand-in-app.js';

export interface Scenario {
  /** `--scenario` name, e.g. `release-canary`. */
  readonly name: string;
  readonly kind: DemoKind;
  /** One line: what to watch for. */
  readonly summary: string;
  /** Seeds AWS/Redis state and templates the example(s) to apply. */
  prepare(ctx: ScenarioContext): Promise<PreparedScenario>;
}

export interface PreparedScenario {
  /** Applied (server-side apply) in this order, into `ctx.namespace`. */
  readonly objects: readonly DemoObject[];
  /**
   * Runs once the objects are applied, until the demo stops (`ctx.signal`; then it must return
   * promptly). Throwing marks the scenario failed (reported at the end).
   */
  readonly drive?: () => Promise<void>;
}

/** The Kubernetes side as a scenario (an operator) uses it. */
export interface DemoKube {
  /** The object as stored (with status), or undefined if absent. */
  get(kind: DemoKind, name: string): Promise<StoredObject | undefined>;
  /** Merge-patches `spec` (what `kubectl patch --type merge` or a Git change does). */
  patchSpec(kind: DemoKind, name: string, spec: Record<string, unknown>): Promise<void>;
  /** `kubectl annotate --overwrite`. */
  annotate(kind: DemoKind, name: string, key: string, value: string): Promise<void>;
}

export interface StoredObject {
  readonly metadata: {
    readonly name: string;
    readonly generation?: number;
    readonly annotations?: Record<string, string>;
  };
  readonly spec: Record<string, unknown>;
  readonly status?: Record<string, unknown> & { readonly phase?: string };
}

export interface ScenarioContext {
  /** Namespace the objects are applied to (the controller watches only this one). */
  readonly namespace: string;
  /** Region of the examples' primary resources (us-east-1). */
  readonly region: string;
  /** moto's endpoint (the seed's EC2 lookups go there directly). */
  readonly awsEndpoint: string;
  /** SDK clients per region against moto (fake credentials, one attempt per call). */
  readonly aws: AwsClients;
  /** redis://:<password>@127.0.0.1:<port>, the controller's default Redis. */
  readonly redisUrl: string;
  readonly kube: DemoKube;
  /** Stand-in for LatticeDB's HTTP endpoints (smoke tests, health checks). */
  readonly app: StandInApp;
  readonly clock: Clock;
  /** Aborted when the demo stops. */
  readonly signal: AbortSignal;
  /** A line in the demo's log, prefixed with the scenario's name. */
  note(message: string): void;
  /** Waits `ms`; false if the demo stopped meanwhile (then return). */
  sleep(ms: number): Promise<boolean>;
}
