// Schema validation in TypeScript, with the apiserver's semantics: defaults applied first, then the
// structural checks (types, bounds, patterns, enums), then the CEL rules' TypeScript twins. Errors
// name the field the way Kubernetes does (`spec.strategy.canary.steps[2].setWeight`).
import type { Static, TSchema } from '@sinclair/typebox';
import { Value, ValueErrorType, type ValueError } from '@sinclair/typebox/value';
import { DURATION_PATTERN, parseDuration } from './duration.js';
import './formats.js';
import { rulesOf } from './schema.js';

/** A semantic error in a resource, pointing at one field. */
export interface FieldError {
  /** Kubernetes-style path, e.g. `spec.strategy.canary.steps[2].setWeight`. */
  readonly field: string;
  readonly message: string;
}

/**
 * Everything `schema` (and its CEL twins) finds wrong with `value`, which lives at `path` in the
 * object. At most one structural error per field; rules run only on nodes that are structurally valid.
 */
export function schemaErrors(schema: TSchema, value: unknown, path: string): FieldError[] {
  const withDefaults = Value.Default(schema, structuredClone(value));
  const errors: FieldError[] = [];
  const seen = new Set<string>();
  for (const error of Value.Errors(schema, withDefaults)) {
    const field = path + pointerToPath(schema, error.path);
    if (seen.has(field)) continue;
    seen.add(field);
    errors.push({ field, message: describe(error) });
  }
  errors.push(...ruleErrors(schema, withDefaults, path));
  return errors;
}

/**
 * A kind's validate(): the spec's schema errors, then (only on a structurally valid spec, with
 * defaults applied, as the apiserver would store it) the semantic checks of `semantic`.
 */
export function validateSpec<S extends TSchema>(
  schema: S,
  spec: unknown,
  semantic: (spec: Static<S>) => FieldError[],
): FieldError[] {
  if (spec === undefined || spec === null) return [{ field: 'spec', message: 'Required value' }];
  const errors = schemaErrors(schema, spec, 'spec');
  if (errors.length > 0) return errors;
  const withDefaults: unknown = Value.Default(schema, structuredClone(spec));
  return semantic(withDefaults);
}

/** One error for each value lower than the one before it, naming both fields. */
export function decreasingErrors(
  entries: readonly { readonly field: string; readonly value: number }[],
  what: string,
): FieldError[] {
  const errors: FieldError[] = [];
  entries.forEach((entry, i) => {
    const previous = entries[i - 1];
    if (previous && entry.value < previous.value) {
      errors.push({
        field: entry.field,
        message: `${what} ${entry.value} is lower than ${previous.value} at ${previous.field}; ${what} must not decrease`,
      });
    }
  });
  return errors;
}

function describe(error: ValueError): string {
  if (error.type === ValueErrorType.ObjectRequiredProperty) return 'Required value';
  const values = error.type === ValueErrorType.Union ? literalValues(error.schema) : undefined;
  return values ? `must be one of: ${values.join(', ')}` : error.message;
}

function literalValues(schema: TSchema): unknown[] | undefined {
  const options: unknown = schema.anyOf;
  if (!Array.isArray(options)) return undefined;
  const values = (options as TSchema[]).map((option) => option.const as unknown);
  return values.every((v) => v !== undefined) ? values : undefined;
}

function ruleErrors(schema: TSchema, value: unknown, path: string): FieldError[] {
  if (value === undefined) return [];
  const errors: FieldError[] = [];
  const rules = rulesOf(schema).filter((rule) => rule.check !== undefined);
  const isDuration = schema.pattern === DURATION_PATTERN && typeof value === 'string';
  if ((rules.length > 0 || isDuration) && Value.Check(schema, value)) {
    if (isDuration) errors.push(...durationErrors(value, path));
    for (const rule of rules) {
      if (!safeCheck(rule.check?.bind(rule), value)) {
        errors.push({ field: path + (rule.fieldPath ?? ''), message: rule.message });
      }
    }
  }
  if (Array.isArray(value)) {
    errors.push(...duplicateErrors(schema, value, path));
    const items = schema.items as TSchema | undefined;
    if (items) value.forEach((item, i) => errors.push(...ruleErrors(items, item, `${path}[${i}]`)));
  } else if (isRecord(value)) {
    for (const [key, child] of Object.entries(value)) {
      const step = childOf(schema, key);
      if (step) errors.push(...ruleErrors(step.schema, child, path + step.segment));
    }
  }
  return errors;
}

// What the apiserver enforces for `x-kubernetes-list-type: set` and `map` lists.
function duplicateErrors(schema: TSchema, list: readonly unknown[], path: string): FieldError[] {
  const listType: unknown = schema['x-kubernetes-list-type'];
  const mapKeys: unknown = schema['x-kubernetes-list-map-keys'];
  if (listType !== 'set' && listType !== 'map') return [];
  const keyOf = (item: unknown): string =>
    listType === 'map' && Array.isArray(mapKeys) && isRecord(item)
      ? JSON.stringify(Object.fromEntries((mapKeys as string[]).map((k) => [k, item[k]])))
      : JSON.stringify(item);
  const seen = new Set<string>();
  const errors: FieldError[] = [];
  list.forEach((item, i) => {
    const key = keyOf(item);
    if (seen.has(key)) errors.push({ field: `${path}[${i}]`, message: `Duplicate value: ${key}` });
    seen.add(key);
  });
  return errors;
}

function durationErrors(value: string, path: string): FieldError[] {
  try {
    parseDuration(value);
    return [];
  } catch (err) {
    return [{ field: path, message: (err as Error).message }];
  }
}

// A twin that throws has found input its rule does not expect: report it as a failed rule.
function safeCheck(check: ((self: unknown) => boolean) | undefined, value: unknown): boolean {
  try {
    return check?.(value) ?? true;
  } catch {
    return false;
  }
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** The schema of `key` inside an object or map schema, and how its path segment is written. */
function childOf(schema: TSchema, key: string): { schema: TSchema; segment: string } | undefined {
  const properties = schema.properties as Record<string, TSchema> | undefined;
  const property = properties?.[key];
  if (property) return { schema: property, segment: `.${key}` };
  const additional: unknown = schema.additionalProperties;
  if (typeof additional === 'object' && additional !== null) {
    return { schema: additional as TSchema, segment: `[${key}]` };
  }
  const patterns = schema.patternProperties as Record<string, TSchema> | undefined;
  const mapValue = patterns ? Object.values(patterns)[0] : undefined;
  return mapValue ? { schema: mapValue, segment: `[${key}]` } : undefined;
}

/** `/strategy/canary/steps/2/setWeight` → `.strategy.canary.steps[2].setWeight`. */
export function pointerToPath(schema: TSchema, pointer: string): string {
  let current: TSchema | undefined = schema;
  let out = '';
  for (const raw of pointer.split('/').slice(1)) {
    const key = raw.replaceAll('~1', '/').replaceAll('~0', '~');
    if (current?.type === 'array') {
      out += `[${key}]`;
      current = current.items as TSchema | undefined;
      continue;
    }
    const step = current ? childOf(current, key) : undefined;
    out += step?.segment ?? `.${key}`;
    current = step?.schema;
  }
  return out;
}
