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
import { basisPointsToPercent, evaluateFlag, toEvaluable } from '../index.js';
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
  readonly rollout: StoredRolloutInfo | null;
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
  const rollout = await store.readRolloutInfo(flag);
  for (let attempt = 1; ; attempt++) {
    const observation = await store.read(flag);
    const current = observation.record;
    if (rollout !== undefined && attempt === 1) {
      const refused = refusal(flag, rollout, kind, current);
      if (refused !== undefined && deps.force !== true) throw refused;
      deps.notify(ownedNotice(rollout, kind, refused !== undefined));
    }
    if (observation.problem !== undefined && current === undefined) {
      deps.notify(`flag "${flag}" was unreadable (${observation.problem}); rewriting it`);
    }
    const next = derive(current);
    if (current !== undefined && sameDefinition(current, next)) {
      return { kind: 'write', changed: false, flag: toView(observation, current) };
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
 * A write to a flag a FlagRollout owns that the controller would undo is refused (exit 4, naming
 * the owner): a new percentage, or re-enabling a flag the controller itself disabled
 * (spec.enabled: false). A disable, and re-enabling after a CLI disable, are respected by the
 * controller (it stops at ExternalDisable and resumes when the flag is on again).
 */
function refusal(
  flag: string,
  rollout: StoredRolloutInfo,
  kind: WriteKind,
  current: FlagRecord | undefined,
): CliFailure | undefined {
  const owner = `FlagRollout ${rollout.owner}`;
  const edit = `kubectl -n ${rollout.owner.replace('/', ' edit flagrollout/')}`;
  if (kind === 'percentage') {
    return new CliFailure(
      EXIT.conflict,
      `flag "${flag}" is owned by ${owner} (${rollout.phase}, step ` +
        `${rollout.step + 1}/${rollout.stepCount}), which would put its own percentage back; ` +
        `change its spec.steps (${edit}), or give --force to write anyway`,
    );
  }
  const disabledByController =
    current !== undefined && !current.enabled && current.updatedBy.startsWith('controller:');
  if (kind === 'enable' && disabledByController) {
    return new CliFailure(
      EXIT.conflict,
      `flag "${flag}" was disabled by ${owner} (spec.enabled: false), which would disable ` +
        `it again; set spec.enabled: true (${edit}), or give --force to write anyway`,
    );
  }
  return undefined;
}

function ownedNotice(rollout: StoredRolloutInfo, kind: WriteKind, forced: boolean): string {
  const owner = `FlagRollout ${rollout.owner}`;
  if (forced)
    return `warning: --force: writing although ${owner} owns the flag; it will put its own state back`;
  return kind === 'disable'
    ? `${owner} owns the flag: it respects this disable (phase Disabled) until the flag is enabled again`
    : `${owner} owns the flag: it resumes its rollout from here`;
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
    const rollout = (await store.readRolloutInfo(observation.name)) ?? null;
    reports.push({ ...toView(observation, record), rollout });
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
