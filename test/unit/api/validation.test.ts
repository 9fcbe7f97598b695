import { Type } from '@sinclair/typebox';
import { describe, expect, it } from 'vitest';
import { isHundredth } from '../../../reconcilers/flagrollout/api.js';
import { Duration } from '../../../reconcilers/shared/api/duration.js';
import { appendBounded } from '../../../reconcilers/shared/api/history.js';
import { isNonDecreasing, withRules } from '../../../reconcilers/shared/api/schema.js';
import {
  decreasingErrors,
  pointerToPath,
  schemaErrors,
} from '../../../reconcilers/shared/api/validation.js';

const Step = Type.Object({ weight: Type.Integer({ maximum: 100 }) });
const Spec = Type.Object({
  steps: Type.Array(Step, { maxItems: 5 }),
  env: Type.Optional(Type.Record(Type.String(), Type.String({ maxLength: 3 }))),
  mode: Type.Optional(Type.Union([Type.Literal('A'), Type.Literal('B')], { default: 'A' })),
});

describe('schemaErrors', () => {
  it('names fields the Kubernetes way', () => {
    expect(
      schemaErrors(Spec, { steps: [{ weight: 1 }, { weight: 101 }], env: { K: 'long' } }, 'spec'),
    ).toEqual([
      { field: 'spec.steps[1].weight', message: 'Expected integer to be less or equal to 100' },
      { field: 'spec.env[K]', message: 'Expected string length less or equal to 3' },
    ]);
  });

  it('reports a missing required field once, as "Required value"', () => {
    expect(schemaErrors(Spec, {}, 'spec')).toEqual([
      { field: 'spec.steps', message: 'Required value' },
    ]);
  });

  it('lists the allowed values of an enum', () => {
    expect(schemaErrors(Spec, { steps: [], mode: 'C' }, 'spec')).toEqual([
      { field: 'spec.mode', message: 'must be one of: A, B' },
    ]);
  });

  it('applies defaults before CEL twins, as the apiserver does', () => {
    const schema = withRules(
      Type.Object({ mode: Type.Optional(Type.String({ default: 'A', maxLength: 1 })) }),
      [{ rule: "self.mode == 'A'", message: 'mode A', check: (self) => self.mode === 'A' }],
    );
    expect(schemaErrors(schema, {}, 'spec')).toEqual([]);
    expect(schemaErrors(schema, { mode: 'B' }, 'spec')).toEqual([
      { field: 'spec', message: 'mode A' },
    ]);
  });

  it('runs a twin only on a structurally valid node, and a throwing twin counts as failed', () => {
    const schema = withRules(Type.Object({ n: Type.Integer() }), [
      {
        rule: 'false',
        message: 'twin ran',
        fieldPath: '.n',
        check: () => {
          throw new Error('boom');
        },
      },
    ]);
    expect(schemaErrors(schema, { n: 'x' }, 'spec').map((e) => e.message)).not.toContain(
      'twin ran',
    );
    expect(schemaErrors(schema, { n: 1 }, 'spec')).toEqual([
      { field: 'spec.n', message: 'twin ran' },
    ]);
  });

  it('checks durations parse and their bounds', () => {
    const schema = Type.Object({ d: Duration({ min: '1s' }) });
    expect(schemaErrors(schema, { d: '500ms' }, 'spec')).toEqual([
      { field: 'spec.d', message: 'must be at least 1s' },
    ]);
    expect(schemaErrors(schema, { d: '1h30m' }, 'spec')).toEqual([]);
    expect(schemaErrors(schema, { d: '99999999999999h' }, 'spec').map((e) => e.field)).toContain(
      'spec.d',
    );
  });

  it('refuses duplicates in list-type set and map lists', () => {
    const schema = Type.Object({
      users: Type.Array(Type.String(), { 'x-kubernetes-list-type': 'set' }),
      metrics: Type.Array(Type.Object({ name: Type.String(), v: Type.Integer() }), {
        'x-kubernetes-list-type': 'map',
        'x-kubernetes-list-map-keys': ['name'],
      }),
    });
    const value = {
      users: ['a', 'b', 'a'],
      metrics: [
        { name: 'x', v: 1 },
        { name: 'x', v: 2 },
      ],
    };
    expect(schemaErrors(schema, value, 'spec').map((e) => e.field)).toEqual([
      'spec.users[2]',
      'spec.metrics[1]',
    ]);
  });
});

describe('helpers', () => {
  it('pointerToPath distinguishes list indexes, properties and map keys', () => {
    expect(pointerToPath(Spec, '/steps/3/weight')).toBe('.steps[3].weight');
    expect(pointerToPath(Spec, '/env/a~1b')).toBe('.env[a/b]');
  });

  it('decreasingErrors names each value lower than its predecessor', () => {
    const entries = [5, 25, 10, 10, 50].map((value, i) => ({ field: `s[${i}]`, value }));
    expect(decreasingErrors(entries, 'w').map((e) => e.field)).toEqual(['s[2]']);
  });

  it('isNonDecreasing allows equal neighbours', () => {
    expect(isNonDecreasing([0, 5, 5, 100])).toBe(true);
    expect(isNonDecreasing([5, 4])).toBe(false);
    expect(isNonDecreasing([])).toBe(true);
  });

  it.each([
    [0.07, true],
    [33.33, true],
    [0.01, true],
    [100, true],
    [33.333, false],
    [0.005, false],
  ])('isHundredth(%s) is %s', (value, expected) => {
    expect(isHundredth(value)).toBe(expected);
  });

  it('appendBounded keeps the newest entries', () => {
    expect(appendBounded([1, 2, 3], 4, 3)).toEqual([2, 3, 4]);
    expect(appendBounded(undefined, 1, 3)).toEqual([1]);
  });
});
