// The kubectl plugin's pure views on objects the controller wrote (test/gitops/fixtures/).
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import {
  actionValue,
  ignoredBecause,
  newTransitions,
  renderTree,
  verdictOf,
  type HistoryEntry,
  type LatticeObject,
} from '../../../reconcilers/kubectl-plugin/view.js';

const fixture = (name: string): LatticeObject =>
  JSON.parse(
    readFileSync(new URL(`../../gitops/fixtures/${name}.json`, import.meta.url), 'utf8'),
  ) as LatticeObject;

describe('status verdict (for CI)', () => {
  it.each([
    ['release-healthy', 'healthy'],
    ['release-rolled-back', 'failed'],
    ['release-aborted', 'failed'],
    ['release-stalled', 'failed'],
    ['release-paused', 'progressing'],
    ['release-awaiting-approval', 'progressing'],
    ['release-mid-canary', 'progressing'],
    ['release-spec-not-yet-observed', 'progressing'],
    ['flagrollout-complete', 'healthy'],
    ['flagrollout-rolled-back', 'failed'],
    ['failoverplan-standby-not-ready', 'failed'],
  ])('%s is %s', (name, state) => {
    expect(verdictOf(fixture(name)).state).toBe(state);
  });
});

describe('action values', () => {
  it('names the current revision, then the next suffix once used', () => {
    const healthy = fixture('release-healthy'); // promote=1.3 used, abort=1 used
    expect(actionValue(healthy, 'promote')).toBe('1.4');
    expect(actionValue(healthy, 'abort')).toBe('1.2');
    expect(actionValue(healthy, 'approve')).toBe('1');
    expect(actionValue(fixture('release-paused'), 'promote')).toBe('1.2');
    expect(() => actionValue(fixture('release-stalled'), 'promote')).toThrow(/no revision/);
  });
});

describe('tree', () => {
  it('shows revision, traffic, analysis and transitions of a Release', () => {
    const tree = renderTree(fixture('release-rolled-back'));
    expect(tree).toMatch(/^Release gitops-rb-\w+\/ldb {2}RolledBack\n/);
    expect(tree).toMatch(
      /├─ revision 1 {2}\S+:2\.2\.0\n│ {2}├─ task definition arn:aws:ecs:.*\n│ {2}└─ task set arn:aws:ecs:/,
    );
    expect(tree).toMatch(
      // How many measurements were inconclusive before the failure depends on the captured run.
      // status.attempt.analysis.step is 4, counted from 0: the fifth of 21 steps.
      /├─ analysis \(step 5\/21\): Failed\n│ {2}└─ error-rate: Failed \(0 ok, 1 failed, \d+ inconclusive\)/,
    );
    expect(tree).toMatch(
      /conditions Ready=False\(AnalysisFailed\) Reconciling=False\(AnalysisFailed\) Stalled=True/,
    );
    expect(tree).toMatch(/└─ recent transitions\n( {3}[├└]─ .*\n){5}$/);
  });

  it('says a metric has no verdict yet instead of printing undefined', () => {
    const o = fixture('release-rolled-back');
    const attempt = o.status?.attempt as { analysis: { results: Record<string, unknown>[] } };
    const pending = {
      ...o,
      status: {
        ...o.status,
        attempt: {
          ...attempt,
          analysis: {
            ...attempt.analysis,
            verdict: 'Running',
            results: attempt.analysis.results.map(({ verdict: _v, ...r }) => r),
          },
        },
      },
    };
    const tree = renderTree(pending);
    expect(tree).toMatch(
      /├─ analysis \(step 5\/21\): Running\n│ {2}└─ error-rate: no verdict yet \(/,
    );
    expect(tree).not.toMatch(/undefined/);
  });

  it('shows a Release the controller has not reconciled since status.attempt the same way', () => {
    // A status written before status.attempt: the attempt's fields at the top level.
    const rolledBack = fixture('release-rolled-back');
    const { attempt, ...rest } = rolledBack.status ?? {};
    expect(rest).not.toHaveProperty('analysis');
    const legacy = { ...rolledBack, status: { ...rest, ...(attempt as object) } };
    expect(renderTree(legacy)).toBe(renderTree(rolledBack));
  });

  it('shows a FlagRollout step and percentage', () => {
    expect(renderTree(fixture('flagrollout-holding'))).toMatch(/├─ step 1\/2 {2}0%/);
  });
});

describe('what an action caused', () => {
  const healthy = fixture('release-healthy'); // its history is full (20 entries)
  const history = healthy.status?.history ?? [];
  const ignoredEntry: HistoryEntry = {
    time: '2026-12-07T03:00:00Z',
    from: 'Healthy',
    to: 'Healthy',
    reason: 'ActionIgnored',
    message: 'delivery.latticedb.com/promote=1.4 ignored: nothing to promote',
  };

  it('new transitions are found by content, not by the length of the bounded history', () => {
    expect(history).toHaveLength(20);
    // The oldest entry dropped off as the new one came in: the length stayed 20.
    expect(newTransitions(history, [...history.slice(1), ignoredEntry])).toEqual([ignoredEntry]);
    expect(newTransitions(history, history)).toEqual([]);
    const later = { ...ignoredEntry, time: '2026-12-07T03:00:05Z', reason: 'PromoteRequested' };
    expect(newTransitions(history, [...history.slice(2), ignoredEntry, later])).toEqual([
      ignoredEntry,
      later,
    ]);
    // The newest entry seen before has dropped off too: everything now is newer.
    const burst = Array.from({ length: 20 }, (_, i) => ({ ...later, message: String(i) }));
    expect(newTransitions(history, burst)).toEqual(burst);
    expect(newTransitions([], history)).toEqual(history);
  });

  it('an ignored action is recognised by its annotation and value, with the reason why', () => {
    const withIgnored = (annotation: string, value: string): LatticeObject => ({
      ...healthy,
      status: {
        ...healthy.status,
        actions: {
          promote: value,
          lastIgnored: {
            annotation,
            value,
            message: `${annotation}=${value} ignored: nothing to promote (no pause or analysis in progress)`,
            at: '2026-12-07T03:00:00Z',
          },
        },
      },
    });
    const o = withIgnored('delivery.latticedb.com/promote', '1.4');
    expect(ignoredBecause(o, 'promote', '1.4')).toBe(
      'nothing to promote (no pause or analysis in progress)',
    );
    // Another value or another action was ignored: not this one.
    expect(ignoredBecause(o, 'promote', '1.5')).toBeUndefined();
    expect(ignoredBecause(o, 'abort', '1.4')).toBeUndefined();
    expect(ignoredBecause(healthy, 'promote', '1.3')).toBeUndefined();
  });
});
