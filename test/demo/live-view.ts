// What the demo shows while it runs, as `kubectl get releases,flagrollouts,scalepolicies,
// failoverplans -w` and `kubectl get events -w` would, in one screen:
//  - on a terminal: a table per kind (the CRD's printer columns, rendered by the apiserver) redrawn
//    in place, and below it a log of phase/condition transitions, Events and scenario notes;
//  - otherwise (CI, a pipe): one line per changed row (`kind/name COLUMN=value …`), per Event and
//    per note, so the output reads like a watch log.
import type { KubeConfig } from '@kubernetes/client-node';
import type { Clock } from '../../controller/index.js';
import { apiErrorMessage } from './cluster.js';
import { DEMO_KINDS, resourceOf, type DemoKind } from './kinds.js';
import { getTable, renderTable, type Table } from './tables.js';
import { watchForever, type WatchEventType, type WatchStream } from './watch-stream.js';

interface Condition {
  readonly type: string;
  readonly status: string;
  readonly reason?: string;
  readonly message?: string;
}

interface WatchedObject {
  readonly metadata: { readonly name?: string; readonly generation?: number };
  readonly status?: {
    readonly phase?: string;
    readonly observedGeneration?: number;
    readonly conditions?: readonly Condition[];
  };
}

interface CoreEvent {
  readonly metadata: { readonly uid?: string };
  readonly involvedObject: { readonly kind?: string; readonly name?: string };
  readonly type?: string;
  readonly reason?: string;
  readonly message?: string;
  readonly count?: number;
}

/** What the demo knows about one object at the end (for the `--duration` check). */
export interface ObjectSummary {
  readonly kind: DemoKind;
  readonly name: string;
  readonly generation: number;
  readonly observedGeneration: number | undefined;
  readonly phase: string | undefined;
  /** `Ready=False (NotImplemented)`, or undefined without a Ready condition. */
  readonly ready: string | undefined;
}

export interface LiveViewOptions {
  readonly kc: KubeConfig;
  readonly namespace: string;
  readonly out: NodeJS.WriteStream;
  /** Redraw tables in place (a terminal) or print a line per change. */
  readonly interactive: boolean;
  readonly clock: Clock;
  /** Lines above the tables (interactive mode). */
  readonly header: () => readonly string[];
}

const LOG_KEEP = 300;
const REDRAW_MS = 1_000;
const REFRESH_THROTTLE_MS = 250;

export class LiveView {
  readonly #o: LiveViewOptions;
  readonly #tables = new Map<DemoKind, Table | string>();
  readonly #rowSignatures = new Map<string, string>();
  readonly #objects = new Map<string, ObjectSummary>();
  readonly #seenEvents = new Set<string>();
  readonly #log: string[] = [];
  readonly #watches: WatchStream[] = [];
  #timer: NodeJS.Timeout | undefined;
  #refreshing: Promise<void> | undefined;
  #refreshAgain = false;
  #lastRefresh = 0;
  #lastError: string | undefined;
  #stopped = false;

  constructor(options: LiveViewOptions) {
    this.#o = options;
  }

  start(): void {
    const { kc, namespace } = this.#o;
    for (const { kind } of DEMO_KINDS) {
      const r = resourceOf(kind);
      const path = `/apis/${r.group}/${r.version}/namespaces/${namespace}/${r.plural}`;
      this.#watches.push(
        watchForever(
          kc,
          path,
          (type, obj) => {
            this.#onObject(kind, type, obj as WatchedObject);
          },
          (err) => {
            this.note('watch', `${r.plural}: ${apiErrorMessage(err)} (retrying)`);
          },
        ),
      );
    }
    this.#watches.push(
      watchForever(
        kc,
        `/api/v1/namespaces/${namespace}/events`,
        (type, ev) => {
          if (type !== 'DELETED') this.#onEvent(ev as CoreEvent);
        },
        (err) => {
          this.note('watch', `events: ${apiErrorMessage(err)} (retrying)`);
        },
      ),
    );
    if (this.#o.interactive) {
      this.#o.out.write('\x1b[?25l'); // hide the cursor while redrawing …
      process.once('exit', showCursor); // … and show it again however the process ends
    }
    this.#timer = setInterval(() => {
      this.#requestRefresh();
    }, REDRAW_MS);
    this.#requestRefresh();
  }

  /**
   * A line in the log: scenario narration, demo progress. Before `start` it is printed (without
   * a terminal) or kept for the first frame.
   */
  note(source: string, message: string): void {
    this.#append(`${source}: ${message}`);
  }

  /** Stops watching and leaves the final tables on screen. */
  async stop(): Promise<void> {
    this.#stopped = true;
    clearInterval(this.#timer);
    for (const w of this.#watches.splice(0)) w.stop();
    await this.#refreshing;
    await this.#refreshTables().catch(() => undefined);
    if (this.#o.interactive) {
      this.#draw();
      process.off('exit', showCursor);
      showCursor();
      this.#o.out.write('\n');
    } else {
      this.#o.out.write(`\n${this.#tableLines().join('\n')}\n`);
    }
  }

  objects(): ObjectSummary[] {
    return [...this.#objects.values()];
  }

  #onObject(kind: DemoKind, type: WatchEventType, obj: WatchedObject): void {
    const name = obj.metadata.name ?? '';
    const key = `${kind}/${name}`;
    const before = this.#objects.get(key);
    if (type === 'DELETED') {
      this.#objects.delete(key);
      this.#transition(key, 'deleted');
    } else {
      const ready = obj.status?.conditions?.find((c) => c.type === 'Ready');
      const now: ObjectSummary = {
        kind,
        name,
        generation: obj.metadata.generation ?? 0,
        observedGeneration: obj.status?.observedGeneration,
        phase: obj.status?.phase,
        ready: ready && `Ready=${ready.status}${ready.reason ? ` (${ready.reason})` : ''}`,
      };
      this.#objects.set(key, now);
      const changes = describeChanges(before, now, ready?.message);
      if (changes !== undefined) this.#transition(key, changes);
    }
    this.#requestRefresh();
  }

  #transition(key: string, text: string): void {
    // Without a terminal the changed rows already say this; keep the log to Events and notes.
    if (this.#o.interactive) this.#append(`${key}: ${text}`);
  }

  #onEvent(ev: CoreEvent): void {
    const id = `${ev.metadata.uid ?? ''}/${String(ev.count ?? 1)}`;
    if (this.#seenEvents.has(id)) return; // a restarted watch replays existing Events
    this.#seenEvents.add(id);
    const subject = `${ev.involvedObject.kind ?? ''}/${ev.involvedObject.name ?? ''}`;
    const repeat = (ev.count ?? 1) > 1 ? ` (×${String(ev.count)})` : '';
    this.#append(
      `event ${ev.type ?? ''} ${ev.reason ?? ''} ${subject}: ${ev.message ?? ''}${repeat}`,
    );
  }

  #append(text: string): void {
    const line = `${this.#o.clock.now().toTimeString().slice(0, 8)}  ${text}`;
    this.#log.push(line);
    if (this.#log.length > LOG_KEEP) this.#log.splice(0, this.#log.length - LOG_KEEP);
    if (!this.#o.interactive) this.#o.out.write(`${line}\n`);
  }

  #requestRefresh(): void {
    if (this.#stopped) return;
    if (this.#refreshing !== undefined) {
      this.#refreshAgain = true;
      return;
    }
    const wait = Math.max(0, this.#lastRefresh + REFRESH_THROTTLE_MS - performance.now());
    this.#refreshing = (async () => {
      await new Promise((resolve) => setTimeout(resolve, wait));
      this.#lastRefresh = performance.now();
      await this.#refreshTables();
      if (this.#o.interactive) this.#draw();
    })().finally(() => {
      this.#refreshing = undefined;
      if (this.#refreshAgain) {
        this.#refreshAgain = false;
        this.#requestRefresh();
      }
    });
  }

  async #refreshTables(): Promise<void> {
    await Promise.all(
      DEMO_KINDS.map(async ({ kind }) => {
        try {
          const table = await getTable(this.#o.kc, resourceOf(kind), this.#o.namespace);
          this.#tables.set(kind, table);
          if (!this.#o.interactive) this.#printChangedRows(kind, table);
        } catch (err) {
          // Keep the last good table (e.g. Ctrl-C reached the apiserver before the final
          // refresh); say why it is not refreshing.
          const message = apiErrorMessage(err);
          if (typeof this.#tables.get(kind) !== 'object') this.#tables.set(kind, message);
          else if (this.#lastError !== message)
            this.note('tables', `${message} (showing the last table)`);
          this.#lastError = message;
        }
      }),
    );
  }

  /** kubectl -w style: a line for each row whose cells (ages aside) changed. */
  #printChangedRows(kind: DemoKind, table: Table): void {
    const shown = table.columns
      .map((c, i) => ({ ...c, index: i }))
      .filter((c) => c.priority === 0 && c.type !== 'date' && c.name !== 'Name');
    for (const row of table.rows) {
      const cells = shown.map((c) => `${c.name.toUpperCase()}=${cellText(row.cells[c.index])}`);
      const signature = cells.join(' ');
      const key = `${kind.toLowerCase()}/${row.name}`;
      if (this.#rowSignatures.get(key) === signature) continue;
      this.#rowSignatures.set(key, signature);
      this.#append(`${key}  ${signature}`);
    }
  }

  #tableLines(): string[] {
    const now = this.#o.clock.now();
    return DEMO_KINDS.flatMap(({ kind, plural }) => {
      const table = this.#tables.get(kind);
      const title = plural.toUpperCase();
      if (table === undefined) return [title, '  (loading)', ''];
      if (typeof table === 'string') return [title, `  ${table}`, ''];
      if (table.rows.length === 0) return [title, '  No resources.', ''];
      return [title, ...renderTable(table, now).map((l) => `  ${l}`), ''];
    });
  }

  #draw(): void {
    const { out } = this.#o;
    const width = out.columns > 20 ? out.columns : 120;
    const height = out.rows > 10 ? out.rows : 40;
    const top = [...this.#o.header(), '', ...this.#tableLines()];
    const room = Math.max(4, height - top.length - 2);
    const frame = [...top, 'LOG (newest last)', ...this.#log.slice(-room)].map((l) =>
      l.length > width ? `${l.slice(0, width - 1)}…` : l,
    );
    out.write(`\x1b[H\x1b[2J${frame.join('\n')}`);
  }
}

function showCursor(): void {
  process.stdout.write('\x1b[?25h');
}

function cellText(value: unknown): string {
  if (value === undefined || value === null || value === '') return '<none>';
  return typeof value === 'string' ? value : JSON.stringify(value);
}

/** `phase Pending → Progressing · Ready=False (StepPaused): message`, or undefined if unchanged. */
function describeChanges(
  before: ObjectSummary | undefined,
  now: ObjectSummary,
  readyMessage: string | undefined,
): string | undefined {
  if (before === undefined) return `seen (phase ${now.phase ?? '<none>'})`;
  const parts: string[] = [];
  if (before.phase !== now.phase)
    parts.push(`phase ${before.phase ?? '<none>'} → ${now.phase ?? '<none>'}`);
  if (before.ready !== now.ready)
    parts.push(`${now.ready ?? 'no Ready condition'}${readyMessage ? `: ${readyMessage}` : ''}`);
  return parts.length > 0 ? parts.join(' · ') : undefined;
}
