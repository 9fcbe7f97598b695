/**
 * What each CLI command does against a FlagStore. Writes read the flag, derive the next state and
 * compare-and-set on the version read; on a conflict they re-read and retry once, then give up
 * rather than overwrite a change they did not see.
 */
import type {
  Evaluation,
  FlagObservation,
  FlagRecord,
  FlagStore,
  FlagWrite,
  KillSwitchState,
  StoredRolloutInfo,
} from '../index.js';
import { basisPointsToPercent, evaluateFlag, HANDED_OVER_PHASE, toEvaluable } from '../index.js';
import type { CliCommand, ExitCode } from './args.js';
import { EXIT } from './args.js';

export class CliFailure extends Error {
  override readonly name = 'CliFailure';
  readonly exitCode: ExitCode;
  constructor(exitCode: ExitCode, message: string) {
    super(message);
    this.exitCode = exitCode;
  }
}

export interface FlagView {
  readonly flag: string;
  readonly enabled: boolean;
  readonly percentage: number;
  readonly basisPoints: number;
  readonly salt: string;
  readonly targets: readonly string[];
  readonly killSwitch: KillSwitchState | null;
  readonly version: number;
  readonly updatedAt: string;
  readonly updatedBy: string;
}

export interface FlagReport extends FlagView {
  /** `<namespace>/<name>` of whoever manages the flag now (see `ownerOf`), or null. */
  readonly owner: string | null;
  /** The owner's rollout info; null when the owner published none (or there is no owner). */
  readonly rollout: StoredRolloutInfo | null;
  /** Rollout info that names someone other than the owner (left by a FlagRollout that lost it). */
  readonly staleRollout?: StoredRolloutInfo;
}

/**
 * Who manages a flag, as the controller decides it (reconcilers/flagrollout/plan/modes.ts): the
 * controller that wrote the current version; else (the CLI or a hand edit wrote it last) the
 * FlagRollout the rollout info names, since a CLI write never moves a flag between FlagRollouts
 * (`hand-over` does). `rollout` is that owner's info; info naming anyone else is stale.
 */
export interface FlagOwner {
  /** `<namespace>/<name>` */
  readonly name: string;
  /** `writer`: it wrote the current version; `claim`: the rollout info names it. */
  readonly via: 'writer' | 'claim';
  readonly rollout: StoredRolloutInfo | undefined;
}

const CONTROLLER_PREFIX = 'controller:';

export function ownerOf(
  record: FlagRecord | undefined,
  info: StoredRolloutInfo | undefined,
): FlagOwner | undefined {
  const writer = record?.updatedBy ?? '';
  if (writer.startsWith(CONTROLLER_PREFIX)) {
    const name = writer.slice(CONTROLLER_PREFIX.length);
    return { name, via: 'writer', rollout: info?.owner === name ? info : undefined };
  }
  return info === undefined ? undefined : { name: info.owner, via: 'claim', rollout: info };
}

export interface UserAnswer {
  readonly user: string;
  readonly value: boolean;
  readonly reason: Evaluation['reason'];
  readonly bucket?: number;
}

export interface UnreadableFlag {
  readonly flag: string;
  readonly version: number;
  readonly problem: string;
}

export type CommandResult =
  | {
      readonly kind: 'list';
      readonly flags: readonly FlagView[];
      readonly unreadable: readonly UnreadableFlag[];
    }
  | {
      readonly kind: 'report';
      readonly flags: readonly FlagReport[];
      readonly unreadable: readonly UnreadableFlag[];
    }
  | { readonly kind: 'write'; readonly changed: boolean; readonly flag: FlagView }
  | { readonly kind: 'kill-switch'; readonly group: string; readonly active: boolean }
  | { readonly kind: 'hand-over'; readonly to: string; readonly flag: FlagView }
  | { readonly kind: 'evaluate'; readonly flag: string; readonly answers: readonly UserAnswer[] };

export interface CommandDeps {
  readonly store: FlagStore;
  /** Recorded as updatedBy. */
  readonly writer: string;
  /** Write a flag a FlagRollout owns even when the controller would undo the write. */
  readonly force?: boolean;
  /** Warnings and progress for the operator (stderr). */
  readonly notify: (message: string) => void;
}

export async function executeCommand(
  command: CliCommand,
  deps: CommandDeps,
): Promise<CommandResult> {
  const { store } = deps;
  switch (command.name) {
    case 'list': {
      const observations = await store.list();
      return {
        kind: 'list',
        flags: observations.flatMap(viewOrSkip),
        unreadable: observations.flatMap(unreadableOrSkip),
      };
    }
    case 'report':
      return report(store, command.flag);
    case 'enable': {
      const { basisPoints } = command;
      if (basisPoints !== undefined) {
        // The playbook's `enable <flag> --percentage 5`: on, at that split, created if missing.
        return write(deps, command.flag, 'percentage', (current) => ({
          ...newOrCurrent(command.flag, current),
          enabled: true,
          basisPoints,
          updatedBy: deps.writer,
        }));
      }
      return write(deps, command.flag, 'enable', (current) => {
        if (current === undefined) {
          throw new CliFailure(
            EXIT.notFound,
            `flag "${command.flag}" not found (create it with enable ${command.flag} --percentage <percent>)`,
          );
        }
        return { ...current, enabled: true, updatedBy: deps.writer };
      });
    }
    case 'disable':
      return write(deps, command.flag, 'disable', (current) => {
        if (current === undefined) {
          throw new CliFailure(EXIT.notFound, `flag "${command.flag}" not found`);
        }
        return { ...current, enabled: false, updatedBy: deps.writer };
      });
    case 'set-percentage':
      return write(deps, command.flag, 'percentage', (current) => ({
        ...newOrCurrent(command.flag, current),
        basisPoints: command.basisPoints,
        updatedBy: deps.writer,
      }));
    case 'hand-over':
      return handOver(deps, command.flag, command.to);
    case 'kill-switch':
      await store.setKillSwitch(command.group, command.active);
      return { kind: 'kill-switch', group: command.group, active: command.active };
    case 'evaluate': {
      const observation = await store.read(command.flag);
      if (observation.problem !== undefined) throw unreadable(observation);
      const { record } = observation;
      // As `report`: a flag that does not exist is an error (exit 3), not "off for everyone".
      if (record === undefined) {
        throw new CliFailure(EXIT.notFound, `flag "${command.flag}" not found`);
      }
      const killed = observation.killSwitch?.active ?? false;
      const evaluable = toEvaluable(record);
      const answers = command.users.map((user) => ({
        user,
        ...evaluateFlag(evaluable, killed, user),
      }));
      return { kind: 'evaluate', flag: command.flag, answers };
    }
  }
}

/** A new flag's definition (enabled, salted with its name), else the current one. */
function newOrCurrent(
  flag: string,
  current: FlagRecord | undefined,
): Omit<FlagWrite, 'basisPoints' | 'updatedBy'> {
  return {
    enabled: current?.enabled ?? true,
    salt: current?.salt ?? flag,
    targets: current?.targets ?? [],
    killSwitch: current?.killSwitch ?? null,
  };
}

/** What a write changes, for the ownership rule (see refusal). */
type WriteKind = 'percentage' | 'enable' | 'disable';

/** Read → derive → CAS, retried once on a conflict. `derive` sees undefined for a missing flag. */
async function write(
  deps: CommandDeps,
  flag: string,
  kind: WriteKind,
  derive: (current: FlagRecord | undefined) => FlagWrite,
): Promise<CommandResult> {
  const { store } = deps;
  const info = await store.readRolloutInfo(flag);
  for (let attempt = 1; ; attempt++) {
    const observation = await store.read(flag);
    const current = observation.record;
    const next = derive(current);
    // A no-op writes nothing, so nobody can undo it: never refused (e.g. `enable --percentage
    // 100` on a flag its FlagRollout already serves at 100 %).
    if (current !== undefined && sameDefinition(current, next)) {
      return { kind: 'write', changed: false, flag: toView(observation, current) };
    }
    const owner = ownerOf(current, info);
    if (owner !== undefined && attempt === 1) {
      const refused = refusal(flag, owner, kind, current);
      if (refused !== undefined && deps.force !== true) throw refused;
      deps.notify(ownedNotice(owner, kind, refused !== undefined));
    }
    if (observation.problem !== undefined && current === undefined) {
      deps.notify(`flag "${flag}" was unreadable (${observation.problem}); rewriting it`);
    }
    const result = await store.compareAndSet(flag, observation.version, next);
    if (result.ok) {
      const written = await store.read(flag);
      if (written.record === undefined) throw unreadable(written);
      return { kind: 'write', changed: true, flag: toView(written, written.record) };
    }
    const { currentVersion } = result.conflict;
    if (attempt >= 2) {
      throw new CliFailure(
        EXIT.conflict,
        `flag "${flag}" changed again while writing (now version ${currentVersion}); ` +
          'nothing was written, run the command again',
      );
    }
    deps.notify(
      `flag "${flag}" changed while writing (version ${observation.version} → ${currentVersion}); ` +
        're-reading and retrying once',
    );
  }
}

/**
 * A write to a flag a FlagRollout manages that the controller would undo is refused (exit 4,
 * naming the owner): a new percentage, or re-enabling a flag the controller itself disabled
 * (spec.enabled: false). A disable, and re-enabling after a CLI disable, are respected by the
 * controller (it stops at ExternalDisable and resumes when the flag is on again). A controller
 * that wrote the flag but published no rollout info (a Release, a FailoverPlan, a FlagRollout
 * that just took it over) is named in a warning, not refused: nothing says it is a FlagRollout.
 */
function refusal(
  flag: string,
  owner: FlagOwner,
  kind: WriteKind,
  current: FlagRecord | undefined,
): CliFailure | undefined {
  const { rollout } = owner;
  if (rollout === undefined) return undefined;
  const who = `FlagRollout ${owner.name}`;
  const edit = `kubectl -n ${owner.name.replace('/', ' edit flagrollout/')}`;
  if (kind === 'percentage') {
    const where =
      rollout.phase === HANDED_OVER_PHASE
        ? 'handed over to it, not taken over yet'
        : `${rollout.phase}, step ${rollout.step + 1}/${rollout.stepCount}`;
    return new CliFailure(
      EXIT.conflict,
      `flag "${flag}" is owned by ${who} (${where}), which would put its own percentage back; ` +
        `change its spec.steps (${edit}), or give --force to write anyway`,
    );
  }
  const disabledByController =
    current !== undefined && !current.enabled && current.updatedBy === `controller:${owner.name}`;
  if (kind === 'enable' && disabledByController) {
    return new CliFailure(
      EXIT.conflict,
      `flag "${flag}" was disabled by ${who} (spec.enabled: false), which would disable ` +
        `it again; set spec.enabled: true (${edit}), or give --force to write anyway`,
    );
  }
  return undefined;
}

function ownedNotice(owner: FlagOwner, kind: WriteKind, forced: boolean): string {
  if (owner.rollout === undefined) {
    return `warning: flag last written by controller:${owner.name}, which may put its own state back`;
  }
  const who = `FlagRollout ${owner.name}`;
  if (forced)
    return `warning: --force: writing although ${who} owns the flag; it will put its own state back`;
  if (kind === 'disable') {
    // Every FlagRollout respects a CLI disable, the owner and any other one naming the flag.
    return `${who} owns the flag: it respects this disable (phase Disabled) until the flag is enabled again`;
  }
  return owner.rollout.phase === HANDED_OVER_PHASE
    ? `the flag was handed over to ${who}: it takes the flag over from here`
    : `${who} owns the flag: it resumes its rollout from here`;
}

/**
 * `hand-over <flag> <namespace>/<name>`: the flag, unchanged, rewritten by the CLI together with
 * rollout info naming the new owner (one atomic script). The FlagRollout named takes it over at
 * its next reconcile, keeping a disabled flag disabled; any other one (the previous owner) lets
 * go. The only way a flag moves from one FlagRollout to another (CONTRACT.md §2).
 */
async function handOver(deps: CommandDeps, flag: string, to: string): Promise<CommandResult> {
  const { store } = deps;
  for (let attempt = 1; ; attempt++) {
    const observation = await store.read(flag);
    const current = observation.record;
    if (current === undefined) {
      throw observation.problem !== undefined
        ? unreadable(observation)
        : new CliFailure(EXIT.notFound, `flag "${flag}" not found`);
    }
    if (attempt === 1) {
      const owner = ownerOf(current, await store.readRolloutInfo(flag));
      const from = owner === undefined ? 'no FlagRollout' : `FlagRollout ${owner.name}`;
      deps.notify(
        `handing flag "${flag}" over from ${from} to FlagRollout ${to}` +
          (current.enabled ? '' : ': it stays disabled until enabled with the CLI'),
      );
    }
    const next: FlagWrite = { ...current, updatedBy: deps.writer };
    const result = await store.handOver(flag, observation.version, next, to);
    if (result.ok) {
      const written = await store.read(flag);
      if (written.record === undefined) throw unreadable(written);
      return { kind: 'hand-over', to, flag: toView(written, written.record) };
    }
    if (attempt >= 2) {
      throw new CliFailure(
        EXIT.conflict,
        `flag "${flag}" changed again while handing it over (now version ` +
          `${result.conflict.currentVersion}); nothing was written, run the command again`,
      );
    }
    deps.notify(
      `flag "${flag}" changed while handing it over (version ${observation.version} → ` +
        `${result.conflict.currentVersion}); re-reading and retrying once`,
    );
  }
}

async function report(store: FlagStore, flag: string | undefined): Promise<CommandResult> {
  const observations = flag === undefined ? await store.list() : [await store.read(flag)];
  if (flag !== undefined) {
    const [only] = observations;
    if (only?.record === undefined) {
      throw only?.problem !== undefined
        ? unreadable(only)
        : new CliFailure(EXIT.notFound, `flag "${flag}" not found`);
    }
  }
  const reports: FlagReport[] = [];
  for (const observation of observations) {
    const { record } = observation;
    if (record === undefined) continue;
    const info = await store.readRolloutInfo(observation.name);
    const owner = ownerOf(record, info);
    const stale = info !== undefined && info.owner !== owner?.name ? { staleRollout: info } : {};
    reports.push({
      ...toView(observation, record),
      owner: owner?.name ?? null,
      rollout: owner?.rollout ?? null,
      ...stale,
    });
  }
  return { kind: 'report', flags: reports, unreadable: observations.flatMap(unreadableOrSkip) };
}

function unreadableOrSkip(observation: FlagObservation): UnreadableFlag[] {
  const { name, version, problem } = observation;
  return problem === undefined ? [] : [{ flag: name, version, problem }];
}

function viewOrSkip(observation: FlagObservation): FlagView[] {
  return observation.record === undefined ? [] : [toView(observation, observation.record)];
}

function toView(observation: FlagObservation, record: FlagRecord): FlagView {
  return {
    flag: record.name,
    enabled: record.enabled,
    percentage: basisPointsToPercent(record.basisPoints),
    basisPoints: record.basisPoints,
    salt: record.salt,
    targets: record.targets,
    killSwitch: observation.killSwitch ?? null,
    version: record.version,
    updatedAt: record.updatedAt,
    updatedBy: record.updatedBy,
  };
}

function sameDefinition(current: FlagRecord, next: FlagWrite): boolean {
  return (
    current.enabled === next.enabled &&
    current.basisPoints === next.basisPoints &&
    current.salt === next.salt &&
    current.killSwitch === next.killSwitch &&
    current.targets.length === next.targets.length &&
    current.targets.every((t, i) => t === next.targets[i])
  );
}

function unreadable(observation: FlagObservation): CliFailure {
  return new CliFailure(
    EXIT.notFound,
    `flag "${observation.name}" is unreadable: ${observation.problem ?? 'unknown problem'}`,
  );
}
