import { describe, expect, it } from 'vitest';
import {
  kstatusConditions,
  normalizeConditions,
  toRfc3339,
  upsertConditions,
  withKStatus,
  type Condition,
  type ConditionInput,
} from '../../../controller/k8s/conditions.js';

const T0 = new Date('2026-11-26T10:00:00.750Z');
const T1 = new Date('2026-11-26T10:05:30.999Z');

describe('toRfc3339', () => {
  it('drops fractional seconds', () => {
    expect(toRfc3339(T0)).toBe('2026-11-26T10:00:00Z');
  });
});

describe('normalizeConditions', () => {
  const previous: Condition[] = [
    {
      type: 'Ready',
      status: 'False',
      reason: 'Progressing',
      message: 'step 1/3',
      observedGeneration: 1,
      lastTransitionTime: '2026-11-26T09:00:00Z',
    },
    {
      type: 'Stalled',
      status: 'False',
      reason: 'Progressing',
      message: '',
      observedGeneration: 1,
      lastTransitionTime: '2026-11-26T09:00:00Z',
    },
  ];

  it('keeps lastTransitionTime when only reason/message change, and sets observedGeneration', () => {
    const out = normalizeConditions(
      previous,
      [{ type: 'Ready', status: 'False', reason: 'Paused', message: 'step 2/3' }],
      {
        now: T1,
        observedGeneration: 2,
      },
    );
    expect(out).toEqual([
      {
        type: 'Ready',
        status: 'False',
        reason: 'Paused',
        message: 'step 2/3',
        observedGeneration: 2,
        lastTransitionTime: '2026-11-26T09:00:00Z',
      },
    ]);
  });

  it('stamps a whole-second now when the status flips or the condition is new', () => {
    const out = normalizeConditions(
      previous,
      [
        { type: 'Ready', status: 'True', reason: 'Healthy', message: '' },
        { type: 'Degraded', status: 'False', reason: 'AsExpected', message: '' },
      ],
      { now: T1, observedGeneration: 3 },
    );
    expect(out.map((c) => c.lastTransitionTime)).toEqual([
      '2026-11-26T10:05:30Z',
      '2026-11-26T10:05:30Z',
    ]);
  });

  it('ignores a lastTransitionTime supplied by the handler and keeps one entry per type', () => {
    const out = normalizeConditions(
      previous,
      [
        {
          type: 'Ready',
          status: 'False',
          reason: 'X',
          message: '',
          lastTransitionTime: '1999-01-01T00:00:00Z',
        },
        { type: 'Ready', status: 'True', reason: 'Dup', message: '' },
      ],
      { now: T1, observedGeneration: 1 },
    );
    expect(out).toHaveLength(1);
    expect(out[0]!.lastTransitionTime).toBe('2026-11-26T09:00:00Z');
  });
});

describe('kstatus helpers', () => {
  it.each([
    ['Ready', ['True', 'False', 'False']],
    ['Reconciling', ['False', 'True', 'False']],
    ['Stalled', ['False', 'False', 'True']],
  ] as const)('%s sets Ready/Reconciling/Stalled consistently', (state, statuses) => {
    const out = kstatusConditions(state, 'Why', 'what');
    expect(out.map((c) => [c.type, c.status, c.reason, c.message])).toEqual([
      ['Ready', statuses[0], 'Why', 'what'],
      ['Reconciling', statuses[1], 'Why', 'what'],
      ['Stalled', statuses[2], 'Why', 'what'],
    ]);
  });

  it('withKStatus replaces the trio and keeps domain conditions in place', () => {
    const domain: ConditionInput = {
      type: 'TrafficShifted',
      status: 'True',
      reason: 'Weight',
      message: '15%',
    };
    const out = withKStatus(
      upsertConditions([domain], ...kstatusConditions('Ready', 'A', '')),
      'Reconciling',
      'B',
      'm',
    );
    expect(out.map((c) => `${c.type}=${c.status}`)).toEqual([
      'TrafficShifted=True',
      'Ready=False',
      'Reconciling=True',
      'Stalled=False',
    ]);
  });
});
