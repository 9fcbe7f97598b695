/**
 * FlagStore on ioredis. Writes go through Lua scripts (atomic, version-checked, with the change
 * notice published inside the script); reads are one MULTI round trip per flag.
 */
import type { ChainableCommander, Redis } from 'ioredis';
import { encodeRolloutInfo, isKillSwitchActive, parseFlagHash, parseRolloutInfo } from './codec.js';
import type { FlagKeys, FlagWrite, RolloutInfo, StoredRolloutInfo } from './model.js';
import {
  assertFlagName,
  assertKillSwitchGroup,
  DEFAULT_KEY_PREFIX,
  flagKeys,
  flagWriteProblems,
  HANDED_OVER_PHASE,
  InvalidFlagInputError,
  MAX_UPDATED_BY_LENGTH,
} from './model.js';
import { COMPARE_AND_SET_LUA, DELETE_LUA, HAND_OVER_LUA, SET_KILL_SWITCH_LUA } from './scripts.js';
import type { FlagObservation, FlagStore, ReadOptions, WriteResult } from './store.js';

/** Structurally the controller's Clock: only `now()` is needed. */
export interface FlagClock {
  now(): Date;
}

export interface RedisFlagStoreOptions {
  readonly redis: Redis;
  readonly prefix?: string;
  readonly clock?: FlagClock;
}

/** The custom commands registered with `defineCommand` (ioredis adds them at run time). */
interface FlagScripts {
  latticedbFlagCas(...keysAndArgs: string[]): Promise<[number, number]>;
  latticedbFlagHandOver(...keysAndArgs: string[]): Promise<[number, number]>;
  latticedbFlagDelete(...keysAndArgs: string[]): Promise<[number, number]>;
  latticedbFlagKillSwitch(...keysAndArgs: string[]): Promise<number>;
}

/** RFC3339 with whole seconds, like Kubernetes timestamps. */
export function rfc3339(date: Date): string {
  return date.toISOString().replace(/\.\d{3}Z$/, 'Z');
}

export class RedisFlagStore implements FlagStore {
  readonly keys: FlagKeys;
  private readonly redis: Redis;
  private readonly scripts: FlagScripts;
  private readonly clock: FlagClock;

  constructor(options: RedisFlagStoreOptions) {
    this.redis = options.redis;
    this.keys = flagKeys(options.prefix ?? DEFAULT_KEY_PREFIX);
    this.clock = options.clock ?? { now: () => new Date() };
    registerScripts(this.redis);
    this.scripts = this.redis as unknown as FlagScripts;
  }

  async read(flag: string, options: ReadOptions = {}): Promise<FlagObservation> {
    assertFlagName(flag);
    const askedGroup = options.killSwitch ?? undefined;
    if (askedGroup !== undefined) assertKillSwitchGroup(askedGroup);
    const tx = this.redis.multi().hgetall(this.keys.flag(flag)).smembers(this.keys.targets(flag));
    if (askedGroup !== undefined) tx.get(this.keys.killSwitch(askedGroup));
    const [hash, targets, killValue] = await execAll(tx);
    const observation = observe(
      flag,
      hash as Record<string, string>,
      targets as string[],
      askedGroup,
      killValue as string | null,
    );
    const storedGroup = observation.record?.killSwitch ?? null;
    if (askedGroup !== undefined || storedGroup === null) return observation;
    // The caller did not name the group: read the one the flag names (second round trip).
    const active = isKillSwitchActive(await this.redis.get(this.keys.killSwitch(storedGroup)));
    return { ...observation, killSwitch: { group: storedGroup, active } };
  }

  async list(): Promise<FlagObservation[]> {
    const names = (await this.redis.smembers(this.keys.index)).sort();
    if (names.length === 0) return [];
    const tx = this.redis.multi();
    for (const name of names) tx.hgetall(this.keys.flag(name)).smembers(this.keys.targets(name));
    const replies = await execAll(tx);
    const observations = names
      .map((name, i) =>
        observe(
          name,
          replies[2 * i] as Record<string, string>,
          replies[2 * i + 1] as string[],
          undefined,
          null,
        ),
      )
      .filter((o) => o.record !== undefined || o.problem !== undefined);
    const groups = [
      ...new Set(observations.flatMap((o) => (o.record?.killSwitch ? [o.record.killSwitch] : []))),
    ];
    if (groups.length === 0) return observations;
    const values = await this.redis.mget(groups.map((g) => this.keys.killSwitch(g)));
    const active = new Map(groups.map((g, i) => [g, isKillSwitchActive(values[i])]));
    return observations.map((o) => {
      const group = o.record?.killSwitch ?? null;
      return group === null
        ? o
        : { ...o, killSwitch: { group, active: active.get(group) ?? false } };
    });
  }

  async compareAndSet(
    flag: string,
    expectedVersion: number,
    next: FlagWrite,
  ): Promise<WriteResult> {
    assertFlagName(flag);
    assertVersion(expectedVersion);
    const problems = flagWriteProblems(next);
    if (problems.length > 0) throw new InvalidFlagInputError(problems.join('; '));
    const targets = [...new Set(next.targets)].sort();
    const [ok, version] = await this.scripts.latticedbFlagCas(
      this.keys.flag(flag),
      this.keys.targets(flag),
      this.keys.index,
      String(expectedVersion),
      flag,
      this.keys.channel,
      next.enabled ? '1' : '0',
      String(next.basisPoints),
      next.salt,
      rfc3339(this.clock.now()),
      next.updatedBy,
      next.killSwitch ?? '',
      ...targets,
    );
    return ok === 1 ? { ok: true, version } : { ok: false, conflict: { currentVersion: version } };
  }

  async handOver(
    flag: string,
    expectedVersion: number,
    next: FlagWrite,
    owner: string,
  ): Promise<WriteResult> {
    assertFlagName(flag);
    assertVersion(expectedVersion);
    const problems = flagWriteProblems(next);
    if (owner.length === 0 || owner.length > MAX_UPDATED_BY_LENGTH) {
      problems.push(`owner must be 1..${MAX_UPDATED_BY_LENGTH} characters`);
    }
    if (problems.length > 0) throw new InvalidFlagInputError(problems.join('; '));
    const targets = [...new Set(next.targets)].sort();
    const [ok, version] = await this.scripts.latticedbFlagHandOver(
      this.keys.flag(flag),
      this.keys.targets(flag),
      this.keys.index,
      this.keys.rollout(flag),
      String(expectedVersion),
      flag,
      this.keys.channel,
      next.enabled ? '1' : '0',
      String(next.basisPoints),
      next.salt,
      rfc3339(this.clock.now()),
      next.updatedBy,
      next.killSwitch ?? '',
      owner,
      HANDED_OVER_PHASE,
      ...targets,
    );
    return ok === 1 ? { ok: true, version } : { ok: false, conflict: { currentVersion: version } };
  }

  async delete(flag: string, expectedVersion: number): Promise<WriteResult> {
    assertFlagName(flag);
    assertVersion(expectedVersion);
    const [ok, version] = await this.scripts.latticedbFlagDelete(
      this.keys.flag(flag),
      this.keys.targets(flag),
      this.keys.index,
      this.keys.rollout(flag),
      String(expectedVersion),
      flag,
      this.keys.channel,
    );
    return ok === 1
      ? { ok: true, version: 0 }
      : { ok: false, conflict: { currentVersion: version } };
  }

  async setKillSwitch(group: string, active: boolean): Promise<void> {
    assertKillSwitchGroup(group);
    await this.scripts.latticedbFlagKillSwitch(
      this.keys.killSwitch(group),
      active ? '1' : '0',
      group,
      this.keys.channel,
    );
  }

  async readKillSwitch(group: string): Promise<boolean> {
    assertKillSwitchGroup(group);
    return isKillSwitchActive(await this.redis.get(this.keys.killSwitch(group)));
  }

  async writeRolloutInfo(flag: string, info: RolloutInfo): Promise<void> {
    assertFlagName(flag);
    const key = this.keys.rollout(flag);
    const fields = encodeRolloutInfo(info, rfc3339(this.clock.now()));
    await execAll(this.redis.multi().del(key).hset(key, fields));
  }

  async clearRolloutInfo(flag: string): Promise<void> {
    assertFlagName(flag);
    await this.redis.del(this.keys.rollout(flag));
  }

  async readRolloutInfo(flag: string): Promise<StoredRolloutInfo | undefined> {
    assertFlagName(flag);
    return parseRolloutInfo(await this.redis.hgetall(this.keys.rollout(flag)));
  }
}

function observe(
  name: string,
  hash: Record<string, string>,
  targets: string[],
  askedGroup: string | undefined,
  killValue: string | null,
): FlagObservation {
  const killSwitch =
    askedGroup === undefined
      ? undefined
      : { group: askedGroup, active: isKillSwitchActive(killValue) };
  if (Object.keys(hash).length === 0) {
    return { name, record: undefined, version: 0, killSwitch };
  }
  const parsed = parseFlagHash(name, hash, targets);
  if (!parsed.ok) {
    return {
      name,
      record: undefined,
      version: parsed.version,
      problem: parsed.problem,
      killSwitch,
    };
  }
  return { name, record: parsed.record, version: parsed.record.version, killSwitch };
}

function assertVersion(version: number): void {
  if (!Number.isSafeInteger(version) || version < 0) {
    throw new InvalidFlagInputError(`expected version ${version} must be an integer >= 0`);
  }
}

/** Runs a MULTI and returns the replies, throwing the first command error. */
export async function execAll(tx: ChainableCommander): Promise<unknown[]> {
  const replies = await tx.exec();
  if (replies === null) throw new Error('Redis transaction was aborted');
  return replies.map(([err, value]) => {
    if (err) throw err;
    return value;
  });
}

/** Idempotent: several stores (different prefixes) may share one connection. */
function registerScripts(redis: Redis): void {
  const commands = redis as unknown as Partial<FlagScripts>;
  if (commands.latticedbFlagCas === undefined) {
    redis.defineCommand('latticedbFlagCas', { numberOfKeys: 3, lua: COMPARE_AND_SET_LUA });
  }
  if (commands.latticedbFlagHandOver === undefined) {
    redis.defineCommand('latticedbFlagHandOver', { numberOfKeys: 4, lua: HAND_OVER_LUA });
  }
  if (commands.latticedbFlagDelete === undefined) {
    redis.defineCommand('latticedbFlagDelete', { numberOfKeys: 4, lua: DELETE_LUA });
  }
  if (commands.latticedbFlagKillSwitch === undefined) {
    redis.defineCommand('latticedbFlagKillSwitch', { numberOfKeys: 1, lua: SET_KILL_SWITCH_LUA });
  }
}
