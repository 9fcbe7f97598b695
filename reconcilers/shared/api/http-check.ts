// `httpCheck`: a smoke test or readiness probe (Release smoke tests, FailoverPlan health checks and
// validation). reconcilers/shared/checks runs it. Bounded strings and lists keep CEL cost low.
import { Type, type Static } from '@sinclair/typebox';
import { Duration } from './duration.js';
import { CheckName } from './metric-check.js';
import { described, StringEnum } from './schema.js';

export const HttpMethod = StringEnum(['GET', 'HEAD', 'POST']);
export type HttpMethod = Static<typeof HttpMethod>;

// A CRD schema must be structural, so "an int or a list" cannot be expressed: always a list.
export const ExpectStatus = Type.Array(Type.Integer({ minimum: 100, maximum: 599 }), {
  minItems: 1,
  maxItems: 16,
  default: [200],
  description: 'Accepted response statuses (default [200]).',
});

// `Type.Record` emits `patternProperties`, which CRDs reject; `additionalProperties` is structural.
const HeaderMap = Type.Object(
  {},
  {
    additionalProperties: Type.String({ maxLength: 1024 }),
    maxProperties: 16,
    description: 'Request headers. Values appear in no status, event or log.',
  },
);

export const HttpCheckSchema = Type.Object({
  name: Type.Optional(described(CheckName, 'Name shown in status and events; default: the URL.')),
  url: Type.String({
    pattern: '^https?://[^\\s/?#]+[^\\s]*$',
    maxLength: 2048,
    description: 'http:// or https:// URL to request.',
  }),
  method: Type.Optional(
    StringEnum(['GET', 'HEAD', 'POST'], { default: 'GET', description: 'HTTP method.' }),
  ),
  expectStatus: Type.Optional(ExpectStatus),
  bodyContains: Type.Optional(
    Type.String({
      minLength: 1,
      maxLength: 1024,
      description: 'A substring the response body must contain (not checked for HEAD).',
    }),
  ),
  headers: Type.Optional(HeaderMap),
  timeout: Type.Optional(
    Duration({ min: '1ms', max: '5m', default: '5s', description: 'Timeout of each attempt.' }),
  ),
  retries: Type.Optional(
    Type.Integer({
      minimum: 0,
      maximum: 10,
      default: 2,
      description: 'Extra attempts after a failed one.',
    }),
  ),
});

/** The schema; exported under the same name as its type, as the other api modules do. */
export const HttpCheck = HttpCheckSchema;
// TypeBox types an `additionalProperties` object as `{}`; the headers are string-valued.
export type HttpCheck = Omit<Static<typeof HttpCheckSchema>, 'headers'> & {
  headers?: Record<string, string>;
};
