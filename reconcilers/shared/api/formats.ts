// String formats used by our schemas. TypeBox's Value.Check refuses any format it does not know,
// so every format a schema names is registered here, once, on import.
import { FormatRegistry, Type, type StringOptions, type TString } from '@sinclair/typebox';

// RFC 3339 as Kubernetes accepts it for `format: date-time` (metav1.Time writes whole seconds, Z).
const RFC3339 =
  /^[0-9]{4}-[0-9]{2}-[0-9]{2}[Tt ][0-9]{2}:[0-9]{2}:[0-9]{2}(\.[0-9]+)?([Zz]|[+-][0-9]{2}:[0-9]{2})$/;

if (!FormatRegistry.Has('date-time')) {
  FormatRegistry.Set(
    'date-time',
    (value) => RFC3339.test(value) && !Number.isNaN(Date.parse(value)),
  );
}

/** An RFC 3339 timestamp (`2026-11-26T10:00:00Z`). */
export function DateTime(options: StringOptions = {}): TString {
  return Type.String({ format: 'date-time', maxLength: 64, ...options });
}
