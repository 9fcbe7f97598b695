// What the flag in the store should hold for a given rollout state, and who wrote what is there.
// The store's `updatedBy` names the writer (`controller:<namespace>/<name>`, `cli:<user>`): it is
// how the controller tells its own writes (possibly lost from status by a crash) from a flush, a
// CLI change or another controller.
import type { FlagRecord, FlagWrite } from '../../../flags/model.js';
import { percentToBasisPoints } from '../../../flags/model.js';
import type { FlagObservation } from '../../../flags/store.js';
import type { FlagRolloutSpec } from '../api.js';

/** The evaluation-relevant state the rollout wants: on/off and the split. */
export interface FlagTarget {
  readonly enabled: boolean;
  readonly percentage: number;
}

export function writerIdentity(namespace: string, name: string): string {
  return `controller:${namespace}/${name}`;
}

/** The complete write for `target`: targets, salt and kill-switch group always come from the spec. */
export function flagWrite(spec: FlagRolloutSpec, identity: string, target: FlagTarget): FlagWrite {
  return {
    enabled: target.enabled,
    basisPoints: percentToBasisPoints(target.percentage),
    salt: spec.salt ?? spec.flag,
    targets: [...new Set(spec.targeting?.users ?? [])].sort(),
    killSwitch: spec.killSwitch ?? null,
    updatedBy: identity,
  };
}

/** Same evaluation-relevant content (the writer and version aside). */
export function sameContent(record: FlagRecord, write: FlagWrite): boolean {
  return (
    servesTarget(record, write) &&
    record.salt === write.salt &&
    record.killSwitch === write.killSwitch &&
    record.targets.length === write.targets.length &&
    record.targets.every((t, i) => t === write.targets[i])
  );
}

/** On/off and split as `write` (targets and the rest may differ). */
export function servesTarget(
  record: FlagRecord,
  write: Pick<FlagWrite, 'enabled' | 'basisPoints'>,
): boolean {
  return record.enabled === write.enabled && record.basisPoints === write.basisPoints;
}

export const Ownership = {
  /** No flag: never written, deleted, or Redis restarted without persistence / flushed. */
  Missing: 'Missing',
  /** A hash that does not follow the contract (it still has a version to CAS against). */
  Unreadable: 'Unreadable',
  Ours: 'Ours',
  /** Written by the CLI, by hand or by an unknown writer. */
  External: 'External',
  /** Written by another controller (another FlagRollout, a Release, a FailoverPlan). */
  OtherController: 'OtherController',
} as const;
export type Ownership = (typeof Ownership)[keyof typeof Ownership];

export function ownershipOf(flag: FlagObservation, identity: string): Ownership {
  if (flag.record === undefined) {
    return flag.problem === undefined ? Ownership.Missing : Ownership.Unreadable;
  }
  const writer = flag.record.updatedBy;
  if (writer === identity) return Ownership.Ours;
  return writer.startsWith('controller:') ? Ownership.OtherController : Ownership.External;
}

/** `5 %` / `0.05 %`, `+3 targeted users` when any. */
export function describeTarget(target: FlagTarget, targetedUsers: number): string {
  if (!target.enabled) return 'off';
  const users =
    targetedUsers > 0 ? ` + ${targetedUsers} targeted user${targetedUsers === 1 ? '' : 's'}` : '';
  return `${target.percentage} %${users}`;
}
