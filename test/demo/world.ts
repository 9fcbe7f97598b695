// What scenarios do to the world around the controller: seed a LatticeDB service in moto (the
// shared fixture), create the CloudWatch alarms the examples name, publish ALB/application
// metrics every few seconds as live traffic would, and follow an object's phase.
import { PutMetricDataCommand, type Dimension } from '@aws-sdk/client-cloudwatch';
import { Redis } from 'ioredis';
import { seedAlarms } from '../fixtures/moto/seed-cloudwatch.js';
import { settleRunningCount } from '../fixtures/moto/seed-ecs.js';
import { seedLatticeDbService, type SeededLatticeDb } from '../fixtures/moto/seed.js';
import type { DemoKind } from './kinds.js';
import type { ScenarioContext, StoredObject } from './scenario.js';
import { SEEDED_RUNNING_TASKS } from './stack.js';

export interface SeedServiceOptions {
  /** Base of every name: cluster, services `<name>-canary`/`<name>-rolling`, ALB, repository. */
  readonly name: string;
  readonly region?: string;
  /** Pushed to ECR; the first is the one running. */
  readonly imageTags: readonly string[];
  readonly desiredCount?: number;
  readonly database?: boolean;
}

/** A steady LatticeDB service: every task running, nothing deploying. */
export async function seedService(
  ctx: ScenarioContext,
  o: SeedServiceOptions,
): Promise<SeededLatticeDb> {
  const desiredCount = o.desiredCount ?? SEEDED_RUNNING_TASKS;
  const seeded = await seedLatticeDbService(ctx.aws, {
    endpoint: ctx.awsEndpoint,
    region: o.region ?? ctx.region,
    name: o.name,
    imageTags: o.imageTags,
    desiredCount,
    database: o.database ?? false,
  });
  // Running = desired whatever MOTO_ECS_SERVICE_RUNNING the server was started with.
  const ecs = ctx.aws.ecs(seeded.region);
  for (const ref of [seeded.canary.ref, seeded.rolling.ref])
    await settleRunningCount(ecs, ref.cluster, ref.service, desiredCount);
  return seeded;
}

/** CloudWatch alarms (moto stores them in state OK and never evaluates them). */
export async function createAlarms(
  ctx: ScenarioContext,
  names: readonly string[],
  region?: string,
): Promise<void> {
  await seedAlarms(ctx.aws.cloudWatch(region), names);
}

/** One tick of traffic through one target group. */
export interface TrafficSample {
  readonly requests: number;
  /** 5xx responses, percent of requests. */
  readonly errorPercent: number;
  readonly latencySeconds: number;
}

/**
 * Publishes ALB metrics (RequestCount, HTTPCode_Target_5XX_Count, TargetResponseTime) for each
 * dimension set every `everyMs`, with what `sample()` returns for it, until the demo stops.
 */
export async function albTraffic(
  ctx: ScenarioContext,
  dimensionSets: readonly (readonly Dimension[])[],
  sample: (dimensions: readonly Dimension[]) => TrafficSample,
  everyMs = 2_000,
): Promise<void> {
  const cw = ctx.aws.cloudWatch();
  do {
    const now = ctx.clock.now();
    for (const dims of dimensionSets) {
      const s = sample(dims);
      const datum = (MetricName: string, Value: number, Unit: 'Count' | 'Seconds') => ({
        MetricName,
        Dimensions: [...dims],
        Timestamp: now,
        Value,
        Unit,
      });
      await cw.send(
        new PutMetricDataCommand({
          Namespace: 'AWS/ApplicationELB',
          MetricData: [
            datum('RequestCount', s.requests, 'Count'),
            datum('HTTPCode_Target_5XX_Count', (s.requests * s.errorPercent) / 100, 'Count'),
            datum('TargetResponseTime', s.latencySeconds, 'Seconds'),
          ],
        }),
      );
    }
  } while (await ctx.sleep(everyMs));
}

/** Publishes application metrics (`namespace`) from `data()` every `everyMs` until the demo stops. */
export async function appMetrics(
  ctx: ScenarioContext,
  namespace: string,
  data: () => readonly { name: string; dimensions: readonly Dimension[]; value: number }[],
  everyMs = 2_000,
): Promise<void> {
  const cw = ctx.aws.cloudWatch();
  do {
    const Timestamp = ctx.clock.now();
    await cw.send(
      new PutMetricDataCommand({
        Namespace: namespace,
        MetricData: data().map((d) => ({
          MetricName: d.name,
          Dimensions: [...d.dimensions],
          Timestamp,
          Value: d.value,
          Unit: 'Count',
        })),
      }),
    );
  } while (await ctx.sleep(everyMs));
}

/**
 * Polls the object every `everyMs` and calls `onChange` whenever its phase changes, until the
 * phase is one of `final` (returns the object) or the demo stops (returns undefined).
 */
export async function followPhase(
  ctx: ScenarioContext,
  kind: DemoKind,
  name: string,
  final: readonly string[],
  onChange: (obj: StoredObject) => void | Promise<void>,
  everyMs = 1_000,
): Promise<StoredObject | undefined> {
  let last: string | undefined;
  do {
    const obj = await ctx.kube.get(kind, name);
    const phase = obj?.status?.phase;
    if (obj !== undefined && phase !== last) {
      last = phase;
      await onChange(obj);
    }
    if (obj !== undefined && phase !== undefined && final.includes(phase)) return obj;
  } while (await ctx.sleep(everyMs));
  return undefined;
}

/** The named status field as a number, if it is one. */
export function statusNumber(obj: StoredObject | undefined, field: string): number | undefined {
  const value = obj?.status?.[field];
  return typeof value === 'number' ? value : undefined;
}

/**
 * Points each httpCheck in `checks` (smoke tests, health checks, validations) at the stand-in app
 * under `prefix` (same path and method), answering 200 with `body(path)`.
 */
export function serveChecks(
  ctx: ScenarioContext,
  checks: unknown,
  prefix: string,
  body: (path: string) => unknown,
): void {
  for (const check of (checks ?? []) as Record<string, unknown>[]) {
    const path = `${prefix}${new URL(String(check.url)).pathname}`;
    const method = check.method === 'POST' ? 'POST' : 'GET';
    check.url = ctx.app.route(method, path, () => ({ status: 200, body: body(path) }));
  }
}

/**
 * Notes every change of a flag as applications see it in Redis (the flag hash of
 * flags/CONTRACT.md: enabled, percentage in basis points, version), until the
 * demo stops.
 */
export async function followFlag(ctx: ScenarioContext, flag: string): Promise<void> {
  const redis = new Redis(ctx.redisUrl, { lazyConnect: true, maxRetriesPerRequest: 1 });
  try {
    let last = '';
    do {
      const hash = await redis.hgetall(`latticedb:flags:${flag}`);
      const text =
        hash.enabled === undefined
          ? 'absent'
          : `${hash.enabled === '1' ? 'on' : 'off'} for ${Number(hash.percentage ?? 0) / 100} % ` +
            `of users (version ${hash.version ?? '0'})`;
      if (text !== last) {
        ctx.note(`Redis flag ${flag}: ${text}`);
        last = text;
      }
    } while (await ctx.sleep(1_000));
  } finally {
    redis.disconnect();
  }
}
