// A five-step FlagRollout with second-long holds on the real apiserver and Redis, driven by the
// controller in-process: internal users → 5 → 25 → 50 → 100 %, Complete; the Redis keys match the
// spec at every step, `kubectl get flagrollouts` and the CLI `report` show the progress.
import { describe, expect, it } from 'vitest';
import { run as runCli } from '../../../flags/cli/run.js';
import { kubectl, testEnv, waitFor } from '../../env/fixtures.js';
import {
  conditionOf,
  createRollout,
  getRollout,
  parseTable,
  readRawFlag,
  uniqueFlag,
  rolloutTestEnv,
} from './support.js';

const env = rolloutTestEnv('flagrollout-ramp');

const PERCENT_BY_STEP: Record<string, string> = {
  '1/5': '0',
  '2/5': '5',
  '3/5': '25',
  '4/5': '50',
  '5/5': '100',
};

describe('FlagRollout on the real apiserver and Redis', () => {
  it('ramps internal → 5 → 25 → 50 → 100 % and ends Complete', async () => {
    const flag = uniqueFlag('ramp');
    const group = uniqueFlag('exp');
    await createRollout(env.ns, 'ramp', {
      flag,
      killSwitch: group.replace('_', '-'),
      targeting: { users: ['u-internal-1', 'u-qa'] },
      estimatedPopulation: 40_000,
      steps: [
        { percentage: 0, hold: '2s' },
        { percentage: 5, hold: '2s' },
        { percentage: 25, hold: '2s' },
        { percentage: 50, hold: '2s' },
        { percentage: 100 },
      ],
    });
    const splits: string[] = [];
    const tables: Promise<Record<string, string>[]>[] = [];
    let lastStep: string | undefined;
    await waitFor(
      async () => {
        const raw = await readRawFlag(env.redis, flag);
        if (raw !== undefined) {
          // Every state Redis goes through is one the spec asks for: targets on from step 0.
          expect(raw.targets).toEqual(['u-internal-1', 'u-qa']);
          expect(raw.hash).toMatchObject({
            enabled: '1',
            salt: flag,
            killSwitch: group.replace('_', '-'),
            updatedBy: `controller:${env.ns}/ramp`,
          });
          if (splits.at(-1) !== raw.hash.percentage) splits.push(raw.hash.percentage ?? '?');
        }
        const status = (await getRollout(env.ns, 'ramp')).status;
        if (status?.step !== undefined && status.step !== lastStep) {
          lastStep = status.step;
          tables.push(
            kubectl(['get', 'flagrollouts', '-n', env.ns]).then((r) => parseTable(r.stdout)),
          );
        }
        return status?.phase === 'Complete' && raw?.hash.percentage === '10000';
      },
      { timeoutMs: 60_000, intervalMs: 50, message: 'rollout Complete at 100 %' },
    );
    expect(splits).toEqual(['0', '500', '2500', '5000', '10000']);

    // kubectl: one row per snapshot, consistent columns, every step seen in order.
    const rows = (await Promise.all(tables)).map((t) => t[0] ?? {});
    for (const row of rows) {
      expect(row).toMatchObject({ NAME: 'ramp', FLAG: flag });
      expect(row.PERCENT).toBe(PERCENT_BY_STEP[row.STEP ?? '']);
      expect(['Holding', 'Ramping', 'Complete']).toContain(row.PHASE);
      // Hold deadlines keep the millisecond (they come from the schedule, not a rounded second).
      if (row.PHASE === 'Holding')
        expect(row.NEXT).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d{1,3})?Z$/);
    }
    expect(rows.map((r) => r.STEP)).toEqual(['1/5', '2/5', '3/5', '4/5', '5/5']);
    const final = parseTable((await kubectl(['get', 'flagrollouts', '-n', env.ns])).stdout)[0];
    expect(final).toMatchObject({
      FLAG: flag,
      PHASE: 'Complete',
      PERCENT: '100',
      STEP: '5/5',
      NEXT: '',
    });

    const status = (await getRollout(env.ns, 'ramp')).status;
    expect(status).toMatchObject({
      currentStep: 4,
      lastGoodPercentage: 100,
      exposure: { percentage: 100, targetedUsers: 2, estimatedUsers: 40_002 },
      flagVersion: 5,
    });
    expect(conditionOf(status, 'Ready')).toMatchObject({ status: 'True', reason: 'Complete' });
    expect(conditionOf(status, 'FlagSynced')).toMatchObject({ status: 'True' });
    // One line per step (from 1, as STEP counts), then the completion.
    const steps = status?.history?.filter((h) => h.reason === 'StepStarted') ?? [];
    expect(steps.map((h) => /step (\d+\/5)/.exec(h.message ?? '')?.[1])).toEqual([
      '1/5',
      '2/5',
      '3/5',
      '4/5',
      '5/5',
    ]);
    expect(status?.history?.at(-1)?.to).toBe('Complete');

    // The CLI report reads the rollout info the controller left next to the flag.
    let out = '';
    const code = await runCli(['report', flag, '-o', 'json', `--redis-url=${testEnv().redisUrl}`], {
      stdout: (t) => (out += t),
      stderr: () => undefined,
      env: {},
    });
    expect(code).toBe(0);
    expect(JSON.parse(out)).toMatchObject({
      flags: [
        {
          flag,
          percentage: 100,
          rollout: { owner: `${env.ns}/ramp`, phase: 'Complete', step: 5, stepCount: 5 },
        },
      ],
    });
  });
});
