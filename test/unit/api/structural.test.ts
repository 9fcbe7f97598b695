import { Type } from '@sinclair/typebox';
import { describe, expect, it } from 'vitest';
import { StructuralSchemaError, toStructural } from '../../../crds/structural.js';
import { StringEnum, withRules } from '../../../reconcilers/shared/api/schema.js';

describe('toStructural', () => {
  it('turns a union of literals into an enum, keeping default and description', () => {
    const schema = StringEnum(['Retain', 'Delete'], { default: 'Retain', description: 'd' });
    expect(toStructural(schema)).toEqual({
      type: 'string',
      enum: ['Retain', 'Delete'],
      default: 'Retain',
      description: 'd',
    });
  });

  it('turns a single literal into a one-value enum', () => {
    expect(toStructural(Type.Literal(5))).toEqual({ type: 'number', enum: [5] });
  });

  it('turns Type.Record into additionalProperties', () => {
    expect(toStructural(Type.Record(Type.String(), Type.Integer(), { maxProperties: 3 }))).toEqual({
      type: 'object',
      maxProperties: 3,
      additionalProperties: { type: 'integer' },
    });
  });

  it('refuses a Record whose keys have a pattern (it would be silently lost)', () => {
    const schema = Type.Record(Type.String({ pattern: '^[A-Z]+$' }), Type.String());
    expect(() => toStructural(schema)).toThrow(StructuralSchemaError);
  });

  it('maps numeric exclusive bounds to OpenAPI v3.0 booleans', () => {
    expect(toStructural(Type.Number({ exclusiveMinimum: 0, exclusiveMaximum: 10 }))).toEqual({
      type: 'number',
      minimum: 0,
      exclusiveMinimum: true,
      maximum: 10,
      exclusiveMaximum: true,
    });
  });

  it('drops additionalProperties: false and $id, keeps x-kubernetes-* keys', () => {
    const schema = Type.Object(
      { tags: Type.Array(Type.String({ maxLength: 5 }), { 'x-kubernetes-list-type': 'set' }) },
      { additionalProperties: false, $id: 'Thing' },
    );
    expect(toStructural(schema)).toEqual({
      type: 'object',
      required: ['tags'],
      properties: {
        tags: {
          type: 'array',
          'x-kubernetes-list-type': 'set',
          items: { type: 'string', maxLength: 5 },
        },
      },
    });
  });

  it('emits CEL rules without their TypeScript twins', () => {
    const schema = withRules(Type.Object({ a: Type.Integer() }), [
      { rule: 'self.a > 0', message: 'positive', fieldPath: '.a', check: (self) => self.a > 0 },
    ]);
    expect(toStructural(schema)['x-kubernetes-validations']).toEqual([
      { rule: 'self.a > 0', message: 'positive', fieldPath: '.a' },
    ]);
  });

  it.each([
    [
      'a union of objects',
      Type.Union([Type.Object({ a: Type.String() }), Type.Object({ b: Type.String() })]),
    ],
    ['a union of literals of two types', Type.Union([Type.Literal('a'), Type.Literal(1)])],
    ['a tuple', Type.Tuple([Type.String(), Type.Integer()])],
    ['uniqueItems', Type.Array(Type.String(), { uniqueItems: true })],
    ['an untyped schema', Type.Any()],
    ['additionalProperties: true', Type.Object({}, { additionalProperties: true })],
  ])('refuses %s', (_what, schema) => {
    expect(() => toStructural(schema)).toThrow(StructuralSchemaError);
  });

  it('names the offending node', () => {
    const schema = Type.Object({ outer: Type.Object({ inner: Type.Array(Type.Any()) }) });
    expect(() => toStructural(schema, 'spec')).toThrow(/spec\.outer\.inner\[\]/);
  });
});
