// `kubectl latticedb …` (kubectl runs `kubectl-latticedb` from PATH): get, status, the Release
// actions and FailoverPlan failover/failback. The object is read from and written to the cluster
// of the current kubeconfig context; the controller does the work and the command reports it.
// Deadlines use performance.now() (monotonic); objects are polled (--interval), not watched.
import { setTimeout as sleep } from 'node:timers/promises';
import { parseArgs } from 'node:util';
import {
  CustomObjectsApi,
  KubeConfig,
  PatchStrategy,
  setHeaderOptions,
} from '@kubernetes/client-node';
import { parseDuration } from '../../controller/duration.js';
import {
  ACTION_EFFECT,
  actionValue,
  ignoredBecause,
  newTransitions,
  RELEASE_ACTIONS,
  renderTree,
  verdictOf,
  type LatticeObject,
  type ReleaseAction,
} from './view.js';

const GROUP = 'delivery.latticedb.com';
const VERSION = 'v1alpha1';
const KINDS: Record<string, { kind: string; plural: string }> = {
  release: { kind: 'Release', plural: 'releases' },
  rel: { kind: 'Release', plural: 'releases' },
  flagrollout: { kind: 'FlagRollout', plural: 'flagrollouts' },
  fr: { kind: 'FlagRollout', plural: 'flagrollouts' },
  failoverplan: { kind: 'FailoverPlan', plural: 'failoverplans' },
  fp: { kind: 'FailoverPlan', plural: 'failoverplans' },
  scalepolicy: { kind: 'ScalePolicy', plural: 'scalepolicies' },
  sp: { kind: 'ScalePolicy', plural: 'scalepolicies' },
};

export const USAGE = `Usage: kubectl latticedb <command> [flags]

  get <kind> <name> [--watch]      the object as a tree (revision, traffic, analysis, checks, transitions)
  status <name> [--kind release] [--timeout 10m]
                                   wait: exit 0 when healthy, 1 as soon as it is rolled back, aborted,
                                   failed, frozen or stalled, 2 when the timeout passes
  promote|approve|abort|retry|rollback <release> [--wait 60s]
                                   annotate the Release for its current revision and report what the
                                   controller did: exit 0 when it acted, 1 when it ignored the
                                   action (says why) or did not handle it in time
  failover|failback <failoverplan> set spec.activeRegion to the secondary / primary region

Flags: -n/--namespace, --kubeconfig, --interval 2s (polling). Kinds: release (rel), flagrollout (fr),
failoverplan (fp), scalepolicy (sp). Exit codes: 0 ok, 1 failed/not done/ignored, 2 timeout,
3 usage/API error.
`;

export interface Io {
  stdout(text: string): void;
  stderr(text: string): void;
  readonly env: NodeJS.ProcessEnv;
}

class UsageError extends Error {}

interface Target {
  readonly api: CustomObjectsApi;
  readonly namespace: string;
}

function target(values: { namespace?: string; kubeconfig?: string }): Target {
  const kc = new KubeConfig();
  if (values.kubeconfig !== undefined) kc.loadFromFile(values.kubeconfig);
  else kc.loadFromDefault();
  const contextNs = kc.getContextObject(kc.getCurrentContext())?.namespace;
  return {
    api: kc.makeApiClient(CustomObjectsApi),
    namespace: values.namespace ?? contextNs ?? 'default',
  };
}

const kindOf = (name: string): { kind: string; plural: string } => {
  const k = KINDS[name.toLowerCase().replace(/s$/, '')] ?? KINDS[name.toLowerCase()];
  if (k === undefined) throw new UsageError(`unknown kind ${name}`);
  return k;
};

async function read(t: Target, plural: string, name: string): Promise<LatticeObject> {
  return (await t.api.getNamespacedCustomObject({
    group: GROUP,
    version: VERSION,
    namespace: t.namespace,
    plural,
    name,
  })) as LatticeObject;
}

async function mergePatch(
  t: Target,
  plural: string,
  name: string,
  body: object,
): Promise<LatticeObject> {
  return (await t.api.patchNamespacedCustomObject(
    { group: GROUP, version: VERSION, namespace: t.namespace, plural, name, body },
    setHeaderOptions('Content-Type', PatchStrategy.MergePatch),
  )) as LatticeObject;
}

export async function run(argv: readonly string[], io: Io): Promise<number> {
  let parsed;
  try {
    parsed = parseArgs({
      args: [...argv],
      allowPositionals: true,
      options: {
        namespace: { type: 'string', short: 'n' },
        kubeconfig: { type: 'string' },
        watch: { type: 'boolean', short: 'w', default: false },
        timeout: { type: 'string', default: '10m' },
        wait: { type: 'string', default: '60s' },
        interval: { type: 'string', default: '2s' },
        kind: { type: 'string', default: 'release' },
        help: { type: 'boolean', short: 'h', default: false },
      },
    });
  } catch (err) {
    io.stderr(`${(err as Error).message}\n\n${USAGE}`);
    return 3;
  }
  const { values, positionals } = parsed;
  const [command, ...args] = positionals;
  if (values.help || command === undefined) {
    io.stdout(USAGE);
    return command === undefined && !values.help ? 3 : 0;
  }
  try {
    const t = target(values);
    const interval = parseDuration(values.interval);
    switch (command) {
      case 'get':
        return await get(t, io, args, values.watch, parseDuration(values.timeout), interval);
      case 'status':
        return await status(t, io, args, values.kind, parseDuration(values.timeout), interval);
      case 'failover':
      case 'failback':
        return await failover(t, io, command, args, parseDuration(values.wait), interval);
      default:
        if ((RELEASE_ACTIONS as readonly string[]).includes(command)) {
          return await releaseAction(
            t,
            io,
            command as ReleaseAction,
            args,
            parseDuration(values.wait),
            interval,
          );
        }
        throw new UsageError(`unknown command ${command}`);
    }
  } catch (err) {
    if (err instanceof UsageError) {
      io.stderr(`${err.message}\n\n${USAGE}`);
      return 3;
    }
    const body = (err as { body?: unknown }).body;
    const message =
      typeof body === 'string'
        ? ((JSON.parse(body) as { message?: string }).message ?? body)
        : (err as Error).message;
    io.stderr(`error: ${message}\n`);
    return 3;
  }
}

function one(args: readonly string[], what: string): string {
  if (args.length !== 1 || args[0] === undefined) throw new UsageError(`expected one ${what}`);
  return args[0];
}

async function get(
  t: Target,
  io: Io,
  args: readonly string[],
  watch: boolean,
  timeoutMs: number,
  intervalMs: number,
): Promise<number> {
  if (args.length !== 2) throw new UsageError('expected <kind> <name>');
  const { plural } = kindOf(args[0] ?? '');
  const name = args[1] ?? '';
  let last = '';
  const deadline = performance.now() + timeoutMs;
  for (;;) {
    const tree = renderTree(await read(t, plural, name));
    if (tree !== last) io.stdout(last === '' ? tree : `\n${tree}`);
    last = tree;
    if (!watch || performance.now() >= deadline) return 0;
    await sleep(intervalMs);
  }
}

async function status(
  t: Target,
  io: Io,
  args: readonly string[],
  kind: string,
  timeoutMs: number,
  intervalMs: number,
): Promise<number> {
  const { plural, kind: kindName } = kindOf(kind);
  const name = one(args, 'name');
  const deadline = performance.now() + timeoutMs;
  let said = '';
  for (;;) {
    const v = verdictOf(await read(t, plural, name));
    const line = `${kindName} ${t.namespace}/${name}: ${v.message}`;
    if (line !== said) io.stdout(`${line}\n`);
    said = line;
    if (v.state === 'healthy') return 0;
    if (v.state === 'failed') return 1;
    if (performance.now() >= deadline) {
      io.stderr(`timed out after ${timeoutMs / 1000}s, still ${v.message}\n`);
      return 2;
    }
    await sleep(intervalMs);
  }
}

async function releaseAction(
  t: Target,
  io: Io,
  action: ReleaseAction,
  args: readonly string[],
  waitMs: number,
  intervalMs: number,
): Promise<number> {
  const name = one(args, 'Release name');
  const before = await read(t, 'releases', name);
  const value = actionValue(before, action);
  const key = `${GROUP}/${action}`;
  io.stdout(
    `Release ${t.namespace}/${name} is ${before.status?.phase ?? 'Pending'}: annotating ${key}=${value} (${action} ${ACTION_EFFECT[action]})\n`,
  );
  await mergePatch(t, 'releases', name, { metadata: { annotations: { [key]: value } } });
  const deadline = performance.now() + waitMs;
  for (;;) {
    const now = await read(t, 'releases', name);
    const handled = (now.status?.actions as Record<string, string> | undefined)?.[action];
    if (handled === value) {
      for (const h of newTransitions(before.status?.history ?? [], now.status?.history ?? []))
        io.stdout(
          `  ${h.time}  ${h.from ?? '-'} → ${h.to}  ${h.reason}${h.message ? `: ${h.message}` : ''}\n`,
        );
      const phase = `${now.status?.phase ?? 'Pending'}${now.status?.message ? ` — ${now.status.message}` : ''}`;
      const why = ignoredBecause(now, action, value);
      if (why !== undefined) {
        // Handled without effect (nothing to promote, another revision, …): not done.
        io.stderr(`ignored: ${why} (the controller ignored ${action}=${value}; still ${phase})\n`);
        return 1;
      }
      io.stdout(`the controller handled ${action}=${value}: now ${phase}\n`);
      return 0;
    }
    if (performance.now() >= deadline) {
      io.stderr(
        `the controller has not handled ${action}=${value} after ${waitMs / 1000}s (is it running?)\n`,
      );
      return 1;
    }
    await sleep(intervalMs);
  }
}

async function failover(
  t: Target,
  io: Io,
  command: 'failover' | 'failback',
  args: readonly string[],
  waitMs: number,
  intervalMs: number,
): Promise<number> {
  const name = one(args, 'FailoverPlan name');
  const plan = await read(t, 'failoverplans', name);
  const site = (
    plan.spec?.[command === 'failover' ? 'secondary' : 'primary'] as { region?: string } | undefined
  )?.region;
  if (site === undefined)
    throw new Error(
      `FailoverPlan ${name} has no ${command === 'failover' ? 'secondary' : 'primary'} region`,
    );
  if (plan.spec?.activeRegion === site) {
    io.stdout(`FailoverPlan ${t.namespace}/${name}: spec.activeRegion is already ${site}\n`);
    return 0;
  }
  io.stdout(
    `FailoverPlan ${t.namespace}/${name}: spec.activeRegion ${String(plan.spec?.activeRegion)} → ${site} (${command})\n`,
  );
  const patched = await mergePatch(t, 'failoverplans', name, { spec: { activeRegion: site } });
  const generation = patched.metadata.generation;
  const deadline = performance.now() + waitMs;
  for (;;) {
    const now = await read(t, 'failoverplans', name);
    const st = now.status;
    if (st !== undefined && st.observedGeneration === generation) {
      io.stdout(
        `the controller observed it: now ${st.phase ?? 'no phase'}${st.message ? ` — ${st.message}` : ''}\n`,
      );
      const stalled = st.conditions?.find((c) => c.type === 'Stalled' && c.status === 'True');
      if (stalled !== undefined)
        io.stdout(`Stalled: ${stalled.reason ?? ''} ${stalled.message ?? ''}\n`);
      return 0;
    }
    if (performance.now() >= deadline) {
      io.stderr(
        `the controller has not observed generation ${String(generation)} after ${waitMs / 1000}s\n`,
      );
      return 1;
    }
    await sleep(intervalMs);
  }
}
