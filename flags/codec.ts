/**
 * Conversions between Redis values and the model. Parsing is strict where a wrong guess would turn
 * a feature on (percentage, enabled) and lenient where a default is safe (missing salt, version).
 */
import type { ChangeNotice, FlagRecord, RolloutInfo, StoredRolloutInfo } from './model.js';
import { BUCKET_COUNT, FLAG_NAME_PATTERN, KILL_SWITCH_GROUP_PATTERN } from './model.js';

export type ParsedFlag =
  | { readonly ok: true; readonly record: FlagRecord }
  | { readonly ok: false; readonly version: number; readonly problem: string };

const INTEGER = /^[0-9]{1,15}$/;

/** Version of a stored hash; a hash without a readable `version` counts as 0 (see CONTRACT.md). */
export function parseVersion(value: string | undefined): number {
  return value !== undefined && INTEGER.test(value) ? Number(value) : 0;
}

/**
 * Parses `HGETALL <prefix><flag>` + `SMEMBERS <prefix><flag>:targets`. The caller has checked that
 * the hash exists (HGETALL of a missing key is `{}`).
 */
export function parseFlagHash(
  name: string,
  hash: Readonly<Record<string, string>>,
  targets: readonly string[],
): ParsedFlag {
  const version = parseVersion(hash.version);
  const { enabled, percentage } = hash;
  if (enabled !== '1' && enabled !== '0') {
    return { ok: false, version, problem: `field "enabled" is ${show(enabled)}, want "1" or "0"` };
  }
  if (percentage === undefined || !INTEGER.test(percentage) || Number(percentage) > BUCKET_COUNT) {
    return {
      ok: false,
      version,
      problem: `field "percentage" is ${show(percentage)}, want basis points 0..${BUCKET_COUNT}`,
    };
  }
  const killSwitch = hash.killSwitch ?? '';
  if (killSwitch !== '' && !KILL_SWITCH_GROUP_PATTERN.test(killSwitch)) {
    return { ok: false, version, problem: `field "killSwitch" is ${show(killSwitch)}` };
  }
  const salt = hash.salt ?? '';
  return {
    ok: true,
    record: {
      name,
      enabled: enabled === '1',
      basisPoints: Number(percentage),
      // An absent salt means the flag name: hand-written flags still bucket deterministically.
      salt: salt === '' ? name : salt,
      targets: [...targets].sort(),
      killSwitch: killSwitch === '' ? null : killSwitch,
      version,
      updatedAt: hash.updatedAt ?? '',
      updatedBy: hash.updatedBy ?? '',
    },
  };
}

function show(value: string | undefined): string {
  return value === undefined ? 'missing' : JSON.stringify(value);
}

const INACTIVE_KILL_SWITCH_VALUES: ReadonlySet<string> = new Set(['', '0', 'false', 'off', 'no']);

/**
 * A kill switch is active when its key exists and its value, ASCII-lowercased and trimmed, is not
 * one of "", "0", "false", "off", "no". Anything else ("1", "true", "on", "killed", ...) is active:
 * a kill switch fails closed, so an operator's unusual spelling still stops the feature.
 */
export function isKillSwitchActive(value: string | null | undefined): boolean {
  if (value === null || value === undefined) return false;
  return !INACTIVE_KILL_SWITCH_VALUES.has(value.trim().toLowerCase());
}

/** The value the store writes for an active switch (an inactive switch is deleted). */
export const KILL_SWITCH_ACTIVE_VALUE = '1';

export function encodeRolloutInfo(info: RolloutInfo, updatedAt: string): Record<string, string> {
  const fields: Record<string, string> = {
    owner: info.owner,
    phase: info.phase,
    step: String(info.step),
    stepCount: String(info.stepCount),
    updatedAt,
  };
  if (info.nextStepAt !== undefined) fields.nextStepAt = info.nextStepAt;
  if (info.lastAnalysis !== undefined) {
    fields.analysisVerdict = info.lastAnalysis.verdict;
    fields.analysisAt = info.lastAnalysis.at;
    fields.analysisSummary = info.lastAnalysis.summary;
  }
  return fields;
}

export function parseRolloutInfo(
  hash: Readonly<Record<string, string>>,
): StoredRolloutInfo | undefined {
  if (hash.owner === undefined) return undefined;
  const { analysisVerdict, analysisAt, analysisSummary, nextStepAt } = hash;
  return {
    owner: hash.owner,
    phase: hash.phase ?? '',
    step: parseVersion(hash.step),
    stepCount: parseVersion(hash.stepCount),
    ...(nextStepAt !== undefined && nextStepAt !== '' ? { nextStepAt } : {}),
    ...(analysisVerdict !== undefined
      ? {
          lastAnalysis: {
            verdict: analysisVerdict,
            at: analysisAt ?? '',
            summary: analysisSummary ?? '',
          },
        }
      : {}),
    updatedAt: hash.updatedAt ?? '',
  };
}

/** Parses a message from `<prefix>changes`; undefined for anything this version does not know. */
export function parseChangeNotice(message: string): ChangeNotice | undefined {
  let value: unknown;
  try {
    value = JSON.parse(message);
  } catch {
    return undefined;
  }
  if (typeof value !== 'object' || value === null) return undefined;
  const notice = value as Record<string, unknown>;
  const { op } = notice;
  if (
    (op === 'set' || op === 'delete') &&
    typeof notice.flag === 'string' &&
    FLAG_NAME_PATTERN.test(notice.flag) &&
    typeof notice.version === 'number'
  ) {
    return { op, flag: notice.flag, version: notice.version };
  }
  if (
    op === 'kill-switch' &&
    typeof notice.group === 'string' &&
    KILL_SWITCH_GROUP_PATTERN.test(notice.group) &&
    typeof notice.active === 'boolean'
  ) {
    return { op, group: notice.group, active: notice.active };
  }
  return undefined;
}
