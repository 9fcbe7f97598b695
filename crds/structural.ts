// TypeBox schema → Kubernetes structural OpenAPI v3 (apiextensions.k8s.io/v1 JSONSchemaProps).
// An allow-list, not a filter: a keyword Kubernetes would reject or silently drop is an error
// here, so a schema change that cannot be expressed in a CRD fails `npm run crds` loudly.
import type { TSchema } from '@sinclair/typebox';
import { VALIDATIONS, type CelRule } from '../reconcilers/shared/api/schema.js';

export type JsonSchemaProps = { [key: string]: unknown };

// Keywords copied as they are (after their values are converted where they hold schemas).
const PASS_THROUGH = new Set([
  'type',
  'format',
  'description',
  'default',
  'enum',
  'minimum',
  'maximum',
  'multipleOf',
  'minLength',
  'maxLength',
  'pattern',
  'minItems',
  'maxItems',
  'minProperties',
  'maxProperties',
  'required',
  'nullable',
  'title',
  'x-kubernetes-list-type',
  'x-kubernetes-list-map-keys',
  'x-kubernetes-map-type',
  'x-kubernetes-int-or-string',
  'x-kubernetes-embedded-resource',
]);

// TypeBox bookkeeping with no meaning in a CRD.
const DROPPED = new Set(['$id', '$schema', '$comment']);

const RULE_KEYS = [
  'rule',
  'message',
  'messageExpression',
  'fieldPath',
  'reason',
  'optionalOldSelf',
];

export class StructuralSchemaError extends Error {
  override readonly name = 'StructuralSchemaError';
}

/** Converts one schema node (and everything under it). `at` names the node in error messages. */
export function toStructural(schema: TSchema, at = '$'): JsonSchemaProps {
  if (Array.isArray(schema.anyOf)) return literalUnion(schema, at);
  const out: JsonSchemaProps = {};
  for (const [key, value] of Object.entries(schema) as [string, unknown][]) {
    if (DROPPED.has(key)) continue;
    if (PASS_THROUGH.has(key)) out[key] = value;
    else if (key === 'const') out.enum = [value];
    else if (key === 'properties')
      out.properties = properties(value as Record<string, TSchema>, at);
    else if (key === 'items') out.items = items(value, at);
    else if (key === 'additionalProperties') additional(out, value, at);
    else if (key === 'patternProperties') out.additionalProperties = patternMap(value, at);
    else if (key === 'exclusiveMinimum' || key === 'exclusiveMaximum')
      exclusive(out, key, value, at);
    else if (key === VALIDATIONS) out[VALIDATIONS] = celRules(value as CelRule[]);
    else throw new StructuralSchemaError(`${at}: keyword "${key}" cannot be expressed in a CRD`);
  }
  if (out.type === undefined)
    throw new StructuralSchemaError(`${at}: structural schemas need a type`);
  return out;
}

function properties(props: Record<string, TSchema>, at: string): JsonSchemaProps {
  return Object.fromEntries(
    Object.entries(props).map(([name, prop]) => [name, toStructural(prop, `${at}.${name}`)]),
  );
}

function items(value: unknown, at: string): JsonSchemaProps {
  if (Array.isArray(value)) throw new StructuralSchemaError(`${at}: tuples are not structural`);
  return toStructural(value as TSchema, `${at}[]`);
}

// `properties` and `additionalProperties` are mutually exclusive in a structural schema; `false`
// is what pruning and strict field validation already do, so it is dropped.
function additional(out: JsonSchemaProps, value: unknown, at: string): void {
  if (value === false) return;
  if (value === true) {
    throw new StructuralSchemaError(`${at}: additionalProperties: true; use a typed map instead`);
  }
  out.additionalProperties = toStructural(value as TSchema, `${at}[*]`);
}

// Type.Record(Type.String(), X) → a map. Key patterns would be lost: express them in CEL instead.
function patternMap(value: unknown, at: string): JsonSchemaProps {
  const entries = Object.entries(value as Record<string, TSchema>);
  const [first] = entries;
  if (entries.length !== 1 || first === undefined || !['^(.*)$', '^.*$'].includes(first[0])) {
    throw new StructuralSchemaError(`${at}: key patterns are not structural; check keys with CEL`);
  }
  return toStructural(first[1], `${at}[*]`);
}

// JSON Schema draft 6+ (TypeBox) has numeric exclusive bounds; OpenAPI v3.0 has booleans.
function exclusive(out: JsonSchemaProps, key: string, value: unknown, at: string): void {
  if (typeof value !== 'number') throw new StructuralSchemaError(`${at}: ${key} must be a number`);
  const bound = key === 'exclusiveMinimum' ? 'minimum' : 'maximum';
  out[bound] = value;
  out[key] = true;
}

// A union of literals (TypeBox's enum) → { type, enum }. Any other union is not structural.
function literalUnion(schema: TSchema, at: string): JsonSchemaProps {
  const options = schema.anyOf as TSchema[];
  const values: unknown[] = options.map((option) => option.const as unknown);
  const types = new Set(options.map((option) => option.type as unknown));
  const [type] = types;
  if (values.some((v) => v === undefined) || types.size !== 1 || typeof type !== 'string') {
    throw new StructuralSchemaError(
      `${at}: only unions of literals of one type are structural; model "one of" as optional fields + CEL`,
    );
  }
  const { anyOf: _anyOf, ...rest } = schema;
  return { ...toStructural({ ...rest, type }, at), enum: values };
}

/** `x-kubernetes-validations` entries: the CEL fields only (twins and other extras dropped). */
export function celRules(rules: readonly CelRule[]): JsonSchemaProps[] {
  return rules.map((rule) => {
    const out: JsonSchemaProps = {};
    for (const key of RULE_KEYS) {
      const value = (rule as unknown as Record<string, unknown>)[key];
      if (value !== undefined) out[key] = value;
    }
    return out;
  });
}
