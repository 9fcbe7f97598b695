// The kubectl plugin's pure views on objects the controller wrote (test/gitops/fixtures/).
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import {
  actionValue,
  renderTree,
  verdictOf,
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
      /├─ analysis \(step 4\): Failed\n│ {2}└─ error-rate: Failed \(0 ok, 1 failed, \d+ inconclusive\)/,
    );
    expect(tree).toMatch(
      /conditions Ready=False\(AnalysisFailed\) Reconciling=False\(AnalysisFailed\) Stalled=True/,
    );
    expect(tree).toMatch(/└─ recent transitions\n( {3}[├└]─ .*\n){5}$/);
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
