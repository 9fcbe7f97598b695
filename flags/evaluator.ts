/**
 * The evaluator applications embed: a local copy of every indexed flag and the kill switches they
 * name, kept fresh by the change notices on `<prefix>changes` (a duplicated subscriber connection),
 * a full reload on every (re)connect, and a periodic full reload as a fallback for writers that do
 * not publish. Kill switches written by hand (a raw `SET`/`DEL`, no notice) are followed within a
 * second by `KillSwitchWatch`: keyspace notifications where the server sends them, else a short
 * poll of the switches in use. Evaluation is local and synchronous.
 *
 * Reads are numbered when sent; a result is applied only if newer than what produced the cached
 * entry, so a slow full reload never overwrites a fresher single-flag reload.
 */
import type { Redis } from 'ioredis';
import { isKillSwitchActive, parseChangeNotice, parseFlagHash } from './codec.js';
import type { RedisConnectionOptions } from './connection.js';
import { createRedisClient } from './connection.js';
import { toSafeError } from '../controller/observability/safe-error.js';
import type { EvaluableFlag, Evaluation } from './evaluate.js';
import { evaluateFlag, EvaluationReason, toEvaluable } from './evaluate.js';
import type { FlagKeys, FlagRecord } from './model.js';
import { DEFAULT_KEY_PREFIX, flagKeys } from './model.js';
import { KillSwitchWatch, type KillSwitchWatchMode } from './kill-switch-watch.js';
import { execAll } from './redis-store.js';

export type EvaluatorEvent =
  /** Flags whose answers may have changed (their record or their kill switch). */
  | { readonly type: 'changed'; readonly flags: readonly string[] }
  /** The change feed is down: answers come from the last known state. */
  | { readonly type: 'stale' }
  /** Back in sync after a (re)connect and full reload. */
  | { readonly type: 'ready' };

export interface FlagEvaluatorOptions {
  /** A client to read with (not closed by `close()`); or `connection` to let the evaluator own one. */
  readonly redis?: Redis;
  readonly connection?: RedisConnectionOptions;
  readonly prefix?: string;
  /** Full reload period (default 60 s; 0 disables). */
  readonly fullReloadIntervalMs?: number;
  /** Delay before retrying a failed resync after a reconnect (default 1 s). */
  readonly resyncRetryMs?: number;
  /** Poll period of the kill switches when the server sends no keyspace notifications (default 250 ms). */
  readonly killSwitchPollMs?: number;
  readonly onError?: (err: unknown) => void;
}

type FlagEntry =
  | { readonly kind: 'ok'; readonly record: FlagRecord; readonly evaluable: EvaluableFlag }
  | { readonly kind: 'malformed'; readonly version: number; readonly problem: string }
  | { readonly kind: 'missing' };

interface Versioned<T> {
  readonly seq: number;
  readonly value: T;
}

export class FlagEvaluator {
  private readonly redis: Redis;
  private readonly ownsRedis: boolean;
  private readonly keys: FlagKeys;
  private readonly options: FlagEvaluatorOptions;
  private readonly flags = new Map<string, Versioned<FlagEntry>>();
  private readonly killSwitches = new Map<string, Versioned<boolean>>();
  private readonly listeners = new Set<(event: EvaluatorEvent) => void>();
  private seq = 0;
  private subscriber: Redis | undefined;
  private killSwitchWatch: KillSwitchWatch | undefined;
  private started: Promise<void> | undefined;
  private fullReload: Promise<void> | undefined;
  private timers: NodeJS.Timeout[] = [];
  private stale = true;
  private everSynced = false;
  private closed = false;

  constructor(options: FlagEvaluatorOptions) {
    this.options = options;
    this.keys = flagKeys(options.prefix ?? DEFAULT_KEY_PREFIX);
    if (options.redis !== undefined && options.connection === undefined) {
      this.redis = options.redis;
      this.ownsRedis = false;
    } else if (options.connection !== undefined && options.redis === undefined) {
      this.redis = this.connect(options.connection);
      this.ownsRedis = true;
    } else {
      throw new Error('FlagEvaluator needs exactly one of `redis` or `connection`');
    }
  }

  /**
   * Subscribes and loads every flag; resolves once in sync. Idempotent. Rejects on the first
   * connection error, but keeps reconnecting in the background and emits `ready` once in sync.
   */
  start(): Promise<void> {
    this.started ??= this.connectFeed();
    return this.started;
  }

  /** The answer for a user, from the local copy (DEFAULT/off before the first load). */
  evaluate(flag: string, userId: string): Evaluation {
    const entry = this.flags.get(flag)?.value;
    if (entry === undefined || entry.kind === 'missing')
      return evaluateFlag(undefined, false, userId);
    if (entry.kind === 'malformed') return { value: false, reason: EvaluationReason.Error };
    const group = entry.record.killSwitch;
    const killed = group !== null && (this.killSwitches.get(group)?.value ?? false);
    return evaluateFlag(entry.evaluable, killed, userId);
  }

  isOn(flag: string, userId: string): boolean {
    return this.evaluate(flag, userId).value;
  }

  /** The cached record (undefined when missing or malformed). */
  record(flag: string): FlagRecord | undefined {
    const entry = this.flags.get(flag)?.value;
    return entry?.kind === 'ok' ? entry.record : undefined;
  }

  /** Why a cached flag is unreadable, if it is. */
  problem(flag: string): string | undefined {
    const entry = this.flags.get(flag)?.value;
    return entry?.kind === 'malformed' ? entry.problem : undefined;
  }

  flagNames(): string[] {
    return [...this.flags]
      .flatMap(([name, e]) => (e.value.kind === 'missing' ? [] : [name]))
      .sort();
  }

  /** How raw kill-switch writes are noticed (undefined before the first sync). */
  get killSwitchMode(): KillSwitchWatchMode | undefined {
    return this.killSwitchWatch?.mode;
  }

  get isStale(): boolean {
    return this.stale;
  }

  onEvent(listener: (event: EvaluatorEvent) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Reloads everything now (also what the periodic timer does); rejects with a safe error. */
  refresh(): Promise<void> {
    this.fullReload ??= this.loadAll()
      .catch((err: unknown) => {
        throw toSafeError(err);
      })
      .finally(() => {
        this.fullReload = undefined;
      });
    return this.fullReload;
  }

  /** Stops the feed and timers; disconnects the subscriber (and the client, if owned). */
  close(): Promise<void> {
    if (!this.closed) {
      this.closed = true;
      for (const timer of this.timers) clearTimeout(timer);
      this.timers = [];
      this.listeners.clear();
      this.killSwitchWatch?.stop();
      this.subscriber?.disconnect();
      if (this.ownsRedis) this.redis.disconnect();
    }
    return Promise.resolve();
  }

  private connect(connection: RedisConnectionOptions): Redis {
    return createRedisClient({
      ...connection,
      onError: (err, url) => {
        connection.onError?.(err, url);
        this.report(err);
      },
    });
  }

  private connectFeed(): Promise<void> {
    const subscriber = this.redis.duplicate({ autoResubscribe: false, lazyConnect: false });
    this.subscriber = subscriber;
    this.killSwitchWatch = new KillSwitchWatch({
      reader: this.redis,
      subscriber,
      keys: this.keys,
      // A switch no cached flag names is read when a flag names it (afterFlagsApplied).
      refresh: (groups) => {
        const inUse = this.groupsInUse();
        return this.loadKillSwitches(
          groups === undefined ? inUse : groups.filter((g) => inUse.includes(g)),
        );
      },
      ...(this.options.killSwitchPollMs === undefined
        ? {}
        : { pollMs: this.options.killSwitchPollMs }),
      onError: (err) => {
        this.report(err);
      },
    });
    const firstSync = new Promise<void>((resolve, reject) => {
      subscriber.on('ready', () => {
        this.resync().then(resolve, (err: unknown) => {
          reject(toSafeError(err));
          this.retryResync();
        });
      });
      subscriber.on('error', (err: Error) => {
        this.report(err);
        if (this.stale) reject(toSafeError(err));
      });
    });
    subscriber.on('message', (_channel: string, message: string) => {
      this.onNotice(message);
    });
    subscriber.on('close', () => {
      if (this.closed || this.stale) return;
      this.stale = true;
      this.emit({ type: 'stale' });
    });
    const interval = this.options.fullReloadIntervalMs ?? 60_000;
    if (interval > 0) {
      const timer = setInterval(() => {
        this.refresh().catch((err: unknown) => {
          this.report(err);
        });
      }, interval);
      timer.unref();
      this.timers.push(timer);
    }
    return firstSync;
  }

  /** After each (re)connect: subscribe first, then reload, so no change falls in between. */
  private async resync(): Promise<void> {
    if (this.closed || this.subscriber === undefined) return;
    await this.subscriber.subscribe(this.keys.channel);
    await this.killSwitchWatch?.start();
    await this.refresh();
    this.everSynced = true;
    if (this.stale) {
      this.stale = false;
      this.emit({ type: 'ready' });
    }
  }

  private retryResync(): void {
    if (this.closed) return;
    const timer = setTimeout(() => {
      this.timers = this.timers.filter((t) => t !== timer);
      if (this.subscriber?.status !== 'ready' || !this.stale) return;
      this.resync().catch((err: unknown) => {
        this.report(err);
        this.retryResync();
      });
    }, this.options.resyncRetryMs ?? 1_000);
    timer.unref();
    this.timers.push(timer);
  }

  private onNotice(message: string): void {
    const notice = parseChangeNotice(message);
    const reload =
      notice === undefined
        ? this.refresh() // a notice this version cannot read: reload everything
        : notice.op === 'kill-switch'
          ? this.loadKillSwitches([notice.group])
          : this.loadFlag(notice.flag);
    reload.catch((err: unknown) => {
      this.report(err);
    });
  }

  private async loadFlag(name: string): Promise<void> {
    const seq = ++this.seq;
    const [hash, targets] = await execAll(
      this.redis.multi().hgetall(this.keys.flag(name)).smembers(this.keys.targets(name)),
    );
    const changed = this.applyFlag(name, seq, toEntry(name, hash, targets));
    await this.afterFlagsApplied(changed ? [name] : []);
  }

  private async loadAll(): Promise<void> {
    const names = await this.redis.smembers(this.keys.index);
    const seq = ++this.seq;
    // The index is read again inside the transaction: it decides which flags exist at `seq`.
    const tx = this.redis.multi().smembers(this.keys.index);
    for (const name of names) tx.hgetall(this.keys.flag(name)).smembers(this.keys.targets(name));
    const [indexNow, ...replies] = await execAll(tx);
    const present = new Set(indexNow as string[]);
    const changed: string[] = [];
    const lateArrivals: string[] = [];
    names.forEach((name, i) => {
      const entry = present.has(name)
        ? toEntry(name, replies[2 * i], replies[2 * i + 1])
        : ({ kind: 'missing' } as const);
      if (this.applyFlag(name, seq, entry)) changed.push(name);
    });
    for (const name of present) if (!names.includes(name)) lateArrivals.push(name);
    for (const [name, cached] of this.flags) {
      if (!present.has(name) && cached.seq < seq && cached.value.kind !== 'missing') {
        if (this.applyFlag(name, seq, { kind: 'missing' })) changed.push(name);
      }
    }
    await Promise.all(lateArrivals.map((name) => this.loadFlag(name)));
    await this.loadKillSwitches(this.groupsInUse(), changed);
  }

  /** Re-reads the kill switches of changed flags (a flag may have moved to another group). */
  private async afterFlagsApplied(changed: string[]): Promise<void> {
    const groups = changed.flatMap((name) => {
      const group = this.record(name)?.killSwitch ?? null;
      return group === null ? [] : [group];
    });
    await this.loadKillSwitches(groups, changed);
  }

  private async loadKillSwitches(groups: string[], alreadyChanged: string[] = []): Promise<void> {
    const changedGroups = new Set<string>();
    if (groups.length > 0) {
      const seq = ++this.seq;
      const values = await this.redis.mget(groups.map((g) => this.keys.killSwitch(g)));
      groups.forEach((group, i) => {
        const cached = this.killSwitches.get(group);
        if (cached !== undefined && cached.seq > seq) return;
        const active = isKillSwitchActive(values[i]);
        if (cached?.value !== active) changedGroups.add(group);
        this.killSwitches.set(group, { seq, value: active });
      });
    }
    const affected = [...this.flags.keys()].filter((name) => {
      const group = this.record(name)?.killSwitch ?? null;
      return group !== null && changedGroups.has(group);
    });
    this.emitChanged([...new Set([...alreadyChanged, ...affected])]);
  }

  /** Returns whether the answer for the flag may have changed. */
  private applyFlag(name: string, seq: number, entry: FlagEntry): boolean {
    const cached = this.flags.get(name);
    if (cached !== undefined && cached.seq > seq) return false;
    this.flags.set(name, { seq, value: entry });
    return fingerprint(cached?.value) !== fingerprint(entry);
  }

  private groupsInUse(): string[] {
    const groups = new Set<string>();
    for (const name of this.flags.keys()) {
      const group = this.record(name)?.killSwitch ?? null;
      if (group !== null) groups.add(group);
    }
    return [...groups];
  }

  private emitChanged(flags: string[]): void {
    // The first load is not a change: listeners learn about it from start() / the 'ready' event.
    if (flags.length > 0 && this.everSynced)
      this.emit({ type: 'changed', flags: [...flags].sort() });
  }

  private emit(event: EvaluatorEvent): void {
    for (const listener of this.listeners) {
      try {
        listener(event);
      } catch (err) {
        this.report(err);
      }
    }
  }

  /** Errors leave the evaluator reduced to their safe shape (no command arguments, no secrets). */
  private report(err: unknown): void {
    if (!this.closed) this.options.onError?.(toSafeError(err));
  }
}

function toEntry(name: string, hash: unknown, targets: unknown): FlagEntry {
  const fields = hash as Record<string, string>;
  if (Object.keys(fields).length === 0) return { kind: 'missing' };
  const parsed = parseFlagHash(name, fields, targets as string[]);
  if (!parsed.ok) return { kind: 'malformed', version: parsed.version, problem: parsed.problem };
  return { kind: 'ok', record: parsed.record, evaluable: toEvaluable(parsed.record) };
}

function fingerprint(entry: FlagEntry | undefined): string {
  if (entry === undefined || entry.kind === 'missing') return 'missing';
  if (entry.kind === 'malformed') return `malformed:${entry.version}:${entry.problem}`;
  return JSON.stringify(entry.record);
}
