// What the image and the Deployment say about how the controller process starts: the final stage
// of the Dockerfile (ENTRYPOINT/CMD/WORKDIR/USER/ENV) and the Deployment's container, combined the
// way Kubernetes does it. Shared by the unit tests and the entrypoint integration test.
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { load } from 'js-yaml';

const root = (path: string): string => fileURLToPath(new URL(`../../../${path}`, import.meta.url));

export interface ImageStage {
  readonly from: string;
  /** Exec form only (JSON array); absent when the stage does not set it. */
  readonly entrypoint?: readonly string[];
  readonly cmd?: readonly string[];
  readonly workdir?: string;
  readonly user?: string;
  readonly env: Readonly<Record<string, string>>;
  /** `COPY` destinations, in order. */
  readonly copies: readonly string[];
}

/** The final stage of a Dockerfile. Throws on shell-form ENTRYPOINT/CMD (signals would go to sh). */
export function parseFinalStage(dockerfile: string): ImageStage {
  const instructions = dockerfile
    .replace(/\\\r?\n/g, ' ')
    .split(/\r?\n/)
    .map((l) => l.trim())
    .filter((l) => l !== '' && !l.startsWith('#'));
  const lastFrom = instructions.findLastIndex((l) => /^FROM\s/i.test(l));
  if (lastFrom < 0) throw new Error('no FROM in Dockerfile');
  let stage: {
    from: string;
    entrypoint?: string[];
    cmd?: string[];
    workdir?: string;
    user?: string;
    env: Record<string, string>;
    copies: string[];
  } = { from: (instructions[lastFrom] ?? '').split(/\s+/)[1] ?? '', env: {}, copies: [] };
  for (const line of instructions.slice(lastFrom + 1)) {
    const [keyword = '', ...rest] = line.split(/\s+/);
    const value = rest.join(' ');
    switch (keyword.toUpperCase()) {
      case 'ENTRYPOINT':
        // Docker resets an inherited CMD when a stage sets ENTRYPOINT.
        stage = { ...stage, entrypoint: execForm(keyword, value), cmd: undefined };
        break;
      case 'CMD':
        stage = { ...stage, cmd: execForm(keyword, value) };
        break;
      case 'WORKDIR':
        stage = { ...stage, workdir: value };
        break;
      case 'USER':
        stage = { ...stage, user: value };
        break;
      case 'ENV':
        for (const m of value.matchAll(/([A-Za-z_][A-Za-z0-9_]*)=("[^"]*"|\S+)/g)) {
          stage.env[m[1] ?? ''] = (m[2] ?? '').replace(/^"|"$/g, '');
        }
        break;
      case 'COPY':
        stage.copies.push(rest.filter((r) => !r.startsWith('--')).at(-1) ?? '');
        break;
      default:
        break;
    }
  }
  return stage;
}

function execForm(keyword: string, value: string): string[] {
  const parsed: unknown = value.startsWith('[') ? JSON.parse(value) : undefined;
  if (!Array.isArray(parsed) || !parsed.every((p) => typeof p === 'string')) {
    throw new Error(`${keyword} must use the exec form (JSON array), got: ${value}`);
  }
  return parsed;
}

export function shippedImage(): ImageStage {
  return parseFinalStage(readFileSync(root('Dockerfile'), 'utf8'));
}

export interface EnvVar {
  readonly name: string;
  readonly value?: string;
  readonly valueFrom?: {
    readonly fieldRef?: { readonly fieldPath: string };
    readonly secretKeyRef?: {
      readonly name: string;
      readonly key: string;
      readonly optional?: boolean;
    };
  };
}

export interface SecurityContext {
  readonly runAsNonRoot?: boolean;
  readonly runAsUser?: number;
  readonly runAsGroup?: number;
  readonly privileged?: boolean;
  readonly allowPrivilegeEscalation?: boolean;
  readonly readOnlyRootFilesystem?: boolean;
  readonly capabilities?: { readonly drop?: readonly string[]; readonly add?: readonly string[] };
  readonly seccompProfile?: { readonly type: string };
}

export interface Container {
  readonly name: string;
  readonly command?: readonly string[];
  readonly args?: readonly string[];
  readonly env?: readonly EnvVar[];
  readonly ports?: readonly { readonly name: string; readonly containerPort: number }[];
  readonly securityContext?: SecurityContext;
  readonly livenessProbe?: { readonly httpGet?: { readonly path: string; readonly port: string } };
  readonly readinessProbe?: { readonly httpGet?: { readonly path: string; readonly port: string } };
}

export interface Deployment {
  readonly spec: {
    readonly replicas: number;
    readonly template: {
      readonly spec: {
        readonly serviceAccountName: string;
        readonly terminationGracePeriodSeconds?: number;
        readonly securityContext?: SecurityContext;
        readonly containers: readonly Container[];
      };
    };
  };
}

export function shippedDeployment(): Deployment {
  return load(readFileSync(root('manifests/base/deployment.yaml'), 'utf8')) as Deployment;
}

export function controllerContainer(d: Deployment = shippedDeployment()): Container {
  const c = d.spec.template.spec.containers.find((x) => x.name === 'controller');
  if (c === undefined) throw new Error('the Deployment has no container "controller"');
  return c;
}

/**
 * The variables the container's `env` defines, as the kubelet resolves them: literal values
 * (with `$(VAR)` referring to earlier entries) and `valueFrom` entries through `resolve`
 * (`undefined` = not set, e.g. an optional Secret that does not exist). The process sees the
 * image's ENV overlaid with these; `$(VAR)` in command/args refers to these only.
 */
export function containerEnv(
  container: Container,
  resolve: (v: EnvVar) => string | undefined,
): Record<string, string> {
  const env: Record<string, string> = {};
  for (const v of container.env ?? []) {
    const value = v.value !== undefined ? expand(v.value, env) : resolve(v);
    if (value !== undefined) env[v.name] = value;
  }
  return env;
}

/** Kubernetes `$(VAR)` expansion (`$$` escapes; unknown references stay as written). */
export function expand(text: string, env: Readonly<Record<string, string>>): string {
  return text.replace(/\$\$|\$\(([A-Za-z_][A-Za-z0-9_]*)\)/g, (match, name: string | undefined) =>
    match === '$$' ? '$' : name !== undefined && name in env ? (env[name] ?? '') : match,
  );
}

/**
 * The process Kubernetes starts: `command` replaces the image ENTRYPOINT, `args` replace its CMD
 * (and an ENTRYPOINT-less `command` drops the CMD too), with `$(VAR)` expanded in both.
 */
export function containerCommand(
  image: ImageStage,
  container: Container,
  env: Readonly<Record<string, string>>,
): string[] {
  const entry = container.command ?? image.entrypoint ?? [];
  const args = container.args ?? (container.command === undefined ? (image.cmd ?? []) : []);
  return [...entry, ...args].map((part) => expand(part, env));
}
