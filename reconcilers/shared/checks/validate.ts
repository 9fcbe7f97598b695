// Semantic checks of an httpCheck beyond the CRD schema, reported by the kinds as InvalidSpec.
import { DurationError, parseDuration } from '../../../controller/index.js';
import type { HttpCheck } from '../api/http-check.js';
import { headerProblems, INVALID_HEADER_NAME, INVALID_HEADER_VALUE } from './http-check.js';

/** Structurally the runtime's FieldError. */
export interface HttpCheckFieldError {
  readonly field: string;
  readonly message: string;
}

/** `path` is the check's field path, e.g. `spec.checks.smoke[0]`. */
export function validateHttpCheck(check: HttpCheck, path: string): HttpCheckFieldError[] {
  const errors: HttpCheckFieldError[] = [];
  try {
    const url = new URL(check.url);
    if (url.protocol !== 'http:' && url.protocol !== 'https:') {
      errors.push({ field: `${path}.url`, message: 'must be an http or https URL' });
    }
  } catch {
    // The message never quotes the URL: it may carry credentials.
    errors.push({ field: `${path}.url`, message: 'is not a valid URL' });
  }
  // Refused by fetch at run time, with an error that would quote the value (often a token).
  for (const { name } of headerProblems(check.headers)) {
    errors.push(
      name === undefined
        ? { field: `${path}.headers`, message: INVALID_HEADER_NAME }
        : { field: `${path}.headers.${name}`, message: INVALID_HEADER_VALUE },
    );
  }
  if (check.timeout !== undefined) {
    try {
      if (parseDuration(check.timeout) <= 0) {
        errors.push({ field: `${path}.timeout`, message: 'must be greater than 0' });
      }
    } catch (e) {
      if (!(e instanceof DurationError)) throw e;
      errors.push({ field: `${path}.timeout`, message: e.message });
    }
  }
  return errors;
}
