import { beforeEach, describe, expect, it } from 'vitest';
import type { FlagObservation, FlagWrite, ReadOptions } from '../../../flags/index.js';
import { EXIT } from '../../../flags/cli/args.js';
import type { CommandResult } from '../../../flags/cli/commands.js';
import { CliFailure, executeCommand } from '../../../flags/cli/commands.js';
import { render } from '../../../flags/cli/format.js';
import { FakeFlagStore } from './support/fake-flag-store.js';
import { sampleWrite } from './support/flag-store-contract.js';

/** Another writer changes the flag right after each of the next `times` reads. */
class RacingStore extends FakeFlagStore {
  racesLeft = 0;
  override async read(flag: string, options?: ReadOptions): Promise<FlagObservation> {
    const observation = await super.read(flag, options);
    if (this.racesLeft > 0 && observation.record !== undefined) {
      this.racesLeft--;
      this.tamper(flag, { updatedBy: 'controller:default/nqo' });
    }
    return observation;
  }
}

describe('CLI commands against the store', () => {
  let store: RacingStore;
  let messages: string[];
  const exec = (command: Parameters<typeof executeCommand>[0]): Promise<CommandResult> =>
    executeCommand(command, {
      store,
      writer: 'cli:ops',
      notify: (m) => messages.push(m),
    });

  beforeEach(() => {
    store = new RacingStore();
    messages = [];
  });

  it('set-percentage creates an enabled flag salted with its name, then changes only the percentage', async () => {
    await exec({ name: 'set-percentage', flag: 'nqo', basisPoints: 1 });
    expect((await store.read('nqo')).record).toMatchObject({
      enabled: true,
      basisPoints: 1,
      salt: 'nqo',
      targets: [],
      killSwitch: null,
      updatedBy: 'cli:ops',
      version: 1,
    });
    await store.compareAndSet('nqo', 1, { ...sampleWrite, salt: 's2', basisPoints: 500 });
    await exec({ name: 'set-percentage', flag: 'nqo', basisPoints: 2500 });
    expect((await store.read('nqo')).record).toMatchObject({
      basisPoints: 2500,
      salt: 's2',
      targets: ['u-internal-1', 'u-internal-2'],
      killSwitch: 'experimental',
      version: 3,
    });
  });

  it('enable/disable flip only `enabled`, and do not write when nothing changes', async () => {
    await store.compareAndSet('nqo', 0, sampleWrite);
    const disabled = await exec({ name: 'disable', flag: 'nqo' });
    expect(disabled).toMatchObject({
      kind: 'write',
      changed: true,
      flag: { enabled: false, version: 2 },
    });
    const again = await exec({ name: 'disable', flag: 'nqo' });
    expect(again).toMatchObject({ changed: false, flag: { version: 2 } });
    await exec({ name: 'enable', flag: 'nqo' });
    expect((await store.read('nqo')).record).toMatchObject({
      enabled: true,
      basisPoints: 500,
      version: 3,
    });
  });

  it('enable on a missing flag fails with "not found" and writes nothing', async () => {
    await expect(exec({ name: 'enable', flag: 'nqo' })).rejects.toMatchObject({
      exitCode: EXIT.notFound,
    });
    expect(store.notices).toEqual([]);
  });

  it('retries once on a conflict, re-deriving from the fresh state', async () => {
    await store.compareAndSet('nqo', 0, sampleWrite);
    store.racesLeft = 1;
    const result = await exec({ name: 'set-percentage', flag: 'nqo', basisPoints: 2500 });
    expect(result).toMatchObject({ changed: true, flag: { basisPoints: 2500, version: 3 } });
    expect(messages).toEqual([
      'warning: flag last written by controller:default/nqo, which may put its own state back',
      'flag "nqo" changed while writing (version 1 → 2); re-reading and retrying once',
    ]);
  });

  it('gives up with exit code 4 when the flag changes again, leaving the other write in place', async () => {
    await store.compareAndSet('nqo', 0, sampleWrite);
    store.racesLeft = 2;
    const failure = await exec({ name: 'disable', flag: 'nqo' }).catch((e: unknown) => e);
    expect(failure).toBeInstanceOf(CliFailure);
    expect(failure).toMatchObject({ exitCode: EXIT.conflict });
    expect((await store.read('nqo')).record).toMatchObject({ enabled: true, version: 3 });
  });

  describe('a flag a FlagRollout owns', () => {
    const owned = async (
      write: FlagWrite = { ...sampleWrite, updatedBy: 'controller:prod/nqo' },
    ) => {
      await store.compareAndSet('nqo', 0, write);
      await store.writeRolloutInfo('nqo', {
        owner: 'prod/nqo',
        phase: 'Holding',
        step: 1,
        stepCount: 5,
      });
    };
    const failure = (p: Promise<unknown>) =>
      p.then(
        () => undefined,
        (e: unknown) => e,
      );

    it('refuses a percentage (set-percentage, enable --percentage) with exit 4 naming the owner', async () => {
      await owned();
      for (const command of [
        { name: 'set-percentage', flag: 'nqo', basisPoints: 6000 },
        { name: 'enable', flag: 'nqo', basisPoints: 6000 },
      ] as const) {
        const refused = await failure(exec(command));
        expect(refused).toBeInstanceOf(CliFailure);
        expect(refused).toMatchObject({ exitCode: EXIT.conflict });
        expect((refused as Error).message).toBe(
          'flag "nqo" is owned by FlagRollout prod/nqo (Holding, step 2/5), which would put its own ' +
            'percentage back; change its spec.steps (kubectl -n prod edit flagrollout/nqo), or give ' +
            '--force to write anyway',
        );
      }
      expect((await store.read('nqo')).record).toMatchObject({ version: 1 });
    });

    it('writes with --force, warning that the owner will put its state back', async () => {
      await owned();
      const result = await executeCommand(
        { name: 'set-percentage', flag: 'nqo', basisPoints: 6000 },
        { store, writer: 'cli:ops', force: true, notify: (m) => messages.push(m) },
      );
      expect(result).toMatchObject({ changed: true, flag: { basisPoints: 6000 } });
      expect(messages.join('\n')).toContain('--force: writing although FlagRollout prod/nqo owns');
    });

    it('lets a disable through (the controller respects it), saying so', async () => {
      await owned();
      expect(await exec({ name: 'disable', flag: 'nqo' })).toMatchObject({ changed: true });
      expect(messages.join('\n')).toContain(
        'FlagRollout prod/nqo owns the flag: it respects this disable',
      );
      // Re-enabling the CLI's own disable is respected too: the rollout resumes.
      expect(await exec({ name: 'enable', flag: 'nqo' })).toMatchObject({ changed: true });
    });

    it('never refuses a no-op: enable --percentage 100 on a flag its FlagRollout serves at 100 %', async () => {
      await owned({ ...sampleWrite, basisPoints: 10_000, updatedBy: 'controller:prod/nqo' });
      for (const command of [
        { name: 'enable', flag: 'nqo', basisPoints: 10_000 },
        { name: 'set-percentage', flag: 'nqo', basisPoints: 10_000 },
      ] as const) {
        expect(await exec(command)).toMatchObject({ changed: false, flag: { version: 1 } });
      }
      expect(messages).toEqual([]);
    });

    it('a CLI write leaves the flag with the FlagRollout that manages it (the claim), and says so', async () => {
      await owned();
      await exec({ name: 'disable', flag: 'nqo' }); // now written by cli:ops, claim prod/nqo
      messages = [];
      expect(await exec({ name: 'enable', flag: 'nqo' })).toMatchObject({ changed: true });
      expect(messages).toEqual([
        'FlagRollout prod/nqo owns the flag: it resumes its rollout from here',
      ]);
      const refused = await failure(exec({ name: 'set-percentage', flag: 'nqo', basisPoints: 0 }));
      expect((refused as Error).message).toContain(
        'owned by FlagRollout prod/nqo (Holding, step 2/5)',
      );
    });

    it('the owner is the controller that wrote the flag, not stale rollout info of another one', async () => {
      // prod/nqo published info, then lost the flag to prod/other (which published none yet).
      await owned({ ...sampleWrite, updatedBy: 'controller:prod/other' });
      expect(await exec({ name: 'set-percentage', flag: 'nqo', basisPoints: 0 })).toMatchObject({
        changed: true,
      });
      expect(messages).toEqual([
        'warning: flag last written by controller:prod/other, which may put its own state back',
      ]);
      await store.compareAndSet('nqo', 2, { ...sampleWrite, updatedBy: 'controller:prod/other' });
      const report = await exec({ name: 'report', flag: 'nqo' });
      expect(report).toMatchObject({
        flags: [{ owner: 'prod/other', rollout: null, staleRollout: { owner: 'prod/nqo' } }],
      });
      const text = render(report, 'table');
      expect(text).toContain(
        'Rollout:        prod/other: wrote the flag, published no rollout info',
      );
      expect(text).toContain('prod/nqo (phase Holding');
      expect(text).toContain('no longer manages the flag');
    });

    it('hand-over rewrites the flag unchanged and names the new owner in one write', async () => {
      await owned({ ...sampleWrite, enabled: false, updatedBy: 'cli:oncall' });
      const result = await exec({ name: 'hand-over', flag: 'nqo', to: 'y/new-owner' });
      expect(result).toMatchObject({
        kind: 'hand-over',
        to: 'y/new-owner',
        flag: { enabled: false, basisPoints: 500, version: 2, updatedBy: 'cli:ops' },
      });
      expect(await store.readRolloutInfo('nqo')).toMatchObject({
        owner: 'y/new-owner',
        phase: 'HandedOver',
      });
      expect(messages).toEqual([
        'handing flag "nqo" over from FlagRollout prod/nqo to FlagRollout y/new-owner: it stays ' +
          'disabled until enabled with the CLI',
      ]);
      expect(render(result, 'table')).toBe(
        'nqo: handed over to FlagRollout y/new-owner, disabled at 5%, 2 targeted, kill switch ' +
          'experimental (inactive) (version 2)\n',
      );
      const report = render(await exec({ name: 'report', flag: 'nqo' }), 'table');
      expect(report).toContain(
        'y/new-owner: handed over, takes the flag over at its next reconcile',
      );
      await expect(exec({ name: 'hand-over', flag: 'missing', to: 'y/z' })).rejects.toMatchObject({
        exitCode: EXIT.notFound,
      });
    });

    it('refuses to re-enable what the controller itself disabled (spec.enabled: false)', async () => {
      await owned({ ...sampleWrite, enabled: false, updatedBy: 'controller:prod/nqo' });
      const refused = await failure(exec({ name: 'enable', flag: 'nqo' }));
      expect(refused).toMatchObject({ exitCode: EXIT.conflict });
      expect((refused as Error).message).toContain('set spec.enabled: true');
    });
  });

  it('enable --percentage creates a missing flag, enabled at that split', async () => {
    expect(await exec({ name: 'enable', flag: 'new_flag', basisPoints: 500 })).toMatchObject({
      changed: true,
      flag: { flag: 'new_flag', enabled: true, basisPoints: 500, salt: 'new_flag' },
    });
  });

  it('report shows flag, rollout step/phase, percentage, targets, kill switch and last analysis', async () => {
    await store.compareAndSet('nqo', 0, {
      ...sampleWrite,
      basisPoints: 2500,
      updatedBy: 'controller:prod/nqo',
    });
    await store.setKillSwitch('experimental', true);
    await store.writeRolloutInfo('nqo', {
      owner: 'prod/nqo',
      phase: 'Holding',
      step: 2,
      stepCount: 5,
      nextStepAt: '2026-11-27T10:00:00Z',
      lastAnalysis: {
        verdict: 'Successful',
        at: '2026-11-26T10:00:00Z',
        summary: 'error-rate 0.2 < 1',
      },
    });
    const result = await exec({ name: 'report', flag: 'nqo' });
    const text = render(result, 'table');
    for (const expected of [
      'Flag:           nqo',
      'Percentage:     25% (2500 basis points)',
      'Targeted users: 2: u-internal-1, u-internal-2',
      'Kill switch:    experimental (ACTIVE)',
      'Rollout:        prod/nqo: phase Holding, step 3/5, next step at 2026-11-27T10:00:00Z',
      'Last analysis:  Successful at 2026-11-26T10:00:00Z: error-rate 0.2 < 1',
    ]) {
      expect(text).toContain(expected);
    }
    const json = JSON.parse(render(result, 'json'));
    expect(json.flags[0]).toMatchObject({
      flag: 'nqo',
      percentage: 25,
      killSwitch: { group: 'experimental', active: true },
      // The same step number as the table's "step 3/5", not the store's index 2.
      rollout: { phase: 'Holding', step: 3, stepCount: 5, lastAnalysis: { verdict: 'Successful' } },
    });
  });

  it('report of a missing flag fails with "not found"', async () => {
    await expect(exec({ name: 'report', flag: 'nqo' })).rejects.toMatchObject({
      exitCode: EXIT.notFound,
    });
  });

  it('list renders a table and JSON', async () => {
    await store.compareAndSet('nqo', 0, sampleWrite);
    await store.compareAndSet('maintenance_mode', 0, {
      ...sampleWrite,
      killSwitch: null,
      basisPoints: 10_000,
    });
    const result = await exec({ name: 'list' });
    expect(render(result, 'table').split('\n')).toEqual([
      'FLAG              ENABLED  PERCENT  TARGETS  KILL-SWITCH              VERSION  UPDATED-BY',
      'maintenance_mode  yes      100%     2        none                     1        controller:default/nqo',
      'nqo               yes      5%       2        experimental (inactive)  1        controller:default/nqo',
      '',
    ]);
    const json = JSON.parse(render(result, 'json')) as { flags: { flag: string }[] };
    expect(json.flags.map((f) => f.flag)).toEqual(['maintenance_mode', 'nqo']);
  });

  it('evaluate of a missing flag fails with "not found" (exit 3), as report does', async () => {
    const missing = await exec({ name: 'evaluate', flag: 'nope', users: ['u1'] }).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(missing).toMatchObject({ exitCode: EXIT.notFound, message: 'flag "nope" not found' });
  });

  it('kill-switch and evaluate', async () => {
    await store.compareAndSet('nqo', 0, { ...sampleWrite, basisPoints: 0 });
    expect(await exec({ name: 'kill-switch', group: 'experimental', active: true })).toEqual({
      kind: 'kill-switch',
      group: 'experimental',
      active: true,
    });
    const killed = await exec({ name: 'evaluate', flag: 'nqo', users: ['u-internal-1'] });
    expect(killed).toMatchObject({
      answers: [{ user: 'u-internal-1', value: false, reason: 'KILLED' }],
    });
    await exec({ name: 'kill-switch', group: 'experimental', active: false });
    const on = await exec({ name: 'evaluate', flag: 'nqo', users: ['u-internal-1', 'user-1'] });
    expect(on).toMatchObject({
      answers: [
        { user: 'u-internal-1', value: true, reason: 'TARGETING_MATCH' },
        { user: 'user-1', value: false, reason: 'SPLIT' },
      ],
    });
  });
});
