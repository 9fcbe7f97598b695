import { OpenFeature, ProviderEvents, ProviderStatus } from '@openfeature/server-sdk';
import { afterEach, describe, expect, it } from 'vitest';
import type { Evaluation, EvaluatorEvent, FlagRecord } from '../../../flags/index.js';
import { bucketOf, evaluateFlag, toEvaluable } from '../../../flags/index.js';
import type { LocalFlagSource } from '../../../flags/openfeature-provider.js';
import { LatticeDbProvider } from '../../../flags/openfeature-provider.js';

/** Stand-in for FlagEvaluator: records in memory, evaluated with the real rule. */
class StaticFlags implements LocalFlagSource {
  readonly records = new Map<string, FlagRecord>();
  readonly killed = new Set<string>();
  malformed: string | undefined;
  isStale = false;
  closed = false;
  private readonly listeners = new Set<(e: EvaluatorEvent) => void>();

  /** Set to make `start()` reject, as FlagEvaluator does on a first connection error. */
  startError: Error | undefined;

  start(): Promise<void> {
    return this.startError === undefined ? Promise.resolve() : Promise.reject(this.startError);
  }
  close(): Promise<void> {
    this.closed = true;
    return Promise.resolve();
  }
  evaluate(flag: string, userId: string): Evaluation {
    if (flag === this.malformed) return { value: false, reason: 'ERROR' };
    const record = this.records.get(flag);
    const killed = record?.killSwitch != null && this.killed.has(record.killSwitch);
    return evaluateFlag(record && toEvaluable(record), killed, userId);
  }
  record(flag: string): FlagRecord | undefined {
    return this.records.get(flag);
  }
  problem(flag: string): string | undefined {
    return flag === this.malformed ? 'field "enabled" is "yes"' : undefined;
  }
  onEvent(listener: (e: EvaluatorEvent) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }
  emit(event: EvaluatorEvent): void {
    for (const l of this.listeners) l(event);
  }
}

const record = (overrides: Partial<FlagRecord> = {}): FlagRecord => ({
  name: 'nqo',
  enabled: true,
  basisPoints: 2500,
  salt: 'nqo',
  targets: ['u-internal-1'],
  killSwitch: 'experimental',
  version: 7,
  updatedAt: '2026-11-26T10:00:00Z',
  updatedBy: 'controller:prod/nqo',
  ...overrides,
});

const users = Array.from({ length: 200 }, (_, i) => `user-${i}`);
const inside = users.find((u) => bucketOf('nqo', u) < 2500)!;
const outside = users.find((u) => bucketOf('nqo', u) >= 2500)!;

describe('LatticeDbProvider through the OpenFeature API', () => {
  afterEach(async () => {
    await OpenFeature.close();
  });

  async function setup(): Promise<{ flags: StaticFlags; provider: LatticeDbProvider }> {
    const flags = new StaticFlags();
    flags.records.set('nqo', record());
    const provider = new LatticeDbProvider({ evaluator: flags });
    await OpenFeature.setProviderAndWait(provider);
    return { flags, provider };
  }

  it('resolves booleans with targetingKey as the user id and OpenFeature reasons', async () => {
    await setup();
    const client = OpenFeature.getClient();
    const split = await client.getBooleanDetails('nqo', false, { targetingKey: inside });
    expect(split).toMatchObject({
      value: true,
      reason: 'SPLIT',
      variant: 'on',
      flagMetadata: { version: 7, bucket: bucketOf('nqo', inside), latticedbReason: 'SPLIT' },
    });
    expect(await client.getBooleanDetails('nqo', true, { targetingKey: outside })).toMatchObject({
      value: false,
      reason: 'SPLIT',
      variant: 'off',
    });
    expect(
      await client.getBooleanDetails('nqo', false, { targetingKey: 'u-internal-1' }),
    ).toMatchObject({ value: true, reason: 'TARGETING_MATCH' });
  });

  it('answers false for disabled and killed flags whatever the default', async () => {
    const { flags } = await setup();
    const client = OpenFeature.getClient();
    flags.killed.add('experimental');
    expect(
      await client.getBooleanDetails('nqo', true, { targetingKey: 'u-internal-1' }),
    ).toMatchObject({
      value: false,
      reason: 'DISABLED',
      flagMetadata: { latticedbReason: 'KILLED', killSwitch: 'experimental' },
    });
    flags.killed.clear();
    flags.records.set('nqo', record({ enabled: false }));
    expect(await client.getBooleanDetails('nqo', true, { targetingKey: inside })).toMatchObject({
      value: false,
      reason: 'DISABLED',
      flagMetadata: { latticedbReason: 'DISABLED' },
    });
  });

  it('reports FLAG_NOT_FOUND, PARSE_ERROR, TARGETING_KEY_MISSING and TYPE_MISMATCH with the default', async () => {
    const { flags } = await setup();
    const client = OpenFeature.getClient();
    expect(await client.getBooleanDetails('missing', true, { targetingKey: 'u' })).toMatchObject({
      value: true,
      reason: 'ERROR',
      errorCode: 'FLAG_NOT_FOUND',
    });
    flags.malformed = 'nqo';
    expect(await client.getBooleanDetails('nqo', true, { targetingKey: 'u' })).toMatchObject({
      value: true,
      errorCode: 'PARSE_ERROR',
      errorMessage: expect.stringContaining('"enabled"'),
    });
    flags.malformed = undefined;
    expect(await client.getBooleanDetails('nqo', true, {})).toMatchObject({
      value: true,
      errorCode: 'TARGETING_KEY_MISSING',
    });
    flags.records.set('nqo', record({ enabled: false }));
    // Disabled needs no user: the answer is the same for everyone.
    expect(await client.getBooleanDetails('nqo', true, {})).toMatchObject({
      value: false,
      reason: 'DISABLED',
    });
    expect(await client.getStringDetails('nqo', 'x', { targetingKey: 'u' })).toMatchObject({
      value: 'x',
      errorCode: 'TYPE_MISMATCH',
    });
  });

  it('emits ConfigurationChanged, Stale and Ready from evaluator events', async () => {
    const { flags } = await setup();
    const client = OpenFeature.getClient();
    const seen: string[] = [];
    client.addHandler(ProviderEvents.ConfigurationChanged, (details) => {
      seen.push(`changed:${(details?.flagsChanged ?? []).join(',')}`);
    });
    client.addHandler(ProviderEvents.Stale, () => seen.push('stale'));
    client.addHandler(ProviderEvents.Ready, () => seen.push('ready'));
    seen.length = 0; // Ready handlers run once on registration when already ready
    flags.emit({ type: 'changed', flags: ['nqo'] });
    flags.emit({ type: 'stale' });
    await vitestTick();
    expect(client.providerStatus).toBe(ProviderStatus.STALE);
    flags.emit({ type: 'ready' });
    await vitestTick();
    expect(seen).toEqual(['changed:nqo', 'stale', 'ready']);
    expect(client.providerStatus).toBe(ProviderStatus.READY);
  });

  it('reports READY once the evaluator recovers from a failed start (Redis down at boot)', async () => {
    // FlagEvaluator.start() rejects on the first connection error but keeps reconnecting and
    // emits `ready` once in sync; the SDK leaves ERROR only on a Ready event.
    const flags = new StaticFlags();
    flags.records.set('nqo', record());
    flags.startError = new Error('connect ECONNREFUSED 127.0.0.1:6379');
    await expect(
      OpenFeature.setProviderAndWait(new LatticeDbProvider({ evaluator: flags })),
    ).rejects.toThrow('ECONNREFUSED');
    const client = OpenFeature.getClient();
    expect(client.providerStatus).toBe(ProviderStatus.ERROR);
    flags.emit({ type: 'ready' });
    await vitestTick();
    expect(client.providerStatus).toBe(ProviderStatus.READY);
  });

  it('does not close an evaluator it was given', async () => {
    const { flags } = await setup();
    await OpenFeature.close();
    expect(flags.closed).toBe(false);
  });
});

function vitestTick(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}
