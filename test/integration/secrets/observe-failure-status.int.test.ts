// Every kind says in status that it cannot read AWS, before the runtime retries with backoff:
// the shipped examples (a canary Release, a ScalePolicy, a safe-mode FailoverPlan) applied to a
// controller without AWS credentials, then to one whose credentials moto (enforcing IAM) denies.
// Before the kit stored a status for a failed observe, all three kept an empty status (only
// ReconcileError Warnings and logs), invisible to kstatus and Argo CD. Retries go on: the
// reconcile count keeps growing after the status is written. No credential reaches status.
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { KindSetup } from '../../../controller/registration.js';
import { FailoverPlanKind } from '../../../reconcilers/failoverplan/api.js';
import { setupFailoverPlanWith } from '../../../reconcilers/failoverplan/setup.js';
import { ReleaseKind } from '../../../reconcilers/release/api.js';
import { setupReleaseWith } from '../../../reconcilers/release/setup.js';
import { ScalePolicyKind } from '../../../reconcilers/scalepolicy/api.js';
import { setupScalePolicyWith } from '../../../reconcilers/scalepolicy/setup.js';
import type { KindDescriptor } from '../../../reconcilers/shared/api/kind.js';
import {
  applyCrdFiles,
  createTestNamespace,
  loadYamlObjects,
  waitFor,
} from '../../env/fixtures.js';
import {
  startInProcessController,
  type RunningController,
} from '../../fixtures/in-process-controller.js';
import { kindObjects } from '../../fixtures/kind-objects.js';
import { expectNoSecrets, plant, startStrictMoto, type StrictMoto } from './support.js';

interface Condition {
  type: string;
  status: string;
  reason: string;
  message: string;
  observedGeneration?: number;
}
interface AnyStatus {
  phase?: string;
  message?: string;
  observedGeneration?: number;
  conditions?: Condition[];
}
interface AnyObject {
  metadata: { name: string; generation?: number };
  spec: object;
  status?: AnyStatus;
}

const crd = (plural: string): URL =>
  new URL(`../../../crds/${plural}.delivery.latticedb.com.yaml`, import.meta.url);
const example = (file: string): URL =>
  new URL(`../../../manifests/examples/${file}`, import.meta.url);

interface Kind {
  readonly name: string;
  readonly descriptor: KindDescriptor;
  readonly example: URL;
  readonly setup: KindSetup;
}
const KINDS: readonly Kind[] = [
  {
    name: 'Release',
    descriptor: ReleaseKind,
    example: example('release-canary.yaml'),
    setup: setupReleaseWith(),
  },
  {
    name: 'ScalePolicy',
    descriptor: ScalePolicyKind,
    example: example('scalepolicy-gradual.yaml'),
    setup: setupScalePolicyWith(),
  },
  {
    name: 'FailoverPlan (safe mode)',
    descriptor: FailoverPlanKind,
    example: example('failoverplan-safe-mode.yaml'),
    setup: setupFailoverPlanWith(),
  },
];

// What the SDK's default credential chain could find besides the environment variables.
const CREDENTIAL_ENV = [
  'AWS_ACCESS_KEY_ID',
  'AWS_SECRET_ACCESS_KEY',
  'AWS_SESSION_TOKEN',
  'AWS_PROFILE',
  'AWS_SHARED_CREDENTIALS_FILE',
  'AWS_CONFIG_FILE',
  'AWS_WEB_IDENTITY_TOKEN_FILE',
  'AWS_ROLE_ARN',
  'AWS_CONTAINER_CREDENTIALS_RELATIVE_URI',
  'AWS_CONTAINER_CREDENTIALS_FULL_URI',
  'AWS_EC2_METADATA_DISABLED',
] as const;
const savedEnv = Object.fromEntries(CREDENTIAL_ENV.map((k) => [k, process.env[k]]));
let strict: StrictMoto | undefined;
const cleanups: (() => Promise<unknown>)[] = [];

beforeAll(async () => {
  await applyCrdFiles([crd('releases'), crd('scalepolicies'), crd('failoverplans')]);
}, 120_000);

afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
  for (const [k, v] of Object.entries(savedEnv)) {
    if (v === undefined) Reflect.deleteProperty(process.env, k);
    else process.env[k] = v;
  }
});

afterAll(async () => {
  await strict?.moto.stop();
});

function withoutCredentials(): void {
  for (const k of CREDENTIAL_ENV) Reflect.deleteProperty(process.env, k);
  // Nothing on disk, no instance metadata: the chain ends at once in CredentialsProviderError.
  process.env.AWS_SHARED_CREDENTIALS_FILE = '/nonexistent/latticedb-test/credentials';
  process.env.AWS_CONFIG_FILE = '/nonexistent/latticedb-test/config';
  process.env.AWS_EC2_METADATA_DISABLED = 'true';
}

/** Applies each kind's example in `ns` and runs one controller per kind against `awsEndpoint`. */
async function applyExamples(
  ns: string,
  awsEndpoint: string | undefined,
): Promise<Map<Kind, RunningController>> {
  const controllers = new Map<Kind, RunningController>();
  for (const kind of KINDS) {
    const [manifest] = loadYamlObjects([kind.example]) as unknown as AnyObject[];
    if (manifest === undefined) throw new Error(`no object in ${kind.example.pathname}`);
    await kindObjects(kind.descriptor).create(ns, manifest.metadata.name, manifest.spec);
    const controller = startInProcessController(
      ns,
      kind.setup,
      awsEndpoint === undefined ? {} : { awsEndpoint },
    );
    cleanups.push(() => controller.stop());
    controllers.set(kind, controller);
  }
  return controllers;
}

const conditionOf = (s: AnyStatus, type: string): Condition | undefined =>
  s.conditions?.find((c) => c.type === type);

/** Waits until `kind`'s example says `reason` in status; returns the object. */
async function statusSaying(ns: string, kind: Kind, reason: string): Promise<AnyObject> {
  const objects = kindObjects<AnyObject>(kind.descriptor);
  const [manifest] = loadYamlObjects([kind.example]) as unknown as AnyObject[];
  const name = manifest?.metadata.name ?? '';
  await objects.waitForStatus(ns, name, (s) => conditionOf(s, 'Ready')?.reason === reason, {
    timeoutMs: 60_000,
    message: `${kind.name}: Ready reason ${reason}`,
  });
  return objects.get(ns, name);
}

/** The retries go on with the status written: more reconciles of the kind than when it was seen. */
async function expectRetries(kind: Kind, controller: RunningController): Promise<void> {
  const seen = await controller.reconciles();
  await waitFor(async () => ((await controller.reconciles()) > seen ? true : undefined), {
    timeoutMs: 30_000,
    message: `${kind.name}: reconciles retried after the status was written`,
  });
}

describe('a failed AWS observe is said in status, for every kind', () => {
  it('no credentials: Reconciling CredentialsUnavailable, no phase claimed, retried', async () => {
    withoutCredentials();
    const ns = await createTestNamespace('observe-no-creds');
    const controllers = await applyExamples(ns, undefined);
    for (const kind of KINDS) {
      const obj = await statusSaying(ns, kind, 'CredentialsUnavailable');
      const status = obj.status ?? {};
      expect(status.observedGeneration, kind.name).toBe(obj.metadata.generation);
      expect(conditionOf(status, 'Reconciling'), kind.name).toMatchObject({
        status: 'True',
        reason: 'CredentialsUnavailable',
        observedGeneration: obj.metadata.generation,
      });
      expect(conditionOf(status, 'Stalled')?.status, kind.name).toBe('False');
      expect(conditionOf(status, 'Ready')?.status, kind.name).toBe('False');
      expect(status.message, kind.name).toMatch(/^cannot observe: CredentialsProviderError/);
      // Nothing was read: PHASE does not pretend it started (Pending, Progressing, Stable, …).
      expect(status.phase, kind.name).toBeUndefined();
      await expectRetries(kind, controllers.get(kind)!);
    }
  });

  it("credentials moto denies: Stalled AccessDenied, the kind's stalled phase, retried, no secret in status", async () => {
    strict = await startStrictMoto();
    withoutCredentials();
    const sessionToken = plant('aws-session-token');
    process.env.AWS_ACCESS_KEY_ID = strict.keyId;
    process.env.AWS_SECRET_ACCESS_KEY = strict.secret;
    process.env.AWS_SESSION_TOKEN = sessionToken;
    const ns = await createTestNamespace('observe-denied');
    const controllers = await applyExamples(ns, strict.endpoint);
    for (const kind of KINDS) {
      const obj = await statusSaying(ns, kind, 'AccessDenied');
      const status = obj.status ?? {};
      expect(status.observedGeneration, kind.name).toBe(obj.metadata.generation);
      expect(conditionOf(status, 'Stalled'), kind.name).toMatchObject({
        status: 'True',
        reason: 'AccessDenied',
      });
      expect(conditionOf(status, 'Reconciling')?.status, kind.name).toBe('False');
      expect(status.phase, kind.name).toBe('Degraded');
      expect(status.message, kind.name).toMatch(/^cannot observe: /);
      expectNoSecrets(
        { [`${kind.name} status`]: JSON.stringify(status) },
        { secret: strict.secret, sessionToken },
      );
      await expectRetries(kind, controllers.get(kind)!);
    }
  });
});
