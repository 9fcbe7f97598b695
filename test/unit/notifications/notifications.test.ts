// Notification routes, the ledger that keeps a restarted controller from repeating a message, and
// the kinds' choice of notifiable transitions.
import { createHmac } from 'node:crypto';
import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import type { KubeClient } from '../../../controller/k8s/client.js';
import { KubeApiError } from '../../../controller/k8s/errors.js';
import { Notifier } from '../../../controller/notifications/notifier.js';
import { requestFor, signature, slackText } from '../../../controller/notifications/deliver.js';
import {
  entryKey,
  initialLedger,
  isHandled,
  newer,
  readLedger,
  record,
  SENT_ANNOTATION,
  type HistoryEntry,
} from '../../../controller/notifications/ledger.js';
import {
  NotificationConfigError,
  parseRoutes,
  routeMatches,
} from '../../../controller/notifications/routes.js';
import {
  StandbyNotReadyReasons,
  type FailoverPlanSpec,
} from '../../../reconcilers/failoverplan/api.js';
import {
  decide,
  DEFAULT_TUNING,
  type FailoverPlanState,
  type Observed,
  type SiteObserved,
} from '../../../reconcilers/failoverplan/plan/index.js';
import {
  classifyFailoverPlan,
  classifyFlagRollout,
  classifyRelease,
} from '../../../reconcilers/notify.js';
import type { ServiceState } from '../../../reconcilers/shared/ports/ecs.js';

const secret = (routes: string) => ({
  'routes.yaml': routes,
  slack: 'https://hooks.slack.com/services/T/B/x',
  hook: 'https://example.test/hook',
  key: 'k',
});

describe('routes', () => {
  it('parses destinations and selectors from the Secret', () => {
    const routes = parseRoutes(
      secret(`routes:
  - name: s
    slack: { urlKey: slack }
    kinds: [Release]
    namespaces: [prod]
    events: [rolled-back]
  - name: w
    webhook: { urlKey: hook, hmacKey: key }`),
    );
    expect(routes).toEqual([
      {
        name: 's',
        destination: { type: 'slack', url: 'https://hooks.slack.com/services/T/B/x' },
        kinds: ['Release'],
        namespaces: ['prod'],
        events: ['rolled-back'],
      },
      {
        name: 'w',
        destination: { type: 'webhook', url: 'https://example.test/hook', hmacKey: 'k' },
      },
    ]);
    const [s, w] = routes;
    expect(routeMatches(s!, 'Release', 'prod', 'rolled-back')).toBe(true);
    expect(routeMatches(s!, 'Release', 'dev', 'rolled-back')).toBe(false);
    expect(routeMatches(s!, 'FlagRollout', 'prod', 'rolled-back')).toBe(false);
    expect(routeMatches(s!, 'Release', 'prod', 'healthy')).toBe(false);
    expect(routeMatches(w!, 'FailoverPlan', 'any', 'failover-started')).toBe(true);
  });

  it.each([
    ['routes: {}', /routes must be a list/],
    ['routes: [{ name: a }]', /a: set exactly one of slack, webhook/],
    ['routes: [{ name: a, slack: { urlKey: nope } }]', /a: the Secret has no key nope/],
    [
      'routes: [{ name: a, slack: { urlKey: slack }, events: [deployed] }]',
      /unknown event deployed/,
    ],
    ['routes: [{ name: a, webhook: { urlKey: hook, hmacKey: missing } }]', /no key missing/],
  ])('refuses %s naming the problem, never a URL', (text, message) => {
    expect(() => parseRoutes(secret(text))).toThrow(NotificationConfigError);
    expect(() => parseRoutes(secret(text))).toThrow(message);
    try {
      parseRoutes(secret(text));
    } catch (err) {
      expect((err as Error).message).not.toMatch(/hooks\.slack\.com|example\.test/);
    }
  });

  it('needs routes.yaml', () => {
    expect(() => parseRoutes({})).toThrow(/routes.yaml is missing/);
  });
});

describe('ledger', () => {
  const e = (time: string, reason = 'Holding'): HistoryEntry => ({ time, to: 'Holding', reason });
  const uid = 'u-1';

  it('handles entries in order: older than through, or recorded at the same second', () => {
    const a = e('2026-01-01T00:00:01Z');
    const b = e('2026-01-01T00:00:02Z', 'Complete');
    const c = e('2026-01-01T00:00:02Z', 'KillSwitchActive');
    let l = record(undefined, a, entryKey(uid, a));
    l = record(l, b, entryKey(uid, b));
    expect(isHandled(l, a, entryKey(uid, a))).toBe(true);
    expect(isHandled(l, b, entryKey(uid, b))).toBe(true);
    expect(isHandled(l, c, entryKey(uid, c))).toBe(false);
    expect(l).toEqual({ through: b.time, keys: [entryKey(uid, b)] });
  });

  it('reads the annotation back and prefers the later of two ledgers', () => {
    const l = { through: '2026-01-01T00:00:02Z', keys: ['x'] };
    const obj = { metadata: { annotations: { [SENT_ANNOTATION]: JSON.stringify(l) } } };
    expect(readLedger(obj)).toEqual(l);
    expect(readLedger({ metadata: { annotations: { [SENT_ANNOTATION]: 'garbage' } } })).toBe(
      undefined,
    );
    expect(newer(l, { through: '2026-01-01T00:00:01Z', keys: ['y'] })).toBe(l);
    expect(newer(l, { through: l.through, keys: ['y'] })).toEqual({
      through: l.through,
      keys: ['x', 'y'],
    });
  });

  it('starts a new object at its creation, an old one at most lookback ago', () => {
    const now = new Date('2026-01-01T12:00:00Z');
    const fresh = { metadata: { creationTimestamp: '2026-01-01T11:59:00Z' } };
    const old = { metadata: { creationTimestamp: '2025-01-01T00:00:00Z' } };
    const atCreation = e('2026-01-01T11:59:00Z');
    expect(isHandled(initialLedger(fresh, now, 3_600_000), atCreation, 'k')).toBe(false);
    expect(isHandled(initialLedger(old, now, 3_600_000), e('2026-01-01T10:00:00Z'), 'k')).toBe(
      true,
    );
    expect(isHandled(initialLedger(old, now, 3_600_000), e('2026-01-01T11:30:00Z'), 'k')).toBe(
      false,
    );
  });

  it('keys differ per object and per entry', () => {
    const a = e('2026-01-01T00:00:01Z');
    expect(entryKey('u-1', a)).not.toBe(entryKey('u-2', a));
    expect(entryKey('u-1', a)).not.toBe(entryKey('u-1', { ...a, message: 'm' }));
  });
});

describe('payloads', () => {
  const n = {
    id: 'u/k',
    event: 'rolled-back' as const,
    kind: 'Release',
    namespace: 'prod',
    name: 'api',
    uid: 'u',
    revision: 4,
    from: 'RollingBack',
    phase: 'RolledBack',
    reason: 'RolledBack',
    message: 'revision 4 rolledback: analysis failed',
    time: '2026-01-01T00:00:00Z',
  };

  it('Slack gets text; a webhook gets the JSON, signed when it has a key', () => {
    expect(slackText(n)).toBe(
      '*Release prod/api* (revision 4) — rolled-back: revision 4 rolledback: analysis failed',
    );
    const slack = requestFor({ type: 'slack', url: 'https://s' }, n);
    expect(JSON.parse(slack.body)).toEqual({ text: slackText(n) });
    const hook = requestFor({ type: 'webhook', url: 'https://w', hmacKey: 'secret' }, n);
    expect(JSON.parse(hook.body)).toEqual(n);
    expect(hook.headers['X-LatticeDB-Signature']).toBe(
      `sha256=${createHmac('sha256', 'secret').update(hook.body).digest('hex')}`,
    );
    expect(hook.headers['X-LatticeDB-Delivery']).toBe('u/k');
    expect(signature('a', 'b')).not.toBe(signature('a', 'c'));
    expect(requestFor({ type: 'webhook', url: 'https://w' }, n).headers).not.toHaveProperty(
      'X-LatticeDB-Signature',
    );
  });
});

describe('notifiable transitions', () => {
  const t = (reason: string, to: string, from?: string): HistoryEntry => ({
    time: '2026-01-01T00:00:00Z',
    reason,
    to,
    ...(from === undefined ? {} : { from }),
  });

  it('Release: a revision starting, a wait for a person, and how it ended', () => {
    expect(classifyRelease(t('NewRevision', 'Progressing'), {})).toBe('revision-started');
    expect(classifyRelease(t('Retry', 'Progressing', 'Aborted'), {})).toBe('revision-started');
    expect(classifyRelease(t('AwaitingApproval', 'AwaitingApproval', 'Progressing'), {})).toBe(
      'awaiting-approval',
    );
    expect(classifyRelease(t('StepPaused', 'Paused', 'Progressing'), {})).toBe('awaiting-approval');
    expect(classifyRelease(t('RevisionHealthy', 'Healthy', 'Promoting'), {})).toBe('healthy');
    expect(classifyRelease(t('RolledBack', 'RolledBack', 'RollingBack'), {})).toBe('rolled-back');
    expect(classifyRelease(t('Aborted', 'Aborted', 'RollingBack'), {})).toBe('aborted');
    expect(classifyRelease(t('MigrationFailed', 'Frozen', 'Migrating'), {})).toBe('frozen');
    expect(classifyRelease(t('StepCompleted', 'Progressing', 'Progressing'), {})).toBe(undefined);
    expect(classifyRelease(t('Aborted', 'RollingBack', 'Paused'), {})).toBe(undefined);
  });

  it('FlagRollout: steps, emergencies, the end', () => {
    expect(classifyFlagRollout(t('Holding', 'Holding'), {})).toBe('flag-step');
    expect(classifyFlagRollout(t('Holding', 'Holding', 'Paused'), {})).toBe(undefined);
    expect(classifyFlagRollout(t('KillSwitchActive', 'KilledBySwitch', 'Holding'), {})).toBe(
      'kill-switch',
    );
    expect(classifyFlagRollout(t('EmergencyDisabled', 'Disabled', 'Holding'), {})).toBe(
      'flag-disabled',
    );
    expect(classifyFlagRollout(t('RolledBack', 'RolledBack', 'Holding'), {})).toBe('rolled-back');
    expect(classifyFlagRollout(t('Complete', 'Complete', 'Ramping'), {})).toBe('healthy');
  });
});

// FailoverPlan notifications are chosen from the entries the reconciler's decision really writes.
describe('notifiable FailoverPlan transitions', () => {
  const SPEC: FailoverPlanSpec = {
    primary: { region: 'us-east-1', cluster: 'c', service: 's' },
    secondary: { region: 'us-west-2', cluster: 'c2', service: 's' },
    dns: {
      hostedZoneId: 'Z1',
      recordName: 'prod.example.com',
      primaryValue: 'east.elb.example.com',
      secondaryValue: 'west.elb.example.com',
    },
    activeRegion: 'us-east-1',
  };
  const NOW = new Date('2026-12-06T12:00:00Z');
  const EARLIER = '2026-12-06T11:59:00Z';
  const image = (region: string) => `123456789012.dkr.ecr.${region}.amazonaws.com/latticedb:2.1.0`;
  const site = (role: 'primary' | 'secondary', desired: number): SiteObserved => {
    const ref = role === 'primary' ? SPEC.primary : SPEC.secondary;
    return {
      role,
      ref,
      clusterStatus: 'ACTIVE',
      service: {
        ref: { region: ref.region, cluster: ref.cluster, service: ref.service },
        arn: `arn:${ref.region}`,
        status: 'ACTIVE',
        deploymentController: 'ECS',
        taskDefinitionArn: `td:${ref.region}`,
        desiredCount: desired,
        runningCount: desired,
        pendingCount: 0,
        capacityProviders: [],
        deployments: [],
        taskSets: [],
        loadBalancers: [],
        observedAt: NOW,
      },
      images: { app: image(ref.region) },
    };
  };
  const world = (record: string, standbyDesired = 1, primaryDesired = 4): Observed => ({
    primary: site('primary', primaryDesired),
    secondary: site('secondary', standbyDesired),
    dns: { zone: true, record: { values: [record] } },
  });
  const steadyStatus = (phase: string, activeRegion = 'us-east-1'): FailoverPlanState => ({
    activeRegion,
    phase: phase as FailoverPlanState['phase'],
    history: [{ time: EARLIER, to: phase as 'Ready', reason: 'StandbyHealthy' }],
  });
  /** The history entry the decision writes, and how it is notified. */
  const decided = (input: {
    spec?: Partial<FailoverPlanSpec>;
    status?: FailoverPlanState;
    observed: Observed;
  }) => {
    const d = decide({
      object: { namespace: 'ns', name: 'dr', uid: 'uid-1' },
      spec: { ...SPEC, ...input.spec },
      status: input.status,
      observed: input.observed,
      now: NOW,
      tuning: DEFAULT_TUNING,
    });
    const entry = d.status.history?.at(-1);
    if (entry === undefined || entry.time !== '2026-12-06T12:00:00Z')
      throw new Error('the decision wrote no history entry');
    return { entry, event: classifyFailoverPlan(entry, {}) };
  };
  /** A failover (or failback) at its Validate step, the target scaled and the record switched. */
  const validating = (direction: 'Failover' | 'Failback'): FailoverPlanState => {
    const back = direction === 'Failback';
    return {
      activeRegion: back ? 'us-west-2' : 'us-east-1',
      phase: back ? 'FailingBack' : 'FailingOver',
      history: [
        { time: EARLIER, to: back ? 'FailingBack' : 'FailingOver', reason: 'WaitingForDnsSync' },
      ],
      lastFailover: {
        from: back ? 'us-west-2' : 'us-east-1',
        to: back ? 'us-east-1' : 'us-west-2',
        direction,
        startedAt: EARLIER,
        steps: [{ name: 'Validate', startedAt: EARLIER, outcome: 'Running' }],
      },
    };
  };
  const validation = [{ name: 'home', url: 'https://prod.example.com/' }];

  const broken = (
    change: (w: Observed) => Observed,
    healthChecks?: Observed['healthChecks'],
  ): Observed =>
    change({ ...world('east.elb.example.com'), ...(healthChecks && { healthChecks }) });
  const secondary = (w: Observed, s: Partial<SiteObserved>): Observed => ({
    ...w,
    secondary: { ...w.secondary, ...s },
  });
  const notReady: [string, Observed][] = [
    [
      'RegionUnreadable',
      broken((w) => ({
        ...w,
        secondary: { role: 'secondary', ref: SPEC.secondary, error: 'connect ETIMEDOUT' },
      })),
    ],
    ['ClusterNotFound', broken((w) => secondary(w, { clusterStatus: null }))],
    ['ClusterNotActive', broken((w) => secondary(w, { clusterStatus: 'INACTIVE' }))],
    ['ServiceNotFound', broken((w) => secondary(w, { service: null }))],
    [
      'ServiceNotActive',
      broken((w) =>
        secondary(w, {
          service: { ...(w.secondary.service as ServiceState), status: 'DRAINING' },
        }),
      ),
    ],
    ['ImageMismatch', broken((w) => secondary(w, { images: { app: 'ghcr.io/x/app:9' } }))],
    ['DnsUnreadable', broken((w) => ({ ...w, dns: { error: 'throttled' } }))],
    ['HostedZoneNotFound', broken((w) => ({ ...w, dns: { zone: false } }))],
    ['RecordNotFound', broken((w) => ({ ...w, dns: { zone: true } }))],
    [
      'HealthCheckFailed',
      broken((w) => w, [{ name: 'standby', passed: false, message: 'HTTP 503' }]),
    ],
  ];

  it('a route may select failover-failed', () => {
    const [route] = parseRoutes(
      secret(`routes:
  - name: dr
    slack: { urlKey: slack }
    events: [failover-started, failover-finished, failover-failed, standby-not-ready]`),
    );
    expect(route && routeMatches(route, 'FailoverPlan', 'prod', 'failover-failed')).toBe(true);
  });

  it('covers every reason a standby is not ready for', () => {
    expect(new Set(notReady.map(([reason]) => reason))).toEqual(new Set(StandbyNotReadyReasons));
  });

  it.each(notReady)('standby not ready (%s): standby-not-ready', (reason, observed) => {
    const { entry, event } = decided({ status: steadyStatus('Ready'), observed });
    expect(entry).toMatchObject({ from: 'Ready', to: 'Degraded', reason });
    expect(event).toBe('standby-not-ready');
  });

  it('a failover starting: failover-started', () => {
    const { entry, event } = decided({
      spec: { activeRegion: 'us-west-2' },
      status: steadyStatus('Ready'),
      observed: world('east.elb.example.com'),
    });
    expect(entry).toMatchObject({ from: 'Ready', to: 'FailingOver' });
    expect(event).toBe('failover-started');
  });

  it('a failover or failback validated: failover-finished', () => {
    const over = decided({
      spec: { activeRegion: 'us-west-2', validation },
      status: validating('Failover'),
      observed: {
        ...world('west.elb.example.com', 4),
        validation: [{ name: 'home', passed: true, message: 'HTTP 200' }],
      },
    });
    expect(over.entry).toMatchObject({
      from: 'FailingOver',
      to: 'FailedOver',
      reason: 'FailedOver',
    });
    expect(over.event).toBe('failover-finished');
    const back = decided({
      spec: { validation },
      status: validating('Failback'),
      observed: {
        ...world('east.elb.example.com', 4),
        validation: [{ name: 'home', passed: true, message: 'HTTP 200' }],
      },
    });
    expect(back.entry).toMatchObject({ from: 'FailingBack', to: 'Ready', reason: 'FailedBack' });
    expect(back.event).toBe('failover-finished');
  });

  it('a failover or failback failing validation: failover-failed, never finished', () => {
    const failing = [{ name: 'home', passed: false, message: 'HTTP 502' }];
    const over = decided({
      spec: { activeRegion: 'us-west-2', validation },
      status: validating('Failover'),
      observed: { ...world('west.elb.example.com', 4), validation: failing },
    });
    expect(over.entry).toMatchObject({
      from: 'FailingOver',
      to: 'Degraded',
      reason: 'ValidationFailed',
    });
    expect(over.event).toBe('failover-failed');
    const back = decided({
      spec: { validation },
      status: validating('Failback'),
      observed: { ...world('east.elb.example.com', 4), validation: failing },
    });
    expect(back.entry).toMatchObject({
      from: 'FailingBack',
      to: 'Degraded',
      reason: 'ValidationFailed',
    });
    expect(back.event).toBe('failover-failed');
  });

  it('a failover refused (target not ready): failover-failed', () => {
    const { entry, event } = decided({
      spec: { activeRegion: 'us-west-2' },
      status: steadyStatus('Ready'),
      observed: secondary(world('east.elb.example.com'), { clusterStatus: null }),
    });
    expect(entry).toMatchObject({ to: 'Degraded', reason: 'TargetNotReady' });
    expect(event).toBe('failover-failed');
  });

  it('a plan first seen serving from the secondary, or a step of a failover: nothing', () => {
    const first = decided({
      spec: { activeRegion: 'us-west-2' },
      observed: world('west.elb.example.com', 4),
    });
    expect(first.entry).toMatchObject({ to: 'FailedOver', reason: 'FailedOver' });
    expect(first.entry.from).toBeUndefined();
    expect(first.event).toBeUndefined();
    const t = (reason: string, to: string, from: string): HistoryEntry => ({
      time: '2026-01-01T00:00:00Z',
      reason,
      to,
      from,
    });
    expect(classifyFailoverPlan(t('SwitchingDns', 'FailingOver', 'FailingOver'), {})).toBe(
      undefined,
    );
    expect(classifyFailoverPlan(t('StandbyHealthy', 'Ready', 'Degraded'), {})).toBe(undefined);
  });
});

describe('reading the routes Secret', () => {
  const make = (getSecret: () => Promise<{ data: Record<string, string> }>) => {
    let now = 0;
    const calls = { n: 0 };
    const notifier = new Notifier({
      kube: {
        getSecret: () => {
          calls.n++;
          return getSecret();
        },
      } as unknown as KubeClient,
      logger: pino({ level: 'silent' }),
      clock: { now: () => new Date(now) },
      namespace: 'latticedb-system',
      secretName: 'latticedb-notifications',
      configTtlMs: 30_000,
    });
    return { notifier, calls, advance: (ms: number) => (now += ms) };
  };

  it('loads routes and re-reads them only after the TTL', async () => {
    const { notifier, calls, advance } = make(() =>
      Promise.resolve({ data: secret('routes: [{ name: w, webhook: { urlKey: hook } }]') }),
    );
    expect(await notifier.routes()).toHaveLength(1);
    advance(29_000);
    await notifier.routes();
    expect(calls.n).toBe(1);
    advance(2_000);
    await notifier.routes();
    expect(calls.n).toBe(2);
  });

  it.each([
    ['a missing Secret', new KubeApiError(404, 'NotFound', 'not found')],
    ['RBAC refusing it', new KubeApiError(403, 'Forbidden', 'forbidden')],
  ])('is off (no routes) with %s', async (_what, err) => {
    expect(await make(() => Promise.reject(err)).notifier.routes()).toEqual([]);
  });

  it('is off with a Secret that does not parse', async () => {
    const { notifier } = make(() => Promise.resolve({ data: { 'routes.yaml': 'routes: 3' } }));
    expect(await notifier.routes()).toEqual([]);
  });

  it('fails (so the reconcile retries) when the API server cannot be reached', async () => {
    const { notifier } = make(() => Promise.reject(new Error('connect ECONNREFUSED')));
    await expect(notifier.routes()).rejects.toThrow(/ECONNREFUSED/);
    const busy = make(() => Promise.reject(new KubeApiError(503, 'ServiceUnavailable', 'busy')));
    await expect(busy.notifier.routes()).rejects.toThrow(/busy/);
  });
});
