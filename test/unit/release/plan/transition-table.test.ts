// The transition table of reconcilers/release/README.md, walked through the pure `decide`: every
// row's (stage, event) is built below under the same words, and the decision must end in the
// row's stage and phase with the row's write. The table and this catalogue are compared both
// ways, so a row added to either without the other fails.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import type { Decision } from '../../../../reconcilers/release/plan/index.js';
import type { AlarmCheckResult } from '../../../../reconcilers/shared/checks/index.js';
import {
  blueGreenSpec,
  canarySpec,
  canaryTaskSet,
  CANARY_TS,
  image,
  inFlight,
  iso,
  revisionTd,
  run,
  service,
  stableTaskSet,
  TD1,
  TD2,
  TG_B,
  weights,
} from './fixtures.js';
import { taskSetId } from '../support/world.js';

const README = new URL('../../../../reconcilers/release/README.md', import.meta.url);

interface Row {
  readonly stage: string;
  readonly event: string;
  readonly next: string;
  readonly write: string;
}

/** The rows of the README's "Transitions" table. */
function tableRows(): Row[] {
  const text = readFileSync(README, 'utf8');
  const section = text.split('\n## Transitions')[1]?.split('\n## ')[0];
  if (section === undefined) throw new Error('README has no "## Transitions" section');
  const rows = section
    .split('\n')
    .filter((line) => line.startsWith('|'))
    .map((line) =>
      line
        .split('|')
        .slice(1, -1)
        .map((cell) => cell.trim()),
    )
    .filter((cells) => !(cells[0] ?? '').startsWith('---') && cells[0] !== 'Stage');
  return rows.map(([stage = '', event = '', next = '', write = '']) => ({
    stage,
    event,
    next,
    write,
  }));
}

const annotation = (action: string) => ({
  annotations: { [`delivery.latticedb.com/${action}`]: '1' },
});
const canaryAt = (weight: number, p = {}) => service([stableTaskSet(), canaryTaskSet(weight, p)]);
const steadyDeploy = {
  service: canaryAt(5),
  weights: weights(0),
  revisionTaskDefinition: revisionTd(),
};
const stabilising = {
  ...steadyDeploy,
  service: canaryAt(5, { stabilityStatus: 'STABILIZING' }),
};
const alarmSpec = canarySpec({ checks: { postDeployment: { noAlarmsFiring: ['latticedb-5xx'] } } });
const alarms = (firing: boolean): AlarmCheckResult => ({
  name: 'alarms',
  passed: !firing,
  firing: firing ? ['latticedb-5xx'] : [],
  missing: [],
  message: firing ? 'latticedb-5xx is in ALARM' : 'no alarm in ALARM',
});
/** After promotion: the canary is primary with all traffic; the old stable set still up. */
const promoted = service([
  stableTaskSet({ status: 'ACTIVE' }),
  canaryTaskSet(100, { status: 'PRIMARY', computedDesiredCount: 4, runningCount: 4 }),
]);
const postChecks = inFlight('PostChecks', { currentWeight: 100, currentStepIndex: 21 }, alarmSpec);
const blueGreen = blueGreenSpec();
const green = service([stableTaskSet(), canaryTaskSet(100, { externalId: taskSetId(1, 'green') })]);
/** Revision 1 (v2) healthy and stable; revision 0 (v1) before it. */
const healthy = inFlight('Done', {
  outcome: 'Succeeded',
  stableRevision: {
    number: 1,
    specHash: 'h1',
    image: image('v2'),
    taskDefinitionArn: TD2,
    taskSetArn: CANARY_TS,
  },
  stableTargetGroupArn: TG_B,
  stableHistory: [
    { number: 0, specHash: 'h0', image: image('v1'), taskDefinitionArn: TD1 },
    { number: 1, specHash: 'h1', image: image('v2'), taskDefinitionArn: TD2 },
  ],
});
const servingV2 = { service: service([canaryTaskSet(100, { status: 'PRIMARY' })]) };
const rolledBack = inFlight('Done', {
  outcome: 'RolledBack',
  currentStepIndex: 5,
  rollback: {
    outcome: 'RolledBack',
    reason: 'AnalysisFailed',
    message: 'analysis failed',
    at: iso(-3_600_000),
    fromStage: 'Steps',
  },
});

/** Each row's (stage, event) as a decision, keyed `stage | event` as the table writes it. */
const EVENTS: Record<string, () => Decision> = {
  'Cleanup | no leftover of ours': () => run(inFlight('Cleanup'), { weights: weights(0) }),
  'Preflight | its facts not read yet': () => run(inFlight('Preflight'), { weights: weights(0) }),
  'Deploy | no canary task set': () =>
    run(inFlight('Deploy'), { weights: weights(0), revisionTaskDefinition: revisionTd() }),
  'Deploy | canary task set stabilising': () => run(inFlight('Deploy'), stabilising),
  'Deploy | canary task set stabilising past progressDeadline': () =>
    run(inFlight('Deploy', { lastProgressAt: iso(-31 * 60_000) }), stabilising),
  'Deploy | canary task set steady': () => run(inFlight('Deploy'), steadyDeploy),
  'Deploy | `abort=1`': () => run(inFlight('Deploy'), steadyDeploy, annotation('abort')),
  'Deploy | spec names another image': () =>
    run(inFlight('Deploy'), steadyDeploy, { spec: canarySpec({ image: image('v3') }) }),
  'Deploy | service missing': () => run(inFlight('Deploy'), { service: null }),
  "Steps | the step's weight observed, pause follows": () =>
    run(inFlight('Steps', { currentStepIndex: 0 }), { service: canaryAt(5), weights: weights(5) }),
  "Steps | the last step's weight observed": () =>
    run(inFlight('Steps', { currentStepIndex: 20 }), {
      service: canaryAt(100),
      weights: weights(100),
    }),
  'Steps | `abort=1`': () =>
    run(
      inFlight('Steps', { currentStepIndex: 2 }),
      { service: canaryAt(15), weights: weights(15) },
      annotation('abort'),
    ),
  'Approval (blue/green) | no approval': () =>
    run(
      inFlight('Approval', {}, blueGreen),
      { service: green, weights: weights(0) },
      {
        spec: blueGreen,
      },
    ),
  'Approval (blue/green) | `approve=1`': () =>
    run(
      inFlight('Approval', {}, blueGreen),
      { service: green, weights: weights(0) },
      {
        spec: blueGreen,
        ...annotation('approve'),
      },
    ),
  'Switch | canary primary with all traffic': () =>
    run(inFlight('Switch', { currentStepIndex: 21 }), { service: promoted, weights: weights(100) }),
  'PostChecks | an alarm fires': () =>
    run(
      postChecks,
      { service: promoted, weights: weights(100), alarms: alarms(true) },
      {
        spec: alarmSpec,
      },
    ),
  'PostChecks | checks pass': () =>
    run(
      postChecks,
      { service: promoted, weights: weights(100), alarms: alarms(false) },
      {
        spec: alarmSpec,
      },
    ),
  'RollingBack | traffic on stable, canary task set gone (after `abort`)': () =>
    run(
      inFlight('RollingBack', {
        rollback: {
          outcome: 'Aborted',
          reason: 'Aborted',
          message: 'aborted',
          at: iso(),
          fromStage: 'Steps',
        },
      }),
      { service: service([stableTaskSet()]), weights: weights(0) },
    ),
  'Done (Healthy) | nothing changed': () => run(healthy, servingV2),
  'Done (Healthy) | spec names another image': () =>
    run(healthy, servingV2, { spec: canarySpec({ image: image('v3') }) }),
  'Done (Healthy) | `rollback=1`': () => run(healthy, servingV2, annotation('rollback')),
  'Done (Healthy) | `retry=1`': () => run(healthy, servingV2, annotation('retry')),
  'Done (RolledBack) | `retry=1`': () =>
    run(rolledBack, { weights: weights(0) }, annotation('retry')),
};

const rows = tableRows();

describe('Release transition table (README) through decide', () => {
  it('the table and the events built here name the same (stage, event) pairs', () => {
    expect(rows.length).toBeGreaterThan(0);
    expect(rows.map((r) => `${r.stage} | ${r.event}`).sort()).toEqual(Object.keys(EVENTS).sort());
  });

  it.each(rows)('$stage, $event → $next ($write)', (row) => {
    const build = EVENTS[`${row.stage} | ${row.event}`];
    if (build === undefined) throw new Error(`no event built for ${row.stage} | ${row.event}`);
    const decision = build();
    const { stage, phase } = decision.status;
    expect(`${stage ?? '-'} (${phase ?? '-'})`).toBe(row.next);
    expect(decision.action?.type ?? '—').toBe(row.write);
  });
});
