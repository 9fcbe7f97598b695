// A FlagRollout deleted with deletionPolicy Retain and re-created (Argo CD / Flux prune + re-sync)
// on the real apiserver and Redis: the new one adopts the flag where the old one left it, the split
// never drops while it starts, and the ramp goes on to 100 % and Complete.
import { describe, expect, it } from 'vitest';
import type { FlagRolloutSpec } from '../../../reconcilers/flagrollout/api.js';
import { apiStatus, kubectl, waitFor } from '../../env/fixtures.js';
import {
  createRollout,
  deleteRollout,
  getRollout,
  readRawFlag,
  uniqueFlag,
  waitForStatus,
  rolloutTestEnv,
} from './support.js';

const env = rolloutTestEnv('flagrollout-adopt');

/** Reads the flag's split (basis points; -1 when off or missing) every few ms until stopped. */
function sampleSplits(flag: string): { stop(): Promise<number[]> } {
  const samples: number[] = [];
  let running = true;
  const loop = (async () => {
    while (running) {
      const raw = await readRawFlag(env.redis, flag);
      samples.push(raw?.hash.enabled === '1' ? Number(raw.hash.percentage) : -1);
      await new Promise((r) => setTimeout(r, 20));
    }
  })();
  return {
    async stop() {
      running = false;
      await loop;
      return samples;
    },
  };
}

describe('FlagRollout re-created after a Retain deletion', () => {
  it('adopts the flag at 50 %: never lower while it starts, then on to 100 % and Complete', async () => {
    const flag = uniqueFlag('adopt');
    const spec: Partial<FlagRolloutSpec> & Pick<FlagRolloutSpec, 'flag' | 'steps'> = {
      flag,
      targeting: { users: ['u-qa'] },
      steps: [
        { percentage: 0, hold: '1s' },
        { percentage: 5, hold: '1s' },
        { percentage: 25, hold: '1s' },
        { percentage: 50, hold: '4s' },
        { percentage: 100 },
      ],
    };
    await createRollout(env.ns, 'adopt', spec);
    await waitForStatus(env.ns, 'adopt', (s) => s.currentStep === 3 && s.percentage === 50);
    expect((await readRawFlag(env.redis, flag))?.hash.percentage).toBe('5000');

    const sampler = sampleSplits(flag);
    await deleteRollout(env.ns, 'adopt');
    await waitFor(
      () =>
        getRollout(env.ns, 'adopt').then(
          () => false,
          (e: unknown) => apiStatus(e).code === 404,
        ),
      { timeoutMs: 15_000, message: 'FlagRollout gone' },
    );
    await createRollout(env.ns, 'adopt', spec);
    const adopted = await waitForStatus(env.ns, 'adopt', (s) => s.currentStep !== undefined);
    expect(adopted).toMatchObject({
      adopted: { step: 3, percentage: 50 },
      currentStep: 3,
      step: '4/5',
      percentage: 50,
      phase: 'Holding',
    });
    expect(adopted.history?.[0]).toMatchObject({
      to: 'Holding',
      reason: 'Adopted',
      message: expect.stringContaining('adopted the flag at 50 % (step 4/5)') as unknown,
    });

    const final = await waitForStatus(env.ns, 'adopt', (s) => s.phase === 'Complete', {
      timeoutMs: 30_000,
    });
    const splits = await sampler.stop();
    expect(splits.length).toBeGreaterThan(10);
    expect(Math.min(...splits)).toBe(5000); // never below 50 %, never off
    expect([...new Set(splits)]).toEqual([5000, 10_000]);
    expect(final).toMatchObject({ currentStep: 4, percentage: 100, lastGoodPercentage: 100 });
    expect((await readRawFlag(env.redis, flag))?.hash).toMatchObject({
      enabled: '1',
      percentage: '10000',
      updatedBy: `controller:${env.ns}/adopt`,
    });

    const events = await kubectl([
      'get',
      'events',
      '-n',
      env.ns,
      '--field-selector',
      'reason=Adopted',
      '-o',
      'jsonpath={.items[*].message}',
    ]);
    expect(events.stdout).toContain('adopted the flag at 50 % (step 4/5)');
  });
});
