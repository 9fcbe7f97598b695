// Drives the Release handler as the runtime does — observe → decide → act, then the status write —
// against the fakes of world.ts, with a fake clock. `crash` simulates a controller killed after
// its action but before its status write: the world changed, status did not.
import { pino } from 'pino';
import type { EventSpec, HandlerContext, Outcome } from '../../../../controller/index.js';
import { finishStatus } from '../../../../controller/resource/status.js';
import type { ReleaseSpec } from '../../../../reconcilers/release/api.js';
import { DEFAULT_TUNING, type ReleaseState } from '../../../../reconcilers/release/plan/index.js';
import type { ReleaseMetrics } from '../../../../reconcilers/release/metrics.js';
import type { ReleaseObject, ReleasePorts } from '../../../../reconcilers/release/ports.js';
import { reconcileRelease } from '../../../../reconcilers/release/reconciler.js';
import { LISTENER, TG_B, type World } from './world.js';

const log = pino({ level: 'silent' });

export class Harness {
  readonly world: World;
  readonly obj: ReleaseObject;
  readonly events: EventSpec[] = [];
  readonly ports: ReleasePorts;
  checkpoints = 0;
  crashes = 0;
  #crashedLast = false;
  #acted = 0;
  /** With `crash: 'ifActed'`: let this many acting reconciles through first (shifts the pattern). */
  crashOffset = 0;
  /** Canary share of every setWeights call on the production listener, in order. */
  readonly weightCalls: number[] = [];
  reconciles = 0;
  last: Outcome<ReleaseState> | undefined;

  /** Listener and target group whose weights `weightCalls` records. */
  listener = LISTENER;
  canaryTg = TG_B;

  /** The kind's metrics, when a test reads them. */
  readonly metrics: ReleaseMetrics | undefined;

  constructor(
    world: World,
    spec: ReleaseSpec,
    opts: { flagProblem?: string; metrics?: ReleaseMetrics } = {},
  ) {
    this.world = world;
    this.metrics = opts.metrics;
    this.obj = {
      apiVersion: 'delivery.latticedb.com/v1alpha1',
      kind: 'Release',
      metadata: {
        namespace: 'prod',
        name: 'latticedb',
        uid: '5f0c2a8e-1111-2222-3333-444455556666',
        generation: 1,
        annotations: {},
      },
      spec,
    };
    this.ports = {
      ecs: world.ecs,
      database: world.database,
      images: world.images,
      metrics: world.metrics,
      alarms: world.alarms,
      flags: () =>
        Promise.resolve(
          opts.flagProblem === undefined ? { store: world.flags } : { problem: opts.flagProblem },
        ),
      traffic: {
        getWeights: (region, listener) => world.traffic.getWeights(region, listener),
        setWeights: (region, listener, weights) => {
          if (listener === this.listener)
            this.weightCalls.push(
              weights.find((w) => w.targetGroupArn === this.canaryTg)?.weight ?? 0,
            );
          return world.traffic.setWeights(region, listener, weights);
        },
      },
      fetch: () => Promise.resolve(new Response('{"status":"ok"}', { status: this.smokeStatus })),
      // The API server has this Release under its name (a claim take-over may go ahead).
      releaseUid: () => Promise.resolve(this.obj.metadata.uid ?? null),
    };
  }

  /** HTTP status the smoke-test endpoint answers with. */
  smokeStatus = 200;

  get status(): ReleaseState {
    return this.obj.status ?? {};
  }

  setSpec(patch: Partial<ReleaseSpec>): void {
    Object.assign(this.obj.spec, patch);
    this.obj.metadata.generation = (this.obj.metadata.generation ?? 0) + 1;
  }

  annotate(action: string, value: string | number): void {
    this.obj.metadata.annotations = {
      ...this.obj.metadata.annotations,
      [`delivery.latticedb.com/${action}`]: String(value),
    };
  }

  /** AWS and Redis writes so far (a write that finds its effect in place is not one). */
  writes(): number {
    const w = this.world;
    return w.ecs.log.writes + w.traffic.log.writes + w.database.log.writes + w.flags.notices.length;
  }

  /**
   * One reconcile. `crash: true` loses its status write (and events); `'ifActed'` does so only
   * when it wrote to AWS or Redis — a controller killed right after its action.
   */
  async reconcile(opts: { crash?: boolean | 'ifActed' } = {}): Promise<Outcome<ReleaseState>> {
    const before = this.writes();
    this.reconciles++;
    const stamp = () => ({
      generation: this.obj.metadata.generation ?? 0,
      now: this.world.clock.now(),
    });
    const ctx: HandlerContext<ReleaseState> = {
      log,
      reconcileId: `r${this.reconciles}`,
      signal: new AbortController().signal,
      now: () => this.world.clock.now(),
      checkpoint: (status, events) => {
        this.checkpoints++;
        this.obj.status = finishStatus(this.obj.status, status, stamp());
        // Emitted with the checkpoint: they survive a crash after the action.
        this.events.push(...(events ?? []));
        return Promise.resolve();
      },
    };
    const outcome = await reconcileRelease(structuredClone(this.obj), ctx, {
      ports: this.ports,
      tuning: {
        ...DEFAULT_TUNING,
        afterActionMs: 1_000,
        pollMs: 5_000,
        probeMs: 100,
        resyncMs: 600_000,
      },
      ...(this.metrics === undefined ? {} : { metrics: this.metrics }),
    });
    this.last = outcome;
    // A restarted controller is not killed again before it got one status write through.
    const acted = this.writes() > before;
    if (acted) this.#acted++;
    const crashed =
      opts.crash === true ||
      (opts.crash === 'ifActed' && acted && !this.#crashedLast && this.#acted > this.crashOffset);
    this.#crashedLast = crashed;
    if (crashed) this.crashes++;
    else {
      if (outcome.status !== undefined)
        this.obj.status = finishStatus(this.obj.status, outcome.status, stamp());
      outcome.afterStatusWrite?.();
      this.events.push(...(outcome.events ?? []), ...(outcome.performedEvents ?? []));
    }
    return outcome;
  }

  /** Reconciles, advancing the clock by each requeue, until `done` holds (or fails after `max`). */
  async until(
    done: (h: Harness) => boolean | Promise<boolean>,
    opts: { max?: number; crash?: 'ifActed' } = {},
  ): Promise<void> {
    const max = opts.max ?? 300;
    for (let i = 0; i < max; i++) {
      if (await done(this)) return;
      const outcome = await this.reconcile(opts.crash === undefined ? {} : { crash: opts.crash });
      this.world.clock.advance(outcome.requeueAfterMs ?? 600_000);
    }
    throw new Error(
      `not reached after ${max} reconciles: phase ${this.status.phase ?? '-'} stage ${this.status.stage ?? '-'} — ${this.status.message ?? ''}`,
    );
  }

  eventReasons(): string[] {
    return this.events.map((e) => e.reason);
  }
}
