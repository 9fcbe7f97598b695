/**
 * Noticing raw writes of kill-switch keys (`redis-cli SET latticedb:flags:kill_switch:x true`, `DEL`),
 * which publish no change notice (CONTRACT.md §4a). Two modes, chosen after every (re)connect:
 *
 * - `keyspace`: the server's `notify-keyspace-events` covers string commands, generic commands and
 *   expirations with keyspace channels (`K` with `A`, or `K$gx`): the subscriber connection
 *   PSUBSCRIBEs `__keyspace@<db>__:<prefix>kill_switch:*`, and every SET/DEL/EXPIRE of a switch
 *   arrives as a message, at once.
 * - `poll`: notifications are off, or `CONFIG GET` is refused (managed Redis often renames or
 *   forbids CONFIG): the switches in use are read with one MGET every `pollMs` (default 250 ms).
 *
 * The watch only decides *when* to look; the owner reads the switches (`refresh`), so the evaluator
 * and the controller keep their own ordering of reads. The mode is checked again every
 * `modeCheckMs` (default 60 s), so turning notifications on or off on the server is followed.
 */
import type { Redis } from 'ioredis';
import type { FlagKeys } from './model.js';

export const KillSwitchWatchMode = { Keyspace: 'keyspace', Poll: 'poll' } as const;
export type KillSwitchWatchMode = (typeof KillSwitchWatchMode)[keyof typeof KillSwitchWatchMode];

/** Default period of the poll mode: well under the 1 s goal, one MGET of a few keys per tick. */
export const DEFAULT_KILL_SWITCH_POLL_MS = 250;

export interface KillSwitchWatchOptions {
  /** A regular connection: CONFIG GET is sent on it. */
  readonly reader: Redis;
  /** A connection in subscriber mode (the owner's change-notice subscriber): PSUBSCRIBE goes here. */
  readonly subscriber: Redis;
  readonly keys: FlagKeys;
  /**
   * Re-read kill switches: `groups` named by a keyspace message, or undefined for "every switch in
   * use" (a poll tick, or a mode change that may have missed messages).
   */
  readonly refresh: (groups: readonly string[] | undefined) => Promise<void>;
  readonly pollMs?: number;
  readonly modeCheckMs?: number;
  readonly onMode?: (mode: KillSwitchWatchMode, why: string) => void;
  readonly onError?: (err: unknown) => void;
}

/** Whether a `notify-keyspace-events` value delivers SET, DEL and expiry of a key on its keyspace channel. */
export function keyspaceEventsCover(setting: string): boolean {
  if (!setting.includes('K')) return false;
  return setting.includes('A') || ['$', 'g', 'x'].every((c) => setting.includes(c));
}

/** Redis glob pattern of the kill-switch keys' keyspace channels in database `db`. */
export function keyspacePattern(keys: FlagKeys, db: number): string {
  return `__keyspace@${db}__:${escapeGlob(keys.killSwitch(''))}*`;
}

/** The group a keyspace channel names, or undefined when it is not a kill switch of `keys`. */
export function groupOfKeyspaceChannel(
  channel: string,
  keys: FlagKeys,
  db: number,
): string | undefined {
  const head = `__keyspace@${db}__:${keys.killSwitch('')}`;
  if (!channel.startsWith(head)) return undefined;
  const group = channel.slice(head.length);
  return group === '' ? undefined : group;
}

/** `keyspace` when the server delivers the events, `poll` otherwise (with the reason). */
export async function detectKillSwitchWatchMode(
  redis: Redis,
): Promise<{ readonly mode: KillSwitchWatchMode; readonly why: string }> {
  let setting: string;
  try {
    const reply = await redis.call('CONFIG', 'GET', 'notify-keyspace-events');
    setting = Array.isArray(reply) && typeof reply[1] === 'string' ? reply[1] : '';
  } catch (err) {
    const message = err instanceof Error ? err.message : String(err);
    return { mode: KillSwitchWatchMode.Poll, why: `CONFIG GET refused (${message})` };
  }
  return keyspaceEventsCover(setting)
    ? { mode: KillSwitchWatchMode.Keyspace, why: `notify-keyspace-events is "${setting}"` }
    : {
        mode: KillSwitchWatchMode.Poll,
        why: `notify-keyspace-events is "${setting}" (needs K with A, or K$gx)`,
      };
}

export class KillSwitchWatch {
  readonly #o: KillSwitchWatchOptions;
  readonly #pattern: string;
  readonly #db: number;
  #mode: KillSwitchWatchMode | undefined;
  #pollTimer: NodeJS.Timeout | undefined;
  #modeTimer: NodeJS.Timeout | undefined;
  #polling = false;
  #stopped = false;

  constructor(options: KillSwitchWatchOptions) {
    this.#o = options;
    this.#db = options.reader.options.db ?? 0;
    this.#pattern = keyspacePattern(options.keys, this.#db);
    options.subscriber.on('pmessage', (pattern: string, channel: string) => {
      if (pattern !== this.#pattern || this.#stopped) return;
      const group = groupOfKeyspaceChannel(channel, options.keys, this.#db);
      if (group !== undefined) this.#refresh([group]);
    });
  }

  get mode(): KillSwitchWatchMode | undefined {
    return this.#mode;
  }

  /**
   * Chooses the mode and starts following; call after every (re)connect of the subscriber (a
   * subscription does not survive a reconnect). Never rejects: errors go to `onError` and leave
   * the poll mode running.
   */
  async start(): Promise<void> {
    if (this.#stopped) return;
    if (this.#modeTimer === undefined) {
      this.#modeTimer = setInterval(() => {
        void this.start();
      }, this.#o.modeCheckMs ?? 60_000);
      this.#modeTimer.unref();
    }
    const { mode, why } = await detectKillSwitchWatchMode(this.#o.reader);
    // stop() may have run while CONFIG GET was in flight.
    // eslint-disable-next-line @typescript-eslint/no-unnecessary-condition
    if (this.#stopped) return;
    try {
      if (mode === KillSwitchWatchMode.Keyspace) {
        await this.#o.subscriber.psubscribe(this.#pattern);
        this.#stopPolling();
      } else {
        this.#startPolling();
        if (this.#mode === KillSwitchWatchMode.Keyspace)
          await this.#o.subscriber.punsubscribe(this.#pattern);
      }
    } catch (err) {
      this.#o.onError?.(err);
      this.#startPolling();
      return;
    }
    // Writes while disconnected or switching modes sent no message: look at every switch once.
    this.#refresh(undefined);
    if (mode !== this.#mode) {
      this.#mode = mode;
      this.#o.onMode?.(mode, why);
    }
  }

  stop(): void {
    this.#stopped = true;
    this.#stopPolling();
    if (this.#modeTimer !== undefined) clearInterval(this.#modeTimer);
    this.#modeTimer = undefined;
  }

  #startPolling(): void {
    if (this.#pollTimer !== undefined || this.#stopped) return;
    this.#pollTimer = setInterval(() => {
      // One read in flight at a time: a slow Redis gets fewer polls, not a pile of them.
      if (this.#polling) return;
      this.#polling = true;
      this.#o
        .refresh(undefined)
        .catch((err: unknown) => this.#o.onError?.(err))
        .finally(() => {
          this.#polling = false;
        });
    }, this.#o.pollMs ?? DEFAULT_KILL_SWITCH_POLL_MS);
    this.#pollTimer.unref();
  }

  #stopPolling(): void {
    if (this.#pollTimer !== undefined) clearInterval(this.#pollTimer);
    this.#pollTimer = undefined;
  }

  #refresh(groups: readonly string[] | undefined): void {
    this.#o.refresh(groups).catch((err: unknown) => this.#o.onError?.(err));
  }
}

function escapeGlob(text: string): string {
  return text.replace(/[*?[\]\\]/g, (c) => `\\${c}`);
}
