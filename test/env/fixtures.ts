// Helpers for integration tests (files under test/integration/, run by the `integration` project
// whose global setup started the environment). Import from here, not from the env internals:
//   const ns = await createTestNamespace('release');
//   const kc = adminKubeConfig();  const redis = redisClient();  const ecs = new ECSClient(awsClientConfig());
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { setTimeout as delay } from 'node:timers/promises';
import { AwsJson1_0Protocol } from '@aws-sdk/core/protocols';
import {
  ApiextensionsV1Api,
  ApiException,
  CoreV1Api,
  CustomObjectsApi,
  KubeConfig,
  KubernetesObjectApi,
  loadAllYaml,
  PatchStrategy,
  type KubernetesObject,
  type V1CustomResourceDefinition,
} from '@kubernetes/client-node';
import { Redis, type RedisOptions } from 'ioredis';
import { inject } from 'vitest';
import type { EnvironmentHandles } from './environment.js';
import { environmentControlClient, type EnvironmentControl } from './environment-control.js';
import { resetMoto } from './moto.js';

/** Field manager of everything the test helpers apply. */
export const TEST_FIELD_MANAGER = 'latticedb-tests';

export function testEnv(): EnvironmentHandles {
  return inject('latticedbEnv');
}

/** Stop/restart the shared kube-apiserver and Redis (see EnvironmentControl). */
export function environmentControl(): EnvironmentControl {
  return environmentControlClient(testEnv().controlUrl);
}

/** KubeConfig of the admin user (system:masters) of the test cluster. */
export function adminKubeConfig(): KubeConfig {
  const kc = new KubeConfig();
  kc.loadFromFile(testEnv().kubeconfigPath);
  return kc;
}

/** `<prefix>-<8 hex>`: a DNS-1123 label (lower case, ≤ 63 chars) unique within the run. */
export function uniqueName(prefix: string): string {
  const base = prefix
    .toLowerCase()
    .replace(/[^a-z0-9-]+/g, '-')
    .replace(/^-+|-+$/g, '')
    .slice(0, 54);
  return `${base || 'test'}-${randomBytes(4).toString('hex')}`;
}

/**
 * A fresh namespace named `<prefix>-<random>`. Namespaces are not deleted: without a
 * controller-manager nothing would finish deleting them, and a unique name already isolates tests.
 */
export async function createTestNamespace(prefix = 'test'): Promise<string> {
  const name = uniqueName(prefix);
  await adminKubeConfig()
    .makeApiClient(CoreV1Api)
    .createNamespace({
      body: { metadata: { name, labels: { 'latticedb.test/namespace': 'true' } } },
    });
  return name;
}

/**
 * Parses YAML files (multi-document allowed) into client-node's typed models. Plain js-yaml output
 * must not be handed to client-node for built-in kinds: its serializer maps model properties (e.g.
 * `_enum`, `xKubernetesValidations`) and silently drops `enum` and `x-kubernetes-*` keys it does not
 * know, so a CRD would lose its enums and CEL rules.
 */
export function loadYamlObjects(paths: readonly (string | URL)[]): KubernetesObject[] {
  return paths.flatMap((p) =>
    (
      loadAllYaml(readFileSync(typeof p === 'string' ? p : fileURLToPath(p), 'utf8')) as unknown[]
    ).filter((doc): doc is KubernetesObject => typeof doc === 'object' && doc !== null),
  );
}

/**
 * Server-side-applies the CustomResourceDefinitions in `paths` (e.g. `crds/*.yaml`), then waits until
 * each is Established with NamesAccepted and its served versions answer a list request.
 */
export async function applyCrdFiles(
  paths: readonly (string | URL)[],
  options: { timeoutMs?: number } = {},
): Promise<V1CustomResourceDefinition[]> {
  const kc = adminKubeConfig();
  const objects = kc.makeApiClient(KubernetesObjectApi);
  const crdApi = kc.makeApiClient(ApiextensionsV1Api);
  const custom = kc.makeApiClient(CustomObjectsApi);
  const crds = loadYamlObjects(paths).filter((o) => o.kind === 'CustomResourceDefinition');
  if (crds.length === 0) throw new Error(`no CustomResourceDefinition in ${paths.join(', ')}`);
  for (const crd of crds) {
    await objects.patch(
      crd,
      undefined,
      undefined,
      TEST_FIELD_MANAGER,
      true,
      PatchStrategy.ServerSideApply,
    );
  }
  return Promise.all(
    crds.map(async (applied) => {
      const name = applied.metadata?.name ?? '';
      const crd = await waitFor(
        async () => {
          const current = await crdApi.readCustomResourceDefinition({ name });
          const isTrue = (type: string): boolean =>
            current.status?.conditions?.some((c) => c.type === type && c.status === 'True') ??
            false;
          return isTrue('Established') && isTrue('NamesAccepted') ? current : undefined;
        },
        { timeoutMs: options.timeoutMs ?? 30_000, message: `CRD ${name} Established` },
      );
      const { group, names } = crd.spec;
      for (const version of crd.spec.versions.filter((v) => v.served)) {
        await waitFor(
          () =>
            custom
              .listClusterCustomObject({
                group,
                version: version.name,
                plural: names.plural,
                limit: 1,
              })
              .then(() => true),
          { timeoutMs: options.timeoutMs ?? 30_000, message: `${names.plural}.${group} served` },
        );
      }
      return crd;
    }),
  );
}

/**
 * A KubeConfig authenticating as ServiceAccount `saName` in `namespace` (created if missing) with a
 * TokenRequest token: for proving RBAC rules. Bind roles to
 * `{ kind: 'ServiceAccount', name: saName, namespace }` yourself.
 */
export async function serviceAccountKubeConfig(
  namespace: string,
  saName: string,
  options: { expirationSeconds?: number } = {},
): Promise<KubeConfig> {
  const admin = adminKubeConfig();
  const core = admin.makeApiClient(CoreV1Api);
  try {
    await core.createNamespacedServiceAccount({ namespace, body: { metadata: { name: saName } } });
  } catch (err) {
    if (apiStatus(err).reason !== 'AlreadyExists') throw err;
  }
  const tokenRequest = await core.createNamespacedServiceAccountToken({
    name: saName,
    namespace,
    body: { spec: { audiences: [], expirationSeconds: options.expirationSeconds ?? 3600 } },
  });
  const token = tokenRequest.status?.token;
  const cluster = admin.getCurrentCluster();
  if (!token || !cluster) throw new Error(`no token for ServiceAccount ${namespace}/${saName}`);
  const kc = new KubeConfig();
  kc.loadFromClusterAndUser(cluster, { name: `${namespace}:${saName}`, token });
  return kc;
}

export interface ApiStatus {
  /** HTTP status, e.g. 409 */
  readonly code?: number;
  /** metav1.Status reason, e.g. Conflict, AlreadyExists, Forbidden, Invalid */
  readonly reason?: string;
  readonly message?: string;
}

/** The HTTP status and metav1.Status of a client-node ApiException ({} for other errors). */
export function apiStatus(err: unknown): ApiStatus {
  if (!(err instanceof ApiException)) return {};
  let body: { reason?: string; message?: string } | undefined;
  try {
    body = typeof err.body === 'string' ? JSON.parse(err.body) : (err.body as typeof body);
  } catch {
    // not JSON
  }
  return { code: err.code, reason: body?.reason, message: body?.message };
}

/**
 * An ioredis client for the test Redis. Keys are prefixed with a unique `test-<8 hex>:` (or
 * `options.keyPrefix`), so tests never see each other's keys. Call `quit()` when done.
 */
export function redisClient(options: RedisOptions = {}): Redis {
  return new Redis(testEnv().redisUrl, {
    keyPrefix: `${uniqueName('test')}:`,
    ...options,
  });
}

export interface AwsTestClientConfig {
  readonly endpoint: string;
  readonly region: string;
  readonly maxAttempts: number;
  readonly credentials: { readonly accessKeyId: string; readonly secretAccessKey: string };
}

/**
 * Config for any `@aws-sdk/client-*` against moto: `maxAttempts: 1` (moto answers unimplemented calls
 * with 500 + HTML, which the SDK would retry: aws-emulator.md §2), fake credentials, us-east-1.
 */
export function awsClientConfig(overrides: Partial<AwsTestClientConfig> = {}): AwsTestClientConfig {
  return {
    endpoint: testEnv().awsEndpoint,
    region: 'us-east-1',
    maxAttempts: 1,
    credentials: { accessKeyId: 'test', secretAccessKey: 'test' },
    ...overrides,
  };
}

/**
 * CloudWatch pinned to AWS JSON 1.0. SDK 3.1141.0 defaults to it already; the pin keeps a future SDK
 * from switching to Smithy RPC v2 CBOR, which moto does not speak (aws-emulator.md §2).
 */
export function cloudWatchClientConfig(
  overrides: Partial<AwsTestClientConfig> = {},
): AwsTestClientConfig & { readonly protocol: typeof AwsJson1_0Protocol } {
  return { ...awsClientConfig(overrides), protocol: AwsJson1_0Protocol };
}

/** Wipes moto (and its ecs::task transition). */
export async function resetAws(endpoint: string = testEnv().awsEndpoint): Promise<void> {
  await resetMoto(endpoint);
}

export interface KubectlResult {
  readonly stdout: string;
  readonly stderr: string;
  readonly exitCode: number;
}

/**
 * Runs kubectl against the test cluster with the generated admin kubeconfig. Throws on a non-zero
 * exit unless `check: false`.
 */
export async function kubectl(
  args: readonly string[],
  options: { input?: string; check?: boolean; kubeconfigPath?: string } = {},
): Promise<KubectlResult> {
  const env = testEnv();
  const fullArgs = [
    `--kubeconfig=${options.kubeconfigPath ?? env.kubeconfigPath}`,
    `--cache-dir=${join(env.stateDir, 'kubectl-cache')}`,
    ...args,
  ];
  const child = spawn(env.kubectlPath, fullArgs, { stdio: ['pipe', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString('utf8')));
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString('utf8')));
  child.stdin.end(options.input ?? '');
  const exitCode = await new Promise<number>((resolve, reject) => {
    child.once('error', reject);
    child.once('close', (code) => {
      resolve(code ?? -1);
    });
  });
  if (exitCode !== 0 && options.check !== false) {
    throw new Error(`kubectl ${args.join(' ')} exited ${exitCode}: ${stderr.trim()}`);
  }
  return { stdout, stderr, exitCode };
}

export interface WaitForOptions {
  /** default 10 s */
  readonly timeoutMs?: number;
  /** default 100 ms */
  readonly intervalMs?: number;
  /** what is awaited, for the timeout message */
  readonly message?: string;
}

/**
 * Polls `fn` until it returns a value other than undefined/null/false and returns that value. A throw
 * (e.g. a failed `expect`) counts as "not yet"; on timeout the last error is rethrown as the cause.
 */
export async function waitFor<T>(
  fn: () => T | undefined | null | false | Promise<T | undefined | null | false>,
  options: WaitForOptions = {},
): Promise<T> {
  const timeoutMs = options.timeoutMs ?? 10_000;
  const deadline = performance.now() + timeoutMs;
  let lastError: unknown;
  for (;;) {
    try {
      const value = await fn();
      if (value !== undefined && value !== null && value !== false) return value;
    } catch (err) {
      lastError = err;
    }
    if (performance.now() > deadline) {
      const detail = lastError instanceof Error ? `: ${lastError.message}` : '';
      throw new Error(
        `timed out after ${timeoutMs} ms waiting for ${options.message ?? 'condition'}${detail}`,
        {
          cause: lastError,
        },
      );
    }
    await delay(options.intervalMs ?? 100);
  }
}
