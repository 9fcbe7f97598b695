// Small TypeBox helpers for Kubernetes-flavoured schemas: string enums (emitted as `enum`, never
// `anyOf`) and CEL rules (`x-kubernetes-validations`) that carry a TypeScript twin, so that the
// apiserver and validate.ts enforce the same cross-field rules from one definition.
import {
  Type,
  type SchemaOptions,
  type Static,
  type TLiteral,
  type TSchema,
  type TUnion,
} from '@sinclair/typebox';

/** The schema keyword Kubernetes reads CEL rules from. */
export const VALIDATIONS = 'x-kubernetes-validations';

export type CelReason =
  'FieldValueInvalid' | 'FieldValueForbidden' | 'FieldValueRequired' | 'FieldValueDuplicate';

/**
 * One `x-kubernetes-validations` entry. `check` is the same predicate in TypeScript: validate.ts
 * runs it (defence in depth when an older CRD is installed, and for unit tests without an
 * apiserver). Transition rules (`oldSelf`) have no twin: they need the previous object.
 */
export interface CelRule<T = unknown> {
  readonly rule: string;
  /** Static message; also what validate.ts reports. */
  readonly message: string;
  /** CEL string expression for a more specific server-side message. */
  readonly messageExpression?: string;
  /** Where the error points, relative to the node (`.canaryTargetGroupArn`). */
  readonly fieldPath?: string;
  readonly reason?: CelReason;
  readonly optionalOldSelf?: boolean;
  // Method syntax on purpose: a rule typed for one node is stored as CelRule<unknown>.
  check?(self: T): boolean;
}

/** Returns `schema` with `rules` appended to its `x-kubernetes-validations`. */
export function withRules<S extends TSchema>(schema: S, rules: readonly CelRule<Static<S>>[]): S {
  return { ...schema, [VALIDATIONS]: [...rulesOf(schema), ...rules] };
}

/** The CEL rules attached to a schema node. */
export function rulesOf(schema: TSchema): readonly CelRule[] {
  const rules: unknown = schema[VALIDATIONS];
  return Array.isArray(rules) ? (rules as CelRule[]) : [];
}

/** A union of string literals; the CRD generator emits it as `{ type: string, enum: [...] }`. */
export function StringEnum<const T extends string>(
  values: readonly T[],
  options: SchemaOptions = {},
): TUnion<TLiteral<T>[]> {
  return Type.Union<TLiteral<T>[]>(
    values.map((value) => Type.Literal(value)),
    options,
  );
}

/** Exactly one of `fields` is set (the CRD way to model a tagged union). */
export function exactlyOneOf<T extends object>(
  fields: readonly (keyof T & string)[],
  what = fields.join(', '),
): CelRule<T> {
  return {
    rule: `[${fields.map((f) => `has(self.${f})`).join(', ')}].exists_one(x, x)`,
    message: `exactly one of ${what} must be set`,
    check: (self) => fields.filter((f) => self[f] !== undefined).length === 1,
  };
}

/** At most one of `fields` is set. */
export function atMostOneOf<T extends object>(fields: readonly (keyof T & string)[]): CelRule<T> {
  return {
    rule: `[${fields.map((f) => `has(self.${f})`).join(', ')}].filter(x, x).size() <= 1`,
    message: `at most one of ${fields.join(', ')} may be set`,
    check: (self) => fields.filter((f) => self[f] !== undefined).length <= 1,
  };
}

/** A field that must not change once set (a transition rule on the field itself). */
export function immutable(what: string, hint?: string): CelRule {
  return { rule: 'self == oldSelf', message: `${what} is immutable${hint ? `: ${hint}` : ''}` };
}

/** Numbers in a list never go down: `[5, 5, 25]` passes, `[25, 5]` does not. */
export function isNonDecreasing(values: readonly number[]): boolean {
  return values.every((value, i) => i === 0 || (values[i - 1] ?? value) <= value);
}

/**
 * `schema` with its own `description`: a shared building block used for one field (the CRD shows
 * the description where the field is, `kubectl explain` too). Typed as the schema, so declarations
 * of the schemas that use it stay nameable.
 */
export function described<S extends TSchema>(schema: S, description: string): S {
  return { ...schema, description };
}
